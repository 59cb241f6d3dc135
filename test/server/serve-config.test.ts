import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src-main/core/app';
import { startServer } from '../../src-main/server/serve';
import { planServe, readServeConfig, serveConfigPath, writeServeConfig } from '../../src-main/server/serve-config';

let dir: string;
let renderer: string;
let core: Core;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-serve-config-'));
  renderer = join(dir, 'renderer');
  mkdirSync(renderer);
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Pretext</title>');
  core = createCore({ dbPath: join(dir, 'serve.db'), shell: 'serve' });
});
afterAll(async () => {
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; cookie: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, cookie: res.headers['set-cookie']?.[0]?.split(';')[0] }));
    });
    req.on('error', reject);
    req.end();
  });
}

const mode = (path: string): number => statSync(path).mode & 0o777;

describe('the serve config file', () => {
  it('lives in the database files folder, round-trips, and is written readable by its owner only', () => {
    const path = serveConfigPath(join(dir, 'x.db'));
    expect(path).toBe(join(dir, 'x.db-files', 'serve.json'));
    expect(readServeConfig(path)).toEqual({});
    writeServeConfig(path, { port: 43117, token: 'a'.repeat(32) });
    expect(readServeConfig(path)).toEqual({ port: 43117, token: 'a'.repeat(32) });
    if (process.platform !== 'win32') expect(mode(path)).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ port: 43117, token: 'a'.repeat(32) });
  });

  it('tightens a file holding a token that others can read, and refuses what is not its own format', () => {
    const path = join(dir, 'loose.json');
    writeFileSync(path, JSON.stringify({ token: 'b'.repeat(24) }));
    chmodSync(path, 0o644);
    expect(readServeConfig(path).token).toBe('b'.repeat(24));
    if (process.platform !== 'win32') expect(mode(path)).toBe(0o600);
    writeFileSync(path, '{oops');
    expect(() => readServeConfig(path)).toThrow(/loose\.json is not valid JSON; fix it or delete it/);
    writeFileSync(path, JSON.stringify({ port: 70000 }));
    expect(() => readServeConfig(path)).toThrow(/port must be an integer in 1\.\.65535, got 70000/);
    writeFileSync(path, JSON.stringify({ token: 'short' }));
    expect(() => readServeConfig(path)).toThrow(/token must be 16 to 256 characters/);
  });
});

describe('planServe', () => {
  it('remembers the port it got the first time and serves on it after; --port wins and is remembered', () => {
    const first = planServe({}, {});
    expect(first).toMatchObject({ port: 0, portGiven: false });
    expect(first.remember(41234)).toEqual({ port: 41234 });
    expect(planServe({ port: 41234 }, {})).toMatchObject({ port: 41234, portGiven: false });
    const given = planServe({ port: 41234 }, { port: 5000 });
    expect(given).toMatchObject({ port: 5000, portGiven: true });
    expect(given.remember(5000)).toEqual({ port: 5000 });
    // The remembered port was busy and another was picked this time: it stays remembered.
    expect(planServe({ port: 41234 }, {}).remember(41999)).toEqual({ port: 41234 });
  });

  it('a new random token per start unless one is kept; --keep-token keeps it, --new-token forgets it', () => {
    const a = planServe({}, {});
    const b = planServe({}, {});
    expect(a.token).not.toBe(b.token);
    expect(a.token.length).toBeGreaterThanOrEqual(32);
    expect(a.remember(1).token).toBeUndefined();
    const keep = planServe({ port: 1 }, { keepToken: true });
    expect(keep.remember(1)).toEqual({ port: 1, token: keep.token });
    expect(planServe({ port: 1, token: keep.token }, {}).token).toBe(keep.token);
    expect(planServe({ port: 1, token: keep.token }, {}).remember(1)).toEqual({ port: 1, token: keep.token });
    // A one-off --token is used and leaves the kept one kept.
    const oneOff = planServe({ port: 1, token: keep.token }, { token: 'my-own-token-0123456789' });
    expect(oneOff.token).toBe('my-own-token-0123456789');
    expect(oneOff.remember(1).token).toBe(keep.token);
    const forget = planServe({ port: 1, token: keep.token }, { newToken: true });
    expect(forget.token).not.toBe(keep.token);
    expect(forget.remember(1)).toEqual({ port: 1 });
    const rotate = planServe({ port: 1, token: keep.token }, { newToken: true, keepToken: true });
    expect(rotate.remember(1)).toEqual({ port: 1, token: rotate.token });
  });

  it('refuses a short or URL-unsafe --token, and --token with --new-token', () => {
    expect(() => planServe({}, { token: 'secret' })).toThrow(/--token must be 16 to 256 characters/);
    expect(() => planServe({}, { token: 'has spaces and is long enough' })).toThrow(/--token must be/);
    expect(() => planServe({}, { token: 'x'.repeat(20), newToken: true })).toThrow(/exclusive/);
  });
});

describe('a stable URL keeps the token scheme', () => {
  it('a restart on the kept port and token accepts the same URL and the cookie it set; another token accepts neither', async () => {
    const token = 'kept-token-ABCDEFGHIJKLMNOP';
    const first = await startServer({ core, rendererDir: renderer, port: 0, token });
    const port = first.port;
    const visit = await get(port, `/?token=${token}`);
    expect(visit.status).toBe(200);
    expect(visit.cookie).toMatch(new RegExp(`^pretext_token_${port}=`));
    expect(visit.cookie).not.toContain(token); // an HMAC of the token, never the token
    await first.close();

    const again = await startServer({ core, rendererDir: renderer, port, token });
    expect(again.url).toBe(first.url);
    expect((await get(port, '/', { cookie: visit.cookie! })).status).toBe(200);
    expect((await get(port, '/')).status).toBe(401);
    await again.close();

    const other = await startServer({ core, rendererDir: renderer, port, token: 'another-token-0123456789' });
    expect((await get(port, '/', { cookie: visit.cookie! })).status).toBe(401);
    expect((await get(port, `/?token=${token}`)).status).toBe(401);
    await other.close();
  });

  it('a busy port fails with EADDRINUSE, leaving no listener on the core (the CLI then tries another port)', async () => {
    const holder = await startServer({ core, rendererDir: renderer, port: 0 });
    const anyListeners = (core.events as unknown as { anyListeners: Set<unknown> }).anyListeners;
    const before = anyListeners.size;
    await expect(startServer({ core, rendererDir: renderer, port: holder.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(anyListeners.size).toBe(before);
    await holder.close();
  });
});
