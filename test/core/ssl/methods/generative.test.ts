/**
 * The autoencoder, the VAE and masked image modelling beyond what every-method.test.ts checks of
 * every method: what each logs, what its embedding is, that its randomness comes from the run's
 * generator, that it learns to reconstruct, and what its previews show.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageInputSpec, ParamValues } from '../../../../src-main/contract';
import { dataFor } from '../../../../src-main/core/data';
import type { ImageData } from '../../../../src-main/core/data/image';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { getMethod, type StepContext, type TrainableMethod } from '../../../../src-main/core/ssl/methods';
import { fillStandardNormal } from '../../../../src-main/core/ssl/methods/vae';
import { Rng } from '../../../../src-main/core/ssl/random';
import { resolveRunParams } from '../../../../src-main/core/training/params';
import { tinyAudio } from './tiny-data';

const spec: ImageInputSpec = { modality: 'image', size: 8, channels: 1, scale: '0-1' };

/** 8 greyscale 8×8 images: rows or columns of stripes. */
function stripes(): ImageData {
  const n = 8;
  const pixels = new Uint8Array(n * 64);
  for (let i = 0; i < n; i++) for (let p = 0; p < 64; p++) pixels[i * 64 + p] = (i % 2 === 0 ? Math.floor(p / 8) : p % 8) % 2 === 0 ? 230 : 20;
  return { modality: 'image', spec, itemIds: Array.from({ length: n }, (_, i) => i + 1), labels: [], failures: [], size: 8, channels: 1, pixels };
}

const batch = Int32Array.from({ length: 8 }, (_, i) => i);
const build = (id: string, given: ParamValues = {}): TrainableMethod => {
  const definition = getMethod(id);
  return definition.create({ spec, params: resolveRunParams(definition, { learningRate: 1e-2, ...given }, spec), seed: 4 });
};
const context = (rng: Rng, step = 1): StepContext => ({ step, totalSteps: 100, epoch: 1, epochs: 1, learningRate: 1e-2, rng });
const inputs = (data: ImageData): tf.Tensor4D => tf.tensor4d(Float32Array.from(data.pixels, (v) => v / 255), [8, 8, 8, 1]);

beforeAll(async () => {
  await initBackend('wasm', { threads: 1 });
});

describe('generative methods', () => {
  it('are registered as generative and masked modelling, with defaults that follow the image size', () => {
    expect(['autoencoder', 'vae', 'mim'].map((id) => getMethod(id).family)).toEqual(['generative', 'generative', 'masked modelling']);
    const mim = getMethod('mim');
    expect(resolveRunParams(mim, {}, { ...spec, size: 32 })).toMatchObject({ patchSize: 4, maskRatio: 0.6, stemStride: 2, learningRate: 4e-3 });
    expect(resolveRunParams(mim, {}, { ...spec, size: 64 })).toMatchObject({ patchSize: 8, learningRate: 2e-3 });
    expect(resolveRunParams(getMethod('vae'), {}, spec)).toMatchObject({ beta: 1, latentDim: 64, reconstruction: 'bce', stemStride: 1 });
    expect(resolveRunParams(getMethod('autoencoder'), {}, spec)).toMatchObject({ reconstruction: 'mse' });
  });

  it('autoencoder: the embedding is the encoder’s readout, and the reconstruction error falls', () => {
    const data = stripes();
    const method = build('autoencoder');
    expect(method.embeddingDim).toBe(32 + 64 + 64 + 128); // the encoder’s readout: every block’s pooled output
    const rng = new Rng(1);
    const first = method.trainStep(data, batch, context(rng)).total;
    let last = first;
    for (let step = 2; step <= 40; step++) last = method.trainStep(data, batch, context(rng, step)).total;
    expect(last).toBeLessThan(first / 3);
    const x = inputs(data);
    const rows = method.previews!(x, new Rng(1));
    expect(rows.map((r) => r.label)).toEqual(['Original', 'Reconstruction']);
    expect(rows[0]!.images).toEqual(x.dataSync());
    // After training, the reconstruction is close to the original.
    const error = rows[1]!.images.reduce((sum, v, i) => sum + Math.abs(v - rows[0]!.images[i]!), 0) / rows[1]!.images.length;
    expect(error).toBeLessThan(0.2);
    x.dispose();
    method.dispose();
  });

  it('VAE: logs reconstruction and KL, total = reconstruction + β·KL, noise from the run’s generator, embeds the mean', () => {
    const data = stripes();
    const method = build('vae', { beta: 4, latentDim: 6 });
    expect(method.embeddingDim).toBe(6);
    const parts = method.trainStep(data, batch, context(new Rng(2)));
    expect(Object.keys(parts).sort()).toEqual(['kl', 'reconstruction', 'total']);
    expect(parts.total).toBeCloseTo(parts.reconstruction! + 4 * parts.kl!, 3);
    expect(parts.kl).toBeGreaterThan(0);

    // Two copies built alike: the same generator state gives the same loss, another state another.
    const a = build('vae', { beta: 4, latentDim: 6 });
    const b = build('vae', { beta: 4, latentDim: 6 });
    const first = a.trainStep(data, batch, context(new Rng(3))).total;
    expect(b.trainStep(data, batch, context(new Rng(3))).total).toBeCloseTo(first, 5);
    const c = build('vae', { beta: 4, latentDim: 6 });
    expect(c.trainStep(data, batch, context(new Rng(4))).total).not.toBeCloseTo(first, 3);

    // The embedding is deterministic (the mean, no noise).
    const x = inputs(data);
    const e1 = tf.tidy(() => method.embed(x).dataSync());
    const e2 = tf.tidy(() => method.embed(x).dataSync());
    expect(e1).toEqual(e2);
    expect(method.previews!(x, new Rng(1)).map((r) => r.label)).toEqual(['Original', 'Reconstruction']);
    x.dispose();
    for (const m of [method, a, b, c]) m.dispose();
  });

  it('draws standard normal noise', () => {
    const values = fillStandardNormal(new Rng(9), new Float32Array(20_001));
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(variance).toBeGreaterThan(0.95);
    expect(variance).toBeLessThan(1.05);
    expect(values.every(Number.isFinite)).toBe(true);
  });

  it('masked image modelling: masks from the run’s generator, the masked input and its fill-in in the previews', () => {
    const data = stripes();
    const a = build('mim', { patchSize: 2, maskRatio: 0.5 });
    const b = build('mim', { patchSize: 2, maskRatio: 0.5 });
    expect(a.trainStep(data, batch, context(new Rng(5))).total).toBeCloseTo(b.trainStep(data, batch, context(new Rng(5))).total, 5);
    expect(a.trainStep(data, batch, context(new Rng(6), 2)).total).not.toBeCloseTo(b.trainStep(data, batch, context(new Rng(7), 2)).total, 4);
    const x = inputs(data);
    const rows = a.previews!(x, new Rng(1));
    expect(rows.map((r) => r.label)).toEqual(['Original', 'Masked input', 'Fill-in']);
    const [original, masked, filled] = rows.map((r) => r.images) as [Float32Array, Float32Array, Float32Array];
    // Half of the 2×2 patches hidden: those pixels differ in the masked input; elsewhere all three agree.
    const hidden = Array.from(masked, (v, i) => v !== original[i]);
    expect(hidden.filter(Boolean).length).toBe(8 * 32);
    hidden.forEach((h, i) => {
      if (!h) expect(filled[i]).toBe(original[i]);
    });
    // The same generator state hides the same patches again.
    expect(a.previews!(x, new Rng(1))[1]!.images).toEqual(masked);
    x.dispose();
    a.dispose();
    b.dispose();
  });
});

describe('generative methods on audio spectrograms', () => {
  it('default to a Gaussian decoder (MSE), refuse BCE with what to use, and rebuild the clip’s exact shape', () => {
    const data = tinyAudio();
    const audioSpec = data.spec;
    for (const id of ['autoencoder', 'vae', 'mim']) expect(getMethod(id).modalities).toContain('audio');
    const vae = getMethod('vae');
    expect(resolveRunParams(vae, {}, audioSpec).reconstruction).toBe('mse');
    expect(resolveRunParams(vae, {}, spec).reconstruction).toBe('bce');
    // 16 bands × 12 frames: patches of an eighth of the shorter side, at least 2.
    expect(resolveRunParams(getMethod('mim'), {}, audioSpec).patchSize).toBe(2);
    for (const id of ['autoencoder', 'vae']) {
      const definition = getMethod(id);
      expect(() => definition.create({ spec: audioSpec, params: resolveRunParams(definition, { reconstruction: 'bce' }, audioSpec), seed: 1 })).toThrow(
        'The BCE reconstruction loss models pixels in [0, 1]; audio spectrograms are normalised log-mels (mean 0, standard deviation 1): use --param reconstruction=mse',
      );
    }
    for (const id of ['autoencoder', 'vae', 'mim']) {
      const definition = getMethod(id);
      const run = definition.create({ spec: audioSpec, params: resolveRunParams(definition, { learningRate: 1e-2 }, audioSpec), seed: 2 });
      const rng = new Rng(3);
      const first = run.trainStep(data, Int32Array.from([0, 1, 2, 3]), context(rng, 1));
      expect(Number.isFinite(first.total)).toBe(true);
      // Previews keep the spectrogram's values (not clipped to [0, 1] as pixels are) and its shape.
      const x = new Float32Array(2 * 16 * 12);
      dataFor('audio').centre(data, [0, 1], x);
      const input = tf.tensor4d(x, [2, 16, 12, 1]);
      const rows = run.previews!(input, new Rng(5));
      for (const row of rows) expect(row.images.length).toBe(2 * 16 * 12);
      expect(rows.some((row) => row.images.some((v) => v < 0))).toBe(true);
      input.dispose();
      run.dispose();
    }
  });
});
