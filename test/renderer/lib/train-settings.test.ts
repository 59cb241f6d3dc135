import { describe, expect, test } from 'vitest';
import {
  datasetChoices,
  DEFAULT_SETTINGS,
  defaultDatasetId,
  formFromConfig,
  parseNumber,
  stepsEstimate,
  validateSettings,
} from '../../../src-renderer/src/lib/train-settings';
import { summary } from '../fixtures';

describe('validateSettings', () => {
  test('the defaults are valid and match the core’s', () => {
    const v = validateSettings({ ...DEFAULT_SETTINGS });
    expect(v.ok).toBe(true);
    expect(v.settings).toEqual({
      method: 'simclr',
      epochs: 20,
      batchSize: 256,
      imageSize: 0,
      seed: 1,
      learningRate: 0.001,
      temperature: 0.5,
      threads: 0,
    });
  });

  test('a chosen backend is sent; "" is left out (fastest)', () => {
    expect(validateSettings({ ...DEFAULT_SETTINGS, backend: 'cpu' }).settings?.backend).toBe('cpu');
    expect(validateSettings({ ...DEFAULT_SETTINGS }).settings).not.toHaveProperty('backend');
  });

  test('scientific notation and spaces are fine', () => {
    const v = validateSettings({ ...DEFAULT_SETTINGS, learningRate: ' 3e-4 ', epochs: ' 2 ' });
    expect(v.settings).toMatchObject({ learningRate: 3e-4, epochs: 2 });
  });

  test('each bad field gets its own message', () => {
    const v = validateSettings({
      ...DEFAULT_SETTINGS,
      method: '',
      epochs: '0',
      batchSize: '1.5',
      imageSize: '4',
      seed: '-1',
      learningRate: 'fast',
      temperature: '20',
      threads: '65',
    });
    expect(v.ok).toBe(false);
    expect(v.settings).toBeNull();
    expect(v.errors).toEqual({
      method: 'Choose a method',
      epochs: 'Enter a whole number from 1 to 10,000',
      batchSize: 'Enter the batch size as a whole number',
      imageSize: 'Choose Auto or a size from 8 to 256 pixels',
      seed: 'Enter a whole number from 0 to 2,147,483,647',
      learningRate: 'Enter the learning rate as a number, e.g. 0.001 or 1e-3',
      temperature: 'Enter a number from 0.01 to 10',
      threads: 'Enter a whole number from 0 to 64',
    });
  });

  test('an empty field is an error, not zero', () => {
    expect(validateSettings({ ...DEFAULT_SETTINGS, epochs: '' }).errors.epochs).toMatch(/whole number/);
  });
});

test('parseNumber accepts decimals and exponents only', () => {
  expect(parseNumber('0.001')).toBe(0.001);
  expect(parseNumber('1e-3')).toBe(0.001);
  expect(parseNumber('.5')).toBe(0.5);
  expect(parseNumber('')).toBeNull();
  expect(parseNumber('0x10')).toBeNull();
  expect(parseNumber('1e')).toBeNull();
  expect(parseNumber('Infinity')).toBeNull();
});

test('formFromConfig copies a run’s settings, keeping defaults for the rest', () => {
  const form = formFromConfig({ method: 'simclr', epochs: 5, batchSize: 32, imageSize: 16, learningRate: 0.0003, backend: 'wasm', warmupEpochs: 1 });
  expect(form).toMatchObject({ epochs: '5', batchSize: '32', imageSize: '16', learningRate: '0.0003', backend: 'wasm', seed: '1' });
  expect(formFromConfig({ imageSize: 40 }).imageSize).toBe('0');
});

test('stepsEstimate counts whole batches and caps the batch at the dataset', () => {
  expect(stepsEstimate(120, 32, 2)).toEqual({ batchSize: 32, capped: false, stepsPerEpoch: 3, totalSteps: 6 });
  expect(stepsEstimate(120, 256, 20)).toEqual({ batchSize: 120, capped: true, stepsPerEpoch: 1, totalSteps: 20 });
  expect(stepsEstimate(0, 32, 2)).toBeNull();
  expect(stepsEstimate(10, Number.NaN, 2)).toBeNull();
});

test('datasets without images are listed but not chosen', () => {
  const list = [
    summary({ id: 1, name: 'notes', counts: { image: 0, text: 5, audio: 0 } }),
    summary({ id: 2, name: 'pets' }),
    summary({ id: 3, name: 'more', status: 'importing' }),
  ];
  expect(datasetChoices(list).map((c) => c.note)).toEqual(['no images', null, 'importing']);
  expect(defaultDatasetId(list, null)).toBe(2);
  expect(defaultDatasetId(list, 1)).toBe(2);
  expect(defaultDatasetId([summary({ id: 4 }), ...list], 2)).toBe(2);
  expect(defaultDatasetId([], null)).toBeNull();
});
