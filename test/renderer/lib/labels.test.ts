import { expect, test } from 'vitest';
import { hasRealLabels, labelBars } from '../../../src-renderer/src/lib/labels';

test('labels are sorted by count, ties by name, unlabelled last, with bar widths relative to the largest', () => {
  const bars = labelBars([
    { label: null, count: 8 },
    { label: 'dogs', count: 3 },
    { label: 'birds', count: 3 },
    { label: 'cats', count: 6 },
  ]);
  expect(bars.map((b) => b.text)).toEqual(['cats', 'birds', 'dogs', '(no label)']);
  expect(bars[0]?.fraction).toBe(0.75);
  expect(bars[3]?.fraction).toBe(1);
  expect(bars[0]?.share).toBeCloseTo(6 / 20);
});

test('no labels', () => {
  expect(labelBars([])).toEqual([]);
  expect(hasRealLabels([{ label: null, count: 3 }])).toBe(false);
  expect(hasRealLabels([{ label: 'a', count: 1 }])).toBe(true);
});
