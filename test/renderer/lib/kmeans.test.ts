import { expect, test } from 'vitest';
import { defaultClusterCount, kmeans2d, mulberry32 } from '../../../src-renderer/src/lib/kmeans';

/** Three tight blobs of different sizes: 30 at (-5, 0), 20 at (5, 5), 10 at (0, -6). */
function blobs(): { x: Float32Array; y: Float32Array } {
  const random = mulberry32(7);
  const centres: [number, number, number][] = [
    [-5, 0, 30],
    [5, 5, 20],
    [0, -6, 10],
  ];
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [cx, cy, n] of centres) {
    for (let i = 0; i < n; i++) {
      xs.push(cx + (random() - 0.5) * 0.4);
      ys.push(cy + (random() - 0.5) * 0.4);
    }
  }
  return { x: Float32Array.from(xs), y: Float32Array.from(ys) };
}

test('mulberry32 is deterministic and in [0, 1)', () => {
  const a = mulberry32(1);
  const b = mulberry32(1);
  const values = Array.from({ length: 100 }, () => a());
  expect(values).toEqual(Array.from({ length: 100 }, () => b()));
  expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
  expect(mulberry32(2)()).not.toBe(values[0]);
});

test('finds three blobs, numbered by size', () => {
  const { x, y } = blobs();
  const r = kmeans2d(x, y, 3, { seed: 1 });
  expect([...r.sizes]).toEqual([30, 20, 10]);
  expect(new Set(r.assignments.subarray(0, 30))).toEqual(new Set([0]));
  expect(new Set(r.assignments.subarray(30, 50))).toEqual(new Set([1]));
  expect(new Set(r.assignments.subarray(50))).toEqual(new Set([2]));
  expect(r.centroids[0]).toBeCloseTo(-5, 0);
  expect(r.centroids[3]).toBeCloseTo(5, 0);
});

test('the same points, k and seed give the same clusters', () => {
  const { x, y } = blobs();
  const a = kmeans2d(x, y, 5, { seed: 3 });
  const b = kmeans2d(x, y, 5, { seed: 3 });
  expect([...a.assignments]).toEqual([...b.assignments]);
  expect([...a.centroids]).toEqual([...b.centroids]);
});

test('k larger than the points, one point, and bad k', () => {
  const one = kmeans2d(new Float32Array([1]), new Float32Array([2]), 4);
  expect([...one.assignments]).toEqual([0]);
  expect(one.sizes.length).toBe(1);
  expect(() => kmeans2d(new Float32Array(2), new Float32Array(2), 0)).toThrow(/1 ≤ k/);
  expect(() => kmeans2d(new Float32Array(2), new Float32Array(3), 2)).toThrow(/same length, got 2 and 3/);
});

test('the default k follows the labels', () => {
  expect(defaultClusterCount(3)).toBe(3);
  expect(defaultClusterCount(0)).toBe(8);
  expect(defaultClusterCount(1)).toBe(8);
  expect(defaultClusterCount(500)).toBe(40);
});
