import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src-main/core/app';
import { startServer, type RunningServer } from '../../src-main/server/serve';
import { syntheticRun, type SyntheticRun } from '../core/projection/explore-fixture';

/**
 * A download the user cancels (curl … | head, a closed tab) must not leave the export waiting for a
 * client that is gone: later exports, runs and removals keep working, and exports of one run may
 * run side by side.
 */
let dir: string;
let core: Core;
let server: RunningServer;
let big: SyntheticRun;
const ROWS = 20_000;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-abort-'));
  const renderer = join(dir, 'renderer');
  mkdirSync(renderer, { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Pretext</title>');
  core = createCore({ dbPath: join(dir, 'serve.db'), shell: 'serve' });
  big = syntheticRun(core.db, { n: ROWS, dim: 64, seed: 2 }); // ~15 MB of CSV: more than any socket buffer
  server = await startServer({ core, rendererDir: renderer, port: 0 });
});
afterAll(async () => {
  await server.close();
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Reads `limit` bytes of a GET and then hangs up, as `curl … | head -c 150` does. */
function readThenHangUp(path: string, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers: { authorization: `Bearer ${server.token}` } }, (res) => {
      let got = Buffer.alloc(0);
      res.on('data', (d: Buffer) => {
        got = Buffer.concat([got, d]);
        if (got.length >= limit) {
          req.destroy();
          resolve(got.subarray(0, limit));
        }
      });
    });
    req.on('error', (error) => {
      if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(error);
    });
    req.end();
  });
}

function download(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers: { authorization: `Bearer ${server.token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function makeImages(root: string): Promise<void> {
  for (const [label, shade] of [['light', 220], ['dark', 40]] as const) {
    mkdirSync(join(root, label), { recursive: true });
    for (let i = 0; i < 8; i++) {
      const pixels = Buffer.alloc(12 * 12 * 3, 128);
      for (let p = 0; p < 144; p++) if ((p + i) % (label === 'light' ? 3 : 5) === 0) pixels.fill(shade, p * 3, p * 3 + 3);
      writeFileSync(join(root, label, `${label}-${i}.png`), await sharp(pixels, { raw: { width: 12, height: 12, channels: 3 } }).png().toBuffer());
    }
  }
}

describe('an aborted download', () => {
  it('frees the database: another export, a training run and a removal all work afterwards', async () => {
    const head = await readThenHangUp(`/export/run/${big.runId}.csv`, 150);
    expect(head.toString('utf8')).toMatch(/^path,label,e0,e1,/);

    // Everything that writes to the database works at once (no "connection is busy").
    const images = join(dir, 'images');
    await makeImages(images);
    const report = await core.handlers['datasets.import']({ path: images });
    const run = await core.handlers['runs.start']({ datasetId: report.datasetId, settings: { params: { epochs: 1, batchSize: 8, imageSize: 8, threads: 1 } } });
    await core.trainingDone(run.id);
    expect((await core.handlers['runs.get']({ runId: run.id })).status).toBe('completed');

    const full = await download(`/export/run/${big.runId}.csv`);
    expect(full.status).toBe(200);
    expect(full.body.trim().split('\n')).toHaveLength(ROWS + 1);

    const other = syntheticRun(core.db, { n: 10, dim: 4, seed: 9 });
    expect(await core.handlers['datasets.remove']({ datasetId: other.datasetId })).toEqual({ removed: true });
  });

  it('many aborted downloads in a row leave nothing behind', async () => {
    for (let i = 0; i < 5; i++) await readThenHangUp(`/export/run/${big.runId}.csv`, 1000 * (i + 1));
    const list = await core.handlers['runs.list']({});
    expect(list.length).toBeGreaterThan(0);
    const full = await download(`/export/run/${big.runId}/selection?kind=paths`);
    expect(full.status).toBe(405); // a POST route; the server still answers
  });
});

describe('concurrent exports of one run', () => {
  it('both complete, with the same rows', async () => {
    const [a, b] = await Promise.all([download(`/export/run/${big.runId}.csv`), download(`/export/run/${big.runId}.csv`)]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(a.body.length).toBeGreaterThan(1_000_000);
    expect(b.body).toBe(a.body);
  });

  it('two exports of one run to files at once both write every row', async () => {
    const [a, b] = await Promise.all([
      core.handlers['runs.exportCsv']({ runId: big.runId, path: join(dir, 'a.csv') }),
      core.handlers['runs.exportCsv']({ runId: big.runId, path: join(dir, 'b.csv') }),
    ]);
    expect(a.rows).toBe(ROWS);
    expect(b.rows).toBe(ROWS);
  });
});
