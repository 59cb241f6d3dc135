import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { WireMessage } from '../../src-main/contract';
import { createCore, type Core } from '../../src-main/core/app';
import { tokenCookieName, tokenCookieValue } from '../../src-main/server/auth';
import { startServer, type RunningServer } from '../../src-main/server/serve';

let dir: string;
let core: Core;
let server: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-serve-'));
  const renderer = join(dir, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Pretext</title>');
  writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log(1)');
  core = createCore({ dbPath: join(dir, 'serve.db'), shell: 'serve' });
  server = await startServer({ core, rendererDir: renderer, port: 0 });
});
afterAll(async () => {
  await server.close();
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}
function get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function openSocket(query: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function callOver(ws: WebSocket, id: number, name: string, req: unknown): Promise<WireMessage> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData): void => {
      const message = JSON.parse(data.toString()) as WireMessage;
      if (message.type !== 'event' && message.id === id) {
        ws.off('message', onMessage);
        resolve(message);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ type: 'call', id, name, request: req }));
  });
}

describe('pretext serve', () => {
  it('prints a loopback URL carrying a random token', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[A-Za-z0-9_-]{32}$`));
  });

  it('refuses requests without the token', async () => {
    const reply = await get('/');
    expect(reply.status).toBe(401);
    expect(reply.body).toMatch(/access token/);
    expect((await get('/?token=wrong')).status).toBe(401);
    expect((await get('/media/thumb/1')).status).toBe(401);
  });

  it('serves the app with the token, sets an HttpOnly cookie and a CSP', async () => {
    const reply = await get(`/?token=${server.token}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('<title>Pretext</title>');
    const cookie = `${tokenCookieName(server.port)}=${tokenCookieValue(server.token, server.port)}`;
    expect(reply.headers['set-cookie']).toEqual([`${cookie}; HttpOnly; SameSite=Strict; Path=/`]);
    expect(reply.headers['content-security-policy']).toMatch(/default-src 'self'/);
    const asset = await get('/assets/app.js', { cookie });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
  });

  it('binds the cookie to the port and never puts the token itself in it', async () => {
    const name = tokenCookieName(server.port);
    const value = tokenCookieValue(server.token, server.port);
    expect(name).toBe(`pretext_token_${server.port}`);
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(value).not.toContain(server.token);
    expect(value).toBe(createHmac('sha256', server.token).update(`cookie:${server.port}`).digest('base64url'));
    const reply = await get(`/?token=${server.token}`);
    expect(String(reply.headers['set-cookie'])).not.toContain(server.token);
    // The old, port-less cookie, the raw token in the new one, another port's cookie: all refused.
    expect((await get('/assets/app.js', { cookie: `pretext_token=${server.token}` })).status).toBe(401);
    expect((await get('/assets/app.js', { cookie: `${name}=${server.token}` })).status).toBe(401);
    const other = server.port === 65535 ? server.port - 1 : server.port + 1;
    expect((await get('/assets/app.js', { cookie: `${tokenCookieName(other)}=${tokenCookieValue(server.token, other)}` })).status).toBe(401);
    expect((await get('/assets/app.js', { cookie: `${name}=${tokenCookieValue(server.token, other)}` })).status).toBe(401);
    // A malformed cookie is no cookie; the good one beside it still counts.
    expect((await get('/assets/app.js', { cookie: `${name}=%` })).status).toBe(401);
    expect((await get('/assets/app.js', { cookie: `${name}=%; a=b; ${name}=${value}` })).status).toBe(200);
    // The WebSocket accepts the cookie too.
    const ws = await openSocket('', { cookie: `${name}=${value}` });
    expect(await callOver(ws, 1, 'app.info', null)).toMatchObject({ type: 'result', response: { name: 'Pretext' } });
    ws.close();
    await expect(openSocket('', { cookie: `${name}=%` })).rejects.toThrow(/401/);
  });

  it('answers 400 to malformed targets', async () => {
    for (const path of ['/%', '/%zz', `/%?token=${server.token}`, `/media/thumb/%?token=${server.token}`, `/%ff?token=${server.token}`]) {
      expect((await get(path)).status, path).toBe(400);
    }
  });

  it('refuses a foreign Host header (DNS rebinding) even with the token', async () => {
    const reply = await get(`/?token=${server.token}`, { host: 'evil.example:80' });
    expect(reply.status).toBe(403);
  });

  it('does not serve files outside the renderer folder', async () => {
    const reply = await get(`/..%2f..%2fserve.db?token=${server.token}`);
    expect(reply.body).not.toContain('SQLite');
  });

  it('answers typed calls over the WebSocket and reports errors with codes', async () => {
    await expect(openSocket('')).rejects.toThrow(/401/);
    await expect(openSocket(`?token=${server.token}`, { origin: 'http://evil.example' })).rejects.toThrow(/403/);
    const ws = await openSocket(`?token=${server.token}`);
    const info = await callOver(ws, 1, 'app.info', null);
    expect(info).toMatchObject({ type: 'result', response: { name: 'Pretext', shell: 'serve' } });
    const list = await callOver(ws, 2, 'datasets.list', null);
    expect(list).toMatchObject({ type: 'result', response: [] });
    const missing = await callOver(ws, 3, 'datasets.get', { datasetId: 999 });
    expect(missing).toMatchObject({ type: 'error', error: { code: 'not_found' } });
    const unknown = await callOver(ws, 4, 'nope.nope', {});
    expect(unknown).toMatchObject({ type: 'error', error: { code: 'bad_request', message: 'Unknown call nope.nope' } });
    const badImport = await callOver(ws, 5, 'datasets.import', { path: join(dir, 'does-not-exist') });
    expect(badImport).toMatchObject({ type: 'error', error: { code: 'bad_request' } });
    ws.close();
  });

  it('answers a handler that throws, rejects with a non-Error, or returns what JSON cannot carry', async () => {
    const handlers = core.handlers as unknown as Record<string, (req: unknown) => unknown>;
    const original = handlers['engine.info']!;
    const ws = await openSocket(`?token=${server.token}`);
    try {
      handlers['engine.info'] = () => {
        throw new Error('thrown synchronously');
      };
      expect(await callOver(ws, 1, 'engine.info', null)).toMatchObject({ type: 'error', id: 1, error: { code: 'internal', message: 'thrown synchronously' } });
      handlers['engine.info'] = () => Promise.reject(null);
      expect(await callOver(ws, 2, 'engine.info', null)).toMatchObject({ type: 'error', id: 2, error: { code: 'internal', message: 'null' } });
      handlers['engine.info'] = () => Promise.reject('a string');
      expect(await callOver(ws, 3, 'engine.info', null)).toMatchObject({ type: 'error', id: 3, error: { code: 'internal', message: 'a string' } });
      handlers['engine.info'] = () => Promise.reject(Object.create(null));
      expect(await callOver(ws, 4, 'engine.info', null)).toMatchObject({ type: 'error', id: 4, error: { code: 'internal' } });
      handlers['engine.info'] = () => {
        throw Symbol('odd');
      };
      expect(await callOver(ws, 5, 'engine.info', null)).toMatchObject({ type: 'error', id: 5, error: { code: 'internal' } });
      handlers['engine.info'] = async () => ({ big: 1n });
      expect(await callOver(ws, 6, 'engine.info', null)).toMatchObject({ type: 'error', id: 6, error: { code: 'internal' } });
      // The socket is still good.
      expect(await callOver(ws, 7, 'app.info', null)).toMatchObject({ type: 'result', id: 7 });
    } finally {
      handlers['engine.info'] = original;
      ws.close();
    }
  });

  it('answers 500 without details, and logs neither the URL nor the token, when a request fails unexpectedly', async () => {
    const original = core.dataResponse;
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      core.dataResponse = () => ({
        get mime(): string {
          throw new Error('unexpected');
        },
        filename: null,
        write: async () => 0,
      });
      const reply = await get(`/data/run/1/points.bin?token=${server.token}`);
      expect(reply.status).toBe(500);
      expect(reply.body).toBe('Internal error');
      expect(logged).toHaveBeenCalledTimes(1);
      expect(String(logged.mock.calls[0])).not.toContain(server.token);
      expect(String(logged.mock.calls[0])).not.toContain('points.bin');
    } finally {
      core.dataResponse = original;
      logged.mockRestore();
    }
    expect((await get(`/?token=${server.token}`)).status).toBe(200);
  });

  it('returns 404 for media of an unknown item', async () => {
    const reply = await get(`/media/thumb/12345?token=${server.token}`);
    expect(reply.status).toBe(404);
  });
});
