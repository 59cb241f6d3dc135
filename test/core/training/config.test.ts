import { describe, expect, it } from 'vitest';
import { learningRateAt, MIN_DEFAULT_STEPS, readRunConfig, TRAINING_PARAMS, trainingDefaults } from '../../../src-main/core/training/config';
import { evaluatesAfter, MAX_EPOCH_EVALUATIONS } from '../../../src-main/core/training/evaluate';
import { checkGiven, methodInfo, paramsOf, resolveRunParams, runConfigOf, runParamsOf } from '../../../src-main/core/training/params';
import { getMethod } from '../../../src-main/core/ssl/methods';

describe('run parameters', () => {
  const simclr = getMethod('simclr');
  const raw = getMethod('raw-pixels');

  it('a training method takes the loop’s, the data’s and its own parameters; a baseline only the seed and evaluation', () => {
    const names = paramsOf(simclr).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['epochs', 'batchSize', 'learningRate', 'imageSize', 'temperature', 'evalFraction']));
    expect(paramsOf(raw).map((p) => p.name)).toEqual(['seed', 'evalFraction', 'evalItems', 'imageSize', 'pcaDims']);
    expect(methodInfo(simclr)).toMatchObject({ id: 'simclr', family: 'contrastive', trains: true, modalities: ['image', 'audio', 'text'] });
  });

  it('a setting of some of the method’s modalities says which; a run of one modality takes only its own', () => {
    const of = (modality?: 'image' | 'text' | 'audio'): string[] => paramsOf(simclr, modality).map((p) => p.name);
    expect(paramsOf(simclr).find((p) => p.name === 'layers')?.modalities).toEqual(['text']);
    expect(paramsOf(simclr).find((p) => p.name === 'stemStride')?.modalities).toEqual(['image', 'audio']);
    expect(paramsOf(simclr).find((p) => p.name === 'imageSize')?.modalities).toEqual(['image']);
    expect(of()).toEqual(expect.arrayContaining(['cropMinScale', 'stemStride', 'layers', 'synonyms', 'melBands', 'vocabSize']));
    expect(of('text')).toEqual(expect.arrayContaining(['epochs', 'temperature', 'encoder', 'layers', 'width', 'heads', 'dropout', 'pooling', 'synonyms', 'vocabSize']));
    for (const name of ['cropMinScale', 'stemStride', 'jitter', 'imageSize', 'melBands']) expect(of('text')).not.toContain(name);
    expect(of('image')).toEqual(expect.arrayContaining(['cropMinScale', 'stemStride', 'jitter', 'imageSize', 'temperature']));
    for (const name of ['layers', 'encoder', 'synonyms', 'vocabSize', 'melBands']) expect(of('image')).not.toContain(name);
    expect(of('audio')).toContain('stemStride');
    expect(of('audio')).not.toContain('cropMinScale');

    const text = { modality: 'text', tokenizer: '{}', tokenizerKind: 'wordpiece', vocabSize: 300, maxLength: 16, lowercase: true } as const;
    // A copied image run's crop is left out of a text run; a value off its range is still refused.
    const resolved = resolveRunParams(simclr, { cropMinScale: 0.5, layers: 2 }, text, 90);
    expect(resolved).toMatchObject({ layers: 2, encoder: 'transformer', width: 128, learningRate: 1e-3, temperature: 0.2, batchSize: 16 });
    expect(resolved).not.toHaveProperty('cropMinScale');
    expect(resolved).not.toHaveProperty('stemStride');
    expect(() => resolveRunParams(simclr, { cropMinScale: 5 }, text)).toThrow('cropMinScale must be a number in 0.01..1, got 5');
    expect(resolveRunParams(getMethod('byol'), {}, text)).toMatchObject({ learningRate: 1e-3, baseMomentum: 0.9 });
    const image = resolveRunParams(simclr, { layers: 2 }, { modality: 'image', size: 28, channels: 1, scale: '0-1' });
    expect(image).toMatchObject({ cropMinScale: 0.35, learningRate: 4e-3 });
    expect(image).not.toHaveProperty('layers');
    expect(paramsOf(simclr).find((p) => p.name === 'learningRate')?.fromData).toBe('4e-3 for images under 48 px, else 2e-3; 1e-3 for text');
  });

  it('fills defaults, then the method’s data-shape defaults, keeping given values', () => {
    const small = resolveRunParams(simclr, { epochs: 3 }, { modality: 'image', size: 28, channels: 1, scale: '0-1' });
    expect(small).toMatchObject({ epochs: 3, batchSize: 256, temperature: 0.1, cropMinScale: 0.35, learningRate: 4e-3, stemStride: 2 });
    expect(resolveRunParams(simclr, { temperature: 0.2 }, { modality: 'image', size: 28, channels: 1, scale: '0-1' }).temperature).toBe(0.2);
    expect(paramsOf(simclr).find((p) => p.name === 'temperature')).toMatchObject({ default: 0.2, fromData: '0.1 for images, else 0.2' });
    const large = resolveRunParams(simclr, { learningRate: 1e-4 }, { modality: 'image', size: 64, channels: 3, scale: '0-1' });
    expect(large).toMatchObject({ cropMinScale: 0.08, learningRate: 1e-4, stemStride: 2 });
    const tiny = resolveRunParams(simclr, {}, { modality: 'image', size: 16, channels: 3, scale: '0-1' });
    expect(tiny).toMatchObject({ stemStride: 1, learningRate: 4e-3 });
  });

  it('a small dataset trains for steps, not 20 epochs: a smaller batch and enough epochs for 200 steps', () => {
    expect(trainingDefaults(10_000)).toEqual({ batchSize: 256, epochs: 20 });
    expect(trainingDefaults(450)).toEqual({ batchSize: 64, epochs: 29 }); // the image demo: 7 steps an epoch
    expect(trainingDefaults(120)).toEqual({ batchSize: 16, epochs: 29 });
    expect(trainingDefaults(20)).toEqual({ batchSize: 16, epochs: 200 });
    for (const n of [2, 17, 64, 300, 1023, 1024, 5000, 100_000]) {
      const { batchSize, epochs } = trainingDefaults(n) as { batchSize: number; epochs: number };
      expect(Math.floor(n / Math.min(batchSize, n)) * (epochs as number)).toBeGreaterThanOrEqual(Math.min(MIN_DEFAULT_STEPS, 20 * Math.floor(n / batchSize)));
      expect(epochs).toBeGreaterThanOrEqual(20);
    }
    // Given values win; without an item count (before the data is known) the static defaults stand.
    const spec = { modality: 'image', size: 32, channels: 3, scale: '0-1' } as const;
    expect(resolveRunParams(simclr, { epochs: 3 }, spec, 450)).toMatchObject({ epochs: 3, batchSize: 64 });
    expect(resolveRunParams(simclr, {}, spec)).toMatchObject({ epochs: 20, batchSize: 256 });
    expect(resolveRunParams(raw, {}, spec, 450)).not.toHaveProperty('batchSize');
    expect(paramsOf(simclr).find((p) => p.name === 'epochs')?.fromData).toMatch(/at least 200 steps/);
  });

  it('evaluates after every epoch, or every k-th so that a long run has at most 25 evaluations', () => {
    const count = (epochs: number): number => Array.from({ length: epochs - 1 }, (_, i) => i + 1).filter((e) => evaluatesAfter(e, epochs)).length;
    expect(count(20)).toBe(19);
    expect(count(29)).toBe(14);
    expect(count(200)).toBe(MAX_EPOCH_EVALUATIONS - 1);
    for (const epochs of [1, 2, 25, 26, 58, 1000]) expect(count(epochs)).toBeLessThanOrEqual(MAX_EPOCH_EVALUATIONS);
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
