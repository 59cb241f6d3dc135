import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { byolLoss, normalisedMse } from '../../../../src-main/core/ssl/losses/byol';
import { randomValues } from '../../engine/backend-compare';

beforeAll(async () => {
  await initBackend('cpu');
});

const value = (t: tf.Tensor): number => {
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};

describe('BYOL loss', () => {
  it('matches cases worked out by hand', () => {
    const p = tf.tensor2d([
      [2, 0],
      [0, 1],
      [1, 1],
    ]);
    // Same directions: 0. Opposite: 2 − 2·(−1) = 4. Orthogonal: 2. At 45°: 2 − √2.
    const z = tf.tensor2d([
      [5, 0],
      [0, -3],
      [0, 7],
    ]);
    expect(value(normalisedMse(p, p))).toBeCloseTo(0, 6);
    expect(value(normalisedMse(p, z))).toBeCloseTo((0 + 4 + (2 - Math.SQRT2)) / 3, 6);
    expect(value(byolLoss(p, p, z, z))).toBeCloseTo((2 * (4 + 2 - Math.SQRT2)) / 3, 6);
    tf.dispose([p, z]);
  });

  it('is symmetric in the two views', () => {
    const [p1, p2, z1, z2] = [1, 2, 3, 4].map((s) => tf.tensor2d(randomValues(5 * 6, s), [5, 6]));
    expect(value(byolLoss(p1!, p2!, z1!, z2!))).toBeCloseTo(value(byolLoss(p2!, p1!, z2!, z1!)), 6);
    tf.dispose([p1!, p2!, z1!, z2!]);
  });

  it('refuses mismatched shapes with the values it got', () => {
    const a = tf.zeros([4, 8]) as tf.Tensor2D;
    const b = tf.zeros([4, 6]) as tf.Tensor2D;
    const empty = tf.zeros([0, 8]) as tf.Tensor2D;
    expect(() => normalisedMse(a, b)).toThrow('BYOL targets (must match the predictions): expected shape [4, 8], got [4, 6]');
    expect(() => byolLoss(a, a, a, b)).toThrow('BYOL z2 (must match p1): expected shape [4, 8], got [4, 6]');
    expect(() => normalisedMse(empty, empty)).toThrow('at least one example, got predictions of shape [0, 8]');
    tf.dispose([a, b, empty]);
  });
});
