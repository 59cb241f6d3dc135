import { expect, test } from 'vitest';
import {
  alignItems,
  buildItemIndex,
  decodePoints,
  encodePoints,
  fitToMap,
  indexOfItem,
  labelCounts,
  POINTS_MAGIC,
} from '../../../src-renderer/src/lib/points';

test('the magic is the one the contract documents (PXTP)', () => {
  expect(POINTS_MAGIC).toBe(0x50545850);
  const bytes = new Uint8Array(new Uint32Array([POINTS_MAGIC]).buffer);
  expect(String.fromCharCode(...bytes)).toBe('PXTP');
});

test('decodes ids, interleaved coordinates and label indices after a padded header', () => {
  const buffer = encodePoints([10, 11, 12], [0, 1, 2, 3, 4.5, -5], [0, -1, 1], ['cats', 'dogs']);
  const p = decodePoints(buffer);
  expect(p.count).toBe(3);
  expect(p.labels).toEqual(['cats', 'dogs']);
  expect([...p.itemIds]).toEqual([10, 11, 12]);
  expect([...p.xy]).toEqual([0, 1, 2, 3, 4.5, -5]);
  expect([...p.labelIndex]).toEqual([0, -1, 1]);
});

test('a header length that includes its NUL padding is read as well', () => {
  const json = new TextEncoder().encode(JSON.stringify({ count: 1, labels: ['a'] }));
  const padded = (json.length + 3) & ~3;
  const buffer = new ArrayBuffer(8 + padded + 16);
  const view = new DataView(buffer);
  view.setUint32(0, POINTS_MAGIC, true);
  view.setUint32(4, padded, true);
  new Uint8Array(buffer, 8).set(json);
  new Int32Array(buffer, 8 + padded, 1)[0] = 42;
  new Float32Array(buffer, 8 + padded + 4, 2).set([1, 2]);
  new Int32Array(buffer, 8 + padded + 12, 1)[0] = 0;
  const p = decodePoints(buffer);
  expect(p.itemIds[0]).toBe(42);
  expect([...p.xy]).toEqual([1, 2]);
});

test('a wrong magic, a short file or a broken header say what is wrong', () => {
  expect(() => decodePoints(new ArrayBuffer(4))).toThrow(/too short/);
  const bad = encodePoints([1], [0, 0], [0], ['a']);
  new DataView(bad).setUint32(0, 0x12345678, true);
  expect(() => decodePoints(bad)).toThrow(/0x12345678, not 0x50545850/);
  const truncated = encodePoints([1, 2], [0, 0, 1, 1], [0, 0], ['a']).slice(0, 40);
  expect(() => decodePoints(truncated)).toThrow(/2 points need/);
  const empty = encodePoints([], [], [], []);
  expect(decodePoints(empty).count).toBe(0);
});

test('fitToMap centres the points in the square and keeps the aspect ratio', () => {
  const { x, y, bounds } = fitToMap(new Float32Array([0, 0, 10, 0, 10, 5, 0, 5]), 0);
  expect(bounds).toEqual({ minX: 0, maxX: 10, minY: 0, maxY: 5 });
  expect([...x]).toEqual([-1, 1, 1, -1]);
  expect([...y]).toEqual([-0.5, -0.5, 0.5, 0.5]);
  const margin = fitToMap(new Float32Array([0, 0, 2, 2]), 0.1);
  expect(margin.x[0]).toBeCloseTo(-0.9);
  expect(margin.x[1]).toBeCloseTo(0.9);
});

test('fitToMap survives one point and non-finite coordinates', () => {
  const one = fitToMap(new Float32Array([5, 5]));
  expect([...one.x, ...one.y]).toEqual([0, 0]);
  const nan = fitToMap(new Float32Array([0, 0, Number.NaN, 1, 2, 2]), 0);
  expect([nan.x[1], nan.y[1]]).toEqual([0, 0]);
  expect(nan.x[2]).toBe(1);
});

test('the item index finds points by id, sorted or not', () => {
  const ascending = buildItemIndex(new Int32Array([3, 5, 9]));
  expect(indexOfItem(ascending, 5)).toBe(1);
  expect(indexOfItem(ascending, 4)).toBe(-1);
  const shuffled = buildItemIndex(new Int32Array([40, -2, 7, 1000000, 3]));
  expect([...shuffled.sortedIds]).toEqual([-2, 3, 7, 40, 1000000]);
  expect(indexOfItem(shuffled, 40)).toBe(0);
  expect(indexOfItem(shuffled, 1000000)).toBe(3);
  expect(indexOfItem(shuffled, -2)).toBe(1);
  expect(indexOfItem(shuffled, 8)).toBe(-1);
});

test('alignItems maps each point to the same item in another map', () => {
  const other = buildItemIndex(new Int32Array([7, 5, 9]));
  expect([...alignItems(new Int32Array([5, 6, 9, 7]), other)]).toEqual([1, -1, 2, 0]);
});

test('labelCounts counts each label and the unlabelled last', () => {
  expect([...labelCounts(new Int32Array([0, 1, 1, -1, 5]), 2)]).toEqual([1, 2, 2]);
});
