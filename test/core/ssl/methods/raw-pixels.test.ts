import { describe, expect, it } from 'vitest';
import { fitPca } from '../../../../src-main/core/projection/pca';
import { gramPca } from '../../../../src-main/core/ssl/methods/raw-pixels';
import { Rng } from '../../../../src-main/core/ssl/random';

describe('raw pixels: PCA through the Gram matrix for wide images', () => {
  it('finds the same principal directions as the covariance PCA', () => {
    const n = 60;
    const dim = 300;
    const rng = new Rng(3);
    // Three strong directions plus noise.
    const directions = Array.from({ length: 3 }, () => Float32Array.from({ length: dim }, () => rng.uniform(-1, 1)));
    const rows = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      const w = [rng.uniform(-5, 5), rng.uniform(-3, 3), rng.uniform(-2, 2)];
      for (let d = 0; d < dim; d++) rows[i * dim + d] = 0.5 + w[0]! * directions[0]![d]! + w[1]! * directions[1]![d]! + w[2]! * directions[2]![d]! + rng.uniform(-0.05, 0.05);
    }
    const reference = fitPca(rows, n, dim, 3, { seed: 1 });
    const gram = gramPca(rows, n, dim, 3, 1);
    for (let d = 0; d < dim; d++) expect(gram.mean[d]).toBeCloseTo(reference.mean[d]!, 5);
    for (let c = 0; c < 3; c++) {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += gram.components[c * dim + d]! * reference.components[c * dim + d]!;
      expect(Math.abs(dot)).toBeGreaterThan(0.999);
    }
  });

  it('leaves components beyond the sample’s rank at zero', () => {
    const rows = Float32Array.from({ length: 4 * 50 }, (_, i) => Math.sin(i));
    const { components } = gramPca(rows, 4, 50, 6, 1);
    const norms = Array.from({ length: 6 }, (_, c) => Math.hypot(...components.subarray(c * 50, (c + 1) * 50)));
    expect(norms.slice(0, 3).every((x) => Math.abs(x - 1) < 1e-5)).toBe(true);
    expect(norms.slice(3)).toEqual([0, 0, 0]);
  });
});
