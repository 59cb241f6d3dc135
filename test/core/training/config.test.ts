import { describe, expect, it } from 'vitest';
import { learningRateAt, readRunConfig, TRAINING_PARAMS } from '../../../src-main/core/training/config';
import { checkGiven, methodInfo, paramsOf, resolveRunParams, runConfigOf, runParamsOf } from '../../../src-main/core/training/params';
import { getMethod } from '../../../src-main/core/ssl/methods';

describe('run parameters', () => {
  const simclr = getMethod('simclr');
  const raw = getMethod('raw-pixels');

  it('a training method takes the loop’s, the data’s and its own parameters; a baseline only the seed and evaluation', () => {
    const names = paramsOf(simclr).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['epochs', 'batchSize', 'learningRate', 'imageSize', 'temperature', 'evalFraction']));
    expect(paramsOf(raw).map((p) => p.name)).toEqual(['seed', 'evalFraction', 'evalItems', 'imageSize', 'pcaDims']);
    expect(methodInfo(simclr)).toMatchObject({ id: 'simclr', family: 'contrastive', trains: true, modalities: ['image'] });
  });

  it('fills defaults, then the method’s data-shape defaults, keeping given values', () => {
    const small = resolveRunParams(simclr, { epochs: 3 }, { modality: 'image', size: 28, channels: 1, scale: '0-1' });
    expect(small).toMatchObject({ epochs: 3, batchSize: 256, temperature: 0.2, cropMinScale: 0.35, learningRate: 4e-3, stemStride: 2 });
    const large = resolveRunParams(simclr, { learningRate: 1e-4 }, { modality: 'image', size: 64, channels: 3, scale: '0-1' });
    expect(large).toMatchObject({ cropMinScale: 0.08, learningRate: 1e-4, stemStride: 2 });
    const tiny = resolveRunParams(simclr, {}, { modality: 'image', size: 16, channels: 3, scale: '0-1' });
    expect(tiny).toMatchObject({ stemStride: 1, learningRate: 4e-3 });
  });

  it('names the field, the value and the range when one is off', () => {
    expect(() => checkGiven(simclr, { temperature: -1 })).toThrow('temperature must be a number in 0.01..10, got -1');
    expect(() => checkGiven(simclr, { epochs: 0 })).toThrow('epochs must be an integer in 1..10000, got 0');
    expect(() => checkGiven(simclr, { imageSize: 4 })).toThrow('imageSize must be an integer in 8..256, or 0 for auto, got 4');
    expect(() => checkGiven(simclr, { headBatchNorm: 'yes' })).toThrow("headBatchNorm must be true or false, got 'yes'");
    expect(() => checkGiven(simclr, { nope: 1 })).toThrow(/Unknown parameter 'nope'; this method takes: epochs, /);
    expect(() => checkGiven(raw, { epochs: 3 })).toThrow(/Unknown parameter 'epochs'/);
    expect(checkGiven(simclr, { imageSize: 0, threads: 0 })).toEqual({ imageSize: 0, threads: 0 });
  });

  it('reads a run stored by Pretext 0.1 as the network it trained', () => {
    const stored = { method: 'simclr', epochs: 20, batchSize: 256, imageSize: 0, seed: 1, learningRate: 1e-3, warmupEpochs: 1, weightDecay: 1e-6, temperature: 0.5, projectionDim: 64, threads: 0 };
    const config = runConfigOf(stored);
    expect(config.given).toMatchObject({ headBatchNorm: false, temperature: 0.5, projectionDim: 64, evalFraction: 0 });
    expect(runParamsOf(config)).toMatchObject({ epochs: 20, headBatchNorm: false, weightDecay: 1e-6 });
    expect(readRunConfig({ method: 'simclr', given: { epochs: 2 } })).toEqual({ method: 'simclr', given: { epochs: 2 } });
  });

  it('every training parameter has a label, help and a range', () => {
    for (const p of TRAINING_PARAMS) {
      expect(p.label.length).toBeGreaterThan(2);
      expect(p.help.length).toBeGreaterThan(10);
      if (p.type === 'integer' || p.type === 'number') expect(p.min).toBeLessThanOrEqual(p.max!);
    }
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
