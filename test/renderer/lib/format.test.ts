import { describe, expect, test } from 'vitest';
import type { DatasetSummary, ImportReport } from '../../../src-main/contract';
import {
  errorMessage,
  fileName,
  folderOf,
  formatBytes,
  formatCount,
  formatDuration,
  formatElapsed,
  formatSampleRate,
  importSummary,
  itemLocation,
  labelText,
  modalityPhrase,
  plural,
  truncateMiddle,
} from '../../../src-renderer/src/lib/format';

describe('formatDuration', () => {
  test.each([
    [0, '0:00.0'],
    [3.24, '0:03.2'],
    [9.96, '0:10.0'],
    [59.96, '1:00.0'],
    [125, '2:05.0'],
    [3725.5, '1:02:05.5'],
  ])('%s s → %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  test('unknown durations show a dash', () => {
    expect(formatDuration(undefined)).toBe('–:––');
    expect(formatDuration(Number.NaN)).toBe('–:––');
    expect(formatDuration(-1)).toBe('–:––');
  });
});

describe('formatBytes', () => {
  test.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KB'],
    [1024 * 1024 * 12.34, '12.3 MB'],
    [1024 * 1024 * 301.2, '301 MB'],
    [1024 ** 3 * 2, '2.0 GB'],
  ])('%s → %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

test('formatElapsed keeps short imports precise and long ones readable', () => {
  expect(formatElapsed(0.84)).toBe('0.8 s');
  expect(formatElapsed(12.3)).toBe('12 s');
  expect(formatElapsed(120)).toBe('2 min');
  expect(formatElapsed(125)).toBe('2 min 5 s');
});

test('formatSampleRate', () => {
  expect(formatSampleRate(44100)).toBe('44.1 kHz');
  expect(formatSampleRate(16000)).toBe('16 kHz');
  expect(formatSampleRate(800)).toBe('800 Hz');
  expect(formatSampleRate(undefined)).toBe('');
});

test('counts and plurals', () => {
  expect(formatCount(12345)).toBe('12,345');
  expect(plural(1, 'item')).toBe('1 item');
  expect(plural(2, 'item')).toBe('2 items');
  expect(plural(3, 'entry', 'entries')).toBe('3 entries');
  expect(modalityPhrase({ image: 2, text: 0, audio: 1 })).toBe('2 images · 1 audio clip');
  expect(modalityPhrase({ image: 0, text: 0, audio: 0 })).toBe('No items');
});

test('paths and rows', () => {
  expect(fileName('cats/ginger.jpg')).toBe('ginger.jpg');
  expect(fileName('notes.txt')).toBe('notes.txt');
  expect(folderOf('a/b/c.txt')).toBe('a/b');
  expect(folderOf('c.txt')).toBe('');
  expect(itemLocation('quotes.csv', 3)).toBe('quotes.csv:3');
  expect(itemLocation('notes.txt', null)).toBe('notes.txt');
  expect(itemLocation('notes.txt', 0)).toBe('notes.txt');
  expect(labelText(null)).toBe('(no label)');
  expect(labelText('cats')).toBe('cats');
});

test('truncateMiddle keeps both ends', () => {
  expect(truncateMiddle('/short', 20)).toBe('/short');
  const long = '/home/someone/.local/share/pretext/pretext.db';
  const cut = truncateMiddle(long, 24);
  expect(cut).toHaveLength(24);
  expect(cut.startsWith('/home/')).toBe(true);
  expect(cut.endsWith('pretext.db')).toBe(true);
  expect(cut).toContain('…');
});

describe('importSummary', () => {
  const dataset = { total: 21 } as DatasetSummary;
  const report = (over: Partial<ImportReport>): ImportReport => ({
    datasetId: 1,
    added: 0,
    updated: 0,
    removed: 0,
    unchanged: 0,
    skipped: 0,
    ignored: 0,
    ignoredEntries: [],
    seconds: 0.84,
    dataset,
    ...over,
  });

  test('entries passed over are named with their reason, hidden files aside', () => {
    const ignoredEntries = [
      { path: '.DS_Store', reason: 'hidden file' },
      { path: 'cats/up', reason: 'symbolic link loop (it leads back to the dataset folder itself)' },
      { path: 'locked', reason: 'unreadable folder (EACCES: permission denied)' },
    ];
    expect(importSummary(report({ added: 2, ignored: 3, ignoredEntries }), false)).toBe(
      'Imported 2 items in 0.8 s. Passed over: cats/up (symbolic link loop (it leads back to the dataset folder itself)) and 1 more',
    );
    expect(importSummary(report({ added: 2, ignored: 1, ignoredEntries: ignoredEntries.slice(0, 1) }), false)).toBe('Imported 2 items in 0.8 s');
  });

  test('a first import counts the dataset and the skipped files', () => {
    expect(importSummary(report({ added: 21, skipped: 4 }), false)).toBe('Imported 21 items, 4 skipped in 0.8 s');
    expect(importSummary(report({ added: 21 }), false)).toBe('Imported 21 items in 0.8 s');
  });

  test('a re-import lists what changed', () => {
    expect(importSummary(report({ added: 2, updated: 1, removed: 3, unchanged: 15, skipped: 4 }), true)).toBe(
      'Re-imported: 2 added, 1 updated, 3 removed, 15 unchanged, 4 skipped in 0.8 s',
    );
    expect(importSummary(report({}), true)).toBe('Re-imported: nothing to import in 0.8 s');
  });
});

test('errorMessage never returns an empty sentence', () => {
  expect(errorMessage(new Error('No such folder'))).toBe('No such folder');
  expect(errorMessage('plain')).toBe('plain');
  expect(errorMessage({ message: 'from the wire' })).toBe('from the wire');
  expect(errorMessage(null)).toMatch(/went wrong/);
  expect(errorMessage(new Error(''))).toMatch(/went wrong/);
});
