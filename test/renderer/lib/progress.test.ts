import { expect, test } from 'vitest';
import type { ImportProgress } from '../../../src-main/contract';
import { formatPercent, isFinalPhase, progressFraction, progressView } from '../../../src-renderer/src/lib/progress';

const progress = (over: Partial<ImportProgress>): ImportProgress => ({
  datasetId: 1,
  root: '/data/pets',
  phase: 'importing',
  filesDone: 0,
  filesTotal: 0,
  itemsDone: 0,
  skipped: 0,
  current: null,
  message: null,
  ...over,
});

test('the fraction is unknown until files are counted, and clamped', () => {
  expect(progressFraction(5, 0)).toBeNull();
  expect(progressFraction(5, 10)).toBe(0.5);
  expect(progressFraction(12, 10)).toBe(1);
  expect(progressFraction(-1, 10)).toBe(0);
});

test('percent never shows 100% before the end', () => {
  expect(formatPercent(0)).toBe('0%');
  expect(formatPercent(0.426)).toBe('42%');
  expect(formatPercent(0.999)).toBe('99%');
  expect(formatPercent(1)).toBe('100%');
});

test('counting is indeterminate', () => {
  const view = progressView(progress({ phase: 'counting' }));
  expect(view).toMatchObject({ indeterminate: true, fraction: null, percent: '', title: 'Counting files…' });
});

test('importing shows files done of total, items and skipped, and the current file', () => {
  const view = progressView(
    progress({ filesDone: 12, filesTotal: 40, itemsDone: 37, skipped: 2, current: 'cats/ginger.jpg' }),
  );
  expect(view.indeterminate).toBe(false);
  expect(view.fraction).toBeCloseTo(0.3);
  expect(view.percent).toBe('30%');
  expect(view.title).toBe('Importing 12 of 40 files');
  expect(view.detail).toBe('35 items · 2 skipped');
  expect(view.current).toBe('cats/ginger.jpg');
});

test('nothing recorded yet leaves the detail empty; one file is singular', () => {
  const view = progressView(progress({ filesDone: 0, filesTotal: 1 }));
  expect(view.detail).toBe('');
  expect(view.title).toBe('Importing 0 of 1 file');
});

test('before any event and while finishing the bar is indeterminate', () => {
  expect(progressView(null)).toMatchObject({ indeterminate: true, title: 'Starting import…' });
  expect(progressView(progress({ phase: 'finishing', filesDone: 4, filesTotal: 4 }))).toMatchObject({
    indeterminate: true,
    title: 'Finishing…',
  });
});

test('failed shows the message; done and failed are final', () => {
  expect(progressView(progress({ phase: 'failed', message: 'Import cancelled' })).title).toBe('Import cancelled');
  expect(progressView(progress({ phase: 'done' })).percent).toBe('100%');
  expect(isFinalPhase('done')).toBe(true);
  expect(isFinalPhase('failed')).toBe(true);
  expect(isFinalPhase('importing')).toBe(false);
});
