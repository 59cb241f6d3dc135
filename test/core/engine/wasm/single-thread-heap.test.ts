/**
 * Kernels on one wasm thread, where the heap is unshared memory: growing it detaches every older
 * view of it, and a kernel that reads through a view taken before its own allocations reads
 * undefined (NaN). Conv2DBackpropInput did, from its second phase on, when a phase's convolution
 * grew the heap: the VAE's decoder on 64×64×3 images gave a NaN loss on one thread, from the first
 * step (seen in `npm run bench`).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { getMethod } from '../../../../src-main/core/ssl/methods';
import type { ImageData } from '../../../../src-main/core/data/image';
import { resolveRunParams } from '../../../../src-main/core/training/params';
import { Rng } from '../../../../src-main/core/ssl/random';
import { settleLoss } from '../../../../src-main/core/ssl/optim/minimise';

beforeAll(async () => {
  await initBackend('wasm', { threads: 1 });
});

describe('one wasm thread while the heap grows', () => {
  it("the VAE's first step on 64×64×3 images has a finite loss", async () => {
    const size = 64;
    const batch = 256;
    const spec = { modality: 'image', size, channels: 3, scale: '0-1' } as const;
    const definition = getMethod('vae');
    const method = definition.create({ spec, params: resolveRunParams(definition, { batchSize: batch }, spec), seed: 1 });
    const pixels = new Uint8Array(batch * size * size * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24;
    const data: ImageData = { modality: 'image', spec, itemIds: [], labels: [], failures: [], size, channels: 3, pixels };
    // Tensors held elsewhere (the bench's fixed batches) put the heap's next growth inside the step.
    const held = [tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 7), tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 8)];
    const indices = Int32Array.from({ length: batch }, (_, i) => i);
    const loss = await settleLoss(method.trainStep(data, indices, { step: 1, totalSteps: 10, epoch: 1, epochs: 1, learningRate: 1e-3, rng: new Rng(1) }));
    held.forEach((t) => t.dispose());
    expect(Number.isFinite(loss.total), `loss ${JSON.stringify(loss)}`).toBe(true);
    expect(loss.reconstruction).toBeGreaterThan(0);
  }, 120_000);
});
