import { describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../src-main/core/engine/backend';
import { SmallCnn, type SmallCnnConfig } from '../../../src-main/core/ssl/encoders/small-cnn';
import { batchNormRelu } from '../../../src-main/core/engine/ops/batch-norm-relu';
import { expectClose, randomValues, runOn } from './backend-compare';

/** The textbook formula, left to autodiff. */
function batchNormReluReference(y: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): tf.Tensor4D {
  const { mean, variance } = tf.moments(y, [0, 1, 2]);
  return tf.relu(tf.add(tf.mul(tf.div(tf.sub(y, mean), tf.sqrt(tf.add(variance, epsilon))), gamma), beta));
}

const TINY_ENCODER: SmallCnnConfig = {
  inputShape: [12, 12, 1],
  blocks: [
    { filters: 4, stride: 1 },
    { filters: 8, stride: 2 },
    { filters: 8, stride: 2 },
  ],
};

describe('batchNormRelu (fused, hand-written gradient)', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`matches the autodiff reference on ${backend}: output, statistics and all gradients`, async () => {
      await initBackend(backend, { threads: 2 });
      const shape = [3, 5, 4, 6];
      const inputs = [
        { shape, seed: 70 },
        { shape: [6], seed: 71 },
        { shape: [6], seed: 72 },
        { shape, seed: 73 },
      ];
      const run = (fused: boolean) =>
        runOn(backend, inputs, (y, gamma, beta, weights) => {
          // Shift and scale so channels have non-zero means and some ReLUs are inactive.
          const yy = tf.add(tf.mul(y!, 2), 0.3) as tf.Tensor4D;
          const g = tf.add(gamma!, 1.5) as tf.Tensor1D;
          const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
            fused
              ? batchNormRelu(a as tf.Tensor4D, b as tf.Tensor1D, c as tf.Tensor1D, 1e-3).output
              : batchNormReluReference(a as tf.Tensor4D, b as tf.Tensor1D, c as tf.Tensor1D, 1e-3);
          const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(f(a, b, c), weights!));
          const stats = fused ? batchNormRelu(yy, g, beta as tf.Tensor1D, 1e-3) : undefined;
          const moments = tf.moments(yy, [0, 1, 2]);
          const out = [f(yy, g, beta!), ...tf.grads(loss)([yy, g, beta!])];
          if (stats !== undefined) {
            out.push(stats.mean, stats.variance);
            tf.dispose(stats.output);
          } else {
            out.push(moments.mean, moments.variance);
          }
          return out;
        });
      const actual = await run(true);
      const expected = await run(false);
      const names = ['output', 'd/dy', 'd/dgamma', 'd/dbeta', 'mean', 'variance'];
      expected.forEach((values, i) => expectClose(actual[i]!, values, 1e-4, `${backend} ${names[i]}`));
    });
  }
});

describe('SmallCnn', () => {
  it('embed() (batch norm folded into conv) equals conv → inference batch norm → ReLU → average pool', async () => {
    await initBackend('wasm', { threads: 2 });
    const encoder = new SmallCnn({ ...TINY_ENCODER, seed: 3 });
    const x = tf.tensor4d(randomValues(2 * 12 * 12, 80), [2, 12, 12, 1]);
    // A few training-mode passes so the moving statistics are not trivial.
    for (let i = 0; i < 3; i++) tf.tidy(() => encoder.forwardTrain(x));
    const folded = encoder.embed(x);
    const reference = tf.tidy(() => {
      const v = encoder.variables;
      let h: tf.Tensor4D = x;
      TINY_ENCODER.blocks.forEach((block, i) => {
        const [filter, gamma, beta, movingMean, movingVariance] = v.slice(5 * i, 5 * i + 5) as unknown as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        h = tf.relu(tf.batchNorm(tf.conv2d(h, filter, block.stride, 'same'), movingMean, movingVariance, beta, gamma, encoder.config.batchNormEpsilon));
      });
      return tf.mean(h, [1, 2]);
    });
    expectClose(folded.dataSync() as Float32Array, reference.dataSync() as Float32Array, 1e-4, 'embedding');
    tf.dispose([x, folded, reference]);
    encoder.dispose();
  });

  it('reports input shape errors with the actual shape', async () => {
    await initBackend('wasm', { threads: 2 });
    const encoder = new SmallCnn(TINY_ENCODER);
    const x = tf.zeros([2, 10, 12, 1]) as tf.Tensor4D;
    expect(() => encoder.embed(x)).toThrow('SmallCnn input: expected shape [?, 12, 12, 1], got [2, 10, 12, 1]');
    x.dispose();
    encoder.dispose();
  });
});
