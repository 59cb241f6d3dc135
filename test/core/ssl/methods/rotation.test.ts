/**
 * Rotation prediction beyond what every-method.test.ts checks: the four rotations of each image are
 * what the classifier sees (it learns to tell them apart on images whose orientation is plain), the
 * accuracy is reported beside the loss, and one-rotation-per-image mode draws from the run's generator.
 */
import { describe, expect, it } from 'vitest';
import type { ImageInputSpec, ParamValues } from '../../../../src-main/contract';
import type { ImageData } from '../../../../src-main/core/data/image';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { getMethod, type StepContext } from '../../../../src-main/core/ssl/methods';
import { Rng } from '../../../../src-main/core/ssl/random';
import { resolveRunParams } from '../../../../src-main/core/training/params';

/** 16 images of 8×8 with a bright 3×3 blob somewhere in the top-left quadrant: upright is obvious. */
function cornerImages(): ImageData {
  const spec: ImageInputSpec = { modality: 'image', size: 8, channels: 1, scale: '0-1' };
  const n = 16;
  const pixels = new Uint8Array(n * 64);
  const rng = new Rng(11);
  for (let i = 0; i < n; i++) {
    const y0 = rng.int(2);
    const x0 = rng.int(2);
    for (let p = 0; p < 64; p++) {
      const y = Math.floor(p / 8);
      const x = p % 8;
      const blob = y >= y0 && y < y0 + 3 && x >= x0 && x < x0 + 3;
      pixels[i * 64 + p] = Math.round((blob ? 220 : 30) + rng.uniform(-15, 15));
    }
  }
  return { modality: 'image', spec, itemIds: Array.from({ length: n }, (_, i) => i + 1), labels: Array(n).fill(null), failures: [], size: 8, channels: 1, pixels };
}

const definition = getMethod('rotation');

function build(data: ImageData, given: ParamValues) {
  // Crops off: a crop could cut the blob out, and the test wants a plain signal.
  const params = resolveRunParams(definition, { batchSize: 8, cropMinScale: 1, ...given }, data.spec);
  return definition.create({ spec: data.spec, params, seed: 4 });
}

describe('rotation prediction', () => {
  it('is registered as transformation prediction with its parameters', () => {
    expect(definition.family).toBe('transformation prediction');
    expect(definition.params.map((p) => p.name)).toEqual(expect.arrayContaining(['allRotations', 'classifierHidden', 'cropMinScale', 'flip']));
    const params = resolveRunParams(definition, {}, { modality: 'image', size: 28, channels: 1, scale: '0-1' });
    expect(params).toMatchObject({ allRotations: true, classifierHidden: 0, stemStride: 2, learningRate: 4e-3 });
  });

  it('learns to tell the four rotations apart on images with a plain upright, and reports its accuracy', async () => {
    await initBackend('wasm', { threads: 1 });
    const data = cornerImages();
    const method = build(data, { flip: false });
    expect(method.embeddingDim).toBe(32 + 64 + 64 + 128); // every block’s pooled output
    const rng = new Rng(2);
    const order = Int32Array.from({ length: 16 }, (_, i) => i);
    let first: number | null = null;
    let last = { total: Infinity, accuracy: 0 };
    for (let step = 1; step <= 60; step++) {
      rng.shuffle(order);
      const context: StepContext = { step, totalSteps: 60, epoch: 1, epochs: 1, learningRate: 1e-2, rng };
      const parts = method.trainStep(data, order.slice(0, 8), context);
      expect(Object.keys(parts).sort()).toEqual(['accuracy', 'total']);
      expect(parts.accuracy).toBeGreaterThanOrEqual(0);
      expect(parts.accuracy).toBeLessThanOrEqual(1);
      first ??= parts.total;
      last = parts as typeof last;
    }
    // Chance is 1/4 and ln 4 ≈ 1.39.
    expect(first).toBeGreaterThan(1);
    expect(last.total).toBeLessThan(0.5);
    expect(last.accuracy).toBeGreaterThan(0.85);
    method.dispose();
  });

  it('with one rotation per image, takes B inputs a step and draws the rotations from the run’s generator', async () => {
    await initBackend('wasm', { threads: 1 });
    const data = cornerImages();
    const batch = Int32Array.from({ length: 8 }, (_, i) => i);
    const run = (all: boolean, seed: number) => {
      const method = build(data, { allRotations: all });
      const rng = new Rng(seed);
      const losses = [1, 2, 3].map((step) => method.trainStep(data, batch, { step, totalSteps: 3, epoch: 1, epochs: 1, learningRate: 1e-3, rng }).total);
      method.dispose();
      return { losses, rng: rng.getState() };
    };
    const a = run(false, 5);
    const b = run(false, 5);
    expect(a).toEqual(b);
    expect(run(false, 6).losses).not.toEqual(a.losses);
    // All four: only the augmentation draws from the generator, so it advances less than with a rotation per image.
    const all = run(true, 5);
    expect(all.rng).not.toEqual(a.rng);
    run(false, 7); // caches of kernels made for the first shapes
    const before = tf.memory().numTensors;
    run(false, 7);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('with a hidden layer in the classifier trains and saves its head', async () => {
    await initBackend('wasm', { threads: 1 });
    const data = cornerImages();
    const method = build(data, { classifierHidden: 16 });
    const names = method.stateVariables().map((v) => v.name);
    // dense → BN → ReLU → dense: w1, γ, β, w2, b2
    expect(names.filter((n) => n.startsWith('classifier.'))).toHaveLength(5);
    const parts = method.trainStep(data, Int32Array.from([0, 1, 2, 3]), { step: 1, totalSteps: 1, epoch: 1, epochs: 1, learningRate: 1e-3, rng: new Rng(1) });
    expect(Number.isFinite(parts.total)).toBe(true);
    method.dispose();
  });
});
