import { describe, expect, it } from 'vitest';
import { ExactIndex, exactSearch, normalised, normaliseRows } from '../../../src-main/core/search/exact';
import { Rng } from '../../../src-main/core/ssl/random';

describe('exact cosine search', () => {
  it('normalises rows to unit length and leaves zero rows at zero', () => {
    const m = normaliseRows(Float32Array.from([3, 4, 0, 0]), 2, 2);
    expect(Array.from(m)).toEqual([0.6000000238418579, 0.800000011920929, 0, 0]);
  });

  it('finds a row itself first with similarity 1, then the rest by cosine', () => {
    const rng = new Rng(2);
    const n = 500;
    const dim = 33; // not a multiple of 4: exercises the tail of the unrolled loop
    const raw = Float32Array.from({ length: n * dim }, () => rng.next() - 0.5);
    const m = normaliseRows(Float32Array.from(raw), n, dim);
    const query = m.subarray(123 * dim, 124 * dim);
    const { indices, scores } = exactSearch(m, n, dim, query, 10);
    expect(indices[0]).toBe(123);
    expect(Math.abs(scores[0]! - 1)).toBeLessThan(1e-5);
    // Against cosines computed independently in float64 from the raw vectors.
    const cos = (a: number, b: number): number => {
      let d = 0;
      let na = 0;
      let nb = 0;
      for (let j = 0; j < dim; j++) {
        d += raw[a * dim + j]! * raw[b * dim + j]!;
        na += raw[a * dim + j]! ** 2;
        nb += raw[b * dim + j]! ** 2;
      }
      return d / Math.sqrt(na * nb);
    };
    const expected = Array.from({ length: n }, (_, i) => i)
      .sort((a, b) => cos(123, b) - cos(123, a))
      .slice(0, 10);
    expect(Array.from(indices)).toEqual(expected);
    scores.forEach((s, r) => expect(s).toBeCloseTo(cos(123, indices[r]!), 5));
  });

  it('normalises a query without touching it, and checks its width', () => {
    const q = Float32Array.from([0, 2]);
    expect(Array.from(normalised(q))).toEqual([0, 1]);
    expect(Array.from(q)).toEqual([0, 2]);
    expect(() => exactSearch(new Float32Array(4), 2, 2, new Float32Array(3), 1)).toThrow(/expected a query of 2 values, got 3/);
  });
});

/** n unit rows of dim around `centres` random centres (clustered like trained embeddings), or iid when centres is 0. */
function rows(n: number, dim: number, seed: number, centres = 0): Float32Array {
  const rng = new Rng(seed);
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const centre = Float32Array.from({ length: Math.max(1, centres) * dim }, gaussian);
  const m = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = centres > 0 ? rng.int(centres) * dim : -1;
    for (let j = 0; j < dim; j++) m[i * dim + j] = (c >= 0 ? centre[c + j]! : 0) + gaussian();
  }
  return normaliseRows(m, n, dim);
}

describe('ExactIndex (int8 scan, float32 re-rank)', () => {
  const dim = 64;

  for (const [name, centres] of [['iid', 0], ['clustered', 200]] as const) {
    it(`returns exactly the float32 top k, scores included, on ${name} rows (recall@10 = 1.0)`, () => {
      const n = 20_000;
      const m = rows(n, dim, 11, centres);
      const index = ExactIndex.of(m, n, dim);
      const queries = rows(60, dim, 12, centres);
      for (let q = 0; q < 60; q++) {
        const query = queries.subarray(q * dim, (q + 1) * dim);
        for (const k of [1, 10, 300]) {
          const expected = exactSearch(m, n, dim, query, k);
          const found = index.search(query, k);
          expect(Array.from(found.indices)).toEqual(Array.from(expected.indices));
          expect(Array.from(found.scores)).toEqual(Array.from(expected.scores));
        }
      }
      // The int8 bound proved every answer without the full float32 pass.
      expect(index.fullPasses).toBe(0);
    });
  }

  it('finds a row itself from a view into the matrix (usearch reads buffers from their start), also in a SharedArrayBuffer', () => {
    const n = 5000;
    const shared = new Float32Array(new SharedArrayBuffer(n * dim * 4));
    shared.set(rows(n, dim, 13));
    const index = ExactIndex.of(shared, n, dim, 2);
    const found = index.search(shared.subarray(4321 * dim, 4322 * dim), 3);
    expect(found.indices[0]).toBe(4321);
    expect(found.scores[0]).toBeCloseTo(1, 5);
    expect(Array.from(found.indices)).toEqual(Array.from(exactSearch(shared, n, dim, shared.subarray(4321 * dim, 4322 * dim), 3).indices));
  });

  it('falls back to the full pass when the bound cannot prove the candidates complete, keeping ties in row order', () => {
    const n = 6000;
    const m = rows(n, dim, 14);
    // 500 copies of row 0 spread through the matrix: more ties at the top than int8 candidates.
    for (let i = 1; i < 500; i++) m.copyWithin(i * 11 * dim, 0, dim);
    const index = ExactIndex.of(m, n, dim);
    const query = m.slice(0, dim);
    const found = index.search(query, 10);
    expect(Array.from(found.indices)).toEqual(Array.from(exactSearch(m, n, dim, query, 10).indices));
    expect(Array.from(found.indices)).toEqual([0, 11, 22, 33, 44, 55, 66, 77, 88, 99]);
    expect(index.fullPasses).toBe(1);
  });

  it('scores zero rows 0 and answers a zero query, before and after quantising, and small sets without int8 codes', () => {
    const n = 5000;
    const m = rows(n, dim, 15);
    m.fill(0, 100 * dim, 400 * dim);
    const index = new ExactIndex(m, n, dim);
    const query = rows(1, dim, 16);
    const before = index.search(query, 10);
    expect(Array.from(before.indices)).toEqual(Array.from(exactSearch(m, n, dim, query, 10).indices));
    let steps = 1;
    while (!index.quantiseNext(1000)) steps++;
    expect(steps).toBe(5);
    expect(Array.from(index.search(query, 10).indices)).toEqual(Array.from(before.indices));
    // A query opposite to everything: the zero rows, similarity 0, come first.
    const opposite = index.search(Float32Array.from(query, (v) => -v), 400);
    expect(Array.from(opposite.indices).slice(0, 5)).toEqual(Array.from(exactSearch(m, n, dim, Float32Array.from(query, (v) => -v), 400).indices).slice(0, 5));
    expect(Array.from(index.search(new Float32Array(dim), 3).indices)).toEqual([0, 1, 2]);
    const small = ExactIndex.of(m.subarray(0, 50 * dim), 50, dim);
    expect(Array.from(small.search(query, 100).indices)).toEqual(Array.from(exactSearch(m, 50, dim, query, 50).indices));
    expect(() => index.search(new Float32Array(3), 1)).toThrow(/expected a query of 64 values, got 3/);
  });
});
