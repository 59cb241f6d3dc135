import { expect, test } from 'vitest';
import { overlayColumns } from '../../../src-renderer/src/lib/overlay';

test('two curves share the union of their steps, with gaps as null', () => {
  const [x, a, b] = overlayColumns({ steps: [1, 2, 4], values: [3, 2.5, 2] }, { steps: [2, 3, 4, 6], values: [4, 3.5, Number.NaN, 3] });
  expect(x).toEqual([1, 2, 3, 4, 6]);
  expect(a).toEqual([3, 2.5, null, 2, null]);
  expect(b).toEqual([null, 4, 3.5, null, 3]);
});

test('an empty curve leaves the other as it is', () => {
  expect(overlayColumns({ steps: [], values: [] }, { steps: [1], values: [2] })).toEqual([[1], [null], [2]]);
  expect(overlayColumns({ steps: [], values: [] }, { steps: [], values: [] })).toEqual([[], [], []]);
});
