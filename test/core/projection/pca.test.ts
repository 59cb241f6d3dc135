import { describe, expect, it } from 'vitest';
import { fitPca, jacobiEigen, projectPca, topEigenvectors } from '../../../src-main/core/projection/pca';
import { Rng } from '../../../src-main/core/ssl/random';

function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** n points spread ×10 along the unit `axis`, ×1 in every other direction, around `centre`. */
function alongAxis(n: number, axis: number[], centre: number, seed: number): Float32Array {
  const dim = axis.length;
  const rng = new Rng(seed);
  const data = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const t = 10 * gaussian(rng);
    for (let j = 0; j < dim; j++) data[i * dim + j] = centre + t * axis[j]! + gaussian(rng);
  }
  return data;
}

function unit(v: number[]): number[] {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

describe('jacobiEigen', () => {
  it('diagonalises a 2×2 symmetric matrix with known eigenpairs', () => {
    // [[2, 1], [1, 2]]: eigenvalues 3 (along [1, 1]) and 1 (along [1, −1]).
    const { values, vectors } = jacobiEigen(Float64Array.from([2, 1, 1, 2]), 2);
    const order = values[0]! > values[1]! ? [0, 1] : [1, 0];
    expect(values[order[0]!]).toBeCloseTo(3, 12);
    expect(values[order[1]!]).toBeCloseTo(1, 12);
    const top = [vectors[order[0]!]!, vectors[2 + order[0]!]!];
    expect(Math.abs(top[0]!)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(top[0]).toBeCloseTo(top[1]!, 12);
  });
});

describe('fitPca', () => {
  it('finds a known principal axis, its variance, and the mean', () => {
    const axis = unit([3, -1, 2, 0, 1, 0.5]);
    const data = alongAxis(4000, axis, 5, 1);
    const model = fitPca(data, 4000, 6, 2);
    expect(Math.abs(dot(model.components.subarray(0, 6), axis))).toBeGreaterThan(0.999);
    expect(model.variances[0]).toBeGreaterThan(90); // 10² + 1
    expect(model.variances[0]).toBeLessThan(112);
    expect(model.variances[1]).toBeLessThan(1.3);
    for (const m of model.mean) expect(m).toBeCloseTo(5, 0);
    // Components are unit vectors, orthogonal, and signed so the largest entry is positive.
    expect(dot(model.components.subarray(0, 6), model.components.subarray(0, 6))).toBeCloseTo(1, 5);
    expect(dot(model.components.subarray(0, 6), model.components.subarray(6, 12))).toBeCloseTo(0, 5);
    expect(model.components[0]).toBeGreaterThan(0);
  });

  it('uses randomized subspace iteration above 256 dimensions and still finds the axis, the same under the same seed', () => {
    const dim = 300;
    const rng = new Rng(9);
    const axis = unit(Array.from({ length: dim }, () => gaussian(rng)));
    const data = alongAxis(1500, axis, 0, 2);
    const a = fitPca(data, 1500, dim, 3, { seed: 4 });
    const b = fitPca(data, 1500, dim, 3, { seed: 4 });
    expect(Math.abs(dot(a.components.subarray(0, dim), axis))).toBeGreaterThan(0.995);
    expect(a.components).toEqual(b.components);
  });

  it('projects rows to centred scores along the components', () => {
    const axis = unit([1, 1, 0]);
    const data = alongAxis(2000, axis, 3, 3);
    const model = fitPca(data, 2000, 3, 2);
    const scores = projectPca(data, 2000, model);
    expect(scores).toHaveLength(4000);
    let mean = 0;
    let variance = 0;
    for (let i = 0; i < 2000; i++) mean += scores[i * 2]!;
    mean /= 2000;
    for (let i = 0; i < 2000; i++) variance += (scores[i * 2]! - mean) ** 2;
    expect(Math.abs(mean)).toBeLessThan(1e-3);
    expect(variance / 1999).toBeCloseTo(model.variances[0]!, 1);
  });

  it('says what is wrong with its input', () => {
    expect(() => fitPca(new Float32Array(6), 3, 2, 3)).toThrow(/components must be an integer in 1\.\.2, got 3/);
    expect(() => fitPca(new Float32Array(4), 3, 2, 1)).toThrow(/expected \[3, 2\] data \(6 values\), got 4 values/);
    expect(() => fitPca(new Float32Array(2), 1, 2, 1)).toThrow(/at least 2 rows, got 1/);
  });

  it('stops when its check throws (cancellation)', () => {
    const data = alongAxis(10_000, [1, 0], 0, 4);
    let calls = 0;
    expect(() =>
      fitPca(data, 10_000, 2, 1, {
        check: () => {
          if (++calls > 1) throw new Error('stop');
        },
      }),
    ).toThrow('stop');
  });

  it('topEigenvectors gives eigenvalues in decreasing order', () => {
    const { values } = topEigenvectors(Float64Array.from([1, 0, 0, 0, 5, 0, 0, 0, 3]), 3, 3, 1);
    expect(Array.from(values)).toEqual([5, 3, 1]);
  });
});
