import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src-main/core/app';
import { decodePoints } from '../../src-main/core/projection/points';
import { startServer, type RunningServer } from '../../src-main/server/serve';
import { syntheticRun, type SyntheticRun } from '../core/projection/explore-fixture';

let dir: string;
let core: Core;
let server: RunningServer;
let run: SyntheticRun;
let projectionId: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-explore-serve-'));
  const renderer = join(dir, 'renderer');
  mkdirSync(renderer, { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Pretext</title>');
  core = createCore({ dbPath: join(dir, 'serve.db'), shell: 'serve' });
  run = syntheticRun(core.db, { n: 30, dim: 8, seed: 1, labels: ['a,b', 'c'] });
  projectionId = (await core.handlers['projections.compute']({ runId: run.runId, settings: { method: 'pca' } })).id;
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
  body: Buffer;
}

function send(method: string, path: string, options: { body?: string; headers?: Record<string, string>; token?: boolean } = {}): Promise<Reply> {
  const auth = options.token === false ? {} : { authorization: `Bearer ${server.token}` };
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers: { ...auth, ...options.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

describe('points.bin', () => {
  it('needs the token like every other path', async () => {
    expect((await send('GET', `/data/run/${run.runId}/points.bin`, { token: false })).status).toBe(401);
    expect((await send('POST', `/export/run/${run.runId}/selection?kind=paths`, { token: false, body: '{"itemIds":[]}' })).status).toBe(401);
  });

  it('serves the binary layout of contract.ts: ids, xy, label indices, label names', async () => {
    const reply = await send('GET', `/data/run/${run.runId}/points.bin?projection=${projectionId}`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/octet-stream');
    expect(reply.headers['content-disposition']).toBeUndefined();
    const points = decodePoints(reply.body);
    expect(Array.from(points.itemIds)).toEqual(run.itemIds);
    expect(points.labels).toEqual(['a,b', 'c']);
    expect(points.xy).toEqual(core.projections.pointsOf(run.runId, projectionId).points.coords);
    expect(Array.from(points.labelIndex.slice(0, 4))).toEqual([0, 1, 0, 1]);
    // Without ?projection: the run's latest.
    expect((await send('GET', `/data/run/${run.runId}/points.bin`)).body).toEqual(reply.body);
  });

  it('answers 404 for an unknown run or projection, 400 for a malformed one, 405 for a POST', async () => {
    expect((await send('GET', '/data/run/999/points.bin')).status).toBe(404);
    const missing = await send('GET', `/data/run/${run.runId}/points.bin?projection=${projectionId + 100}`);
    expect(missing.status).toBe(404);
    expect(missing.body.toString()).toBe(`Run #${run.runId} has no projection ${projectionId + 100}`);
    expect((await send('GET', `/data/run/${run.runId}/points.bin?projection=latest`)).status).toBe(400);
    const post = await send('POST', `/data/run/${run.runId}/points.bin`);
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET');
  });
});

describe('exports over HTTP', () => {
  it('downloads every coordinate of a projection as path,label,x,y', async () => {
    const reply = await send('GET', `/export/run/${run.runId}/coordinates.csv?projection=${projectionId}`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(reply.headers['content-disposition']).toBe(`attachment; filename="pretext-run-${run.runId}-pca-${projectionId}.csv"`);
    const lines = reply.body.toString('utf8').trim().split('\n');
    expect(lines[0]).toBe('path,label,x,y');
    expect(lines).toHaveLength(31);
    expect(lines[1]).toMatch(/^"a,b\/item-000000\.png","a,b",-?[\d.e-]+,-?[\d.e-]+$/);
  });

  it('still serves the run export at /export/run/<id>.csv', async () => {
    const reply = await send('GET', `/export/run/${run.runId}.csv`);
    expect(reply.status).toBe(200);
    expect(reply.body.toString().split('\n')[0]).toBe('path,label,e0,e1,e2,e3,e4,e5,e6,e7');
  });

  it('POSTs a selection and returns it as an attachment, in each kind', async () => {
    const body = JSON.stringify({ itemIds: [run.itemIds[1], run.itemIds[0]] });
    const embeddings = await send('POST', `/export/run/${run.runId}/selection?kind=embeddings`, { body });
    expect(embeddings.status).toBe(200);
    expect(embeddings.headers['content-disposition']).toMatch(/attachment; filename="pretext-run-\d+-selection-embeddings\.csv"/);
    expect(embeddings.body.toString().trim().split('\n')).toHaveLength(3);
    const coords = await send('POST', `/export/run/${run.runId}/selection?kind=coordinates&projection=${projectionId}`, { body });
    const rows = coords.body.toString().trim().split('\n');
    expect(rows).toHaveLength(3);
    expect(rows[1]).toMatch(/^"a,b\/item-000000\.png","a,b",-?[\d.e-]+,-?[\d.e-]+$/);
    expect(rows[2]).toMatch(/^c\/item-000001\.png,c,/);
    const paths = await send('POST', `/export/run/${run.runId}/selection?kind=paths`, { body });
    expect(paths.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(paths.body.toString()).toBe(`${run.paths[0]}\n${run.paths[1]}\n`);
  });

  it('refuses a selection without a kind, with a bad body, by GET, or from another origin', async () => {
    const body = JSON.stringify({ itemIds: [run.itemIds[0]] });
    const noKind = await send('POST', `/export/run/${run.runId}/selection`, { body });
    expect(noKind.status).toBe(400);
    expect(noKind.body.toString()).toBe("kind must be one of embeddings, coordinates, paths, got ''");
    const badJson = await send('POST', `/export/run/${run.runId}/selection?kind=paths`, { body: '{itemIds' });
    expect(badJson.status).toBe(400);
    expect(badJson.body.toString()).toMatch(/^The body must be JSON \{"itemIds": \[...\]\}/);
    expect((await send('POST', `/export/run/${run.runId}/selection?kind=paths`, { body: '{"itemIds":["x"]}' })).status).toBe(400);
    expect((await send('GET', `/export/run/${run.runId}/selection?kind=paths`)).status).toBe(405);
    expect((await send('POST', `/export/run/${run.runId}/selection?kind=paths`, { body, headers: { origin: 'http://evil.example' } })).status).toBe(403);
    expect((await send('POST', `/export/run/${run.runId}/selection?kind=coordinates&projection=9999`, { body })).status).toBe(404);
    expect((await send('POST', '/index.html')).status).toBe(405);
  });
});
