import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startIndexWorker, type IndexWorkerInput } from '../../../src-main/core/jobs/index-job';
import { AnnIndex, annKey, DEFAULT_ANN_PARAMS, loadAnn } from '../../../src-main/core/search/ann-index';
import { exactSearch, normaliseRows } from '../../../src-main/core/search/exact';
import { Rng } from '../../../src-main/core/ssl/random';

const dir = mkdtempSync(join(tmpdir(), 'pretext-index-worker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The worker entry from source: a module that registers tsx in the worker, then imports it. */
const entry = join(dir, 'index-worker.mjs');
writeFileSync(
  entry,
  `import { register } from ${JSON.stringify(pathToFileURL(resolve('node_modules/tsx/dist/esm/api/index.mjs')).href)};\n` +
    `register();\nawait import(${JSON.stringify(pathToFileURL(resolve('src-main/core/search/index-worker.ts')).href)});\n`,
);

function sharedRows(n: number, dim: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const m = new Float32Array(new SharedArrayBuffer(n * dim * 4));
  for (let i = 0; i < m.length; i++) m[i] = rng.next() - 0.5;
  return normaliseRows(m, n, dim);
}

describe('the index worker', () => {
  const dim = 16;

  it('builds and saves the index beside the database, reporting progress up to every row', async () => {
    const n = 20_000;
    const vectors = sharedRows(n, dim, 1);
    const input: IndexWorkerInput = { vectors, n, dim, params: DEFAULT_ANN_PARAMS, threads: 2, file: join(dir, 'run-1.hnsw'), key: annKey('s', n, dim, DEFAULT_ANN_PARAMS) };
    const progress: Array<[number, number]> = [];
    await startIndexWorker(entry, input, (done, total) => progress.push([done, total])).done;
    expect(progress.at(-1)).toEqual([n, n]);
    for (let i = 1; i < progress.length; i++) expect(progress[i]![0]).toBeGreaterThanOrEqual(progress[i - 1]![0]);
    const index = new AnnIndex(loadAnn(input.file, input.key, n, dim, DEFAULT_ANN_PARAMS)!, vectors, n, dim, DEFAULT_ANN_PARAMS);
    // The graph is approximate (and built on two threads, so not the same twice): every row finds
    // itself first, and over 50 queries the top 10 agree with exact search almost everywhere.
    let found = 0;
    for (let q = 0; q < 50; q++) {
      const row = q * 397;
      const query = vectors.subarray(row * dim, (row + 1) * dim);
      const approx = index.search(query, 10).indices;
      expect(approx[0]).toBe(row);
      const exact = new Set(exactSearch(vectors, n, dim, query, 10).indices);
      for (const i of approx) if (exact.has(i)) found++;
    }
    expect(found / 500, 'recall@10 against exact search').toBeGreaterThanOrEqual(0.95);
  }, 120_000);

  it('stops when cancelled between chunks, leaving no index file', async () => {
    const n = 100_000;
    const vectors = sharedRows(n, dim, 2);
    const file = join(dir, 'run-2.hnsw');
    let job: ReturnType<typeof startIndexWorker> | null = null;
    let first = true;
    job = startIndexWorker(entry, { vectors, n, dim, params: DEFAULT_ANN_PARAMS, threads: 1, file, key: 'k' }, (done) => {
      if (first && done < n) {
        first = false;
        job!.cancel();
      }
    });
    await expect(job.done).rejects.toThrow(/The index worker stopped/);
    expect(first).toBe(false);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.tmp`)).toBe(false);
  }, 120_000);
});
