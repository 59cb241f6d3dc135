import { expect, test } from 'vitest';
import {
  between,
  boxOf,
  clampZoom,
  fitBox,
  HOME,
  MAX_ZOOM,
  MIN_ZOOM,
  pan,
  pixelsPerUnit,
  pointSizeAt,
  toMap,
  toScreen,
  wheelFactor,
  zoomAt,
} from '../../../src-renderer/src/lib/camera';

const view = { width: 800, height: 400 };

test('the home view fits the [-1, 1] square to the smaller side, y up', () => {
  expect(pixelsPerUnit(HOME, view)).toBe(200);
  expect(toScreen(HOME, view, 0, 0)).toEqual({ x: 400, y: 200 });
  expect(toScreen(HOME, view, 1, 1)).toEqual({ x: 600, y: 0 });
  expect(toScreen(HOME, view, -1, -1)).toEqual({ x: 200, y: 400 });
  expect(toMap(HOME, view, 600, 0)).toEqual({ x: 1, y: 1 });
});

test('screen and map conversions are inverse at any camera', () => {
  const camera = { x: 0.3, y: -0.2, zoom: 3.5 };
  const s = toScreen(camera, view, 0.41, 0.07);
  const m = toMap(camera, view, s.x, s.y);
  expect(m.x).toBeCloseTo(0.41, 10);
  expect(m.y).toBeCloseTo(0.07, 10);
});

test('panning moves the map with the pointer', () => {
  const moved = pan(HOME, view, 100, 50);
  expect(toScreen(moved, view, 0, 0)).toEqual({ x: 500, y: 250 });
});

test('zooming keeps the point under the cursor in place, within limits', () => {
  const before = toMap(HOME, view, 650, 120);
  const zoomed = zoomAt(HOME, view, 650, 120, 2.5);
  expect(zoomed.zoom).toBe(2.5);
  const after = toMap(zoomed, view, 650, 120);
  expect(after.x).toBeCloseTo(before.x, 10);
  expect(after.y).toBeCloseTo(before.y, 10);
  expect(zoomAt(HOME, view, 0, 0, 1e-9).zoom).toBe(MIN_ZOOM);
  expect(clampZoom(1e12)).toBe(MAX_ZOOM);
  expect(clampZoom(Number.NaN)).toBe(1);
});

test('wheel steps zoom in on scroll up, out on scroll down, whatever the unit', () => {
  expect(wheelFactor(-100, 0)).toBeGreaterThan(1);
  expect(wheelFactor(100, 0)).toBeLessThan(1);
  expect(wheelFactor(3, 1)).toBeCloseTo(wheelFactor(48, 0));
  expect(wheelFactor(-1e6, 0)).toBe(wheelFactor(-600, 0));
});

test('fitBox shows a box with padding, and one point close up', () => {
  const camera = fitBox({ minX: 0, maxX: 0.5, minY: 0, maxY: 0.1 }, view, 0);
  expect(camera.x).toBe(0.25);
  const left = toScreen(camera, view, 0, 0.05);
  const right = toScreen(camera, view, 0.5, 0.05);
  expect(left.x).toBeCloseTo(0);
  expect(right.x).toBeCloseTo(800);
  expect(fitBox({ minX: 0.2, maxX: 0.2, minY: 0.1, maxY: 0.1 }, view)).toEqual({ x: 0.2, y: 0.1, zoom: 24 });
  expect(boxOf(new Float32Array([0, 1, 2]), new Float32Array([5, -1, 0]), [0, 2])).toEqual({ minX: 0, maxX: 2, minY: 0, maxY: 5 });
  expect(boxOf(new Float32Array(1), new Float32Array(1), [])).toBeNull();
});

test('animation passes through both ends; zoom moves on a log scale', () => {
  const a = { x: 0, y: 0, zoom: 1 };
  const b = { x: 1, y: -1, zoom: 100 };
  expect(between(a, b, 0)).toEqual(a);
  expect(between(a, b, 1)).toEqual(b);
  expect(between(a, b, 0.5).zoom).toBeCloseTo(10);
});

test('points grow slowly with zoom, up to four times', () => {
  expect(pointSizeAt(4, 1)).toBe(4);
  expect(pointSizeAt(4, 0.5)).toBe(4);
  expect(pointSizeAt(4, 4)).toBeCloseTo(4 * 1.9);
  expect(pointSizeAt(4, 1e9)).toBe(16);
});
