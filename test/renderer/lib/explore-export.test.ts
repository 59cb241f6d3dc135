import { expect, test } from 'vitest';
import { defaultExportFile, exportFileName, fileNameFromDisposition, selectionExportBody, withFormatExtension } from '../../../src-renderer/src/lib/explore-export';

test('the selection body lists each item id once, ascending', () => {
  expect(selectionExportBody([5, 3, 5, 11])).toBe('{"itemIds":[3,5,11]}');
  expect(selectionExportBody(new Int32Array([2]))).toBe('{"itemIds":[2]}');
  expect(JSON.parse(selectionExportBody([]))).toEqual({ itemIds: [] });
});

test('file names and default paths', () => {
  expect(exportFileName(3, 'embeddings', true)).toBe('pretext-run-3-selection-embeddings.csv');
  expect(exportFileName(3, 'paths', true)).toBe('pretext-run-3-selection-paths.txt');
  expect(exportFileName(3, 'all-coordinates', false)).toBe('pretext-run-3-coordinates.csv');
  expect(defaultExportFile(3, 'all-embeddings', false)).toBe('~/pretext-run-3-embeddings.csv');
});

test('the download name comes from Content-Disposition when there is one', () => {
  expect(fileNameFromDisposition('attachment; filename="run-3.csv"', 'x.csv')).toBe('run-3.csv');
  expect(fileNameFromDisposition("attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.csv; filename=\"r.csv\"", 'x')).toBe('résumé.csv');
  expect(fileNameFromDisposition('attachment; filename=plain.txt', 'x')).toBe('plain.txt');
  expect(fileNameFromDisposition('attachment; filename="../../etc/passwd"', 'x')).toBe('.._.._etc_passwd');
  expect(fileNameFromDisposition('attachment', 'fallback.csv')).toBe('fallback.csv');
  expect(fileNameFromDisposition(null, 'fallback.csv')).toBe('fallback.csv');
});

test('the path of an embeddings export follows the chosen format', () => {
  expect(withFormatExtension('~/pretext-run-3.csv', 'npy')).toBe('~/pretext-run-3.npy');
  expect(withFormatExtension('~/pretext-run-3.npy', 'lightly')).toBe('~/pretext-run-3-lightly.csv');
  expect(withFormatExtension('~/pretext-run-3-lightly.csv', 'csv')).toBe('~/pretext-run-3.csv');
  expect(withFormatExtension('/data/out', 'npy')).toBe('/data/out.npy');
  expect(withFormatExtension('~/pretext-run-3-lightly.csv', 'parquet')).toBe('~/pretext-run-3.parquet');
});
