import { expect, test } from 'vitest';
import { mulberry32 } from '../../../src-renderer/src/lib/kmeans';
import { buildGrid } from '../../../src-renderer/src/lib/knn';
import { boxPolygon, pointInPolygon, pointsInPolygon } from '../../../src-renderer/src/lib/lasso';

const square = [0, 0, 1, 0, 1, 1, 0, 1];

test('point in polygon by the even-odd rule, concave shapes included', () => {
  expect(pointInPolygon(0.5, 0.5, square)).toBe(true);
  expect(pointInPolygon(1.5, 0.5, square)).toBe(false);
  // A "U": the notch between the arms is outside.
  const u = [0, 0, 3, 0, 3, 3, 2, 3, 2, 1, 1, 1, 1, 3, 0, 3];
  expect(pointInPolygon(0.5, 2, u)).toBe(true);
  expect(pointInPolygon(1.5, 2, u)).toBe(false);
  expect(pointInPolygon(1.5, 0.5, u)).toBe(true);
});

test('the grid search finds the same points as checking every point', () => {
  const random = mulberry32(5);
  const n = 5000;
  const x = Float32Array.from({ length: n }, () => random() * 2 - 1);
  const y = Float32Array.from({ length: n }, () => random() * 2 - 1);
  const grid = buildGrid(x, y);
  const lasso = [-0.5, -0.6, 0.7, -0.2, 0.1, 0.1, 0.6, 0.8, -0.8, 0.4];
  const expected = Array.from({ length: n }, (_, i) => i).filter((i) => pointInPolygon(x[i]!, y[i]!, lasso));
  expect(expected.length).toBeGreaterThan(100);
  expect([...pointsInPolygon(grid, x, y, lasso)]).toEqual(expected);
});

test('boxes become polygons; fewer than three vertices select nothing', () => {
  expect([...boxPolygon(2, 3, 0, 1)]).toEqual([2, 3, 0, 3, 0, 1, 2, 1]);
  const grid = buildGrid(new Float32Array([0.5]), new Float32Array([0.5]));
  expect([...pointsInPolygon(grid, new Float32Array([0.5]), new Float32Array([0.5]), boxPolygon(0, 0, 1, 1))]).toEqual([0]);
  expect(pointsInPolygon(grid, new Float32Array([0.5]), new Float32Array([0.5]), [0, 0, 1, 1]).length).toBe(0);
});
