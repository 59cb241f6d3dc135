import { expect, test } from 'vitest';
import { categoryColor, MISSING_COLOR } from '../../../src-renderer/src/lib/color-scales';
import {
  clusterLegend,
  countCategories,
  includesSorted,
  labelCategories,
  labelLegend,
  soloKey,
  toggleKey,
  visibleIndices,
} from '../../../src-renderer/src/lib/legend';

test('the label legend lists labels in file order, then the unlabelled', () => {
  const entries = labelLegend(['circle', 'square'], new Int32Array([4, 5, 2]), new Set([1]));
  expect(entries.map((e) => [e.key, e.label, e.count, e.hidden])).toEqual([
    [0, 'circle', 4, false],
    [1, 'square', 5, true],
    [2, '(no label)', 2, false],
  ]);
  expect(entries[0]!.color).toBe(categoryColor(0));
  expect(entries[2]!.color).toBe(MISSING_COLOR);
  expect(labelLegend(['a'], new Int32Array([3, 0]), new Set())).toHaveLength(1);
});

test('the cluster legend names clusters from 1', () => {
  const entries = clusterLegend(new Int32Array([9, 4]), new Set());
  expect(entries.map((e) => [e.label, e.text, e.count])).toEqual([
    ['cluster-1', 'Cluster 1', 9],
    ['cluster-2', 'Cluster 2', 4],
  ]);
});

test('toggling hides and shows; solo shows one and toggles back to all', () => {
  const hidden = toggleKey(new Set(), 2);
  expect([...hidden]).toEqual([2]);
  expect([...toggleKey(hidden, 2)]).toEqual([]);
  const solo = soloKey(new Set(), 1, [0, 1, 2]);
  expect([...solo].sort()).toEqual([0, 2]);
  expect([...soloKey(solo, 1, [0, 1, 2])]).toEqual([]);
});

test('toggled-off categories become a filter of the other points', () => {
  const categories = labelCategories(new Int32Array([0, 1, -1, 1, 0]), 2);
  expect([...categories]).toEqual([0, 1, 2, 1, 0]);
  expect(visibleIndices(categories, new Set())).toBeNull();
  expect(visibleIndices(categories, new Set([1]))).toEqual([0, 2, 4]);
  expect(visibleIndices(categories, new Set([2, 0]))).toEqual([1, 3]);
  expect(visibleIndices(categories, new Set([0, 1, 2]))).toEqual([]);
  expect(visibleIndices(categories, new Set([9]))).toEqual([0, 1, 2, 3, 4]);
});

test('countCategories ignores values out of range', () => {
  expect([...countCategories(new Int32Array([0, 2, 2, -1, 7]), 3)]).toEqual([1, 0, 2]);
});

test('a filter is searched by halves', () => {
  const filter = [0, 3, 4, 9, 20];
  expect(filter.map((i) => includesSorted(filter, i))).toEqual([true, true, true, true, true]);
  expect([1, 5, 21, -1].some((i) => includesSorted(filter, i))).toBe(false);
  expect(includesSorted([], 0)).toBe(false);
});
