import { expect, test } from 'vitest';
import { rowsBelow } from '../../../src-renderer/src/lib/scroll-hint';

test('counts the rows below the visible part of a list', () => {
  // 10 rows of 37 px in a 222 px box: 6 shown, 4 below.
  expect(rowsBelow(370, 0, 222, 37)).toBe(4);
  expect(rowsBelow(370, 37, 222, 37)).toBe(3);
  // Scrolled half a row: the cut row is still partly hidden.
  expect(rowsBelow(370, 18, 222, 37)).toBe(4);
  expect(rowsBelow(370, 148, 222, 37)).toBe(0);
});

test('none when everything fits or the list is at its end (sub-pixel rounding included)', () => {
  expect(rowsBelow(185, 0, 185, 37)).toBe(0);
  expect(rowsBelow(370, 147.5, 222, 37)).toBe(0);
  expect(rowsBelow(370, 0, 222, 0)).toBe(0);
});
