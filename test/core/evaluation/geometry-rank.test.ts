import { describe, expect, it } from 'vitest';
import {
  alignment,
  COLLAPSE_THRESHOLDS,
  collapseWarning,
  effectiveRank,
  effectiveRankThreshold,
  meanVariance,
  symmetricEigenvalues,
  uniformity,
} from '../../../src-main/core/evaluation';
import { jacobiEigen } from '../../../src-main/core/projection/pca';
import { Rng } from '../../../src-main/core/ssl/random';

function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

function randomMatrix(n: number, dim: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * dim }, () => gaussian(rng));
}

describe('alignment', () => {
  it('is 0 for identical views and 2^α for opposite ones, whatever the row norms', () => {
    const z = randomMatrix(10, 6, 1);
    const doubled = z.map((v) => 2 * v);
    expect(alignment(z, doubled, 10, 6)).toBeCloseTo(0, 12);
    const opposite = z.map((v) => -3 * v);
    expect(alignment(z, opposite, 10, 6)).toBeCloseTo(4, 12);
    expect(alignment(z, opposite, 10, 6, 1)).toBeCloseTo(2, 12);
  });

  it('averages ‖a − b‖^α over the pairs', () => {
    // Unit rows at 90° (distance √2) and 60° (distance 1).
    const z1 = Float32Array.from([1, 0, 1, 0]);
    const z2 = Float32Array.from([0, 1, 0.5, Math.sqrt(3) / 2]);
    expect(alignment(z1, z2, 2, 2)).toBeCloseTo((2 + 1) / 2, 6);
    expect(alignment(z1, z2, 2, 2, 1)).toBeCloseTo((Math.SQRT2 + 1) / 2, 6);
  });

  it('rejects mismatched sizes, showing them', () => {
    const z = new Float32Array(12);
    expect(() => alignment(z, new Float32Array(8), 3, 4)).toThrow('alignment z2 has 8 values, expected 3 rows × 4 dims = 12');
    expect(() => alignment(z, z, 4, 4)).toThrow('alignment z1 has 12 values, expected 4 rows × 4 dims = 16');
    expect(() => alignment(z, z, 3, 4, 0)).toThrow('alignment alpha must be a positive finite number, got 0');
  });
});

describe('uniformity', () => {
  it('is −2t for two orthogonal points and 0 for identical ones', () => {
    expect(uniformity(Float32Array.from([3, 0, 0, 0.5]), 2, 2)).toBeCloseTo(-4, 12);
    expect(uniformity(Float32Array.from([3, 0, 0, 0.5]), 2, 2, 0.5)).toBeCloseTo(-1, 12);
    expect(uniformity(Float32Array.from([1, 1, 2, 2, 5, 5]), 3, 2)).toBeCloseTo(0, 12);
  });

  it('is log E exp(−t d²) over all pairs for small n, even at a large t', () => {
    const z = randomMatrix(37, 5, 2);
    const unit = Array.from({ length: 37 }, (_, i) => {
      const v = Array.from(z.subarray(i * 5, i * 5 + 5));
      const norm = Math.hypot(...v);
      return v.map((a) => a / norm);
    });
    for (const t of [2, 300]) {
      const values: number[] = [];
      for (let i = 0; i < 37; i++) for (let j = i + 1; j < 37; j++) values.push(-t * unit[i]!.reduce((s, a, c) => s + (a - unit[j]![c]!) ** 2, 0));
      const max = Math.max(...values);
      const expected = max + Math.log(values.reduce((s, v) => s + Math.exp(v - max), 0) / values.length);
      expect(uniformity(z, 37, 5, t)).toBeCloseTo(expected, 9);
    }
  });

  it('samples maxPoints rows under a seed when n is larger', () => {
    const n = 1500;
    const z = randomMatrix(n, 8, 3);
    const full = uniformity(z, n, 8);
    const sampled = uniformity(z, n, 8, 2, { maxPoints: 500, seed: 1 });
    expect(uniformity(z, n, 8, 2, { maxPoints: 500, seed: 1 })).toBe(sampled);
    expect(uniformity(z, n, 8, 2, { maxPoints: 500, seed: 2 })).not.toBe(sampled);
    expect(Math.abs(sampled - full)).toBeLessThan(0.02);
    expect(uniformity(z, n, 8, 2, { maxPoints: n })).toBe(full);
  });

  it('rejects bad input, showing it', () => {
    expect(() => uniformity(new Float32Array(4), 1, 4)).toThrow('uniformity needs at least 2 rows, got 1');
    expect(() => uniformity(new Float32Array(7), 2, 4)).toThrow('uniformity z has 7 values, expected 2 rows × 4 dims = 8');
    expect(() => uniformity(new Float32Array(8), 2, 4, -1)).toThrow('uniformity t must be a positive finite number, got -1');
    expect(() => uniformity(new Float32Array(8), 2, 4, 2, { maxPoints: 1 })).toThrow('maxPoints must be at least 2, got 1');
  });
});

describe('effectiveRank', () => {
  it('is exactly r for r equal directions, 1 for a line, 0 when all rows are equal', () => {
    const dim = 10;
    const rows: number[] = [];
    for (let i = 0; i < 3; i++) {
      for (const sign of [1, -1]) {
        const row = new Array<number>(dim).fill(0.25); // an offset, removed by centring
        row[i] = 0.25 + sign;
        rows.push(...row);
      }
    }
    expect(effectiveRank(Float32Array.from(rows), 6, dim)).toBeCloseTo(3, 10);
    const line = Float32Array.from({ length: 20 * dim }, (_, k) => (Math.floor(k / dim) - 7) * (1 + (k % dim)));
    expect(effectiveRank(line, 20, dim)).toBeCloseTo(1, 6);
    const same = Float32Array.from({ length: 20 * dim }, (_, k) => 0.1 * (k % dim) + 0.3);
    expect(effectiveRank(same, 20, dim)).toBe(0);
    expect(effectiveRank(same.subarray(0, dim), 1, dim)).toBe(0);
  });

  it('approaches dim for isotropic Gaussian rows', () => {
    const er = effectiveRank(randomMatrix(4000, 16, 4), 4000, 16);
    expect(er).toBeGreaterThan(15.8);
    expect(er).toBeLessThanOrEqual(16);
  });

  it('is the same through the Gram matrix when rows are wider than tall (zero columns change nothing)', () => {
    const n = 12;
    const narrow = randomMatrix(n, 7, 5);
    const wide = new Float32Array(n * 400);
    for (let i = 0; i < n; i++) wide.set(narrow.subarray(i * 7, (i + 1) * 7), i * 400 + 100);
    expect(effectiveRank(wide, n, 400)).toBeCloseTo(effectiveRank(narrow, n, 7), 9);
    // Raw pixels of 64×64 colour images: 12,288 columns (a 12,288² covariance would need 1.2 GB).
    const pixels = randomMatrix(120, 12_288, 6);
    const rank = effectiveRank(pixels, 120, 12_288);
    expect(rank).toBeGreaterThan(100);
    expect(rank).toBeLessThanOrEqual(120);
  });

  it('rejects wrong sizes, showing them', () => {
    expect(() => effectiveRank(new Float32Array(10), 3, 4)).toThrow('effectiveRank z has 10 values, expected 3 rows × 4 dims = 12');
    expect(() => effectiveRank(new Float32Array(0), 0, 4)).toThrow('at least one row, got 0');
  });
});

describe('symmetricEigenvalues', () => {
  it.each([1, 2, 7, 64, 130])('agrees with the Jacobi method of projection/pca on a random symmetric matrix of size %i', (m) => {
    const rng = new Rng(m);
    const b = Float64Array.from({ length: m * m }, () => gaussian(rng));
    const a = new Float64Array(m * m);
    for (let i = 0; i < m; i++) for (let j = 0; j <= i; j++) a[i * m + j] = a[j * m + i] = b[i * m + j]! + (i === j ? 0 : b[j * m + i]!);
    const ours = symmetricEigenvalues(a, m);
    const jacobi = Float64Array.from(jacobiEigen(a, m).values).sort().reverse();
    const scale = Math.max(...jacobi.map(Math.abs));
    ours.forEach((v, i) => expect(Math.abs(v - jacobi[i]!)).toBeLessThan(1e-10 * scale));
  });

  it('handles repeated and zero eigenvalues, and prints its time at 512 × 512', () => {
    const m = 512;
    const projection = new Float64Array(m * m);
    for (let i = 0; i < 5; i++) projection[i * m + i] = 1;
    expect(Array.from(symmetricEigenvalues(projection, m).subarray(0, 6))).toEqual([1, 1, 1, 1, 1, 0]);
    // A rank-74 Gram matrix of random rows: the eigenvalues must add up to its trace.
    const z = randomMatrix(74, m, 5);
    const cov = new Float64Array(m * m);
    for (let r = 0; r < 74; r++) for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) cov[i * m + j]! += z[r * m + i]! * z[r * m + j]!;
    const started = performance.now();
    const eig = symmetricEigenvalues(cov, m);
    console.log(`symmetricEigenvalues at 512 × 512: ${((performance.now() - started) / 1000).toFixed(2)} s`);
    let trace = 0;
    for (let i = 0; i < m; i++) trace += cov[i * m + i]!;
    expect(eig.reduce((s, v) => s + v, 0)).toBeCloseTo(trace, 6);
    expect(Math.abs(eig[74]!)).toBeLessThan(1e-9 * eig[0]!);
    expect(eig[73]).toBeGreaterThan(1e-3 * eig[0]!);
  });
});

describe('meanVariance', () => {
  it('is 0 for rows pointing one way and about 1/dim for rows spread over the sphere', () => {
    const same = Float32Array.from({ length: 50 * 8 }, (_, k) => (1 + Math.floor(k / 8)) * ((k % 8) - 3));
    expect(meanVariance(same, 50, 8)).toBeCloseTo(0, 12);
    const spread = meanVariance(randomMatrix(5000, 8, 6), 5000, 8);
    expect(spread).toBeGreaterThan(0.95 / 8);
    expect(spread).toBeLessThan(1 / 8 + 1e-9);
    expect(() => meanVariance(new Float32Array(9), 2, 4)).toThrow('meanVariance z has 9 values, expected 2 rows × 4 dims = 8');
  });
});

describe('collapseWarning', () => {
  it('warns about complete collapse when every row is the same', () => {
    const dim = 128;
    const z = Float32Array.from({ length: 300 * dim }, (_, k) => Math.sin(k % dim));
    const message = collapseWarning({ effectiveRank: effectiveRank(z, 300, dim), dim, meanVariance: meanVariance(z, 300, dim) });
    expect(message).toMatch(/^The embeddings have collapsed: all items map to nearly the same point/);
    expect(message).toContain('effective rank 0.0 of 128');
    expect(message).toContain('higher temperature');
  });

  it('warns about dimensional collapse at a low effective rank', () => {
    const dim = 128;
    const rng = new Rng(7);
    // Two directions plus a whisper of noise: spread out, but in a plane.
    const z = new Float32Array(400 * dim);
    for (let i = 0; i < 400; i++) {
      const a = gaussian(rng);
      const b = gaussian(rng);
      for (let j = 0; j < dim; j++) z[i * dim + j] = a * Math.cos(j) + b * Math.sin(3 * j) + 1e-3 * gaussian(rng);
    }
    const rank = effectiveRank(z, 400, dim);
    expect(rank).toBeLessThan(2.56);
    const message = collapseWarning({ effectiveRank: rank, dim, meanVariance: meanVariance(z, 400, dim) });
    expect(message).toBe(
      `The embeddings have collapsed into very few directions: effective rank ${rank.toFixed(1)} of 128 dimensions (below 2.56). ` +
        'Try a higher temperature, a lower learning rate or stronger augmentations, and check the loss is not stuck.',
    );
  });

  it('says nothing for healthy embeddings', () => {
    const z = randomMatrix(2000, 128, 8);
    expect(collapseWarning({ effectiveRank: effectiveRank(z, 2000, 128), dim: 128, meanVariance: meanVariance(z, 2000, 128) })).toBeNull();
    expect(collapseWarning({ effectiveRank: 3, dim: 128 })).toBeNull();
  });

  it('documents its thresholds', () => {
    expect(COLLAPSE_THRESHOLDS.totalVariance).toBe(0.01);
    expect([2, 3, 16, 128, 512].map(effectiveRankThreshold)).toEqual([1, 1.5, 2, 2.56, 10.24]);
    expect(collapseWarning({ effectiveRank: 10, dim: 512 })).toContain('below 10.24');
    expect(collapseWarning({ effectiveRank: 100, dim: 128, meanVariance: 0.5 / 128 / 100 })).toContain('same point');
  });

  it('rejects impossible input, showing it', () => {
    expect(() => collapseWarning({ effectiveRank: 200, dim: 128 })).toThrow('effectiveRank must be in [0, dim = 128], got 200');
    expect(() => collapseWarning({ effectiveRank: 2, dim: 0 })).toThrow('dim must be a positive integer, got 0');
    expect(() => collapseWarning({ effectiveRank: 2, dim: 8, meanVariance: -1 })).toThrow('meanVariance must be ≥ 0, got -1');
  });
});
