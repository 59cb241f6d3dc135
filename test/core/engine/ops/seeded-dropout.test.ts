import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { dropoutMaskValues, dropoutSiteSeed, seededDropout } from '../../../../src-main/core/engine/ops/seeded-dropout';

beforeAll(async () => {
  await initBackend('wasm', { threads: 2 });
});

describe('seeded dropout', () => {
  it('keeps 1 − rate of the elements, scaled by 1/(1 − rate)', () => {
    for (const rate of [0.1, 0.5]) {
      const mask = dropoutMaskValues(200_000, rate, 7);
      const kept = mask.filter((m) => m !== 0);
      expect(new Set(kept)).toEqual(new Set([Math.fround(1 / (1 - rate))]));
      // 200 000 Bernoulli draws: the kept fraction is within 5 standard deviations of 1 − rate.
      const sd = Math.sqrt((rate * (1 - rate)) / mask.length);
      expect(Math.abs(kept.length / mask.length - (1 - rate))).toBeLessThan(5 * sd);
    }
  });

  it('is a function of the seed: the same seed, the same mask; another seed, about half the kept elements differ at rate 0.5', () => {
    const a = dropoutMaskValues(10_000, 0.5, 1);
    const b = dropoutMaskValues(10_000, 0.5, 1);
    const c = dropoutMaskValues(10_000, 0.5, 2);
    expect(Array.from(b)).toEqual(Array.from(a));
    const differ = a.reduce((n, m, i) => n + (m !== c[i] ? 1 : 0), 0);
    expect(differ / a.length).toBeGreaterThan(0.45);
    expect(differ / a.length).toBeLessThan(0.55);
  });

  it('gives neighbouring elements and neighbouring sites unrelated draws', () => {
    const mask = dropoutMaskValues(100_000, 0.5, 3);
    let same = 0;
    for (let i = 1; i < mask.length; i++) if ((mask[i] === 0) === (mask[i - 1] === 0)) same++;
    expect(same / (mask.length - 1)).toBeGreaterThan(0.49);
    expect(same / (mask.length - 1)).toBeLessThan(0.51);
    const seeds = new Set(Array.from({ length: 1000 }, (_, site) => dropoutSiteSeed(42, site)));
    expect(seeds.size).toBe(1000);
    expect(dropoutSiteSeed(42, 0)).not.toBe(dropoutSiteSeed(43, 0));
  });

  it('multiplies by the mask, passes the gradient through it, and is the identity at rate 0', () => {
    const x = tf.tensor1d([1, 2, 3, 4, 5, 6, 7, 8]);
    const mask = dropoutMaskValues(8, 0.5, 9);
    const y = seededDropout(x, 0.5, 9);
    expect(Array.from(y.dataSync())).toEqual(Array.from(mask, (m, i) => m * (i + 1)));
    const g = tf.grad((t: tf.Tensor) => tf.sum(seededDropout(t, 0.5, 9)))(x);
    expect(Array.from(g.dataSync())).toEqual(Array.from(mask));
    expect(seededDropout(x, 0, 9)).toBe(x);
    expect(() => seededDropout(x, 1, 9)).toThrow(/\[0, 1\)/);
    tf.dispose([x, y, g]);
  });
});
