import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { infoNceLoss } from '../../../../src-main/core/ssl/losses/infonce';

interface Case {
  temperature: number;
  queries: number[][];
  keys: number[][];
  negatives: number[][];
  loss: number;
  grad_queries: number[][];
  grad_keys: number[][];
}
/** Reference numbers from another framework (scripts/make-moco-reference.py, MoCo's loss in PyTorch, float64). */
const reference = JSON.parse(readFileSync(join(import.meta.dirname, '../../../fixtures/moco-reference.json'), 'utf8')) as { cases: Case[] };

function expectClose(got: number[][], want: number[][]): void {
  expect(got.length).toBe(want.length);
  got.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(want[i]![j]!, 4)));
}

describe.each(['cpu', 'wasm'] as const)('InfoNCE against PyTorch reference values on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend, { threads: 1 });
  });

  it.each(reference.cases.map((c) => [`N=${c.queries.length}, D=${c.queries[0]!.length}, K=${c.negatives.length}, τ=${c.temperature}`, c] as const))(
    'loss and gradients match for %s',
    (_name, c) => {
      const q = tf.tensor2d(c.queries);
      const k = tf.tensor2d(c.keys);
      const negatives = tf.tensor2d(c.negatives);
      const loss = infoNceLoss(q, k, negatives, c.temperature);
      expect(loss.dataSync()[0]).toBeCloseTo(c.loss, 4);
      const [gq, gk] = tf.grads((a: tf.Tensor, b: tf.Tensor) => infoNceLoss(a as tf.Tensor2D, b as tf.Tensor2D, negatives, c.temperature))([q, k]);
      expectClose(gq!.arraySync() as number[][], c.grad_queries);
      expectClose(gk!.arraySync() as number[][], c.grad_keys);
      tf.dispose([q, k, negatives, loss, gq!, gk!]);
    },
  );
});
