import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ParamValues } from '../../../../src-main/contract';
import { silenceLevel } from '../../../../src-main/core/data/audio';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { cpc, cpcDefaults, randomTimeCrops } from '../../../../src-main/core/ssl/methods/cpc';
import type { StepContext, TrainableMethod } from '../../../../src-main/core/ssl/methods/types';
import { Rng } from '../../../../src-main/core/ssl/random';
import { loadCheckpoint, saveCheckpoint } from '../../../../src-main/core/training/checkpoint';
import { sineSweeps } from './cpc-fixtures';

const dir = mkdtempSync(join(tmpdir(), 'pretext-cpc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const data = sineSweeps();
const spec = data.spec;
/** Small widths; K and downsampling from the defaults (64 frames: ×4 → 16 encoded frames, K = 4). */
const params: ParamValues = { ...Object.fromEntries(cpc.params.map((p) => [p.name, p.default])), ...cpcDefaults(spec), width: 32, layers: 2, negatives: 8, weightDecay: 0 };
const context = (rng: Rng, step: number): StepContext => ({ step, totalSteps: 40, epoch: 1, epochs: 1, learningRate: 3e-3, rng });
const centreInputs = (indices: number[]): tf.Tensor4D => {
  // [B, melBands, frames, 1]: the first `frames` stored frames, transposed to the model layout.
  const { melBands: m, frames: f } = spec;
  const out = new Float32Array(indices.length * m * f).fill(silenceLevel(spec));
  indices.forEach((clip, i) => {
    const from = data.offsets[clip]!;
    const n = Math.min(f, data.offsets[clip + 1]! - from);
    for (let t = 0; t < n; t++) for (let b = 0; b < m; b++) out[i * m * f + b * f + t] = data.mels[(from + t) * m + b]!;
  });
  return tf.tensor4d(out, [indices.length, m, f, 1]);
};

describe('CPC defaults and crops', () => {
  it('downsamples by the clip length and predicts a quarter of the encoded frames ahead, always fewer than there are', () => {
    expect(cpcDefaults({ ...spec, frames: 100 })).toEqual({ downsample: '4', predictionSteps: 6 });
    expect(cpcDefaults({ ...spec, frames: 1000 })).toEqual({ downsample: '4', predictionSteps: 12 });
    expect(cpcDefaults({ ...spec, frames: 20 })).toEqual({ downsample: '2', predictionSteps: 3 });
    expect(cpcDefaults({ ...spec, frames: 4 })).toEqual({ downsample: '1', predictionSteps: 2 });
    expect(cpcDefaults({ ...spec, frames: 2 })).toEqual({ downsample: '1', predictionSteps: 1 });
  });

  it('crops a contiguous window of a long clip and places a short one in silence', () => {
    const { frames, melBands } = spec;
    const long = data.offsets.findIndex((o, i) => data.offsets[i + 1]! - o >= frames + 10);
    const short = data.offsets.findIndex((o, i) => data.offsets[i + 1]! - o < frames - 5);
    const crops = randomTimeCrops(data, Int32Array.from([long, short]), new Rng(3));
    const stored = data.mels.subarray(data.offsets[long]! * melBands, data.offsets[long + 1]! * melBands);
    const window = crops.subarray(0, frames * melBands);
    const starts = [];
    for (let s = 0; s + frames * melBands <= stored.length; s += melBands) if (stored.subarray(s, s + window.length).every((v, i) => v === window[i])) starts.push(s / melBands);
    expect(starts.length).toBe(1);
    const shortLength = data.offsets[short + 1]! - data.offsets[short]!;
    const second = crops.subarray(frames * melBands);
    const silentFrames = Array.from({ length: frames }, (_, t) => second.subarray(t * melBands, (t + 1) * melBands).every((v) => v === Math.fround(silenceLevel(spec)))).filter(Boolean).length;
    expect(silentFrames).toBe(frames - shortLength);
  });

  it('refuses more prediction steps than encoded frames, saying what it got', async () => {
    await initBackend('cpu');
    expect(() => cpc.create({ spec, params: { ...params, predictionSteps: 16 }, seed: 1 })).toThrow(/16 prediction steps need more than 16 frames after downsampling, and 64 input frames ×1\/4 give 16/);
    expect(() => cpc.create({ spec, params: { ...params, downsample: '3' }, seed: 1 })).toThrow('downsample must be 1, 2 or 4, got 3');
  });
});

describe('CPC training on wasm', () => {
  // On wasm only (36 ms a step here, the cpu backend 0.7 s): cpu is held to wasm's numbers below.
  it('learns to predict sine sweeps: finite losses from about log(N + 1), falling over 30 steps, no leaked tensors', async () => {
    await initBackend('wasm', { threads: 1 });
    const method = cpc.create({ spec, params, seed: 2 });
    const rng = new Rng(5);
    const batch = new Int32Array(8);
    const losses: number[] = [];
    let tensors = 0;
    for (let step = 1; step <= 30; step++) {
      for (let i = 0; i < batch.length; i++) batch[i] = rng.int(data.itemIds.length);
      const loss = method.trainStep(data, batch, context(rng, step));
      expect(Number.isFinite(loss.total)).toBe(true);
      losses.push(loss.total);
      if (step === 1) tensors = tf.memory().numTensors;
      else expect(tf.memory().numTensors).toBe(tensors);
    }
    expect(Math.abs(losses[0]! - Math.log(8 + 1))).toBeLessThan(1);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)) - 0.5);
    method.dispose();
  });
});

describe.each(['cpu', 'wasm'] as const)('CPC on %s', (backend) => {
  it('embeds by the mean context, the same every time; a checkpoint continues the same curve', async () => {
    await initBackend(backend, { threads: 1 });
    const method = cpc.create({ spec, params, seed: 2 });
    const rng = new Rng(6);
    const batch = Int32Array.from([0, 1, 2, 3, 4, 5]);
    for (let step = 1; step <= 3; step++) method.trainStep(data, batch, context(rng, step));
    const x = centreInputs([0, 1, 2]);
    const a = method.embed(x);
    const b = method.embed(x);
    expect(a.shape).toEqual([3, 32]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    const file = join(dir, `cpc-${backend}.ckpt`);
    saveCheckpoint(file, { runId: 1, epoch: 1, step: 3, optimizerStep: method.optimizerStep, rngState: rng.getState(), inputSpec: spec }, method.stateVariables());
    const next = method.trainStep(data, batch, context(rng, 4));
    const restored: TrainableMethod = cpc.create({ spec, params, seed: 77 });
    const meta = loadCheckpoint(file, restored.stateVariables());
    restored.optimizerStep = meta.optimizerStep;
    rng.setState(meta.rngState);
    const again = restored.trainStep(data, batch, context(rng, 4));
    expect(again.total).toBeCloseTo(next.total, 5);
    tf.dispose([x, a, b]);
    method.dispose();
    restored.dispose();
  });
});

describe('CPC on wasm against cpu', () => {
  it('gives the same losses over 3 steps and the same embeddings', async () => {
    const run = async (backend: 'cpu' | 'wasm') => {
      await initBackend(backend, { threads: 1 });
      const method = cpc.create({ spec, params, seed: 8 });
      const rng = new Rng(9);
      const batch = Int32Array.from([0, 3, 6, 9, 12, 15]);
      const losses = [1, 2, 3].map((step) => method.trainStep(data, batch, context(rng, step)).total);
      const x = centreInputs([1, 2]);
      const embedding = tf.tidy(() => method.embed(x));
      const values = Array.from(embedding.dataSync());
      tf.dispose([x, embedding]);
      method.dispose();
      return { losses, values };
    };
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    wasm.losses.forEach((v, i) => expect(v).toBeCloseTo(cpu.losses[i]!, 3));
    const worst = Math.max(...wasm.values.map((v, i) => Math.abs(v - cpu.values[i]!)));
    expect(worst).toBeLessThan(1e-3);
  });
});

describe('CPC embedding of padded clips', () => {
  it('leaves the padding silence out of the mean: a clip embeds the same in a longer input, and a silent input stays finite', async () => {
    await initBackend('wasm', { threads: 1 });
    // The encoder has no per-frame weights: the same seed gives the same networks for 64 and 96 frames.
    const short = cpc.create({ spec, params, seed: 4 });
    const long = cpc.create({ spec: { ...spec, frames: 96, clipSeconds: 0.96 }, params, seed: 4 });
    const { melBands: m } = spec;
    const silence = Math.fround(silenceLevel(spec));
    const clip = data.mels.subarray(data.offsets[0]! * m, (data.offsets[0]! + 40) * m); // 40 frames of sound
    const input = (frames: number): tf.Tensor4D => {
      const out = new Float32Array(m * frames).fill(silence);
      for (let t = 0; t < 40; t++) for (let b = 0; b < m; b++) out[b * frames + t] = clip[t * m + b]!;
      return tf.tensor4d(out, [1, m, frames, 1]);
    };
    const [x64, x96] = [input(64), input(96)];
    const [e64, e96] = [short.embed(x64), long.embed(x96)];
    const worst = Math.max(...Array.from(e64.dataSync(), (v, i) => Math.abs(v - e96.dataSync()[i]!)));
    expect(worst).toBeLessThan(1e-5);
    const quiet = tf.fill([2, m, 64, 1], silence) as tf.Tensor4D;
    const eQuiet = short.embed(quiet);
    expect(eQuiet.shape).toEqual([2, 32]);
    expect(Array.from(eQuiet.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([x64, x96, e64, e96, quiet, eQuiet]);
    short.dispose();
    long.dispose();
  });
});
