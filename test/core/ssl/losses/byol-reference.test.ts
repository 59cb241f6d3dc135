import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { byolLoss, normalisedMse } from '../../../../src-main/core/ssl/losses/byol';

interface Case {
  p1: number[][];
  p2: number[][];
  z1: number[][];
  z2: number[][];
  single: number;
  loss: number;
  grad_p1: number[][];
  grad_p2: number[][];
  grad_z1: number[][];
  grad_z2: number[][];
}
/** Reference numbers from another framework (scripts/make-byol-reference.py, PyTorch in float64). */
const reference = JSON.parse(readFileSync(join(import.meta.dirname, '../../../fixtures/byol-reference.json'), 'utf8')) as { cases: Case[] };

function expectClose(got: number[][], want: number[][]): void {
  expect(got.length).toBe(want.length);
  got.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(want[i]![j]!, 4)));
}

describe.each(['cpu', 'wasm'] as const)('BYOL loss against PyTorch reference values on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend, { threads: 1 });
  });

  it.each(reference.cases.map((c) => [`N=${c.p1.length}, D=${c.p1[0]!.length}`, c] as const))('loss and gradients match for %s', (_name, c) => {
    const [p1, p2, z1, z2] = [c.p1, c.p2, c.z1, c.z2].map((v) => tf.tensor2d(v)) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const single = normalisedMse(p1, z2);
    const loss = byolLoss(p1, p2, z1, z2);
    expect(single.dataSync()[0]).toBeCloseTo(c.single, 5);
    expect(loss.dataSync()[0]).toBeCloseTo(c.loss, 5);
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, y: tf.Tensor, w: tf.Tensor) => byolLoss(a as tf.Tensor2D, b as tf.Tensor2D, y as tf.Tensor2D, w as tf.Tensor2D))([p1, p2, z1, z2]);
    [c.grad_p1, c.grad_p2, c.grad_z1, c.grad_z2].forEach((want, i) => expectClose(grads[i]!.arraySync() as number[][], want));
    tf.dispose([p1, p2, z1, z2, single, loss, ...grads]);
  });
});
