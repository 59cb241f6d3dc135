import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { layerNorm } from '../../../../src-main/core/engine/ops/layer-norm';
import { expectClose, expectWasmMatchesCpu, runOn } from '../backend-compare';

beforeAll(async () => {
  await initBackend('wasm', { threads: 2 });
});

/** Layer norm left to autodiff: the definition, term by term. */
function reference(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon = 1e-5): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, 1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, epsilon))), gamma), beta);
}

describe('layerNorm', () => {
  it.each([
    [5, 8],
    [64, 128],
    [3, 513],
  ])('value and gradients equal autodiff of the definition on cpu, [%i, %i]', async (n, d) => {
    const inputs = [
      { shape: [n, d], seed: 61 },
      { shape: [d], seed: 62 },
      { shape: [d], seed: 63 },
      { shape: [n, d], seed: 64 },
    ];
    const compute = (f: typeof layerNorm) => (x?: tf.Tensor, g?: tf.Tensor, b?: tf.Tensor, w?: tf.Tensor) => {
      // Shift and scale x so rows are far from zero-mean, unit-variance.
      const xs = tf.add(tf.mul(x!, 3), 0.7) as tf.Tensor2D;
      const loss = (a: tf.Tensor, c: tf.Tensor, e: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor2D, c as tf.Tensor1D, e as tf.Tensor1D, 1e-5), w!));
      return [f(xs, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5), ...tf.grads(loss)([xs, g!, b!])];
    };
    const expected = await runOn('cpu', inputs, compute(reference));
    const actual = await runOn('cpu', inputs, compute(layerNorm));
    actual.forEach((values, i) => expectClose(values, expected[i]!, 1e-5, `output ${i}`));
  });

  it('matches cpu on wasm, forward and backward', async () => {
    await expectWasmMatchesCpu(
      [
        { shape: [4096, 128], seed: 65 },
        { shape: [128], seed: 66 },
        { shape: [128], seed: 67 },
        { shape: [4096, 128], seed: 68 },
      ],
      (x, g, b, w) => {
        const loss = (a: tf.Tensor, c: tf.Tensor, e: tf.Tensor) => tf.sum(tf.mul(layerNorm(a as tf.Tensor2D, c as tf.Tensor1D, e as tf.Tensor1D), w!));
        return [layerNorm(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D), ...tf.grads(loss)([x!, g!, b!])];
      },
      'layerNorm',
    );
  });

  it('rejects a scale or offset of the wrong size', () => {
    const x = tf.zeros([2, 4]) as tf.Tensor2D;
    const ok = tf.zeros([4]) as tf.Tensor1D;
    const wrong = tf.zeros([3]) as tf.Tensor1D;
    expect(() => layerNorm(x, wrong, ok)).toThrow('layerNorm gamma: expected shape [4], got [3]');
    expect(() => layerNorm(x, ok, wrong)).toThrow('layerNorm beta: expected shape [4], got [3]');
    tf.dispose([x, ok, wrong]);
  });
});
