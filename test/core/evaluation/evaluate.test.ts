import { describe, expect, it } from 'vitest';
import { evaluateEmbeddings, stratifiedSplit } from '../../../src-main/core/evaluation';
import { Rng } from '../../../src-main/core/ssl/random';

const DIM = 12;

function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** 3 well-separated classes, 40 items each, labels 'a' 'b' 'c' in turn. */
function dataset(seed = 1) {
  const rng = new Rng(seed);
  const centres = Array.from({ length: 3 }, () => Array.from({ length: DIM }, () => 4 * gaussian(rng)));
  const n = 120;
  const x = new Float32Array(n * DIM);
  const labels: (string | null)[] = [];
  for (let i = 0; i < n; i++) {
    labels.push('abc'[i % 3]!);
    for (let j = 0; j < DIM; j++) x[i * DIM + j] = centres[i % 3]![j]! + gaussian(rng);
  }
  return { x, labels, n };
}

describe('evaluateEmbeddings', () => {
  it('runs every metric with labels and a second view, using the default stratified split', () => {
    const { x, labels } = dataset();
    const view = x.map((v, i) => v + 0.1 * Math.sin(i));
    const result = evaluateEmbeddings(x, DIM, { labels, secondView: view, seed: 5 });
    const split = stratifiedSplit(labels, 0.2, 5);
    expect([result.classes, result.trainItems, result.testItems]).toEqual([3, split.train.length, split.test.length]);
    expect(result.testItems).toBe(24);
    expect(result.knn).toBeGreaterThan(0.9);
    expect(result.linear).toBeGreaterThan(0.9);
    expect(result.alignment).toBeGreaterThan(0);
    expect(result.alignment).toBeLessThan(0.01);
    expect(result.uniformity).toBeLessThan(0);
    expect(result.effectiveRank).toBeGreaterThan(2);
    expect(result.meanVariance).toBeGreaterThan(0);
    expect(result.collapse).toBeNull();
    expect(result.seconds).toBeGreaterThan(0);
    // Deterministic apart from the time taken.
    const again = evaluateEmbeddings(x, DIM, { labels, secondView: view, seed: 5 });
    expect({ ...again, seconds: 0 }).toEqual({ ...result, seconds: 0 });
  });

  it('returns null kNN and linear accuracy without labels, with fewer than 2 classes or no test items', () => {
    const { x, labels, n } = dataset();
    const cases: { labels?: (string | null)[] | null; testFraction?: number }[] = [
      {},
      { labels: null },
      { labels: new Array<string | null>(n).fill(null) },
      { labels: labels.map((l) => (l === 'a' ? 'a' : null)) },
      { labels, testFraction: 0 },
    ];
    for (const options of cases) {
      const result = evaluateEmbeddings(x, DIM, options);
      expect([result.knn, result.linear, result.alignment]).toEqual([null, null, null]);
      expect([result.classes, result.trainItems, result.testItems]).toEqual([0, 0, 0]);
      expect(Number.isFinite(result.uniformity)).toBe(true);
      expect(result.effectiveRank).toBeGreaterThan(2);
    }
  });

  it('ignores unlabelled items in a given split', () => {
    const { x, labels, n } = dataset();
    const partial = labels.map((l, i) => (i % 5 === 0 ? null : l));
    const split = { train: Int32Array.from({ length: 90 }, (_, i) => i), test: Int32Array.from({ length: n - 90 }, (_, i) => 90 + i) };
    const result = evaluateEmbeddings(x, DIM, { labels: partial, split });
    expect(result.trainItems).toBe(72);
    expect(result.testItems).toBe(24);
    expect(result.knn).not.toBeNull();
  });

  it('scores kNN on knnEmbeddings, and the linear probe and the diagnostics on the embeddings themselves', () => {
    const { x, labels, n } = dataset();
    // Another geometry, its rows shuffled: no relation to the labels.
    const other = dataset(9).x;
    const order = Array.from({ length: n }, (_, i) => i);
    const rng = new Rng(4);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const shuffled = new Float32Array(n * DIM);
    order.forEach((from, to) => shuffled.set(other.subarray(from * DIM, (from + 1) * DIM), to * DIM));
    const own = evaluateEmbeddings(x, DIM, { labels, seed: 5 });
    const noise = evaluateEmbeddings(shuffled, DIM, { labels, seed: 5 });
    expect(own.knn).not.toBe(noise.knn);
    expect(own.linear).not.toBe(noise.linear);
    const mixed = evaluateEmbeddings(shuffled, DIM, { labels, seed: 5, knnEmbeddings: x });
    expect(mixed.knn).toBe(own.knn);
    expect([mixed.linear, mixed.uniformity, mixed.effectiveRank, mixed.meanVariance]).toEqual([noise.linear, noise.uniformity, noise.effectiveRank, noise.meanVariance]);
    expect(() => evaluateEmbeddings(x, DIM, { labels, knnEmbeddings: new Float32Array((n - 1) * DIM) })).toThrow(/knnEmbeddings/);
  });

  it('flags collapsed embeddings', () => {
    const { labels, n } = dataset();
    const collapsed = Float32Array.from({ length: n * DIM }, (_, k) => 1 + (k % DIM));
    const result = evaluateEmbeddings(collapsed, DIM, { labels });
    expect(result.meanVariance).toBeCloseTo(0, 12);
    expect(result.effectiveRank).toBe(0);
    expect(result.uniformity).toBeCloseTo(0, 12);
    expect(result.collapse).toMatch(/^The embeddings have collapsed: all items map to nearly the same point/);
    expect(result.knn).toBeLessThan(0.5);
  });

  it('rejects inputs of the wrong size, showing them', () => {
    const { x, labels, n } = dataset();
    expect(() => evaluateEmbeddings(x.subarray(0, 13), DIM)).toThrow('13 values, which is not a whole number of rows of dim 12');
    expect(() => evaluateEmbeddings(x.subarray(0, DIM), DIM)).toThrow('at least 2 items, got 1');
    expect(() => evaluateEmbeddings(x, DIM, { labels: labels.slice(1) })).toThrow(`119 labels for ${n} items`);
    expect(() => evaluateEmbeddings(x, DIM, { secondView: x.subarray(DIM) })).toThrow(
      `evaluateEmbeddings secondView has ${(n - 1) * DIM} values, expected ${n} rows × ${DIM} dims = ${n * DIM}`,
    );
    const split = { train: Int32Array.from([0, 1, 2]), test: Int32Array.from([3, n]) };
    expect(() => evaluateEmbeddings(x, DIM, { labels, split })).toThrow(`split.test[1] is ${n}, not an item index in [0, ${n})`);
  });
});
