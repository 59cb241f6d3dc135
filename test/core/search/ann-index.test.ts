import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Index } from 'usearch';
import { afterAll, describe, expect, it } from 'vitest';
import { ADD_CHUNK, AnnIndex, annKey, buildSteps, DEFAULT_ANN_PARAMS, loadAnn, saveAnn, type AnnParams } from '../../../src-main/core/search/ann-index';
import { dotRow, exactSearch, normaliseRows, quantiseRow } from '../../../src-main/core/search/exact';
import { Rng } from '../../../src-main/core/ssl/random';

function randomUnitRows(n: number, dim: number, seed: number, shared = false): Float32Array {
  const rng = new Rng(seed);
  const m = shared ? new Float32Array(new SharedArrayBuffer(n * dim * 4)) : new Float32Array(n * dim);
  for (let i = 0; i < m.length; i++) m[i] = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  return normaliseRows(m, n, dim);
}

/** n unit rows of dim around `centres` random centres, each value centre + 0.8 × noise (bench/search-bench.ts's mixture). */
function clusteredRows(n: number, dim: number, centres: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const centre = Float32Array.from({ length: centres * dim }, gaussian);
  const m = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = rng.int(centres) * dim;
    for (let j = 0; j < dim; j++) m[i * dim + j] = centre[c + j]! + 0.8 * gaussian();
  }
  return normaliseRows(m, n, dim);
}

function build(vectors: Float32Array, n: number, dim: number, params: AnnParams = DEFAULT_ANN_PARAMS): { index: Index; progress: number[] } {
  const steps = buildSteps(vectors, n, dim, params, 2);
  const progress: number[] = [];
  let step = steps.next();
  while (!step.done) {
    progress.push(step.value);
    step = steps.next();
  }
  return { index: step.value, progress };
}

const n = 4000;
const dim = 24;
// In a SharedArrayBuffer, as the search service holds them.
const vectors = randomUnitRows(n, dim, 1, true);
const built = build(vectors, n, dim);
const index = new AnnIndex(built.index, vectors, n, dim, DEFAULT_ANN_PARAMS);
const dir = mkdtempSync(join(tmpdir(), 'pretext-ann-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function recallAt10(search: (q: Float32Array) => Int32Array, queries: Float32Array): number {
  let hits = 0;
  const count = queries.length / dim;
  for (let q = 0; q < count; q++) {
    const query = queries.subarray(q * dim, (q + 1) * dim);
    const truth = new Set(exactSearch(vectors, n, dim, query, 10).indices);
    for (const i of search(query)) if (truth.has(i)) hits++;
  }
  return hits / (count * 10);
}

describe('usearch HNSW index', () => {
  it('finds the exact top 10 for at least 99% of results on random data (recall@10)', () => {
    const queries = randomUnitRows(200, dim, 2);
    expect(recallAt10((q) => index.search(q, 10).indices, queries)).toBeGreaterThanOrEqual(0.99);
  });

  it('returns results best first with their exact float32 similarity, and a stored vector finds itself', () => {
    const query = vectors.subarray(42 * dim, 43 * dim);
    const { indices, scores } = index.search(query, 5);
    expect(indices[0]).toBe(42);
    expect(scores[0]).toBeCloseTo(1, 5);
    for (let r = 1; r < scores.length; r++) expect(scores[r]).toBeLessThanOrEqual(scores[r - 1]!);
    const exact = exactSearch(vectors, n, dim, query, 5);
    expect(Array.from(scores)).toEqual(Array.from(exact.scores));
    expect(index.search(query, 100).indices).toHaveLength(100);
  });

  it('finds the exact top 10 for at least 99% of results on clustered data, ranked by exact float32 similarity', () => {
    // Clusters of about 1,000 near-equal neighbours, as at a million rows in the bench; the queries
    // are the last 100 draws from the same mixture, left out of the index.
    const rows = 12_000;
    const width = 32;
    const drawn = clusteredRows(rows + 100, width, 12, 21);
    const matrix = drawn.subarray(0, rows * width);
    const queries = drawn.subarray(rows * width);
    const raw = build(matrix, rows, width).index;
    const clustered = new AnnIndex(raw, matrix, rows, width, DEFAULT_ANN_PARAMS);
    let hits = 0;
    let int8OrderDiffers = 0;
    const code = new Int8Array(width);
    for (let q = 0; q < 100; q++) {
      const query = queries.subarray(q * width, (q + 1) * width);
      const truth = exactSearch(matrix, rows, width, query, 10);
      const found = clustered.search(query, 10);
      const expected = new Set(truth.indices);
      for (const i of found.indices) if (expected.has(i)) hits++;
      // Best first, each score the float32 dot product of its row.
      for (let r = 0; r < found.indices.length; r++) {
        expect(found.scores[r]).toBe(Math.fround(dotRow(matrix, found.indices[r]!, query, width)));
        if (r > 0) expect(found.scores[r]).toBeLessThanOrEqual(found.scores[r - 1]!);
      }
      // The graph's own answer, ranked by int8 cosine.
      quantiseRow(query, 0, width, code, 0);
      const byInt8 = Array.from(raw.search(code, 10, 1).keys, Number);
      if (byInt8.join() !== Array.from(truth.indices).join()) int8OrderDiffers++;
    }
    expect(hits / 1000).toBeGreaterThanOrEqual(0.99);
    // The re-rank is what puts the order right: by int8 cosine alone some top 10s come out in another order.
    expect(int8OrderDiffers).toBeGreaterThan(0);
  });

  it('builds in chunks, yielding the rows added after each', () => {
    expect(built.progress).toEqual([n]);
    const big = 2 * ADD_CHUNK + 5;
    const rows = randomUnitRows(big, 4, 3);
    const steps = buildSteps(rows, big, 4, { ...DEFAULT_ANN_PARAMS, expansionAdd: 16 }, 2);
    expect(steps.next().value).toBe(ADD_CHUNK);
    expect(steps.next().value).toBe(2 * ADD_CHUNK);
    expect(steps.next().value).toBe(big);
    const last = steps.next();
    expect(last.done).toBe(true);
    // A caller that stops between chunks just drops the generator.
    if (last.done) expect(last.value.size()).toBe(big);
  });

  it('saves and loads an index with its key, and ignores files built for other vectors, damaged, or of the old format', () => {
    const file = join(dir, 'run-1.hnsw');
    const key = annKey('stamp-1', n, dim, DEFAULT_ANN_PARAMS);
    saveAnn(file, built.index, key);
    const loaded = loadAnn(file, key, n, dim, DEFAULT_ANN_PARAMS)!;
    expect(loaded).not.toBeNull();
    const reopened = new AnnIndex(loaded, vectors, n, dim, DEFAULT_ANN_PARAMS);
    const query = vectors.subarray(7 * dim, 8 * dim);
    expect(reopened.search(query, 10).indices).toEqual(index.search(query, 10).indices);
    expect(loadAnn(file, annKey('stamp-2', n, dim, DEFAULT_ANN_PARAMS), n, dim, DEFAULT_ANN_PARAMS)).toBeNull();
    expect(loadAnn(file, key, n + 1, dim, DEFAULT_ANN_PARAMS)).toBeNull();
    expect(loadAnn(join(dir, 'missing.hnsw'), key, n, dim, DEFAULT_ANN_PARAMS)).toBeNull();
    writeFileSync(join(dir, 'bad.hnsw'), 'not an index');
    expect(loadAnn(join(dir, 'bad.hnsw'), key, n, dim, DEFAULT_ANN_PARAMS)).toBeNull();
    // The hand-written HNSW of earlier versions wrote this magic first.
    writeFileSync(join(dir, 'old.hnsw'), Buffer.concat([Buffer.from('PXHNSW01'), Buffer.alloc(4000)]));
    expect(loadAnn(join(dir, 'old.hnsw'), key, n, dim, DEFAULT_ANN_PARAMS)).toBeNull();
    // The trailer intact, the graph cut short.
    const bytes = readFileSync(file);
    const trailer = bytes.subarray(bytes.length - 200);
    const cut = join(dir, 'cut.hnsw');
    writeFileSync(cut, Buffer.concat([bytes.subarray(0, 1000), trailer.subarray(trailer.lastIndexOf('{'))]));
    expect(loadAnn(cut, key, n, dim, DEFAULT_ANN_PARAMS)).toBeNull();
    truncateSync(file, bytes.length - 3);
    expect(loadAnn(file, key, n, dim, DEFAULT_ANN_PARAMS)).toBeNull();
  });

  it('stores float16 vectors when asked, still re-ranked exactly', () => {
    const params: AnnParams = { ...DEFAULT_ANN_PARAMS, quantization: 'f16' };
    const f16 = new AnnIndex(build(vectors, n, dim, params).index, vectors, n, dim, params);
    expect(recallAt10((q) => f16.search(q, 10).indices, randomUnitRows(100, dim, 4))).toBeGreaterThanOrEqual(0.99);
    expect(annKey('s', n, dim, params)).not.toBe(annKey('s', n, dim, DEFAULT_ANN_PARAMS));
  });

  it('handles a one-point index and k beyond its size', () => {
    const one = new AnnIndex(build(vectors.subarray(0, dim), 1, dim).index, vectors.subarray(0, dim), 1, dim, DEFAULT_ANN_PARAMS);
    expect(Array.from(one.search(vectors.subarray(0, dim), 3).indices)).toEqual([0]);
    expect(() => one.search(new Float32Array(3), 1)).toThrow(/expected a query of 24 values, got 3/);
  });
});
