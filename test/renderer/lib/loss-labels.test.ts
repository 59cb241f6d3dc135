import { expect, test } from 'vitest';
import { lossAxisTitle, STEP_AXIS_TITLE } from '../../../src-renderer/src/lib/curve';
import { lossTrend } from '../../../src-renderer/src/lib/runs';

test('the change of the loss says what it is relative to', () => {
  expect(lossTrend(5, 4.5)?.short).toBe('10% since step 1');
  expect(lossTrend(4, 5)?.short).toBe('25% since step 1');
  expect(lossTrend(4, 4.01)?.short).toBe('flat since step 1');
});

test('the loss charts title their axes', () => {
  expect(STEP_AXIS_TITLE).toBe('Training step');
  expect(lossAxisTitle(false)).toBe('Loss');
  expect(lossAxisTitle(true)).toBe('Loss (log scale)');
});
