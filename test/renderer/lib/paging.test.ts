import { expect, test } from 'vitest';
import { clampOffset, nextOffset, pageInfo, prevOffset } from '../../../src-renderer/src/lib/paging';

test('the first, middle and last pages', () => {
  expect(pageInfo(0, 60, 213)).toMatchObject({ from: 1, to: 60, hasPrev: false, hasNext: true, page: 1, pages: 4, text: '1–60 of 213' });
  expect(pageInfo(60, 60, 213)).toMatchObject({ from: 61, to: 120, hasPrev: true, hasNext: true, page: 2 });
  expect(pageInfo(180, 60, 213)).toMatchObject({ from: 181, to: 213, hasPrev: true, hasNext: false, page: 4, text: '181–213 of 213' });
});

test('an empty list', () => {
  expect(pageInfo(0, 60, 0)).toMatchObject({ from: 0, to: 0, hasPrev: false, hasNext: false, pages: 1, text: '0 of 0' });
});

test('large totals use separators', () => {
  expect(pageInfo(1200, 60, 12345).text).toBe('1,201–1,260 of 12,345');
});

test('offsets snap to pages and fall back to the last page when rows went away', () => {
  expect(clampOffset(65, 60, 213)).toBe(60);
  expect(clampOffset(240, 60, 213)).toBe(180);
  expect(clampOffset(120, 60, 100)).toBe(60);
  expect(clampOffset(60, 60, 60)).toBe(0);
  expect(clampOffset(-5, 60, 100)).toBe(0);
  expect(clampOffset(Number.NaN, 60, 100)).toBe(0);
  expect(pageInfo(600, 60, 100)).toMatchObject({ from: 61, to: 100 });
});

test('next and previous stay inside the list', () => {
  expect(nextOffset(0, 60, 213)).toBe(60);
  expect(nextOffset(180, 60, 213)).toBe(180);
  expect(prevOffset(60, 60, 213)).toBe(0);
  expect(prevOffset(0, 60, 213)).toBe(0);
});
