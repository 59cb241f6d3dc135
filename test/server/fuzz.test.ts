/**
 * Malformed input against a running `pretext serve`: raw request lines and headers over TCP (so that
 * what an HTTP client library would refuse to send reaches the server), WebSocket upgrades, raw and
 * bad WebSocket frames, bad JSON calls. Every answer must be a 1xx–4xx or a closed connection, nothing
 * may reach 'uncaughtException', and the server must still answer good requests afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import WebSocket from 'ws';
import type { WireMessage } from '../../src-main/contract';
import { createCore, type Core } from '../../src-main/core/app';
import { tokenCookieName, tokenCookieValue } from '../../src-main/server/auth';
import { MAX_WS_PAYLOAD, startServer, type RunningServer } from '../../src-main/server/serve';
import { Rng } from '../../src-main/core/ssl/random';

let dir: string;
let core: Core;
let server: RunningServer;
const uncaught: unknown[] = [];
const onUncaught = (error: unknown): void => void uncaught.push(error);
let consoleError: MockInstance<typeof console.error>;
/** How many malformed requests, connections and frames the tests below sent. */
let sent = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-fuzz-'));
  const renderer = join(dir, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Pretext</title>');
  writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log(1)');
  core = createCore({ dbPath: join(dir, 'fuzz.db'), shell: 'serve' });
  server = await startServer({ core, rendererDir: renderer, port: 0 });
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  consoleError = vi.spyOn(console, 'error');
});
afterAll(async () => {
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
  consoleError.mockRestore();
  await server.close();
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The project's seeded generator, so that a failure reproduces. */
const rng = new Rng(0x5eed);
const random = (): number => rng.next();
const pick = <T,>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
const int = (n: number): number => Math.floor(random() * n);

interface Case {
  data: string | Buffer;
  what: string;
  /** The statuses allowed beside the general rule (below 500, or a closed connection). */
  expectStatus?: number | number[];
  halfClose?: boolean;
}

interface RawReply {
  /** Status of the first response line; null when the server closed without one. */
  status: number | null;
  closed: boolean;
}

/** Sends bytes over a fresh TCP connection; resolves at the first status line or when the server closes. */
function raw(data: string | Buffer, options: { halfClose?: boolean } = {}, timeoutMs = 5000): Promise<RawReply> {
  sent++;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: server.port });
    let buffer = Buffer.alloc(0);
    let done = false;
    const finish = (reply: RawReply | Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (reply instanceof Error) reject(reply);
      else resolve(reply);
    };
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms to ${JSON.stringify(String(data).slice(0, 200))}`)), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const text = buffer.toString('latin1');
      const eol = text.indexOf('\r\n');
      if (eol === -1) return;
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text.slice(0, eol));
      finish({ status: m ? Number(m[1]) : -1, closed: false });
    });
    socket.on('error', () => finish({ status: null, closed: true }));
    socket.on('close', () => finish({ status: null, closed: true }));
    socket.on('connect', () => {
      // A half-close tells the server no more bytes are coming (a body shorter than its Content-Length).
      if (options.halfClose) socket.end(data);
      else socket.write(data);
    });
  });
}

function expectSafe(reply: RawReply, what: string): void {
  if (reply.status === null) expect(reply.closed, what).toBe(true);
  else {
    expect(reply.status, what).toBeGreaterThanOrEqual(100);
    expect(reply.status, what).toBeLessThan(500);
  }
}

function host(): string {
  return `127.0.0.1:${server.port}`;
}

function request(target: string, headers: string[] = [], method = 'GET', body = ''): string {
  const lines = [`${method} ${target} HTTP/1.1`, `Host: ${host()}`, 'Connection: close', ...headers];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

function upgrade(target: string, headers: string[] = []): string {
  return request(target, [
    'Connection: Upgrade',
    'Upgrade: websocket',
    'Sec-WebSocket-Version: 13',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    ...headers,
  ]).replace('Connection: close\r\n', '');
}

/** Runs the cases a few at a time, asserting each. */
async function fire(cases: Case[]): Promise<RawReply[]> {
  const replies: RawReply[] = [];
  for (let i = 0; i < cases.length; i += 24) {
    const batch = cases.slice(i, i + 24);
    const got = await Promise.all(batch.map((c) => raw(c.data, { halfClose: c.halfClose })));
    got.forEach((reply, j) => {
      const c = batch[j]!;
      expectSafe(reply, c.what);
      if (c.expectStatus !== undefined) {
        const allowed = Array.isArray(c.expectStatus) ? c.expectStatus : [c.expectStatus];
        expect(allowed, `${c.what}: got ${reply.status}`).toContain(reply.status);
      }
    });
    replies.push(...got);
  }
  return replies;
}

const cookieOk = (): string => `${tokenCookieName(server.port)}=${tokenCookieValue(server.token, server.port)}`;

describe('malformed HTTP requests', () => {
  it('answers bad percent-encoding and odd targets with 400, never 500', async () => {
    const t = server.token;
    const cases: Case[] = [
      { data: request('/%'), what: '/%', expectStatus: 400 },
      { data: request(`/%?token=${t}`), what: '/% with token', expectStatus: 400 },
      { data: request('/%zz'), what: '/%zz', expectStatus: 400 },
      { data: request(`/%zz?token=${t}`), what: '/%zz with token', expectStatus: 400 },
      { data: request(`/media/image/%?token=${t}`), what: '/media/image/%', expectStatus: 400 },
      { data: request(`/media/thumb/%?token=${t}`), what: '/media/thumb/%', expectStatus: 400 },
      { data: request(`/export/run/%ff.csv?token=${t}`), what: '/export/run/%ff.csv', expectStatus: 400 },
      { data: request(`/export/run/1%.csv?token=${t}`), what: '/export/run/1%.csv', expectStatus: 400 },
      { data: request(`/%00?token=${t}`), what: '/%00', expectStatus: 400 },
      { data: request(`/assets/%e0%80?token=${t}`), what: 'overlong UTF-8', expectStatus: 400 },
      { data: request('//'), what: '//', expectStatus: 400 },
      { data: request(`//?token=${t}`), what: '// with token', expectStatus: 400 },
      { data: request(`///x?token=${t}`), what: '///x', expectStatus: 400 },
      { data: request(`//evil.example/?token=${t}`), what: '//evil.example/', expectStatus: 400 },
      { data: request(`/..%2f..%2fetc/passwd?token=${t}`), what: '/..%2f..%2fetc/passwd', expectStatus: [200, 404] },
      { data: request(`/../../etc/passwd?token=${t}`), what: '/../../etc/passwd', expectStatus: [200, 404] },
      { data: request(`/%2e%2e/%2e%2e/fuzz.db?token=${t}`), what: '/%2e%2e/fuzz.db', expectStatus: [200, 404] },
      { data: request('\\'), what: 'backslash', expectStatus: 400 },
      { data: request(`/\\evil?token=${t}`), what: '/\\evil', expectStatus: 400 },
      { data: request('http://evil/'), what: 'absolute-form', expectStatus: 400 },
      { data: request(`http://127.0.0.1:${server.port}/?token=${t}`), what: 'absolute-form to us', expectStatus: 400 },
      { data: request('*', [], 'OPTIONS'), what: 'asterisk-form', expectStatus: 400 },
      { data: request('*'), what: 'GET *', expectStatus: 400 },
      { data: request(''), what: 'empty target', expectStatus: 400 },
      { data: request(`/?token=${t}`, [], 'BREW'), what: 'unknown method', expectStatus: [400, 405] },
      { data: request(`/?token=${t}`, [], 'DELETE'), what: 'DELETE', expectStatus: 405 },
      { data: request(`/?token=${t}`, [], 'HEAD'), what: 'HEAD', expectStatus: 200 },
      { data: request(`/?token=%`), what: 'token=%', expectStatus: 401 },
      { data: request(`/?token=${t}%`), what: 'token + %', expectStatus: 401 },
      { data: request(`/?token=${t}&token=x`), what: 'two tokens', expectStatus: 200 },
      { data: request(`/#frag?token=${t}`), what: 'fragment', expectStatus: 401 },
      { data: request(`/media/thumb/99999999999999999999999?token=${t}`), what: 'huge item id', expectStatus: [400, 404] },
      { data: request(`/data/run/99999999999999999999999/points.bin?token=${t}`), what: 'huge run id', expectStatus: [400, 404] },
      { data: request(`/data/run/1/points.bin?projection=%zz&token=${t}`), what: 'bad projection', expectStatus: [400, 404] },
      { data: request(`/export/run/1/selection?kind=%ff&token=${t}`, [], 'POST'), what: 'bad kind', expectStatus: 400 },
      {
        data: request(`/export/run/1/selection?kind=paths&token=${t}`, ['Content-Length: 5'], 'POST', '{"it'),
        what: 'body shorter than its Content-Length, then half-close',
        halfClose: true,
      },
      {
        data: request(`/export/run/1/selection?kind=paths&token=${t}`, ['Content-Length: 4'], 'POST', 'null'),
        what: 'null body',
        expectStatus: [400, 404],
      },
      {
        data: request(`/export/run/1/selection?kind=paths&token=${t}`, ['Content-Length: 14'], 'POST', '{"itemIds":{}}'),
        what: 'object itemIds',
        expectStatus: [400, 404],
      },
      {
        data: request(`/export/run/1/selection?kind=paths&token=${t}`, ['Transfer-Encoding: chunked'], 'POST', '3\r\n[1]\r\n0\r\n\r\n'),
        what: 'chunked array body',
        expectStatus: [400, 404],
      },
      {
        data: request(`/export/run/1/selection?kind=paths&token=${t}`, ['Transfer-Encoding: chunked'], 'POST', 'zz\r\n'),
        what: 'bad chunk',
      },
      { data: request(`/?token=${t}`, ['Content-Length: abc']), what: 'bad Content-Length', expectStatus: 400 },
      { data: request(`/?token=${t}`, ['Content-Length: 1', 'Content-Length: 2']), what: 'two Content-Lengths', expectStatus: 400 },
      { data: request(`/?token=${t}`, ['Transfer-Encoding: chunked', 'Content-Length: 3'], 'POST', '0\r\n\r\n'), what: 'TE + CL' },
      { data: 'GET / HTTP/1.1\r\n\r\n', what: 'no Host', expectStatus: 400 },
      { data: `GET /?token=${t} HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`, what: 'foreign Host', expectStatus: 403 },
      { data: `GET /?token=${t} HTTP/1.1\r\nHost: [::1\r\nConnection: close\r\n\r\n`, what: 'broken IPv6 Host', expectStatus: [400, 403] },
      { data: `GET /?token=${t} HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n`, what: 'empty Host', expectStatus: [400, 403] },
      { data: `GET /?token=${t} HTTP/9.9\r\nHost: ${'x'}\r\n\r\n`, what: 'HTTP/9.9' },
      { data: `GET /?token=${t}\r\n\r\n`, what: 'HTTP/0.9 style' },
      { data: 'NOT HTTP AT ALL\r\n\r\n', what: 'garbage line', expectStatus: 400 },
      { data: '\r\n\r\n\r\n\r\n', what: 'blank lines only (the parser skips them and waits), then half-close', halfClose: true },
      { data: Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x0d, 0x0a, 0x0d, 0x0a]), what: 'TLS hello' },
      { data: Buffer.concat([Buffer.from('GET /'), Buffer.from([0xff, 0xfe, 0x00]), Buffer.from(' HTTP/1.1\r\n\r\n')]), what: 'binary in target' },
      { data: request(`/?token=${t}`, ['X-Bad\u0001Name: 1']), what: 'control char in header name', expectStatus: 400 },
      { data: request(`/?token=${t}`, ['X-Bad: a\u0000b']), what: 'NUL in header value', expectStatus: 400 },
      { data: request(`/?token=${t}`, ['NoColonHeader']), what: 'header without colon', expectStatus: 400 },
      { data: request(`/?token=${t}`, [' Folded: x']), what: 'leading-space header', expectStatus: 400 },
      { data: request(`/?token=${t}`, [`X-Huge: ${'a'.repeat(100 * 1024)}`]), what: '100 KB header', expectStatus: 431 },
      { data: request('/', [`X-Huge: ${'a'.repeat(100 * 1024)}`]), what: '100 KB header, no token', expectStatus: 431 },
      { data: request(`/${'a'.repeat(100 * 1024)}`), what: '100 KB target', expectStatus: [400, 401, 414, 431] },
      { data: request('/', Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`)), what: '3000 headers', expectStatus: [400, 401, 431] },
      { data: request('/', [`Authorization: Bearer ${'%'.repeat(200)}`]), what: 'bad bearer', expectStatus: 401 },
      { data: request('/', ['Authorization: Bearer']), what: 'empty bearer', expectStatus: 401 },
      { data: request('/', [`Authorization: bearer ${t}`]), what: 'lower-case bearer', expectStatus: 200 },
      { data: request('/', [`Authorization: Basic ${Buffer.from(`x:${t}`).toString('base64')}`]), what: 'basic auth', expectStatus: 401 },
      { data: request(`/?token=${t}`, ['Origin: null'], 'POST'), what: 'POST with Origin null', expectStatus: 405 },
      { data: request(`/export/run/1/selection?kind=paths&token=${t}`, ['Origin: null', 'Content-Length: 2'], 'POST', '{}'), what: 'null origin POST', expectStatus: 403 },
      { data: request(`/export/run/1/selection?kind=paths&token=${t}`, ['Origin: %%%', 'Content-Length: 2'], 'POST', '{}'), what: 'bad origin POST', expectStatus: 403 },
    ];
    await fire(cases);
  });

  it('treats malformed cookies as no cookie', async () => {
    const name = tokenCookieName(server.port);
    const good = cookieOk();
    const cases: Case[] = [
      { data: request('/', [`Cookie: ${name}=%`]), what: 'cookie %', expectStatus: 401 },
      { data: request('/', [`Cookie: ${name}=%zz`]), what: 'cookie %zz', expectStatus: 401 },
      { data: request('/', [`Cookie: ${name}=%E0%A4%A`]), what: 'cookie truncated UTF-8', expectStatus: 401 },
      { data: request('/', [`Cookie: ${name}=`]), what: 'empty cookie', expectStatus: 401 },
      { data: request('/', [`Cookie: ${name}`]), what: 'cookie without =', expectStatus: 401 },
      { data: request('/', [`Cookie: =${name}`]), what: 'cookie without name', expectStatus: 401 },
      { data: request('/', [`Cookie: ${name}=""`]), what: 'quoted empty cookie', expectStatus: 401 },
      { data: request('/', [`Cookie: ${name}="`]), what: 'lone quote', expectStatus: 401 },
      { data: request('/', ['Cookie: ;;;;==;;']), what: 'separators only', expectStatus: 401 },
      { data: request('/', [`Cookie: pretext_token=%`]), what: 'old cookie %', expectStatus: 401 },
      { data: request('/', [`Cookie: pretext_token=${server.token}`]), what: 'old cookie with token', expectStatus: 401 },
      { data: request('/', [`Cookie: ${name}=${server.token}`]), what: 'token as cookie value', expectStatus: 401 },
      { data: request('/', [`Cookie: ${name}=%; ${good}`]), what: 'bad then good', expectStatus: 200 },
      { data: request('/', [`Cookie: ${good}`, `Cookie: ${name}=%`]), what: 'two Cookie headers', expectStatus: 200 },
      { data: request('/', [`Cookie: ${good}x`]), what: 'good cookie + x', expectStatus: 401 },
      { data: request('/', [`Cookie: "${tokenCookieValue(server.token, server.port)}"=${name}`]), what: 'swapped', expectStatus: 401 },
      { data: request('/%', [`Cookie: ${good}`]), what: 'good cookie, bad path', expectStatus: 400 },
      { data: request(`/?token=${server.token}`, [`Cookie: ${name}=%`]), what: 'token and bad cookie', expectStatus: 200 },
      {
        data: request('/', [`Cookie: ${Array.from({ length: 600 }, (_, i) => `c${i}=%${i % 3 === 0 ? 'zz' : ''}`).join('; ')}`]),
        what: '600 cookies',
        expectStatus: 401,
      },
      {
        data: request('/', [`Cookie: ${Array.from({ length: 600 }, (_, i) => `c${i}=v`).join('; ')}; ${good}`]),
        what: '600 cookies then good',
        expectStatus: 200,
      },
      { data: request('/', [`Cookie: ${Array.from({ length: 5000 }, (_, i) => `${name}=${i}`).join('; ')}`]), what: 'oversized cookie', expectStatus: 431 },
    ];
    for (let i = 0; i < 40; i++) {
      const junk = Array.from({ length: 1 + int(6) }, () => pick(['%', '%%', '%zz', '%ff', '"', '=', ';', ',', ' ', 'a', '\\', '%25', '%3D', '\t'])).join('');
      cases.push({ data: request(pick(['/', '/assets/app.js', '/media/thumb/1']), [`Cookie: ${pick([name, 'pretext_token', 'x'])}=${junk}`]), what: `junk cookie ${junk}`, expectStatus: [400, 401] });
    }
    await fire(cases);
  });

  it('survives a few hundred random targets and headers (seeded)', async () => {
    const pieces = [
      '/', '//', '%', '%2f', '%2F', '%zz', '%ff', '%00', '%e0%80', '%c0%ae', '%25', '..', '.', 'api', 'media', 'thumb',
      'audio', 'text', 'image', 'export', 'data', 'run', 'points.bin', 'coordinates.csv', 'selection', '1', '0', '-1',
      '99999999999999999999', 'index.html', 'assets', 'app.js', '?', '&', '=', `token=${server.token}`, 'token=', 'kind=paths',
      'projection=', '#', '\\', '@', ':', ';', '~', "'", '"', '<', '>', '{', '}', '|', '^', '`', '[', ']', '\u00e9', '\u2028',
    ];
    const cases: Case[] = [];
    for (let i = 0; i < 220; i++) {
      let target = Array.from({ length: 1 + int(8) }, () => pick(pieces)).join('');
      if (random() < 0.8 && !target.startsWith('/')) target = `/${target}`;
      if (random() < 0.3) target += `${target.includes('?') ? '&' : '?'}token=${server.token}`;
      const method = pick(['GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'OPTIONS', 'get', 'G\u00e9T']);
      cases.push({ data: request(target, random() < 0.5 ? [`Authorization: Bearer ${server.token}`] : [], method), what: `${method} ${target}` });
    }
    const names = ['Cookie', 'Authorization', 'Origin', 'Host', 'Upgrade', 'Connection', 'Accept', 'Range', 'If-None-Match', 'X-Forwarded-For', 'Expect'];
    const values = ['%', '%zz', '', ' ', 'null', 'Bearer', 'Bearer %', 'websocket', 'upgrade', 'close', 'bytes=0-', 'bytes=-1', '100-continue', '*', 'http://evil', '::1', '[::1]', '\u00ff\u00fe'];
    for (let i = 0; i < 80; i++) {
      const headers = Array.from({ length: 1 + int(4) }, () => `${pick(names)}: ${pick(values)}${random() < 0.2 ? pick(values) : ''}`);
      const target = pick(['/', `/?token=${server.token}`, '/assets/app.js', `/media/thumb/1?token=${server.token}`, '/api', `/api?token=${server.token}`]);
      cases.push({ data: request(target, headers), what: `${target} ${headers.join(' | ')}` });
    }
    const replies = await fire(cases);
    expect(replies.length).toBe(300);
  });
});

describe('malformed WebSocket upgrades', () => {
  it('refuses bad paths and bad cookies with a 4xx, with or without a valid token', async () => {
    const name = tokenCookieName(server.port);
    const t = server.token;
    const cases: Case[] = [
      { data: upgrade('//'), what: 'upgrade //', expectStatus: 400 },
      { data: upgrade(`//?token=${t}`), what: 'upgrade // with token', expectStatus: 400 },
      { data: upgrade('///api'), what: 'upgrade ///api', expectStatus: 400 },
      { data: upgrade('/%'), what: 'upgrade /%', expectStatus: 400 },
      { data: upgrade(`/api%?token=${t}`), what: 'upgrade /api%', expectStatus: 400 },
      { data: upgrade(`/api/%ff?token=${t}`), what: 'upgrade /api/%ff', expectStatus: 400 },
      { data: upgrade('*'), what: 'upgrade *', expectStatus: 400 },
      { data: upgrade('http://evil/api'), what: 'upgrade absolute-form', expectStatus: 400 },
      { data: upgrade('\\api'), what: 'upgrade backslash', expectStatus: 400 },
      { data: upgrade(`/nope?token=${t}`), what: 'upgrade elsewhere', expectStatus: 404 },
      { data: upgrade('/api?token=%'), what: 'upgrade token=%', expectStatus: 401 },
      { data: upgrade('/api', [`Cookie: ${name}=%`]), what: 'upgrade cookie %', expectStatus: 401 },
      { data: upgrade('/api', [`Cookie: pretext_token=%`]), what: 'upgrade old cookie %', expectStatus: 401 },
      { data: upgrade('/api', [`Cookie: pretext_token=${t}`]), what: 'upgrade old cookie', expectStatus: 401 },
      { data: upgrade('/api', [`Cookie: ${name}=%zz; ${name}=%`]), what: 'upgrade cookies %zz %', expectStatus: 401 },
      { data: upgrade(`/api?token=${t}`, [`Cookie: ${name}=%`]), what: 'upgrade token + cookie %', expectStatus: 101 },
      { data: upgrade('/api', [`Cookie: ${name}=%; ${cookieOk()}`]), what: 'upgrade bad + good cookie', expectStatus: 101 },
      { data: upgrade('/api', [`Authorization: Bearer ${t}`, `Cookie: ${name}=%`]), what: 'upgrade bearer + cookie %', expectStatus: 101 },
      { data: upgrade(`/api?token=${t}`, ['Origin: http://evil.example']), what: 'upgrade foreign origin', expectStatus: 403 },
      { data: upgrade(`/api?token=${t}`, ['Origin: %']), what: 'upgrade bad origin', expectStatus: 403 },
      { data: upgrade(`/api?token=${t}`).replace(`Host: ${host()}`, 'Host: evil.example'), what: 'upgrade foreign host', expectStatus: 403 },
      { data: upgrade(`/api?token=${t}`).replace('Sec-WebSocket-Version: 13', 'Sec-WebSocket-Version: 99'), what: 'bad version', expectStatus: 400 },
      { data: upgrade(`/api?token=${t}`).replace(/Sec-WebSocket-Key: .*\r\n/, 'Sec-WebSocket-Key: short\r\n'), what: 'bad key', expectStatus: 400 },
      { data: upgrade(`/api?token=${t}`).replace('Upgrade: websocket', 'Upgrade: h2c'), what: 'other protocol', expectStatus: 400 },
      { data: upgrade(`/api?token=${t}`).replace('GET ', 'POST '), what: 'POST upgrade', expectStatus: [400, 405] },
      { data: upgrade(`/api?token=${t}`, [`X-Huge: ${'a'.repeat(100 * 1024)}`]), what: 'upgrade with 100 KB header', expectStatus: 431 },
      { data: upgrade(`/api?token=${t}`, ['Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=99']), what: 'bad extension (none is offered)', expectStatus: [101, 400] },
      { data: upgrade(`/api?token=${t}`, ['Sec-WebSocket-Protocol: ,,,']), what: 'bad subprotocol', expectStatus: 400 },
    ];
    for (let i = 0; i < 30; i++) {
      const path = pick(['/api', '//api', '/api%', '/%61pi', '/api/', '/API', '/api?', '/api#', '/a%zz']);
      const withToken = random() < 0.5;
      const cookie = pick([`${name}=%`, `${name}=${'%'.repeat(1 + int(5))}`, `${name}=${randomBytes(8).toString('base64')}`, cookieOk(), 'x=%']);
      cases.push({ data: upgrade(`${path}${withToken ? `${path.includes('?') ? '&' : '?'}token=${t}` : ''}`, [`Cookie: ${cookie}`]), what: `upgrade ${path} ${cookie}` });
    }
    await fire(cases);
  });
});

/** A client frame (masked unless told otherwise), with room to lie about its length. */
function frame(opcode: number, payload: Buffer, options: { fin?: boolean; rsv?: number; mask?: boolean; length?: bigint } = {}): Buffer {
  const { fin = true, rsv = 0, mask = true } = options;
  const length = options.length ?? BigInt(payload.length);
  const head: number[] = [(fin ? 0x80 : 0) | (rsv << 4) | opcode];
  const maskBit = mask ? 0x80 : 0;
  let extended = Buffer.alloc(0);
  if (length < 126n) head.push(maskBit | Number(length));
  else if (length < 65536n) {
    head.push(maskBit | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(Number(length));
  } else {
    head.push(maskBit | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(length);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), extended, payload]);
  const key = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ key[i % 4]!));
  return Buffer.concat([Buffer.from(head), extended, key, masked]);
}

/**
 * Opens an authorised WebSocket by hand and sends `bytes` after the handshake; resolves with the close
 * code of the server's close frame, or 'closed' when it dropped the TCP connection, or 'open' when it
 * kept the socket open for `waitMs`.
 */
function rawSocket(bytes: Buffer, waitMs = 1500): Promise<number | 'closed' | 'open'> {
  sent++;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: server.port });
    let buffer = Buffer.alloc(0);
    let upgraded = false;
    let done = false;
    const finish = (result: number | 'closed' | 'open' | Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const timer = setTimeout(() => finish(upgraded ? 'open' : new Error('no handshake')), waitMs);
    socket.on('connect', () => socket.write(upgrade(`/api?token=${server.token}`)));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end === -1) return;
        if (!buffer.subarray(0, 12).toString().startsWith('HTTP/1.1 101')) return finish(new Error(`handshake: ${buffer.toString().slice(0, 40)}`));
        upgraded = true;
        buffer = buffer.subarray(end + 4);
        socket.write(bytes);
      }
      // Server frames are unmasked; skip anything before a close frame.
      while (buffer.length >= 2) {
        const opcode = buffer[0]! & 0x0f;
        let len = buffer[1]! & 0x7f;
        let offset = 2;
        if (len === 126) {
          if (buffer.length < 4) return;
          len = buffer.readUInt16BE(2);
          offset = 4;
        } else if (len === 127) {
          if (buffer.length < 10) return;
          len = Number(buffer.readBigUInt64BE(2));
          offset = 10;
        }
        if (buffer.length < offset + len) return;
        if (opcode === 0x8) return finish(len >= 2 ? buffer.readUInt16BE(offset) : 1005);
        buffer = buffer.subarray(offset + len);
      }
    });
    socket.on('error', () => finish('closed'));
    socket.on('close', () => finish(upgraded ? 'closed' : new Error('closed before the handshake')));
  });
}

describe('malformed WebSocket frames', () => {
  it('closes the socket on invalid frames without crashing', async () => {
    const text = (s: string): Buffer => Buffer.from(s, 'utf8');
    const badClose = Buffer.alloc(2);
    badClose.writeUInt16BE(999);
    const cases: { bytes: Buffer; what: string; expect: (number | 'closed' | 'open')[] }[] = [
      { bytes: frame(0x1, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), what: 'invalid UTF-8 text', expect: [1007] },
      { bytes: frame(0x1, Buffer.from([0xed, 0xa0, 0x80])), what: 'UTF-8 surrogate', expect: [1007] },
      { bytes: frame(0x1, Buffer.alloc(0), { length: BigInt(MAX_WS_PAYLOAD + 1) }), what: 'announced length over max payload', expect: [1009] },
      { bytes: frame(0x2, Buffer.alloc(0), { length: 2n ** 63n }), what: 'length 2^63', expect: [1009, 1002] },
      { bytes: frame(0x1, text('{}'), { mask: false }), what: 'unmasked client frame', expect: [1002] },
      { bytes: frame(0x3, text('x')), what: 'reserved opcode', expect: [1002] },
      { bytes: frame(0x1, text('{}'), { rsv: 4 }), what: 'RSV1 without extension', expect: [1002] },
      { bytes: frame(0x9, text('x'), { fin: false }), what: 'fragmented ping', expect: [1002] },
      { bytes: frame(0x9, Buffer.alloc(126)), what: 'ping over 125 bytes', expect: [1002] },
      { bytes: frame(0x0, text('x')), what: 'continuation without start', expect: [1002] },
      { bytes: Buffer.concat([frame(0x1, text('{'), { fin: false }), frame(0x1, text('}'))]), what: 'new message inside a fragmented one', expect: [1002] },
      { bytes: frame(0x8, badClose), what: 'close with code 999', expect: [1002] },
      { bytes: frame(0x8, Buffer.from([0x03])), what: 'close with 1-byte payload', expect: [1002] },
      { bytes: frame(0x8, Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from([0xff])])), what: 'close reason not UTF-8', expect: [1007] },
      { bytes: frame(0x2, randomBytes(64)), what: 'random binary frame', expect: ['open'] },
      { bytes: frame(0x2, text('{"type":"call","id":1,"name":"app.info"}')), what: 'JSON in a binary frame', expect: ['open'] },
      { bytes: randomBytes(32), what: 'random bytes', expect: [1002, 1007, 1009, 'closed', 'open'] },
    ];
    const got = await Promise.all(cases.map((c) => rawSocket(c.bytes)));
    got.forEach((result, i) => expect(cases[i]!.expect, `${cases[i]!.what}: got ${String(result)}`).toContain(result));
  });
});

function openSocket(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

describe('bad JSON calls over an authorised WebSocket', () => {
  it('answers every call that has a numeric id, ignores the rest, and stays up', async () => {
    const ws = await openSocket();
    const replies: WireMessage[] = [];
    ws.on('message', (data) => replies.push(JSON.parse(data.toString()) as WireMessage));
    const ignored = ['not json', '{', '', ' ', 'null', '1', '"x"', '[]', '[1,2]', 'true', '{}', '{"type":"call"}', '{"type":"call","id":"1","name":"app.info"}',
      '{"type":"call","id":null,"name":"app.info"}', '{"type":"call","id":[1],"name":"app.info"}', '{"id":{"$gt":0}}', '\u0000', '{"__proto__":{"id":1}}'];
    /** id → the error code it must get, or 'any' for a result or any error. */
    const answered = new Map<number, string>();
    const frames: string[] = [...ignored];
    const add = (id: number, body: Record<string, unknown>, code: string): void => {
      answered.set(id, code);
      frames.push(JSON.stringify({ id, ...body }));
    };
    add(1, { type: 'call', name: 123 }, 'bad_request');
    add(2, { type: 'call', name: 'runs.get', request: 'x' }, 'bad_request');
    add(3, { type: 'call', name: 'runs.get', request: { runId: 'x' } }, 'any');
    add(4, { type: 'call', name: 'datasets.import', request: { path: 5 } }, 'bad_request');
    add(5, { type: 'call', name: 'nope.nope' }, 'bad_request');
    add(6, { type: 'call', name: '__proto__' }, 'bad_request');
    add(7, { type: 'call', name: 'constructor' }, 'bad_request');
    add(8, { type: 'call', name: 'hasOwnProperty' }, 'bad_request');
    add(9, { type: 'call' }, 'bad_request');
    add(10, { type: 'result', name: 'app.info' }, 'bad_request');
    add(11, { name: 'app.info' }, 'bad_request');
    add(12, { type: 'call', name: 'runs.get', request: [1] }, 'bad_request');
    add(13, { type: 'call', name: 'runs.get', request: 7 }, 'bad_request');
    add(14, { type: 'call', name: 'runs.get', request: true }, 'bad_request');
    add(15, { type: 'call', name: 'runs.get', request: null }, 'any');
    add(16, { type: 'call', name: 'datasets.get', request: { datasetId: { a: 1 } } }, 'any');
    add(17, { type: 'call', name: 'datasets.items', request: { datasetId: -1, offset: 'a', limit: 1e308 } }, 'any');
    add(18, { type: 'call', name: 'items.get', request: { itemId: [1, 2] } }, 'any');
    add(19, { type: 'call', name: 'datasets.import' }, 'bad_request');
    add(20, { type: 'call', name: 'datasets.import', request: { path: '' } }, 'bad_request');
    add(21, { type: 'call', name: 'search.similarToItem', request: { runId: 1, itemId: 'x', k: -5 } }, 'any');
    add(22, { type: 'call', name: 'runs.metrics', request: { runId: 1, afterStep: 'x' } }, 'any');
    add(23, { type: 'call', name: 'x'.repeat(10_000) }, 'bad_request');
    add(-1, { type: 'call', name: 'app.info' }, 'any');
    add(1.5, { type: 'call', name: 'app.info' }, 'any');
    // Seeded junk arguments for calls that only read.
    const readers = ['datasets.get', 'datasets.items', 'runs.get', 'runs.list', 'runs.metrics', 'projections.list', 'items.get', 'search.similarToItem', 'runs.cancel', 'projections.cancel', 'fs.checkPath', 'datasets.cancelImport'];
    const junk = (): unknown =>
      pick<() => unknown>([
        () => int(1000) - 500,
        () => 'x'.repeat(int(20)),
        () => null,
        () => [int(5)],
        () => ({ a: int(3) }),
        () => true,
        () => 1e308,
        () => '%zz',
        () => '../'.repeat(int(4)),
      ])();
    for (let i = 0; i < 60; i++) {
      const name = pick(readers);
      const request = random() < 0.2 ? junk() : Object.fromEntries(['runId', 'datasetId', 'itemId', 'k', 'afterStep', 'offset', 'limit', 'root', 'path'].filter(() => random() < 0.4).map((k) => [k, junk()]));
      add(100 + i, { type: 'call', name, request }, 'any');
    }
    for (const text of frames) {
      sent++;
      ws.send(text);
    }
    // Binary frames, fragmented by ws itself when big: parsed like text, or ignored.
    ws.send(Buffer.from('{"type":"call","id":500,"name":"app.info"}'));
    ws.send(randomBytes(1024));
    sent += 2;
    answered.set(500, 'any');
    // A sentinel: once it is answered, every earlier frame has been handled (one at a time, in order
    // for the synchronous checks; the handlers are awaited below).
    const sentinel = (): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (replies.some((r) => r.type !== 'event' && r.id === 9999)) resolve();
          else setTimeout(check, 20);
        };
        ws.send(JSON.stringify({ type: 'call', id: 9999, name: 'app.info', request: null }));
        check();
      });
    await sentinel();
    await vi.waitFor(() => expect(answered.size).toBeLessThanOrEqual(replies.filter((r) => r.type !== 'event' && r.id !== 9999).length), { timeout: 5000 });
    const byId = new Map<number, WireMessage[]>();
    for (const r of replies) if (r.type !== 'event') byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
    for (const [id, code] of answered) {
      const got = byId.get(id);
      expect(got, `reply to ${id}`).toHaveLength(1);
      const reply = got![0]!;
      expect(['result', 'error'], `reply to ${id}`).toContain(reply.type);
      if (code !== 'any') expect(reply, `reply to ${id}`).toMatchObject({ type: 'error', error: { code } });
      if (reply.type === 'error') {
        expect(typeof reply.error.message).toBe('string');
        expect(reply.error.message.length).toBeLessThan(2000);
      }
    }
    expect(byId.get(5)![0]).toMatchObject({ error: { message: 'Unknown call nope.nope' } });
    // Nothing else was answered: frames without a numeric id got no reply.
    expect([...byId.keys()].filter((id) => id !== 9999 && !answered.has(id))).toEqual([]);
    ws.close();
  });

  it('closes a socket that sends invalid UTF-8 or a message over the max payload; others go on', async () => {
    const bystander = await openSocket();
    const closed = async (send: (ws: WebSocket) => void): Promise<number> => {
      const ws = await openSocket();
      ws.on('error', () => {});
      const code = new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)));
      send(ws);
      sent++;
      return code;
    };
    expect(await closed((ws) => ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false }))).toBe(1007);
    expect(await closed((ws) => ws.send(Buffer.alloc(MAX_WS_PAYLOAD + 1, 0x20)))).toBe(1009);
    const answer = new Promise<WireMessage>((resolve) => bystander.once('message', (d) => resolve(JSON.parse(d.toString()) as WireMessage)));
    bystander.send(JSON.stringify({ type: 'call', id: 1, name: 'app.info', request: null }));
    expect(await answer).toMatchObject({ type: 'result', id: 1, response: { name: 'Pretext', shell: 'serve' } });
    bystander.close();
  });
});

describe('after the fuzzing', () => {
  it('sent a few hundred malformed inputs, none reached uncaughtException, and good requests still work', async () => {
    expect(uncaught).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(400);
    expect(consoleError.mock.calls.filter((c) => String(c[0]).includes('internal error'))).toEqual([]);
    const page = await raw(request(`/?token=${server.token}`));
    expect(page.status).toBe(200);
    const asset = await raw(request('/assets/app.js', [`Cookie: ${cookieOk()}`]));
    expect(asset.status).toBe(200);
    const ws = await openSocket();
    const answer = new Promise<WireMessage>((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()) as WireMessage)));
    ws.send(JSON.stringify({ type: 'call', id: 42, name: 'app.info', request: null }));
    expect(await answer).toMatchObject({ type: 'result', id: 42, response: { name: 'Pretext', shell: 'serve' } });
    ws.close();
  });
});
