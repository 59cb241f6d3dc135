import { describe, expect, it } from 'vitest';
import { exactSearch, normalised, normaliseRows } from '../../../src-main/core/search/exact';
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
