import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { WireMessage } from '../../src-main/contract';
import { createCore, type Core } from '../../src-main/core/app';
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
    expect(String(reply.headers['set-cookie'])).toMatch(/pretext_token=.*HttpOnly; SameSite=Strict/);
    expect(reply.headers['content-security-policy']).toMatch(/default-src 'self'/);
    const asset = await get('/assets/app.js', { cookie: `pretext_token=${server.token}` });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
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

  it('returns 404 for media of an unknown item', async () => {
    const reply = await get(`/media/thumb/12345?token=${server.token}`);
    expect(reply.status).toBe(404);
  });
});
