/**
 * Batched matmul on wasm as one grouped XNNPACK convolution (batch-mat-mul.ts), against tfjs' cpu
 * backend from identical random inputs, with every transpose combination and the gradients.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../../src-main/core/engine/backend';
import { expectWasmMatchesCpu, randomValues } from '../../backend-compare';

beforeAll(async () => {
  await initBackend('wasm', { threads: 2 });
});

interface Case {
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}

// Each above the grouped path's 262 144 multiply-adds; odd sizes catch layout mistakes.
const CASES: Case[] = [
  { a: [16, 33, 31], b: [16, 31, 35], transposeA: false, transposeB: false },
  { a: [16, 31, 33], b: [16, 31, 35], transposeA: true, transposeB: false },
  { a: [16, 33, 31], b: [16, 35, 31], transposeA: false, transposeB: true },
  { a: [16, 31, 33], b: [16, 35, 31], transposeA: true, transposeB: true },
  // Attention shapes: [B, H, L, dh] · [B, H, L, dh]ᵀ and [B, H, L, L] · [B, H, L, dh].
  { a: [4, 3, 40, 24], b: [4, 3, 40, 24], transposeA: false, transposeB: true },
  { a: [4, 3, 40, 40], b: [4, 3, 40, 24], transposeA: false, transposeB: false },
  // Pooling shapes: one row per sequence, and its gradient (K = 1).
  { a: [64, 1, 70], b: [64, 70, 96], transposeA: false, transposeB: false },
  { a: [64, 1, 70], b: [64, 1, 96], transposeA: true, transposeB: false },
];

describe('BatchMatMul with batch > 1 (wasm, grouped convolution)', () => {
  it.each(CASES)('matMul and its gradients match cpu: %j', async (c) => {
    await expectWasmMatchesCpu(
      [
        { shape: c.a, seed: 41 },
        { shape: c.b, seed: 42 },
      ],
      (a, b) => {
        const product = tf.matMul(a!, b!, c.transposeA, c.transposeB);
        const weights = tf.tensor(randomValues(product.size, 43), product.shape);
        const [da, db] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, c.transposeA, c.transposeB), weights)))([a!, b!]);
        return [product, da!, db!];
      },
      `batched matMul ${JSON.stringify(c)}`,
    );
  });

  it('frees every intermediate', async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor(randomValues(16 * 33 * 31, 44), [16, 33, 31]);
    const b = tf.tensor(randomValues(16 * 31 * 35, 45), [16, 31, 35]);
    tf.matMul(a, b).dispose();
    const before = tf.memory();
    for (let i = 0; i < 3; i++) tf.matMul(a, b, false, false).dispose();
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect((tf.backend() as unknown as { numDataIds(): number }).numDataIds()).toBe(tf.engine().backend.numDataIds());
    tf.dispose([a, b]);
  });
});
