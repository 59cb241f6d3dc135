/**
 * Our native kernels on the single-threaded wasm build, whose memory is not shared: the module
 * variant for a plain memory, every call on the main thread. One case of each kernel against cpu.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../../src-main/core/engine/backend';
import { batchNormRelu } from '../../../../../src-main/core/engine/ops/batch-norm-relu';
import { nativeKernels } from '../../../../../src-main/core/engine/wasm/native/native-kernels';
import { expectWasmMatchesCpu } from '../../backend-compare';

beforeAll(async () => {
  const info = await initBackend('wasm', { threads: 1 });
  expect(info.threads).toBe(1);
});

describe('native kernels on one thread (plain memory)', () => {
  it('run on the main thread alone', () => {
    const native = nativeKernels(tf.backend() as never);
    expect(native).not.toBeNull();
    expect(native!.parts).toBe(1);
  });

  it('conv2d, its two gradients and batch norm + ReLU match cpu', async () => {
    await expectWasmMatchesCpu(
      [
        { shape: [3, 9, 9, 8], seed: 21 },
        { shape: [3, 3, 8, 16], seed: 22 },
        { shape: [16], seed: 23 },
        { shape: [16], seed: 24 },
        { shape: [3, 5, 5, 16], seed: 25 },
        { shape: [3, 3, 1, 8], seed: 26 },
        { shape: [3, 9, 9, 1], seed: 27 },
      ],
      (x, filter, gamma, beta, weights, stemFilter, image) => {
        const loss = (a: tf.Tensor, f: tf.Tensor, g: tf.Tensor, b: tf.Tensor, sf: tf.Tensor) => {
          const stem = tf.conv2d(image as tf.Tensor4D, sf as tf.Tensor4D, 1, 'same'); // [3, 9, 9, 8], the small-input filter gradient
          const y = tf.conv2d(tf.add(a, stem) as tf.Tensor4D, f as tf.Tensor4D, 2, 'same'); // [3, 5, 5, 16]
          const { output, mean, variance } = batchNormRelu(y, tf.add(g, 1.5) as tf.Tensor1D, b as tf.Tensor1D, 1e-3);
          tf.dispose([mean, variance]);
          return tf.sum(tf.mul(output, weights!));
        };
        return tf.grads(loss)([x!, filter!, gamma!, beta!, stemFilter!]);
      },
      'one-thread native kernels',
      2e-4,
    );
  });
});
