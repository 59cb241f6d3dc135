import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataFor } from '../../../src-main/core/data';
import { initBackend, tf } from '../../../src-main/core/engine/backend';
import { symmetricEigenvalues } from '../../../src-main/core/evaluation/rank';
import { createMethod, getMethod } from '../../../src-main/core/ssl/methods';
import { Rng } from '../../../src-main/core/ssl/random';
import { applyWhitening, fitWhitening, WHITENING_FIT_ITEMS, WHITENING_SHRINKAGE, WhitenedMethod, whiteningSample } from '../../../src-main/core/ssl/whitening';
import { loadCheckpoint, saveCheckpoint } from '../../../src-main/core/training/checkpoint';
import { paramsFor, tinyImages } from './methods/tiny-data';

const dir = mkdtempSync(join(tmpdir(), 'pretext-whitening-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A standard normal draw (Box–Muller). */
function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** n rows of correlated Gaussian data: x = A g + offset, with a fixed random mixing A. */
function correlated(n: number, dim: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const mix = Float64Array.from({ length: dim * dim }, () => normal(rng));
  const out = new Float32Array(n * dim);
  const g = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) g[j] = normal(rng) * (j + 1); // unequal variances
    for (let a = 0; a < dim; a++) {
      let s = 3 + a; // an offset the mean must take away
      for (let b = 0; b < dim; b++) s += mix[a * dim + b]! * g[b]!;
      out[i * dim + a] = s;
    }
  }
  return out;
}

/** Covariance [dim × dim] (n − 1 divisor) of n rows, in float64. */
function covariance(x: Float32Array, n: number, dim: number): Float64Array {
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j]! += x[i * dim + j]! / n;
  const cov = new Float64Array(dim * dim);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < dim; a++) {
      const xa = x[i * dim + a]! - mean[a]!;
      for (let b = 0; b < dim; b++) cov[a * dim + b]! += (xa * (x[i * dim + b]! - mean[b]!)) / (n - 1);
    }
  }
  return cov;
}

describe('fitWhitening', () => {
  it('gives the embeddings the covariance V·diag(λ / (λ + ε·λ̄))·Vᵀ with a symmetric (ZCA) matrix', () => {
    const n = 4000;
    const dim = 6;
    const x = correlated(n, dim, 1);
    // Eigenvalues from the tridiagonal QL solver of rank.ts, not the Jacobi one the fit uses.
    const eigen = symmetricEigenvalues(covariance(x, n, dim), dim);
    const meanEigen = eigen.reduce((a, b) => a + b, 0) / dim;
    const model = fitWhitening(x, n, dim);
    for (let a = 0; a < dim; a++) for (let b = 0; b < a; b++) expect(model.matrix[a * dim + b]).toBeCloseTo(model.matrix[b * dim + a]!, 5);
    const w = Float32Array.from(x);
    applyWhitening(model, w, n);
    const whitened = symmetricEigenvalues(covariance(w, n, dim), dim); // descending, as λ / (λ + c) is in λ
    for (let a = 0; a < dim; a++) expect(whitened[a]).toBeCloseTo(eigen[a]! / (eigen[a]! + WHITENING_SHRINKAGE * meanEigen), 3);
    // Centred: every whitened coordinate has mean 0.
    for (let j = 0; j < dim; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += w[i * dim + j]!;
      expect(Math.abs(s / n)).toBeLessThan(1e-3);
    }
  });

  it('keeps a direction without variance small instead of blowing it up, and a constant embedding finite', () => {
    const n = 500;
    const dim = 3;
    const rng = new Rng(2);
    const x = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      x[i * dim] = normal(rng);
      x[i * dim + 1] = normal(rng) * 2;
      x[i * dim + 2] = 5 + normal(rng) * 1e-6; // collapsed
    }
    const w = Float32Array.from(x);
    applyWhitening(fitWhitening(x, n, dim), w, n);
    const cov = covariance(w, n, dim);
    const variances = [0, 1, 2].map((j) => cov[j * dim + j]!).sort((a, b) => a - b);
    expect(variances[0]).toBeLessThan(1e-6);
    expect(variances[2]).toBeGreaterThan(0.9);

    const constant = new Float32Array(10 * 4).fill(0.25);
    const model = fitWhitening(constant, 10, 4);
    applyWhitening(model, constant, 10);
    expect(Array.from(constant).every((v) => v === 0)).toBe(true);
  });

  it('names the sizes when the embeddings do not fit', () => {
    expect(() => fitWhitening(new Float32Array(4), 1, 4)).toThrow(/at least 2 embeddings, got 1/);
    expect(() => applyWhitening(fitWhitening(correlated(10, 2, 3), 10, 2), new Float32Array(3), 2)).toThrow(/expected \[2, 2\] embeddings \(4 values\), got 3/);
  });

  it('fits on a seeded sample of at most WHITENING_FIT_ITEMS items', () => {
    expect(whiteningSample(5, 1)).toEqual(Int32Array.from([0, 1, 2, 3, 4]));
    const sample = whiteningSample(WHITENING_FIT_ITEMS + 1000, 1);
    expect(sample.length).toBe(WHITENING_FIT_ITEMS);
    expect(Array.from(sample).every((v, i) => i === 0 || v > sample[i - 1]!)).toBe(true);
    expect(whiteningSample(WHITENING_FIT_ITEMS + 1000, 1)).toEqual(sample);
  });
});

describe('WhitenedMethod', () => {
  it('is what createMethod builds when a trained run whitens, never for a baseline or a run without the setting', async () => {
    await initBackend('cpu');
    const data = tinyImages();
    const simclr = getMethod('simclr');
    const params = paramsFor(simclr, data.spec);
    const on = createMethod(simclr, { spec: data.spec, params: { ...params, whiten: true }, seed: 1 });
    const off = createMethod(simclr, { spec: data.spec, params: { ...params, whiten: false }, seed: 1 });
    const stored = createMethod(simclr, { spec: data.spec, params: { ...params, whiten: undefined as unknown as boolean }, seed: 1 });
    const pixels = createMethod(getMethod('raw-pixels'), { spec: data.spec, params: { ...paramsFor(getMethod('raw-pixels'), data.spec), whiten: true }, seed: 1 });
    expect(on).toBeInstanceOf(WhitenedMethod);
    expect(off).not.toBeInstanceOf(WhitenedMethod);
    expect(stored).not.toBeInstanceOf(WhitenedMethod);
    expect(pixels).not.toBeInstanceOf(WhitenedMethod);
    for (const m of [on, off, stored, pixels]) m.dispose();
  });

  it('embeds as the fitted whitening of its method, and a checkpoint restores the whitening', async () => {
    await initBackend('cpu');
    const data = tinyImages();
    const simclr = getMethod('simclr');
    const params = { ...paramsFor(simclr, data.spec), whiten: true };
    const method = createMethod(simclr, { spec: data.spec, params, seed: 1 }) as WhitenedMethod;
    const module = dataFor('image');
    const shape = module.inputShape(data.spec);
    const n = data.itemIds.length;
    const inputs = new Float32Array(n * shape.reduce((a, b) => a * b, 1));
    module.centre(data, Array.from({ length: n }, (_, i) => i), inputs);
    const embed = (m: { embed(x: tf.Tensor): tf.Tensor2D }): Float32Array => tf.tidy(() => m.embed(tf.tensor(inputs, [n, ...shape])).dataSync() as Float32Array);

    const raw = embed(method.inner);
    expect(embed(method)).toEqual(raw); // the identity before a fit
    const model = fitWhitening(raw, n, method.embeddingDim);
    method.setWhitening(model);
    const before = tf.memory().numTensors;
    const whitened = embed(method);
    method.setWhitening(model);
    expect(tf.memory().numTensors).toBe(before);
    const expected = Float32Array.from(raw);
    applyWhitening(model, expected, n);
    for (let i = 0; i < expected.length; i++) expect(whitened[i]).toBeCloseTo(expected[i]!, 4);
    expect(method.stateVariables().map((v) => v.name)).toEqual(expect.arrayContaining(['whitening.mean', 'whitening.matrix']));

    const file = join(dir, 'whitened.ckpt');
    saveCheckpoint(file, { runId: 1, epoch: 1, step: 1, optimizerStep: 0, rngState: new Rng(1).getState(), inputSpec: data.spec }, method.stateVariables());
    const fresh = createMethod(simclr, { spec: data.spec, params, seed: 1 });
    loadCheckpoint(file, fresh.stateVariables());
    expect(embed(fresh)).toEqual(whitened);
    expect(() => method.setWhitening({ ...model, dim: 3 })).toThrow(/whitening of 3-d embeddings cannot whiten this method's \d+-d ones/);
    method.dispose();
    fresh.dispose();
  });
});
