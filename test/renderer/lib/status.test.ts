import { expect, test } from 'vitest';
import { statusBadge, wasCancelled } from '../../../src-renderer/src/lib/status';

test('status badges', () => {
  expect(statusBadge({ status: 'ready', error: null }, false)).toEqual({ text: 'Ready', tone: 'ready' });
  expect(statusBadge({ status: 'ready', error: null }, true)).toEqual({ text: 'Importing', tone: 'importing' });
  expect(statusBadge({ status: 'importing', error: null }, false).tone).toBe('importing');
  expect(statusBadge({ status: 'failed', error: 'EACCES' }, false)).toEqual({ text: 'Failed', tone: 'failed' });
  expect(statusBadge({ status: 'failed', error: 'Import cancelled; the files read so far were kept.' }, false)).toEqual({
    text: 'Incomplete',
    tone: 'warn',
  });
});

test('wasCancelled only for failed imports that say so', () => {
  expect(wasCancelled({ status: 'failed', error: 'Import cancelled' })).toBe(true);
  expect(wasCancelled({ status: 'ready', error: 'Import cancelled' })).toBe(false);
  expect(wasCancelled({ status: 'failed', error: null })).toBe(false);
});
