import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { cpcLoss, cpcQueryCount, drawCpcNegatives } from '../../../../src-main/core/ssl/losses/cpc';
import { Rng } from '../../../../src-main/core/ssl/random';

interface Case {
  context: number[][][];
  targets: number[][][];
  predictors: number[][][];
  negatives: number[];
  loss: number;
  grad_context: number[][][];
  grad_targets: number[][][];
  grad_predictors: number[][][];
}
/** Reference numbers from another framework (scripts/make-cpc-reference.py: PyTorch, float64, position by position). */
const reference = JSON.parse(readFileSync(join(import.meta.dirname, '../../../fixtures/cpc-reference.json'), 'utf8')) as { cases: Case[] };

function expectClose(got: number[][][], want: number[][][]): void {
  expect(got.length).toBe(want.length);
  got.forEach((m, i) => m.forEach((row, j) => row.forEach((v, l) => expect(v).toBeCloseTo(want[i]![j]![l]!, 4))));
}

describe.each(['cpu', 'wasm'] as const)('CPC loss on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend, { threads: 1 });
  });

  it.each(reference.cases.map((c) => [`B=${c.context.length}, T=${c.context[0]!.length}, K=${c.predictors.length}`, c] as const))('loss and gradients match PyTorch for %s', (_name, c) => {
    const context = tf.tensor3d(c.context);
    const targets = tf.tensor3d(c.targets);
    const predictors = tf.tensor3d(c.predictors);
    const negatives = Int32Array.from(c.negatives);
    const loss = cpcLoss(context, targets, predictors, negatives);
    expect(loss.dataSync()[0]).toBeCloseTo(c.loss, 4);
    const [gc, gz, gw] = tf.grads((x: tf.Tensor, z: tf.Tensor, w: tf.Tensor) => cpcLoss(x as tf.Tensor3D, z as tf.Tensor3D, w as tf.Tensor3D, negatives))([context, targets, predictors]);
    expectClose(gc!.arraySync() as number[][][], c.grad_context);
    expectClose(gz!.arraySync() as number[][][], c.grad_targets);
    expectClose(gw!.arraySync() as number[][][], c.grad_predictors);
    tf.dispose([context, targets, predictors, loss, gc!, gz!, gw!]);
  });

  it('is log(N + 1) when every frame encodes the same, and near 0 when each prediction hits its own future frame', () => {
    const [b, t, k, n] = [2, 4, 2, 3];
    const negatives = drawCpcNegatives(new Rng(1), b, t, k, n);
    const same = tf.ones([b, t, 3]) as tf.Tensor3D;
    const w = tf.ones([k, 3, 3]) as tf.Tensor3D;
    expect(cpcLoss(same, same, w, negatives).dataSync()[0]).toBeCloseTo(Math.log(n + 1), 5);
    // Frame t of clip b is the one-hot code of b·T + t; W_k maps code i to code i + k (within a clip), scaled up,
    // and no negative is a positive of its position: every wrong score is 0, every right one 30.
    const codes = new Float32Array(b * t * b * t);
    for (let i = 0; i < b * t; i++) codes[i * b * t + i] = 1;
    const targets = tf.tensor3d(codes, [b, t, b * t]);
    const maps = new Float32Array(k * b * t * b * t);
    for (let step = 1; step <= k; step++) {
      for (let i = 0; i < b * t; i++) if ((i % t) + step < t) maps[((step - 1) * b * t + i) * b * t + i + step] = 30;
    }
    const shift = tf.tensor3d(maps, [k, b * t, b * t]);
    expect(cpcLoss(targets, targets, shift, negatives).dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([same, w, targets, shift]);
  });

  it('draws negatives inside the batch and never one of the position’s own positives', () => {
    const [b, t, k, n] = [3, 5, 2, 4];
    const negatives = drawCpcNegatives(new Rng(7), b, t, k, n);
    expect(cpcQueryCount(b, t, k)).toBe(b * (t - k));
    expect(negatives.length).toBe(b * (t - k) * n);
    let query = 0;
    for (let clip = 0; clip < b; clip++) {
      for (let pos = 0; pos < t - k; pos++, query++) {
        for (let j = 0; j < n; j++) {
          const p = negatives[query * n + j]!;
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThan(b * t);
          for (let step = 1; step <= k; step++) expect(p).not.toBe(clip * t + pos + step);
        }
      }
    }
    expect(drawCpcNegatives(new Rng(7), b, t, k, n)).toEqual(negatives); // seeded
    expect(new Set(drawCpcNegatives(new Rng(8), b, t, k, 50)).size).toBe(b * t); // every frame is drawn for some position
  });

  it('refuses mismatched shapes, too few frames and bad negatives, saying what it got', () => {
    const c = tf.zeros([2, 5, 3]) as tf.Tensor3D;
    const z = tf.zeros([2, 5, 4]) as tf.Tensor3D;
    const w = tf.zeros([2, 3, 4]) as tf.Tensor3D;
    const neg = drawCpcNegatives(new Rng(1), 2, 5, 2, 3);
    const zShort = tf.zeros([2, 4, 4]) as tf.Tensor3D;
    const wWrong = tf.zeros([2, 4, 4]) as tf.Tensor3D;
    const wLong = tf.zeros([5, 3, 4]) as tf.Tensor3D;
    expect(() => cpcLoss(c, zShort, w, neg)).toThrow(/targets.*expected shape \[2, 5, \?\], got \[2, 4, 4\]/);
    expect(() => cpcLoss(c, z, wWrong, neg)).toThrow(/predictors.*got \[2, 4, 4\]/);
    expect(() => cpcLoss(c, z, wLong, neg)).toThrow('predicting 5 steps ahead needs at least 6 frames per clip, got 5');
    expect(() => cpcLoss(c, z, w, neg.subarray(1))).toThrow(/N per query position for 6 positions.*got 17 positions/);
    expect(() => cpcLoss(c, z, w, Int32Array.from(neg, (p) => p + 10))).toThrow(/outside the batch's 10 frames/);
    expect(() => drawCpcNegatives(new Rng(1), 2, 5, 2, 0)).toThrow('at least one negative, got 0');
    tf.dispose([c, z, w, zShort, wWrong, wLong]);
  });
});
