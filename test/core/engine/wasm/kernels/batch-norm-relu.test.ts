/** The fused batch norm + ReLU wasm kernels (wasm/kernels/batch-norm-relu.ts) against the textbook formula on tfjs' cpu backend. */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../../src-main/core/engine/backend';
import { batchNormRelu } from '../../../../../src-main/core/engine/ops/batch-norm-relu';
import { batchNormReluKernelsApply } from '../../../../../src-main/core/engine/wasm/kernels/batch-norm-relu';
import { expectClose, runOn } from '../../backend-compare';

/** The textbook formula, left to autodiff. */
function reference(y: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): tf.Tensor4D {
  const { mean, variance } = tf.moments(y, [0, 1, 2]);
  return tf.relu(tf.add(tf.mul(tf.div(tf.sub(y, mean), tf.sqrt(tf.add(variance, epsilon))), gamma), beta));
}

beforeAll(async () => {
  await initBackend('wasm', { threads: 2 });
});

describe('PretextBatchNormRelu / PretextBatchNormReluGrad (wasm)', () => {
  it.each([
    { shape: [3, 5, 4, 8], offset: 0.3 },
    { shape: [1, 1, 1, 4], offset: 0 },
    // Enough rows that both threads take a share, and a mean far from zero (precision of the shifted sums).
    { shape: [16, 14, 14, 32], offset: 100 },
    { shape: [7, 3, 3, 128], offset: -2 },
  ])('output, statistics and gradients match cpu: %j', async ({ shape, offset }) => {
    const c = shape[3]!;
    expect(batchNormReluKernelsApply('wasm', c)).toBe(true);
    const inputs = [
      { shape, seed: 90 },
      { shape: [c], seed: 91 },
      { shape: [c], seed: 92 },
      { shape, seed: 93 },
    ];
    const compute = (fused: boolean) => (y?: tf.Tensor, gamma?: tf.Tensor, beta?: tf.Tensor, weights?: tf.Tensor) => {
      // Shift and scale so channels have non-zero means and some ReLUs are closed.
      const yy = tf.add(tf.mul(y!, 2), offset) as tf.Tensor4D;
      const g = tf.add(gamma!, 1.5) as tf.Tensor1D;
      const f = (a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) =>
        fused ? batchNormRelu(a as tf.Tensor4D, b as tf.Tensor1D, d as tf.Tensor1D, 1e-3).output : reference(a as tf.Tensor4D, b as tf.Tensor1D, d as tf.Tensor1D, 1e-3);
      const loss = (a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(f(a, b, d), weights!));
      const out = [f(yy, g, beta!), ...tf.grads(loss)([yy, g, beta!])];
      if (fused) {
        const stats = batchNormRelu(yy, g, beta as tf.Tensor1D, 1e-3);
        out.push(stats.mean, stats.variance);
        tf.dispose(stats.output);
      } else {
        const moments = tf.moments(yy, [0, 1, 2]);
        out.push(moments.mean, moments.variance);
      }
      return out;
    };
    const actual = await runOn('wasm', inputs, compute(true));
    const expected = await runOn('cpu', inputs, compute(false));
    const names = ['output', 'd/dy', 'd/dgamma', 'd/dbeta', 'mean', 'variance'];
    // Sums over up to 6,272 rows: the cpu backend's float32 sums are themselves only good to ~1e-4 there.
    expected.forEach((values, i) => expectClose(actual[i]!, values, 2e-4, `${JSON.stringify(shape)} ${names[i]}`));
  });

  it('leaves no tensors behind over repeated training passes', async () => {
    await tf.setBackend('wasm');
    const y = tf.randomNormal([4, 6, 6, 16], 0, 1, 'float32', 5) as tf.Tensor4D;
    const gamma = tf.variable(tf.ones([16])) as tf.Variable<tf.Rank.R1>;
    const beta = tf.variable(tf.zeros([16])) as tf.Variable<tf.Rank.R1>;
    const pass = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const r = batchNormRelu(y, gamma, beta, 1e-5);
          tf.dispose([r.mean, r.variance]);
          return tf.sum(tf.square(r.output)) as tf.Scalar;
        });
        value.dataSync();
        tf.dispose(grads);
      });
    pass();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) pass();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([y, gamma, beta]);
  });
});
