import { describe, expect, it } from 'vitest';
import {
  fitLinearProbe,
  knnAccuracy,
  knnPredict,
  linearProbe,
  minimizeLbfgs,
  predictClasses,
  predictProbabilities,
} from '../../../src-main/core/evaluation';
import { Rng } from '../../../src-main/core/ssl/random';

function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** Train and test points around the same random centres (classes interleaved: item i is class i mod classes). */
function blobs(classes: number, trainPerClass: number, testPerClass: number, dim: number, noise: number, seed: number) {
  const rng = new Rng(seed);
  const centres = Array.from({ length: classes }, () => Array.from({ length: dim }, () => 3 * gaussian(rng)));
  const make = (perClass: number) => {
    const x = new Float32Array(classes * perClass * dim);
    const y = new Int32Array(classes * perClass);
    for (let i = 0; i < y.length; i++) {
      const c = i % classes;
      y[i] = c;
      for (let j = 0; j < dim; j++) x[i * dim + j] = centres[c]![j]! + noise * gaussian(rng);
    }
    return { x, y };
  };
  return { train: make(trainPerClass), test: make(testPerClass) };
}

/** Brute-force weighted kNN, written the obvious way. */
function bruteKnn(trainX: Float32Array, trainY: Int32Array, testX: Float32Array, dim: number, k: number, tau: number): number[] {
  const unit = (x: Float32Array, i: number) => {
    const v = Array.from(x.subarray(i * dim, (i + 1) * dim));
    const norm = Math.hypot(...v);
    return v.map((a) => a / norm);
  };
  const train = Array.from({ length: trainY.length }, (_, i) => unit(trainX, i));
  const out: number[] = [];
  for (let q = 0; q < testX.length / dim; q++) {
    const u = unit(testX, q);
    const sims = train.map((t, i) => [t.reduce((s, a, j) => s + a * u[j]!, 0), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    const votes = new Map<number, number>();
    for (const [s, i] of sims.slice(0, k)) votes.set(trainY[i]!, (votes.get(trainY[i]!) ?? 0) + Math.exp(s / tau));
    out.push([...votes.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0]);
  }
  return out;
}

describe('knnAccuracy', () => {
  it('matches a brute-force weighted kNN on sizes that are not multiples of the block', () => {
    // 393 training rows: padding rows and a partial 256-row block; 51 test rows: a partial group of 4.
    const { train, test } = blobs(3, 131, 17, 7, 2.5, 1);
    for (const [k, tau] of [[20, 0.07], [1, 1], [7, 0.3]] as const) {
      const got = Array.from(knnPredict(train.x, train.y, test.x, 7, { k, temperature: tau }));
      expect(got).toEqual(bruteKnn(train.x, train.y, test.x, 7, k, tau));
    }
  });

  it('weights votes by exp(sim / τ): one close neighbour outvotes two far ones only at low τ', () => {
    const dim = 2;
    const at = (deg: number) => [Math.cos((deg * Math.PI) / 180), Math.sin((deg * Math.PI) / 180)];
    const trainX = Float32Array.from([...at(5), ...at(40), ...at(-40)]);
    const trainY = Int32Array.from([0, 1, 1]);
    const testX = Float32Array.from(at(0));
    expect(knnPredict(trainX, trainY, testX, dim, { k: 3, temperature: 0.07 })[0]).toBe(0);
    expect(knnPredict(trainX, trainY, testX, dim, { k: 3, temperature: 10 })[0]).toBe(1);
  });

  it('breaks ties in similarity towards the earlier training item, and ties in votes towards the smaller class', () => {
    const trainX = Float32Array.from([1, 0, 2, 0, 0, 1]); // items 0 and 1 point the same way
    const testX = Float32Array.from([1, 0]);
    expect(knnPredict(trainX, Int32Array.from([0, 1, 1]), testX, 2, { k: 1 })[0]).toBe(0);
    expect(knnPredict(trainX, Int32Array.from([1, 0, 1]), testX, 2, { k: 1 })[0]).toBe(1);
    expect(knnPredict(trainX, Int32Array.from([1, 0, 1]), testX, 2, { k: 2 })[0]).toBe(0);
  });

  it('is cosine: scaling rows changes nothing, and k is capped at the training size', () => {
    const { train, test } = blobs(2, 10, 5, 4, 1, 3);
    const scaled = train.x.map((v, i) => v * (1 + Math.floor(i / 4)));
    const a = knnAccuracy(train.x, train.y, test.x, test.y, 4, { k: 5 });
    expect(knnAccuracy(scaled, train.y, test.x, test.y, 4, { k: 5 })).toBe(a);
    expect(knnAccuracy(train.x, train.y, test.x, test.y, 4, { k: 1000 })).toBe(knnAccuracy(train.x, train.y, test.x, test.y, 4, { k: 20 }));
  });

  it('does not overflow at a tiny temperature', () => {
    const { train, test } = blobs(3, 20, 10, 5, 1, 5);
    const acc = knnAccuracy(train.x, train.y, test.x, test.y, 5, { temperature: 1e-4 });
    expect(acc).toBeGreaterThan(0.5);
    expect(acc).toBe(knnAccuracy(train.x, train.y, test.x, test.y, 5, { k: 1 }));
  });

  it('rejects wrong sizes and options, showing the values', () => {
    const x = new Float32Array(12);
    const y = new Int32Array(3);
    expect(() => knnAccuracy(new Float32Array(13), y, x, y, 4)).toThrow('knn trainX has 13 values, which is not a whole number of rows of dim 4');
    expect(() => knnAccuracy(x, new Int32Array(2), x, y, 4)).toThrow('knn trainY has 2 labels for 3 rows');
    expect(() => knnAccuracy(x, y, x, new Int32Array(4), 4)).toThrow('knn testY has 4 labels for 3 rows');
    expect(() => knnAccuracy(x, y, x, y, 0)).toThrow('dim must be a positive integer, got 0');
    expect(() => knnAccuracy(x, y, x, y, 4, { k: 0 })).toThrow('knn k must be a positive integer, got 0');
    expect(() => knnAccuracy(x, y, x, y, 4, { temperature: 0 })).toThrow('knn temperature must be a positive finite number, got 0');
    expect(() => knnAccuracy(x, Int32Array.from([0, -1, 0]), x, y, 4)).toThrow('knn trainY[1] is -1');
    expect(() => knnAccuracy(x, y, new Float32Array(0), new Int32Array(0), 4)).toThrow('at least one test item, got 0');
    expect(() => knnAccuracy(new Float32Array(0), new Int32Array(0), x, y, 4)).toThrow('at least one training item, got 0');
    const bad = Float32Array.from(x);
    bad[5] = Number.NaN;
    expect(() => knnAccuracy(bad, y, x, y, 4)).toThrow('knn trainX has a non-finite value (NaN) at row 1, column 1');
  });
});

describe('linearProbe', () => {
  it('separates well-separated blobs, with probabilities that sum to 1', () => {
    const { train, test } = blobs(3, 60, 20, 6, 1, 10);
    const result = linearProbe(train.x, train.y, test.x, test.y, 6, 3);
    expect(result.accuracy).toBeGreaterThan(0.95);
    expect(result.trainAccuracy).toBeGreaterThan(0.95);
    expect(result.converged).toBe(true);
    expect(result.iterations).toBeGreaterThan(0);
    const model = fitLinearProbe(train.x, train.y, 6, 3);
    const p = predictProbabilities(model, test.x);
    for (let i = 0; i < 60; i++) expect(p[3 * i]! + p[3 * i + 1]! + p[3 * i + 2]!).toBeCloseTo(1, 12);
    expect(Array.from(predictClasses(model, test.x)).filter((c, i) => c === test.y[i]).length / 60).toBe(result.accuracy);
  });

  it('gives classes absent from training probability 0, and copes with a constant feature', () => {
    const { train } = blobs(2, 30, 0, 3, 1, 12);
    const x = new Float32Array(60 * 4);
    for (let i = 0; i < 60; i++) {
      x.set(train.x.subarray(i * 3, i * 3 + 3), i * 4);
      x[i * 4 + 3] = 5; // constant
    }
    const y = train.y.map((c) => (c === 0 ? 0 : 3)); // classes 1 and 2 never appear
    const model = fitLinearProbe(x, y, 4, 4);
    expect(model.scale[3]).toBe(1);
    const p = predictProbabilities(model, x.subarray(0, 8));
    expect([p[1], p[2], p[5], p[6]]).toEqual([0, 0, 0, 0]);
    expect(p[0]! + p[3]!).toBeCloseTo(1, 12);
    expect(model.converged).toBe(true);
  });

  it('regularises less as C grows', () => {
    const { train } = blobs(3, 40, 0, 8, 3, 13);
    const norm = (C: number) => fitLinearProbe(train.x, train.y, 8, 3, { C }).weights.reduce((s, w) => s + w * w, 0);
    expect(norm(0.01)).toBeLessThan(norm(1));
    expect(norm(1)).toBeLessThan(norm(100));
  });

  it('rejects wrong sizes, labels and options, showing the values', () => {
    const x = new Float32Array(12);
    const y = Int32Array.from([0, 1, 0]);
    expect(() => linearProbe(x, y, x, y, 5, 2)).toThrow('linear probe testX has 12 values, which is not a whole number of rows of dim 5');
    expect(() => linearProbe(x, new Int32Array(4), x, y, 4, 2)).toThrow('linear probe trainY has 4 labels for 3 rows');
    expect(() => linearProbe(x, y, x, Int32Array.from([0, 2, 0]), 4, 2)).toThrow('linear probe testY[1] is 2, outside the class range [0, 2)');
    expect(() => linearProbe(x, y, x, y, 4, 0)).toThrow('linear probe classes must be a positive integer, got 0');
    expect(() => linearProbe(x, y, x, y, 4, 2, { C: -1 })).toThrow('linear probe C must be a positive finite number, got -1');
    expect(() => linearProbe(x, new Int32Array(3), x, y, 4, 2)).toThrow('at least 2 classes in the training labels, got 1');
  });
});

describe('minimizeLbfgs', () => {
  it('minimises an ill-conditioned quadratic to the requested gradient (scipy needs 1,114 iterations here)', () => {
    const scales = Float64Array.from({ length: 50 }, (_, i) => 10 ** ((4 * i) / 49)); // condition number 1e4
    const f = (x: Float64Array, g: Float64Array) => {
      let v = 0;
      for (let i = 0; i < x.length; i++) {
        const d = x[i]! - 1;
        v += 0.5 * scales[i]! * d * d;
        g[i] = scales[i]! * d;
      }
      return v;
    };
    const result = minimizeLbfgs(f, new Float64Array(50), { gradientTolerance: 1e-9, functionTolerance: 0, maxIterations: 3000 });
    expect(result.converged).toBe(true);
    expect(result.reason).toBe('gradient');
    for (const v of result.x) expect(v).toBeCloseTo(1, 8);
  });

  it('finds the minimum of the Rosenbrock function', () => {
    const f = (x: Float64Array, g: Float64Array) => {
      const [a, b] = [x[0]!, x[1]!];
      g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
      g[1] = 200 * (b - a * a);
      return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
    };
    const result = minimizeLbfgs(f, Float64Array.from([-1.2, 1]), { gradientTolerance: 1e-8, functionTolerance: 0 });
    expect(result.x[0]).toBeCloseTo(1, 5);
    expect(result.x[1]).toBeCloseTo(1, 5);
  });

  it('stops at maxIterations and says so', () => {
    const f = (x: Float64Array, g: Float64Array) => {
      g[0] = 4 * x[0]! ** 3;
      return x[0]! ** 4;
    };
    const result = minimizeLbfgs(f, Float64Array.from([3]), { maxIterations: 2, gradientTolerance: 0, functionTolerance: 0 });
    expect([result.iterations, result.converged, result.reason]).toEqual([2, false, 'iterations']);
    expect(() => minimizeLbfgs(f, Float64Array.from([3]), { memory: 0 })).toThrow('memory must be a positive integer, got 0');
  });
});
