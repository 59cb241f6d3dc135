import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exactSearch, normaliseRows } from '../../../src-main/core/search/exact';
import { HnswIndex } from '../../../src-main/core/search/hnsw';
import { loadHnsw, saveHnsw } from '../../../src-main/core/search/hnsw-file';
import { Rng } from '../../../src-main/core/ssl/random';

function randomUnitRows(n: number, dim: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const m = new Float32Array(n * dim);
  for (let i = 0; i < m.length; i++) m[i] = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  return normaliseRows(m, n, dim);
}

const n = 4000;
const dim = 24;
const vectors = randomUnitRows(n, dim, 1);
const index = HnswIndex.build(vectors, n, dim, { m: 12, efConstruction: 80, seed: 3 });
const dir = mkdtempSync(join(tmpdir(), 'pretext-hnsw-'));
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

describe('HNSW', () => {
  it('finds the exact top 10 for at least 95% of results on random data (recall@10)', () => {
    const queries = randomUnitRows(200, dim, 2);
    const recall = recallAt10((q) => index.search(q, 10, 64).indices, queries);
    expect(recall).toBeGreaterThan(0.95);
    // A wider beam never does worse.
    expect(recallAt10((q) => index.search(q, 10, 200).indices, queries)).toBeGreaterThanOrEqual(recall);
  });

  it('returns results best first, with their cosine similarity, and a stored vector finds itself', () => {
    const query = vectors.subarray(42 * dim, 43 * dim);
    const { indices, scores } = index.search(query, 5);
    expect(indices[0]).toBe(42);
    expect(scores[0]).toBeCloseTo(1, 5);
    for (let r = 1; r < scores.length; r++) expect(scores[r]).toBeLessThanOrEqual(scores[r - 1]!);
  });

  it('builds the same graph from the same seed and data', () => {
    const a = HnswIndex.build(vectors.subarray(0, 500 * dim), 500, dim, { seed: 9 });
    const b = HnswIndex.build(vectors.subarray(0, 500 * dim), 500, dim, { seed: 9 });
    expect(a.graph.links0).toEqual(b.graph.links0);
    expect(a.graph.levels).toEqual(b.graph.levels);
    expect(a.graph.entryPoint).toBe(b.graph.entryPoint);
  });

  it('saves and loads a graph, and ignores a file built for other vectors or damaged', () => {
    const file = join(dir, 'run-1.hnsw');
    saveHnsw(file, index.graph, 'key-1');
    const loaded = loadHnsw(file, 'key-1')!;
    expect(loaded.links0).toEqual(index.graph.links0);
    expect(loaded.linksUp).toEqual(index.graph.linksUp);
    expect(loaded.maxLevel).toBe(index.graph.maxLevel);
    const reopened = new HnswIndex(vectors, loaded);
    const query = vectors.subarray(7 * dim, 8 * dim);
    expect(reopened.search(query, 10).indices).toEqual(index.search(query, 10).indices);
    expect(loadHnsw(file, 'key-2')).toBeNull();
    expect(loadHnsw(join(dir, 'missing.hnsw'), 'key-1')).toBeNull();
    writeFileSync(join(dir, 'bad.hnsw'), 'not an index');
    expect(loadHnsw(join(dir, 'bad.hnsw'), 'key-1')).toBeNull();
  });

  it('handles an empty and a one-point graph', () => {
    expect(HnswIndex.build(new Float32Array(0), 0, dim).search(new Float32Array(dim), 3).indices).toHaveLength(0);
    const one = HnswIndex.build(vectors.subarray(0, dim), 1, dim);
    expect(Array.from(one.search(vectors.subarray(0, dim), 3).indices)).toEqual([0]);
  });
});
