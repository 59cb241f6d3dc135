import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_CONFIG, learningRateAt, resolveTrainConfig } from '../../../src-main/core/training/config';

describe('resolveTrainConfig', () => {
  it('fills every default and keeps given values', () => {
    expect(resolveTrainConfig({})).toEqual(DEFAULT_TRAIN_CONFIG);
    expect(resolveTrainConfig({ epochs: 3, backend: 'wasm' })).toMatchObject({ epochs: 3, backend: 'wasm', batchSize: 256 });
  });

  it('names the field and the value that are out of range', () => {
    expect(() => resolveTrainConfig({ epochs: 0 })).toThrow('epochs must be an integer in 1..10000, got 0');
    expect(() => resolveTrainConfig({ batchSize: 2.5 })).toThrow(/batchSize must be an integer/);
    expect(() => resolveTrainConfig({ imageSize: 4 })).toThrow(/imageSize must be 0 \(auto\) or at least 8, got 4/);
    expect(() => resolveTrainConfig({ learningRate: Number.NaN })).toThrow(/learningRate must be a number/);
    expect(() => resolveTrainConfig({ temperature: 0 })).toThrow(/temperature/);
  });
});

describe('learningRateAt', () => {
  it('warms up linearly, peaks, then decays along a cosine to zero', () => {
    const total = 100;
    const warmup = 10;
    expect(learningRateAt(1, total, warmup, 1)).toBeCloseTo(0.1);
    expect(learningRateAt(10, total, warmup, 1)).toBeCloseTo(1);
    expect(learningRateAt(55, total, warmup, 1)).toBeCloseTo(0.5);
    expect(learningRateAt(100, total, warmup, 1)).toBeCloseTo(0);
    for (let s = 11; s < 100; s++) expect(learningRateAt(s + 1, total, warmup, 1)).toBeLessThanOrEqual(learningRateAt(s, total, warmup, 1));
  });

  it('starts at the peak without warm-up', () => {
    expect(learningRateAt(1, 50, 0, 0.3)).toBeCloseTo(0.3, 3);
  });
});
