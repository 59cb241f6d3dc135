import { expect, test } from 'vitest';
import { mulberry32 } from '../../../src-renderer/src/lib/kmeans';
import { binScores, buildGrid, knnDisagreement, nearest } from '../../../src-renderer/src/lib/knn';

test('kNN disagreement on a tiny example, worked by hand', () => {
  // Four points on a line at 0, 1, 2, 10 labelled A, A, B, B; k = 2.
  // p0: neighbours p1 (A), p2 (B) → 1/2.  p1: p0 (A), p2 (B) → 1/2.
  // p2: p1 (A), p0 (A) → 2/2.  p3: p2 (B), p1 (A) → 1/2.
  const x = new Float32Array([0, 1, 2, 10]);
  const y = new Float32Array(4);
  const scores = knnDisagreement(x, y, new Int32Array([0, 0, 1, 1]), 2);
  expect([...scores]).toEqual([0.5, 0.5, 1, 0.5]);
});

test('unlabelled points get no score and do not count as neighbours', () => {
  const x = new Float32Array([0, 1, 2]);
  const y = new Float32Array(3);
  const scores = knnDisagreement(x, y, new Int32Array([0, -1, 1]), 1);
  // p0's one neighbour is unlabelled: no labelled neighbour, no score.
  expect(Number.isNaN(scores[0]!)).toBe(true);
  expect(Number.isNaN(scores[1]!)).toBe(true);
  expect(Number.isNaN(scores[2]!)).toBe(true);
  const k2 = knnDisagreement(x, y, new Int32Array([0, -1, 1]), 2);
  expect(k2[0]).toBe(1);
  expect(k2[2]).toBe(1);
});

test('the grid search returns the same neighbours as brute force', () => {
  const random = mulberry32(11);
  const n = 2000;
  const x = Float32Array.from({ length: n }, () => random() * 2 - 1);
  const y = Float32Array.from({ length: n }, () => (random() * 2 - 1) * 0.3);
  const grid = buildGrid(x, y);
  const k = 7;
  const out = new Int32Array(k);
  const dist = new Float64Array(k);
  for (const i of [0, 17, 999, 1999]) {
    expect(nearest(grid, x, y, i, k, out, dist)).toBe(k);
    const brute = Array.from({ length: n }, (_, j) => j)
      .filter((j) => j !== i)
      .map((j) => ({ j, d: (x[j]! - x[i]!) ** 2 + (y[j]! - y[i]!) ** 2 }))
      .sort((a, b) => a.d - b.d)
      .slice(0, k);
    expect([...dist]).toEqual(brute.map((b) => b.d));
  }
});

test('clusters of one label score 0 inside; a point dropped among another class scores 1', () => {
  const xs: number[] = [];
  const ys: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < 50; i++) {
    xs.push(-5 + (i % 7) * 0.1, 5 + (i % 7) * 0.1);
    ys.push(Math.floor(i / 7) * 0.1, Math.floor(i / 7) * 0.1);
    labels.push(0, 1);
  }
  xs.push(5.3);
  ys.push(0.3);
  labels.push(0);
  const scores = knnDisagreement(Float32Array.from(xs), Float32Array.from(ys), Int32Array.from(labels), 5);
  expect(scores[0]).toBe(0);
  expect(scores[scores.length - 1]).toBe(1);
});

test('scores fall into colour bins, with a bin for no score', () => {
  expect([...binScores(new Float32Array([0, 0.49, 0.5, 1, Number.NaN]), 4)]).toEqual([0, 1, 2, 3, 4]);
});

test('duplicates and a single point are handled', () => {
  const same = knnDisagreement(new Float32Array(5), new Float32Array(5), new Int32Array([0, 0, 0, 1, 1]), 3);
  expect(same.every((s) => s >= 0 && s <= 1)).toBe(true);
  expect(Number.isNaN(knnDisagreement(new Float32Array(1), new Float32Array(1), new Int32Array([0]))[0]!)).toBe(true);
});
