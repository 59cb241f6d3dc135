/**
 * Every registered method, on tiny data, on the cpu and wasm backends: a few steps give finite
 * losses, the number of live tensors does not grow, and a checkpoint saved and loaded into a fresh
 * instance continues with the same next loss. A method added to the registry is tested here
 * without writing anything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AudioInputSpec, ImageInputSpec, InputSpec, ParamValues, TextInputSpec } from '../../../../src-main/contract';
import { silenceLevel, type AudioData } from '../../../../src-main/core/data/audio';
import type { ImageData } from '../../../../src-main/core/data/image';
import type { TextData } from '../../../../src-main/core/data/text';
import { loadTokenizer, trainTokenizer } from '../../../../src-main/core/data/tokenizer';
import type { LoadedData } from '../../../../src-main/core/data/types';
import { dataFor } from '../../../../src-main/core/data';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { disposeNtXentCache } from '../../../../src-main/core/ssl/losses/nt-xent';
import { METHODS, type SslMethod, type StepContext } from '../../../../src-main/core/ssl/methods';
import { Rng } from '../../../../src-main/core/ssl/random';
import { loadCheckpoint, saveCheckpoint } from '../../../../src-main/core/training/checkpoint';
import { paramsOf, resolveRunParams } from '../../../../src-main/core/training/params';

const dir = mkdtempSync(join(tmpdir(), 'pretext-methods-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 12 tiny (8×8) greyscale images: two classes of stripes. */
function tinyImages(): ImageData {
  const spec: ImageInputSpec = { modality: 'image', size: 8, channels: 1, scale: '0-1' };
  const n = 12;
  const pixels = new Uint8Array(n * 64);
  const rng = new Rng(5);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < 64; p++) {
      const stripe = i % 2 === 0 ? Math.floor(p / 8) % 3 === 0 : p % 3 === 0;
      pixels[i * 64 + p] = Math.round((stripe ? 200 : 40) + rng.uniform(-20, 20));
    }
  }
  return {
    modality: 'image',
    spec,
    itemIds: Array.from({ length: n }, (_, i) => i + 1),
    labels: Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 'rows' : 'columns')),
    failures: [],
    size: 8,
    channels: 1,
    pixels,
  };
}

/** 12 short texts about two topics, one in another script and one empty, tokenised by a tokenizer trained on them. */
async function tinyTexts(): Promise<TextData> {
  const texts = [
    'the cat sat on the mat and purred',
    'a dog chased the cat around the garden',
    'stock prices fell sharply on monday morning',
    'the market rallied after the bank cut rates',
    'my cat sleeps all day in the sun',
    'investors sold shares as the index dropped',
    'the puppy and the kitten played together',
    'bond yields rose while the dollar weakened',
    '猫がマットの上に座った 🐱',
    'القطة نائمة على السجادة',
    '',
    'dogs and cats make good friends',
  ];
  const json = trainTokenizer(texts, { kind: 'wordpiece', vocabSize: 300, lowercase: true });
  const tokenizer = loadTokenizer(json);
  const spec: TextInputSpec = { modality: 'text', tokenizer: json, tokenizerKind: 'wordpiece', vocabSize: tokenizer.vocabSize, maxLength: 16, lowercase: true };
  const encoded = await tokenizer.encodeBatch(texts);
  const offsets = new Int32Array(texts.length + 1);
  encoded.forEach((ids, i) => (offsets[i + 1] = offsets[i]! + ids.length));
  const tokens = new Int32Array(offsets[texts.length]!);
  encoded.forEach((ids, i) => tokens.set(ids, offsets[i]!));
  return {
    modality: 'text',
    spec,
    itemIds: texts.map((_, i) => i + 1),
    labels: texts.map((_, i) => (i % 2 === 0 ? 'a' : 'b')),
    failures: [],
    texts,
    tokens,
    offsets,
  };
}

/**
 * 12 clips of normalised log-mel frames (16 bands; inputs of 12 frames): rising and falling tones,
 * clips shorter than an input, a 1-frame clip and a silent one (every value the silence floor).
 */
function tinyAudio(): AudioData {
  const bands = 16;
  const spec: AudioInputSpec = { modality: 'audio', sampleRate: 16000, windowMs: 25, hopMs: 10, melBands: bands, clipSeconds: 0.12, frames: 12, mean: -6, std: 3 };
  const lengths = [30, 24, 40, 18, 26, 33, 24, 50, 10, 1, 24, 28];
  const offsets = new Int32Array(lengths.length + 1);
  lengths.forEach((n, i) => (offsets[i + 1] = offsets[i]! + n));
  const mels = new Float32Array(offsets[lengths.length]! * bands);
  const rng = new Rng(6);
  lengths.forEach((n, i) => {
    for (let t = 0; t < n; t++) {
      const centre = (i % 2 === 0 ? t : n - t) % bands;
      for (let m = 0; m < bands; m++) mels[(offsets[i]! + t) * bands + m] = i === 10 ? silenceLevel(spec) : Math.exp(-((m - centre) ** 2) / 4) + rng.uniform(-0.1, 0.1);
    }
  });
  return {
    modality: 'audio',
    spec,
    itemIds: lengths.map((_, i) => i + 1),
    labels: lengths.map((_, i) => (i % 2 === 0 ? 'rising' : 'falling')),
    failures: [],
    mels,
    offsets,
  };
}

/** Small settings so each method runs in well under a second. */
const SMALL: ParamValues = { batchSize: 4, learningRate: 1e-2, projectionDim: 8, pcaDims: 5, layers: 1, width: 16, heads: 2, svdDims: 4 };

function paramsFor(method: SslMethod, spec: InputSpec): ParamValues {
  const known = new Set(paramsOf(method).map((p) => p.name));
  const given = Object.fromEntries(Object.entries(SMALL).filter(([k]) => known.has(k)));
  return resolveRunParams(method, given, spec);
}

/** Each method on a small example of every modality it trains on. */
const cases = METHODS.flatMap((m) => m.modalities.map((modality) => ({ definition: m, modality })));
const dataOf = async (modality: 'image' | 'text' | 'audio'): Promise<LoadedData & { spec: InputSpec }> => (modality === 'image' ? tinyImages() : modality === 'text' ? await tinyTexts() : tinyAudio());

describe('every registered method', () => {
  it('is listed with its parameters', () => {
    expect(METHODS.map((m) => m.id)).toEqual(expect.arrayContaining(['simclr', 'raw-pixels']));
    for (const m of METHODS) {
      expect(m.description.length).toBeGreaterThan(20);
      for (const p of m.params) expect(p.help.length).toBeGreaterThan(5);
    }
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    for (const { definition, modality } of cases) {
      it(`${definition.id} on ${modality}, ${backend}: finite losses, no leaked tensors, a checkpoint continues the same curve`, async () => {
        await initBackend(backend, { threads: 1 });
        disposeNtXentCache();
        const data = await dataOf(modality);
        const params = paramsFor(definition, data.spec);
        const method = definition.create({ spec: data.spec, params, seed: 3 });
        await method.prepare?.(data);
        const module = dataFor(modality);
        const shape = module.inputShape(data.spec);
        const inputs = new Float32Array(4 * shape.reduce((a, b) => a * b, 1));
        module.centre(data, [0, 1, 2, 3], inputs);
        const embedded = tf.tidy(() => method.embed(tf.tensor(inputs, [4, ...shape])));
        expect(embedded.shape).toEqual([4, method.embeddingDim]);
        expect(Array.from(embedded.dataSync()).every(Number.isFinite)).toBe(true);
        embedded.dispose();
        if (!method.trains) {
          method.dispose();
          return;
        }
        const rng = new Rng(9);
        const batch = Int32Array.from(modality === 'image' ? [0, 1, 2, 3] : [8, 9, 10, 11]); // texts: other scripts and the empty one; clips: short, 1-frame and silent
        const context = (step: number): StepContext => ({ step, totalSteps: 10, epoch: 1, epochs: 1, learningRate: 1e-2, rng });
        method.trainStep(data, batch, context(1)); // first step: lazily created caches
        const before = tf.memory().numTensors;
        for (let step = 2; step <= 4; step++) {
          const losses = method.trainStep(data, batch, context(step));
          for (const value of Object.values(losses)) expect(Number.isFinite(value)).toBe(true);
          expect(tf.memory().numTensors).toBe(before);
        }
        const file = join(dir, `${definition.id}-${backend}.ckpt`);
        saveCheckpoint(file, { runId: 1, epoch: 1, step: 4, optimizerStep: method.optimizerStep, rngState: rng.getState(), inputSpec: data.spec, extra: method.extraState?.() }, method.stateVariables());
        const next = method.trainStep(data, batch, context(5));

        const restored = definition.create({ spec: data.spec, params, seed: 999 }); // other init: the checkpoint must overwrite it
        await restored.prepare?.(data); // as the loop does on resume
        const meta = loadCheckpoint(file, restored.stateVariables());
        restored.optimizerStep = meta.optimizerStep;
        if (meta.extra !== undefined) restored.restoreExtraState?.(meta.extra);
        rng.setState(meta.rngState);
        const again = restored.trainStep(data, batch, context(5));
        expect(again.total).toBeCloseTo(next.total, 5);
        method.dispose();
        restored.dispose();
        disposeNtXentCache();
      });
    }
  }
});
