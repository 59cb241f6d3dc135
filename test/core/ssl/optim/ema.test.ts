import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { copyVariables, cosineMomentum, emaUpdate } from '../../../../src-main/core/ssl/optim/ema';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('EMA of variables', () => {
  it('copies, then moves the target towards the source by 1 − m', () => {
    const source: tf.Variable[] = [tf.variable(tf.tensor1d([1, 2, 3])), tf.variable(tf.tensor2d([[10]]))];
    const target: tf.Variable[] = [tf.variable(tf.zeros([3])), tf.variable(tf.zeros([1, 1]))];
    copyVariables(target, source);
    expect(Array.from(target[0]!.dataSync())).toEqual([1, 2, 3]);
    source[0]!.assign(tf.tensor1d([5, 2, -1]));
    source[1]!.assign(tf.tensor2d([[20]]));
    emaUpdate(target, source, 0.75);
    // 0.75·old + 0.25·new: [0.75 + 1.25, 1.5 + 0.5, 2.25 − 0.25], 7.5 + 5.
    expect(Array.from(target[0]!.dataSync())).toEqual([2, 2, 2]);
    expect(Array.from(target[1]!.dataSync())).toEqual([12.5]);
    emaUpdate(target, source, 1);
    expect(Array.from(target[0]!.dataSync())).toEqual([2, 2, 2]);
    emaUpdate(target, source, 0);
    expect(Array.from(target[0]!.dataSync())).toEqual([5, 2, -1]);
    // The copy is its own tensor: changing the source later leaves the target alone.
    source[0]!.assign(tf.tensor1d([0, 0, 0]));
    expect(Array.from(target[0]!.dataSync())).toEqual([5, 2, -1]);
    tf.dispose([...source, ...target]);
  });

  it('keeps the number of tensors constant', () => {
    const source = [tf.variable(tf.ones([4]))];
    const target = [tf.variable(tf.zeros([4]))];
    emaUpdate(target, source, 0.9);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) emaUpdate(target, source, 0.9);
    copyVariables(target, source);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...source, ...target]);
  });

  it('refuses mismatched variables and momenta outside [0, 1]', () => {
    const a = [tf.variable(tf.zeros([2, 3]))];
    const b = [tf.variable(tf.zeros([3, 2]))];
    expect(() => emaUpdate(a, b, 0.5)).toThrow('target has shape [2, 3], source [3, 2]');
    expect(() => copyVariables(a, [...b, ...b])).toThrow('as many target as source variables, got 1 and 2');
    expect(() => emaUpdate(a, a, 1.5)).toThrow('EMA momentum must be in [0, 1], got 1.5');
    tf.dispose([...a, ...b]);
  });
});

describe('cosineMomentum (BYOL §3.2)', () => {
  it('rises from τ_base to 1 on a half cosine', () => {
    // τ = 1 − (1 − 0.99)·(cos(πk/K) + 1)/2 with K = 100.
    expect(cosineMomentum(0, 100, 0.99)).toBeCloseTo(0.99, 12);
    expect(cosineMomentum(50, 100, 0.99)).toBeCloseTo(0.995, 12); // cos(π/2) = 0: halfway
    expect(cosineMomentum(25, 100, 0.99)).toBeCloseTo(1 - 0.01 * (Math.SQRT1_2 + 1) / 2, 12); // cos(π/4) = √½: 0.991464…
    expect(cosineMomentum(25, 100, 0.99)).toBeCloseTo(0.99146447, 8);
    expect(cosineMomentum(100, 100, 0.99)).toBe(1);
    expect(cosineMomentum(150, 100, 0.9)).toBe(1); // past K (a revised time budget): stays at 1
    expect(cosineMomentum(0, 0, 0.9)).toBe(0.9); // no plan yet
    expect(() => cosineMomentum(0, 10, 1.2)).toThrow('base momentum must be in [0, 1], got 1.2');
  });
});
