import { expect, test } from 'vitest';
import { acceptFor, bytesToBase64, formatSimilarity, MAX_QUERY_BYTES, queryFileProblem } from '../../../src-renderer/src/lib/search';

test('similarity has three decimals', () => {
  expect(formatSimilarity(1)).toBe('1.000');
  expect(formatSimilarity(0.83219)).toBe('0.832');
  expect(formatSimilarity(-0.5)).toBe('-0.500');
  expect(formatSimilarity(Number.NaN)).toBe('–');
});

test('base64 of bytes decodes back to the bytes, also across chunks', () => {
  expect(bytesToBase64(new TextEncoder().encode('Man'))).toBe('TWFu');
  expect(bytesToBase64(Uint8Array.from([0xff, 0x00]))).toBe('/wA=');
  const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256);
  const back = Uint8Array.from(atob(bytesToBase64(bytes)), (c) => c.charCodeAt(0));
  expect(back).toEqual(bytes);
  expect(bytesToBase64(new Uint8Array())).toBe('');
});

test('a dropped file must match the modality and fit in a message', () => {
  const file = (name: string, type = '', size = 100) => ({ name, type, size });
  expect(queryFileProblem(file('a.png', 'image/png'), 'image')).toBeNull();
  expect(queryFileProblem(file('a.JPG'), 'image')).toBeNull();
  expect(queryFileProblem(file('notes.txt', 'text/plain'), 'image')).toMatch(/trained on images: drop an image/);
  expect(queryFileProblem(file('a.wav', 'audio/wav'), 'audio')).toBeNull();
  expect(queryFileProblem(file('a.png', 'image/png'), 'audio')).toMatch(/trained on audio: drop an audio file/);
  expect(queryFileProblem(file('a.md'), 'text')).toBeNull();
  expect(queryFileProblem(file('a.png', 'image/png', 0), 'image')).toMatch(/empty/);
  expect(queryFileProblem(file('a.png', 'image/png', MAX_QUERY_BYTES + 1), 'image')).toMatch(/larger than 10 MB/);
  expect(queryFileProblem(file('anything'), null)).toBeNull();
  expect(acceptFor('image')).toMatch(/^image\/\*/);
  expect(acceptFor(null)).toBe('');
});
