/**
 * The webgpu backend (Dawn) on this machine's adapter, a software one in CI: it is never chosen
 * automatically when it is software, it reports the adapter, a training step reads back only its
 * loss and leaves no tensor behind, and a buffer over the adapter's limit fails with a clear error.
 */
import { describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../src-main/core/engine/backend';
import { batchSizeWithin, GpuBufferLimitError, largestBufferSinceReset, readsSynchronously, resetLargestBuffer } from '../../../src-main/core/engine/webgpu';
import { SmallCnn } from '../../../src-main/core/ssl/encoders/small-cnn';
import { AdamW } from '../../../src-main/core/ssl/optim/adamw';
import { minimise, settleLoss } from '../../../src-main/core/ssl/optim/minimise';
import { getMethod } from '../../../src-main/core/ssl/methods';
import { Rng } from '../../../src-main/core/ssl/random';
import { paramsFor, tinyImages } from '../ssl/methods/tiny-data';
import { randomValues } from './backend-compare';
import { useWebGpu, webgpuUnavailable } from './webgpu-adapter';

const unavailable = await webgpuUnavailable();
if (unavailable !== null) console.warn(`webgpu tests skipped: ${unavailable}`);

describe('batchSizeWithin', () => {
  it('scales the measured batch to the limit, at least 1', () => {
    expect(batchSizeWithin(1024, 100, 4)).toBe(40);
    expect(batchSizeWithin(1024, 4096, 4)).toBe(1);
    expect(batchSizeWithin(1024, 0, 4)).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe.skipIf(unavailable !== null)('webgpu backend', () => {
  it('reports its adapter, and a software one is used only when asked for by name', async () => {
    const info = await useWebGpu();
    expect(info.name).toBe('webgpu');
    expect(info.adapter).not.toBeNull();
    expect(info.adapter!.vendor.length + info.adapter!.architecture.length).toBeGreaterThan(0);
    expect(info.adapter!.maxBufferBytes).toBeGreaterThanOrEqual(128 * 2 ** 20); // WebGPU's minimum maxStorageBufferBindingSize
    expect(readsSynchronously()).toBe(false);
    const computed = tf.tidy(() => tf.add(tf.ones([4096]), 1)); // large enough for tfjs to compute it on the GPU
    expect(() => computed.dataSync()).toThrow('in Node the webgpu backend reads tensors only asynchronously (await tensor.data())');
    expect(Array.from(await computed.data()).every((v) => v === 2)).toBe(true);
    computed.dispose();
    if (info.adapter!.software) {
      const auto = await initBackend();
      expect(auto.name).not.toBe('webgpu');
      expect(auto.adapter).toBeNull();
      expect(auto.reasons.find((r) => r.backend === 'webgpu')?.why).toMatch(/software adapter .*--backend webgpu/);
    }
  });

  it('a training step reads back only its loss (asynchronously) and leaves the number of tensors unchanged', async () => {
    await useWebGpu();
    const encoder = new SmallCnn({ inputShape: [8, 8, 1], blocks: [{ filters: 4, stride: 1 }, { filters: 8, stride: 2 }] });
    const optimizer = new AdamW(encoder.trainableVariables, { weightDecay: 0 });
    const x = randomValues(4 * 64, 3);
    const step = async (): Promise<number> => {
      const input = tf.tensor4d(x, [4, 8, 8, 1]);
      const parts = minimise(optimizer, encoder.trainableVariables, 1e-2, () => ({ total: tf.mean(tf.square(encoder.forwardTrain(input))) as tf.Scalar }), [input]);
      expect(Number.isNaN(parts.total)).toBe(true); // not read yet: the read is under way
      return (await settleLoss(parts)).total;
    };
    const first = await step();
    const before = tf.memory().numTensors;
    const losses = [first];
    for (let i = 0; i < 3; i++) {
      losses.push(await step());
      expect(tf.memory().numTensors).toBe(before);
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    encoder.dispose();
    optimizer.dispose();
  });

  it('a SimCLR step reads back one tensor, its loss parts, and nothing else', { timeout: 180_000 }, async () => {
    await useWebGpu();
    const data = tinyImages();
    const definition = getMethod('simclr');
    const method = definition.create({ spec: data.spec, params: paramsFor(definition, data.spec), seed: 3 });
    const rng = new Rng(9);
    const batch = Int32Array.from([0, 1, 2, 3]);
    const step = async (n: number): Promise<number> => (await settleLoss(method.trainStep(data, batch, { step: n, totalSteps: 10, epoch: 1, epochs: 1, learningRate: 1e-2, rng }))).total;
    await step(1);
    const backend = tf.backend() as tf.KernelBackend & { read: (dataId: object) => Promise<unknown> };
    const read = backend.read.bind(backend);
    let reads = 0;
    backend.read = (dataId) => {
      reads += 1;
      return read(dataId);
    };
    try {
      expect(Number.isFinite(await step(2))).toBe(true);
      expect(Number.isFinite(await step(3))).toBe(true);
    } finally {
      backend.read = read;
      method.dispose();
    }
    expect(reads).toBe(2);
  });

  it('a tensor larger than the adapter allows fails with GpuBufferLimitError, and the largest buffer is measured', async () => {
    await useWebGpu({ maxGpuBufferBytes: 64 * 1024 });
    resetLargestBuffer();
    const small = tf.tidy(() => tf.add(tf.ones([1024]), 1));
    await small.data();
    small.dispose();
    expect(largestBufferSinceReset()).toBe(4096);
    expect(() => tf.tidy(() => tf.add(tf.ones([32 * 1024]), 1))).toThrow(GpuBufferLimitError);
    expect(() => tf.tidy(() => tf.add(tf.ones([32 * 1024]), 1))).toThrow(/128 KiB is larger than the 64 KiB .* allows in one buffer/);
    await useWebGpu(); // the adapter's own limit again
  });
});
