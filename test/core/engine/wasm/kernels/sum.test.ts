/** Sum over leading axes on wasm as XNNPACK average pooling (sum.ts), against tfjs' cpu backend. */
import { beforeAll, describe, it } from 'vitest';
import { initBackend, tf } from '../../../../../src-main/core/engine/backend';
import { expectWasmMatchesCpu } from '../../backend-compare';

beforeAll(async () => {
  await initBackend('wasm', { threads: 2 });
});

describe('Sum (wasm, leading axes as average pooling)', () => {
  it.each([
    { shape: [37, 5], axis: [0], keepDims: false },
    { shape: [4096, 128], axis: [0], keepDims: false },
    { shape: [32768, 3], axis: [0], keepDims: true },
    { shape: [3, 5, 7], axis: [0, 1], keepDims: false },
    { shape: [3, 5, 7], axis: [1, 0], keepDims: true },
    { shape: [6, 4, 3, 2], axis: [0], keepDims: false },
    // Reductions the override leaves to the package: innermost, inner, all axes, a single row or column.
    { shape: [9, 11], axis: [1], keepDims: false },
    { shape: [3, 5, 7], axis: [1], keepDims: false },
    { shape: [3, 5, 7], axis: [0, 1, 2], keepDims: false },
    { shape: [1, 8], axis: [0], keepDims: false },
    { shape: [8, 1], axis: [0], keepDims: false },
  ])('sum and its gradient match cpu: %j', async (c) => {
    await expectWasmMatchesCpu(
      [{ shape: c.shape, seed: 51 }],
      (x) => [tf.sum(x!, c.axis, c.keepDims), tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.sum(t, c.axis, c.keepDims))))(x!)],
      `sum ${JSON.stringify(c)}`,
    );
  });

  it('keeps int32 sums exact', async () => {
    await expectWasmMatchesCpu([], () => tf.cast(tf.sum(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32'), 0), 'float32'), 'int32 sum', 0);
  });
});
