import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AudioInputSpec } from '../../../../src-main/contract';
import { type AudioData, audioData } from '../../../../src-main/core/data/audio';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { AudioViewSampler, defaultAudioViews, silenceLevel } from '../../../../src-main/core/ssl/views/audio';
import { dctBasis, deltas, mfcc, mfccDim, mfccStatistics } from '../../../../src-main/core/ssl/methods/mfcc';
import { Rng } from '../../../../src-main/core/ssl/random';

interface ReferenceCase {
  name: string;
  coefficients: number;
  delta_deltas: boolean;
  /** [bands][frames] normalised model input, padded with silence. */
  input: number[][];
  /** [real frames][coefficients] MFCCs of the un-normalised, unpadded log-mel. */
  mfcc: number[][];
  embedding: number[];
}
/** numpy/scipy: DCT-II (ortho), Savitzky–Golay deltas as librosa.feature.delta(width=5), mean and std (scripts/make-mfcc-reference.py). */
const reference = JSON.parse(readFileSync(join(import.meta.dirname, '../../../fixtures/mfcc-reference.json'), 'utf8')) as {
  bands: number;
  frames: number;
  mean: number;
  std: number;
  /** The normalised log-mel floor the input is padded with. */
  silence: number;
  cases: ReferenceCase[];
};
const { bands, frames } = reference;
const normalisation = { mean: reference.mean, std: reference.std, silence: reference.silence };

const spec: AudioInputSpec = { modality: 'audio', sampleRate: 16000, windowMs: 25, hopMs: 10, melBands: bands, clipSeconds: frames / 100, frames, mean: reference.mean, std: reference.std };
const flat = (c: ReferenceCase): Float32Array => Float32Array.from(c.input.flat());

describe('MFCC statistics against numpy and scipy', () => {
  it.each(reference.cases.map((c) => [c.name, c] as const))('%s: DCT-II, deltas, mean and standard deviation within 1e-5', (_name, c) => {
    const got = mfccStatistics(flat(c), bands, frames, normalisation, { coefficients: c.coefficients, deltaDeltas: c.delta_deltas });
    expect(got.length).toBe(c.embedding.length);
    const worst = Math.max(...c.embedding.map((v, i) => Math.abs(got[i]! - v)));
    expect(worst).toBeLessThan(1e-5);
  });

  it('the DCT basis is scipy’s orthonormal DCT-II, and orthonormal', () => {
    const c = reference.cases.find((x) => x.coefficients === bands)!;
    const basis = dctBasis(bands, bands);
    c.mfcc.forEach((row, t) => {
      const logMel = c.input.map((band) => band[t]! * reference.std + reference.mean);
      row.forEach((value, k) => {
        const got = logMel.reduce((s, v, m) => s + basis[k * bands + m]! * v, 0);
        expect(Math.abs(got - value)).toBeLessThan(1e-9);
      });
    });
    for (let a = 0; a < bands; a++) {
      for (let b = 0; b < bands; b++) {
        let dot = 0;
        for (let m = 0; m < bands; m++) dot += basis[a * bands + m]! * basis[b * bands + m]!;
        expect(Math.abs(dot - (a === b ? 1 : 0))).toBeLessThan(1e-12);
      }
    }
  });

  it('deltas: the ±2-frame regression inside, the nearest full window at the edges', () => {
    const c = Float64Array.from([0, 1, 4, 9, 16, 25, 36]); // t², one coefficient
    expect(Array.from(deltas(c, 7, 1, 1))).toEqual([4, 4, 4, 6, 8, 8, 8].map((v) => expect.closeTo(v, 12)));
    expect(Array.from(deltas(c, 7, 1, 2))).toEqual([2, 2, 2, 2, 2, 2, 2].map((v) => expect.closeTo(v, 12)));
    expect(Array.from(deltas(Float64Array.from([1, 3]), 2, 1, 1))).toEqual([0, 0]);
  });

  it('leaves silence at either end out, as the data module pads, but keeps it inside a clip', () => {
    const settings = { coefficients: 6, deltaDeltas: true };
    expect(silenceLevel(spec)).toBeCloseTo(reference.silence, 6);
    const padded = reference.cases.find((c) => c.name.includes('centred in silence'))!;
    const real = padded.input.map((band) => band.slice(5, 19));
    const alone = mfccStatistics(Float32Array.from(real.flat()), bands, 14, normalisation, settings);
    expect(Array.from(alone)).toEqual(Array.from(mfccStatistics(flat(padded), bands, frames, normalisation, settings)));
    // The audio module's own padding of the same 14 frames (float32 of the float64 level) is cut too.
    const clip = { mels: Float32Array.from({ length: 14 * bands }, (_, i) => real[i % bands]![Math.floor(i / bands)]!), frames: 14, bands };
    const input = new Float32Array(bands * frames);
    new AudioViewSampler(defaultAudioViews(spec)).centre(clip, input, 0);
    expect(input[0]).toBe(Math.fround(silenceLevel(spec)));
    expect(Array.from(mfccStatistics(input, bands, frames, normalisation, settings))).toEqual(Array.from(alone));
    // Silence inside the clip is part of it.
    const gap = real.map((band) => [...band.slice(0, 7), reference.silence, reference.silence, ...band.slice(7)]);
    const withGap = mfccStatistics(Float32Array.from(gap.flat()), bands, 16, normalisation, settings);
    expect(Math.abs(withGap[0]! - alone[0]!)).toBeGreaterThan(0.1);
  });

  it('refuses more coefficients than mel bands and inputs of the wrong size', () => {
    expect(() => dctBasis(16, 17)).toThrow('MFCC needs 1 to 16 coefficients (one per mel band at most), got 17');
    expect(() => mfccStatistics(new Float32Array(10), bands, frames, normalisation, { coefficients: 4, deltaDeltas: false })).toThrow('expected a [16, 24] log-mel input, got 10 values');
    expect(() => mfcc.create({ spec: { ...spec, std: 0 }, params: { coefficients: 4, deltaDeltas: false, standardise: false }, seed: 1 })).toThrow("MFCC needs the audio spec's normalisation statistics (std 0");
  });
});

// --- The method, on model inputs from the audio data module. ---

describe('the MFCC method', () => {
  const params = { coefficients: 6, deltaDeltas: true, standardise: false };
  beforeAll(async () => {
    await initBackend('cpu');
  });

  function batch(cases: ReferenceCase[]): tf.Tensor4D {
    const rows = new Float32Array(cases.length * bands * frames);
    cases.forEach((c, i) => rows.set(flat(c), i * bands * frames));
    return tf.tensor4d(rows, [cases.length, bands, frames, 1]);
  }

  it('embeds a batch [B, bands, frames, 1] as [B, 6n] finite values, each row its clip’s statistics', () => {
    const method = mfcc.create({ spec, params, seed: 1 });
    try {
      expect(method.trains).toBe(false);
      expect(method.embeddingDim).toBe(36);
      expect(method.stateVariables()).toEqual([]);
      const cases = reference.cases.filter((c) => c.coefficients === 6);
      const x = batch(cases);
      const z = method.embed(x);
      expect(z.shape).toEqual([cases.length, 36]);
      const values = z.arraySync();
      cases.forEach((c, i) => {
        expect(values[i]!.every(Number.isFinite)).toBe(true);
        values[i]!.forEach((v, d) => expect(Math.abs(v - c.embedding[d]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(c.embedding[d]!))));
      });
      tf.dispose([x, z]);
    } finally {
      method.dispose();
    }
  });

  it('sizes the embedding from its settings and refuses what cannot be embedded', () => {
    const run = (p: object) => mfcc.create({ spec, params: { ...params, ...p }, seed: 1 });
    const deltasOnly = run({ deltaDeltas: false, coefficients: 16 });
    expect(deltasOnly.embeddingDim).toBe(mfccDim({ coefficients: 16, deltaDeltas: false }));
    expect(deltasOnly.embeddingDim).toBe(64);
    const x = tf.zeros([2, bands, frames - 1, 1]);
    expect(() => deltasOnly.embed(x)).toThrow('MFCC expected [2, 16, 24, 1] log-mel inputs, got [2, 16, 23, 1]');
    x.dispose();
    deltasOnly.dispose();
    expect(() => run({ coefficients: 20 })).toThrow('MFCC needs 1 to 16 coefficients');
    expect(() => mfcc.create({ spec: { modality: 'image', height: 8, width: 8, channels: 1 } as never, params, seed: 1 })).toThrow('MFCC embeds audio, not image');
  });

  describe('standardised over the dataset', () => {
    let data: AudioData;

    beforeAll(() => {
      // Twenty clips of 9 to 40 frames (the input is 24: some cropped, some padded), log-mel as the data module stores it (normalised, frame-major).
      const rng = new Rng(5);
      const lengths = Array.from({ length: 20 }, () => 9 + Math.floor(rng.uniform(0, 32)));
      const offsets = new Int32Array(lengths.length + 1);
      lengths.forEach((n, i) => (offsets[i + 1] = offsets[i]! + n));
      const mels = new Float32Array(offsets[lengths.length]! * bands);
      lengths.forEach((n, i) => {
        const pitch = rng.uniform(0, bands);
        for (let t = 0; t < n; t++) for (let m = 0; m < bands; m++) mels[(offsets[i]! + t) * bands + m] = Math.exp(-((m - pitch - t / 10) ** 2) / 4) * 2 - 1 + rng.uniform(-0.1, 0.1);
      });
      data = { modality: 'audio', spec, itemIds: lengths.map((_, i) => i + 1), labels: lengths.map(() => null), failures: [], mels, offsets };
    });

    const inputs = (indices: number[]): tf.Tensor4D => {
      const out = new Float32Array(indices.length * bands * frames);
      audioData.centre(data, indices, out);
      return tf.tensor4d(out, [indices.length, bands, frames, 1]);
    };

    it('fits each dimension to mean 0 and standard deviation 1 on the dataset’s centre crops', () => {
      const method = mfcc.create({ spec, params: { ...params, standardise: true }, seed: 1 });
      try {
        method.prepare!(data);
        const x = inputs(data.itemIds.map((_, i) => i));
        const z = method.embed(x).arraySync();
        for (let d = 0; d < method.embeddingDim; d++) {
          const column = z.map((row) => row[d]!);
          const mean = column.reduce((a, b) => a + b, 0) / column.length;
          const std = Math.sqrt(column.reduce((a, b) => a + (b - mean) ** 2, 0) / column.length);
          expect(Math.abs(mean)).toBeLessThan(1e-4);
          expect(Math.abs(std - 1)).toBeLessThan(1e-3);
        }
        x.dispose();
      } finally {
        method.dispose();
      }
    });

    it('embeds the same from its state variables alone (what a checkpoint restores)', () => {
      const fitted = mfcc.create({ spec, params: { ...params, standardise: true }, seed: 1 });
      const restored = mfcc.create({ spec, params: { ...params, standardise: true }, seed: 1 });
      try {
        fitted.prepare!(data);
        const x = inputs([0, 7, 19]);
        expect(restored.embed(x).arraySync()).not.toEqual(fitted.embed(x).arraySync());
        expect(restored.stateVariables().map((s) => s.name)).toEqual(['mfcc.feature_mean', 'mfcc.feature_std']);
        const source = new Map(fitted.stateVariables().map((s) => [s.name, s.variable]));
        for (const { name, variable } of restored.stateVariables()) variable.assign(source.get(name)!);
        expect(restored.embed(x).arraySync()).toEqual(fitted.embed(x).arraySync());
        x.dispose();
      } finally {
        fitted.dispose();
        restored.dispose();
      }
    });

    it('does not leak tensors', () => {
      const method = mfcc.create({ spec, params: { ...params, standardise: true }, seed: 1 });
      try {
        method.prepare!(data);
        const x = inputs([1, 2]);
        const before = tf.memory().numTensors;
        for (let i = 0; i < 3; i++) method.embed(x).dispose();
        expect(tf.memory().numTensors).toBe(before);
        x.dispose();
      } finally {
        method.dispose();
      }
    });
  });
});
