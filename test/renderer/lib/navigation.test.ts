import { expect, test } from 'vitest';
import { hashOf, sectionFromHash } from '../../../src-renderer/src/lib/navigation';

test('sections live in the hash', () => {
  expect(sectionFromHash('#train')).toBe('train');
  expect(sectionFromHash('#/train')).toBe('train');
  expect(sectionFromHash('#TRAIN')).toBe('train');
  expect(sectionFromHash('#train/12')).toBe('train');
  expect(sectionFromHash('#datasets')).toBe('datasets');
  expect(sectionFromHash('')).toBe('datasets');
  expect(sectionFromHash('#nonsense')).toBe('datasets');
  expect(hashOf('train')).toBe('#train');
  expect(sectionFromHash('#explore')).toBe('explore');
  expect(hashOf('explore')).toBe('#explore');
});
