import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { infoNceLoss } from '../../../../src-main/core/ssl/losses/infonce';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('infoNceLoss', () => {
  it('matches a case worked out by hand', () => {
    // Query along x (any length), its key along x too: positive logit 1/τ = 2. Two negatives, one
    // along y (logit 0) and one along −x (logit −2): ℓ = −log(e² / (e² + 1 + e⁻²)) = log(1 + e⁻² + e⁻⁴).
    const q = tf.tensor2d([[3, 0]]);
    const k = tf.tensor2d([[0.5, 0]]);
    const negatives = tf.tensor2d([
      [0, 1],
      [-1, 0],
    ]);
    const loss = infoNceLoss(q, k, negatives, 0.5);
    expect(loss.dataSync()[0]).toBeCloseTo(Math.log(1 + Math.exp(-2) + Math.exp(-4)), 6);
    tf.dispose([q, k, negatives, loss]);
  });

  it('averages over the queries', () => {
    const q = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const negatives = tf.tensor2d([[0, 1]]);
    // Row 1: positive cos 1, negative cos 0 → log(1 + e⁻¹); row 2: positive cos 1, negative cos 1 → log 2.
    const loss = infoNceLoss(q, q, negatives, 1);
    expect(loss.dataSync()[0]).toBeCloseTo((Math.log(1 + Math.exp(-1)) + Math.log(2)) / 2, 6);
    tf.dispose([q, negatives, loss]);
  });

  it('refuses mismatched shapes and bad temperatures with the values it got', () => {
    const q = tf.zeros([4, 8]) as tf.Tensor2D;
    const k = tf.zeros([3, 8]) as tf.Tensor2D;
    const negatives = tf.zeros([16, 8]) as tf.Tensor2D;
    const narrow = tf.zeros([16, 4]) as tf.Tensor2D;
    const none = tf.zeros([0, 8]) as tf.Tensor2D;
    expect(() => infoNceLoss(q, k, negatives, 0.2)).toThrow('InfoNCE keys (must match the queries): expected shape [4, 8], got [3, 8]');
    expect(() => infoNceLoss(q, q, narrow, 0.2)).toThrow('InfoNCE negatives (K keys of size 8): expected shape [?, 8], got [16, 4]');
    expect(() => infoNceLoss(q, q, none, 0.2)).toThrow('at least one negative key, got negatives of shape [0, 8]');
    expect(() => infoNceLoss(q, q, negatives, 0)).toThrow('temperature must be > 0, got 0');
    tf.dispose([q, k, negatives, narrow, none]);
  });
});
