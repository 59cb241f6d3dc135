import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { ntXentLoss } from '../../../../src-main/core/ssl/losses/nt-xent';

interface Case {
  temperature: number;
  z1: number[][];
  z2: number[][];
  loss: number;
  grad_z1: number[][];
}
/** Reference numbers from another framework (scripts/make-nt-xent-reference.py, PyTorch in float64). */
const reference = JSON.parse(readFileSync(join(import.meta.dirname, '../../../fixtures/nt-xent-reference.json'), 'utf8')) as {
  cases: Case[];
};

beforeAll(async () => {
  await initBackend('cpu');
});

describe('NT-Xent against PyTorch reference values', () => {
  it.each(reference.cases.map((c) => [`N=${c.z1.length}, D=${c.z1[0]!.length}, τ=${c.temperature}`, c] as const))(
    'loss and gradient match for %s',
    (_name, c) => {
      const z1 = tf.tensor2d(c.z1);
      const z2 = tf.tensor2d(c.z2);
      const loss = ntXentLoss(z1, z2, c.temperature);
      expect(loss.dataSync()[0]).toBeCloseTo(c.loss, 4);
      const grad = tf.grad((a: tf.Tensor) => ntXentLoss(a as tf.Tensor2D, z2, c.temperature))(z1);
      const got = grad.arraySync() as number[][];
      got.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(c.grad_z1[i]![j]!, 4)));
      tf.dispose([z1, z2, loss, grad]);
    },
  );
});
