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
import { dataFor } from '../../../../src-main/core/data';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { disposeNtXentCache } from '../../../../src-main/core/ssl/losses/nt-xent';
import { METHODS, type StepContext } from '../../../../src-main/core/ssl/methods';
import { Rng } from '../../../../src-main/core/ssl/random';
import { loadCheckpoint, saveCheckpoint } from '../../../../src-main/core/training/checkpoint';
import { paramsFor, tinyDataOf } from './tiny-data';

const dir = mkdtempSync(join(tmpdir(), 'pretext-methods-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Each method on a small example of every modality it trains on. */
const cases = METHODS.flatMap((m) => m.modalities.map((modality) => ({ definition: m, modality })));

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
        const data = await tinyDataOf(modality);
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
