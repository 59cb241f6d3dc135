/**
 * Every registered method on the webgpu backend, on the tiny data of every-method.test.ts (8×8
 * images, batch 4) so that a software adapter (SwiftShader in CI) gets through: the embedding is
 * finite, two steps give finite losses read back asynchronously, the second leaves the number of
 * tensors unchanged, and a checkpoint is written and read back (its values read asynchronously).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataFor } from '../../../../src-main/core/data';
import { tf } from '../../../../src-main/core/engine/backend';
import { disposeNtXentCache } from '../../../../src-main/core/ssl/losses/nt-xent';
import { METHODS, type StepContext } from '../../../../src-main/core/ssl/methods';
import { settleLoss } from '../../../../src-main/core/ssl/optim/minimise';
import { Rng } from '../../../../src-main/core/ssl/random';
import { loadCheckpoint, saveCheckpointAsync } from '../../../../src-main/core/training/checkpoint';
import { useWebGpu, webgpuUnavailable } from '../../engine/webgpu-adapter';
import { paramsFor, tinyDataOf } from './tiny-data';

const unavailable = await webgpuUnavailable();
if (unavailable !== null) console.warn(`every-method webgpu tests skipped: ${unavailable}`);

const dir = mkdtempSync(join(tmpdir(), 'pretext-methods-webgpu-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cases = METHODS.flatMap((m) => m.modalities.map((modality) => ({ definition: m, modality })));

describe.skipIf(unavailable !== null)('every registered method on webgpu', () => {
  for (const { definition, modality } of cases) {
    it(`${definition.id} on ${modality}: finite embedding and losses, no leaked tensors, a checkpoint round trip`, { timeout: 180_000 }, async () => {
      await useWebGpu();
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
      expect(Array.from(await embedded.data()).every(Number.isFinite)).toBe(true);
      embedded.dispose();
      if (method.trains) {
        const rng = new Rng(9);
        const batch = Int32Array.from(modality === 'image' ? [0, 1, 2, 3] : [8, 9, 10, 11]);
        const context = (step: number): StepContext => ({ step, totalSteps: 10, epoch: 1, epochs: 1, learningRate: 1e-2, rng });
        const first = await settleLoss(method.trainStep(data, batch, context(1))); // also creates lazy caches
        const before = tf.memory().numTensors;
        const second = await settleLoss(method.trainStep(data, batch, context(2)));
        expect(tf.memory().numTensors).toBe(before);
        for (const value of [...Object.values(first), ...Object.values(second)]) expect(Number.isFinite(value)).toBe(true);
        const file = join(dir, `${definition.id}-${modality}.ckpt`);
        await saveCheckpointAsync(file, { runId: 1, epoch: 1, step: 2, optimizerStep: method.optimizerStep, rngState: rng.getState(), inputSpec: data.spec, extra: method.extraState?.() }, method.stateVariables());
        expect(loadCheckpoint(file, method.stateVariables()).step).toBe(2);
      }
      method.dispose();
      disposeNtXentCache();
    });
  }
});
