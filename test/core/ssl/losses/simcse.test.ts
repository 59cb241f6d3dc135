import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { simcseLoss } from '../../../../src-main/core/ssl/losses/simcse';

interface Case {
  temperature: number;
  first: number[][];
  second: number[][];
  loss: number;
  grad_first: number[][];
  grad_second: number[][];
}
/** Reference numbers from another framework (scripts/make-simcse-reference.py: PyTorch, float64). */
const reference = JSON.parse(readFileSync(join(import.meta.dirname, '../../../fixtures/simcse-reference.json'), 'utf8')) as { cases: Case[] };

function expectClose(got: number[][], want: number[][]): void {
  expect(got.length).toBe(want.length);
  got.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(want[i]![j]!, 4)));
}

describe.each(['cpu', 'wasm'] as const)('SimCSE loss on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend, { threads: 1 });
  });

  it.each(reference.cases.map((c) => [`N=${c.first.length}, D=${c.first[0]!.length}, τ=${c.temperature}`, c] as const))('loss and gradients match PyTorch for %s', (_name, c) => {
    const a = tf.tensor2d(c.first);
    const b = tf.tensor2d(c.second);
    const loss = simcseLoss(a, b, c.temperature);
    expect(loss.dataSync()[0]).toBeCloseTo(c.loss, 4);
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => simcseLoss(x as tf.Tensor2D, y as tf.Tensor2D, c.temperature))([a, b]);
    expectClose(ga!.arraySync() as number[][], c.grad_first);
    expectClose(gb!.arraySync() as number[][], c.grad_second);
    tf.dispose([a, b, loss, ga!, gb!]);
  });

  it('is log N when every view is the same vector, and near 0 when each pair stands apart from the rest', () => {
    const same = tf.ones([4, 3]) as tf.Tensor2D;
    expect(simcseLoss(same, same, 0.05).dataSync()[0]).toBeCloseTo(Math.log(4), 5);
    const eye = tf.eye(3) as tf.Tensor2D;
    expect(simcseLoss(eye, eye, 0.05).dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([same, eye]);
  });

  it('refuses mismatched views, a batch of one and a bad temperature, saying what it got', () => {
    const a = tf.zeros([3, 4]) as tf.Tensor2D;
    const b = tf.zeros([3, 5]) as tf.Tensor2D;
    const one = tf.zeros([1, 4]) as tf.Tensor2D;
    expect(() => simcseLoss(a, b, 0.05)).toThrow(/second views.*\[3, 5\]/);
    expect(() => simcseLoss(one, one, 0.05)).toThrow(/at least 2 sentences.*\[1, 4\]/);
    expect(() => simcseLoss(a, a, 0)).toThrow('temperature must be > 0, got 0');
    tf.dispose([a, b, one]);
  });
});
