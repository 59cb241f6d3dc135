/**
 * The native kernels' thread pool under contention: two busy threads compete for the machine's
 * cores while a training-like sequence of different native kernels (conv, its filter and input
 * gradients, batch norm + ReLU forward and backward) runs many times on small tensors, so calls are
 * short and a worker often wakes late. Every repetition must give the same values and never fail:
 * a worker that woke late for one call must not claim a share of the next (a late claim once ran
 * one kernel's code on the next call's arguments).
 */
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../../src-main/core/engine/backend';
import { batchNormRelu } from '../../../../../src-main/core/engine/ops/batch-norm-relu';
import { nativeKernels } from '../../../../../src-main/core/engine/wasm/native/native-kernels';

const busy: Worker[] = [];
beforeAll(async () => {
  const info = await initBackend('wasm', { threads: 2 });
  expect(info.threads).toBe(2);
  for (let i = 0; i < 2; i++) {
    const worker = new Worker('const end = Date.now() + 60000; let x = 0; while (Date.now() < end) x += Math.sqrt(x + 1);', { eval: true });
    worker.unref();
    busy.push(worker);
  }
});
afterAll(async () => {
  await Promise.all(busy.map((w) => w.terminate()));
});

describe('native kernels on two threads with the cores contended', () => {
  it('give the same values every time, whichever thread runs a share', () => {
    const native = nativeKernels(tf.backend() as never);
    expect(native?.parts).toBe(2);
    const x = tf.randomNormal([4, 6, 6, 8], 0, 1, 'float32', 1) as tf.Tensor4D;
    const f = tf.randomNormal([3, 3, 8, 16], 0, 0.2, 'float32', 2) as tf.Tensor4D;
    const gamma = tf.randomUniform([16], 0.5, 1.5, 'float32', 3) as tf.Tensor1D;
    const beta = tf.randomNormal([16], 0, 0.1, 'float32', 4) as tf.Tensor1D;
    const step = (): number[] =>
      tf.tidy(() => {
        const grads = tf.grads((a: tf.Tensor, w: tf.Tensor, g: tf.Tensor) => {
          const y = tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');
          const { output, mean, variance } = batchNormRelu(y, g as tf.Tensor1D, beta, 1e-3);
          tf.dispose([mean, variance]);
          return tf.sum(tf.square(output));
        })([x, f, gamma]);
        return grads.flatMap((g) => Array.from(g.dataSync()));
      });
    const first = step();
    expect(first.every(Number.isFinite)).toBe(true);
    for (let r = 0; r < 300; r++) {
      const again = step();
      const differs = again.findIndex((v, i) => v !== first[i]);
      expect(differs, `repetition ${r} differs at value ${differs}`).toBe(-1);
    }
    tf.dispose([x, f, gamma, beta]);
  }, 120_000);
});
