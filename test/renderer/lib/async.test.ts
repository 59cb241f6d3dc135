import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { debounce, LatestOnly } from '../../../src-renderer/src/lib/async';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

test('debounce calls once with the last arguments after the pause', () => {
  const fn = vi.fn();
  const d = debounce(fn, 250);
  d('/d');
  vi.advanceTimersByTime(100);
  d('/da');
  vi.advanceTimersByTime(100);
  d('/data');
  expect(d.pending).toBe(true);
  vi.advanceTimersByTime(249);
  expect(fn).not.toHaveBeenCalled();
  vi.advanceTimersByTime(1);
  expect(fn).toHaveBeenCalledTimes(1);
  expect(fn).toHaveBeenCalledWith('/data');
  expect(d.pending).toBe(false);
});

test('cancel drops the pending call; flush runs it now', () => {
  const fn = vi.fn();
  const d = debounce(fn, 250);
  d(1);
  d.cancel();
  vi.advanceTimersByTime(1000);
  expect(fn).not.toHaveBeenCalled();
  d(2);
  d.flush();
  expect(fn).toHaveBeenCalledWith(2);
  d.flush();
  expect(fn).toHaveBeenCalledTimes(1);
});

test('LatestOnly keeps only the newest ticket current', () => {
  const latest = new LatestOnly();
  const a = latest.begin();
  expect(latest.isCurrent(a)).toBe(true);
  const b = latest.begin();
  expect(latest.isCurrent(a)).toBe(false);
  expect(latest.isCurrent(b)).toBe(true);
  latest.invalidate();
  expect(latest.isCurrent(b)).toBe(false);
});
