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
import type { ImageInputSpec, ParamValues } from '../../../../src-main/contract';
import type { ImageData } from '../../../../src-main/core/data/image';
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

/** Small settings so each method runs in well under a second. */
const SMALL: ParamValues = { batchSize: 4, learningRate: 1e-2, projectionDim: 8, pcaDims: 5 };

function paramsFor(method: SslMethod, spec: ImageInputSpec): ParamValues {
  const known = new Set(paramsOf(method).map((p) => p.name));
  const given = Object.fromEntries(Object.entries(SMALL).filter(([k]) => known.has(k)));
  return resolveRunParams(method, given, spec);
}

const imageMethods = METHODS.filter((m) => m.modalities.includes('image'));

describe('every registered method', () => {
  it('is listed with its parameters', () => {
    expect(METHODS.map((m) => m.id)).toEqual(expect.arrayContaining(['simclr', 'raw-pixels']));
    for (const m of METHODS) {
      expect(m.description.length).toBeGreaterThan(20);
      for (const p of m.params) expect(p.help.length).toBeGreaterThan(5);
    }
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    for (const definition of imageMethods) {
      it(`${definition.id} on ${backend}: finite losses, no leaked tensors, a checkpoint continues the same curve`, async () => {
        await initBackend(backend, { threads: 1 });
        disposeNtXentCache();
        const data = tinyImages();
        const params = paramsFor(definition, data.spec);
        const method = definition.create({ spec: data.spec, params, seed: 3 });
        await method.prepare?.(data);
        const module = dataFor('image');
        const inputs = new Float32Array(4 * 64);
        module.centre(data, [0, 1, 2, 3], inputs);
        const embedded = tf.tidy(() => method.embed(tf.tensor(inputs, [4, 8, 8, 1])));
        expect(embedded.shape).toEqual([4, method.embeddingDim]);
        expect(Array.from(embedded.dataSync()).every(Number.isFinite)).toBe(true);
        embedded.dispose();
        if (!method.trains) {
          method.dispose();
          return;
        }
        const rng = new Rng(9);
        const batch = Int32Array.from([0, 1, 2, 3]);
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
