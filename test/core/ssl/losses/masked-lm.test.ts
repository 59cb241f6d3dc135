import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { maskedLmLoss, nextTokenLoss } from '../../../../src-main/core/ssl/losses/masked-lm';

interface Case {
  logits: number[][] | number[][][];
  loss: number;
  grad_logits: number[][] | number[][][];
}
/** Reference numbers from another framework (scripts/make-masked-lm-reference.py, PyTorch in float64). */
const reference = JSON.parse(readFileSync(join(import.meta.dirname, '../../../fixtures/masked-lm-reference.json'), 'utf8')) as {
  masked_rows: (Case & { targets: number[] })[];
  masked_positions: (Case & { labels: number[] })[];
  weighted: (Case & { targets: number[]; weights: number[] })[];
  next_token: (Case & { ids: number[] })[];
};

function shapeOf(c: Case): string {
  const l = c.logits;
  return Array.isArray(l[0]![0]) ? `[${l.length}, ${l[0]!.length}, ${(l[0]![0] as number[]).length}]` : `[${l.length}, ${l[0]!.length}]`;
}

/** Loss value and gradient against the reference (float32 here: 4–5 decimals). */
function expectMatches(c: Case, loss: (x: tf.Tensor) => tf.Scalar): void {
  const logits = tf.tensor(c.logits as number[][]);
  const value = loss(logits);
  expect(value.dataSync()[0]).toBeCloseTo(c.loss, 4);
  const grad = tf.grad(loss)(logits);
  const got = grad.dataSync();
  const want = (c.grad_logits as unknown[]).flat(2) as number[];
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 5);
  tf.dispose([logits, value, grad]);
}

describe('token-prediction losses against PyTorch reference values', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    describe(backend, () => {
      beforeAll(async () => {
        await initBackend(backend, { threads: 1 });
      });
      it.each(reference.masked_rows.map((c) => [shapeOf(c), c] as const))('masked-LM loss at the chosen rows %s matches F.cross_entropy', (_s, c) => {
        expectMatches(c, (x) => maskedLmLoss(x as tf.Tensor2D, c.targets));
      });
      it.each(reference.masked_positions.map((c) => [shapeOf(c), c] as const))('masked-LM loss over every position %s matches F.cross_entropy(ignore_index=−100)', (_s, c) => {
        const weights = c.labels.map((y) => (y === -100 ? 0 : 1));
        expectMatches(c, (x) => maskedLmLoss(x as tf.Tensor3D, c.labels, weights));
      });
      it.each(reference.weighted.map((c) => [shapeOf(c), c] as const))('weighted masked-LM loss %s matches Σ w·ℓ / Σ w', (_s, c) => {
        expectMatches(c, (x) => maskedLmLoss(x as tf.Tensor2D, c.targets, c.weights));
      });
      it.each(reference.next_token.map((c) => [shapeOf(c), c] as const))('next-token loss %s matches F.cross_entropy(logits[:, :-1], ids[:, 1:], ignore_index=PAD)', (_s, c) => {
        expectMatches(c, (x) => nextTokenLoss(x as tf.Tensor3D, c.ids));
      });
    });
  }
});

describe('token-prediction losses', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('masked-LM: −log of the target’s probability averaged over masked positions only (by hand)', () => {
    // Positions 0 and 2 are masked: p = 3/4 and 1/2; position 1 (weight 0) is ignored whatever its logits.
    const logits = tf.tensor3d([
      [
        [0, Math.log(3)],
        [100, -100],
        [0, 0],
      ],
    ]);
    const loss = maskedLmLoss(logits, [1, -100, 0], [1, 0, 1]);
    expect(loss.dataSync()[0]).toBeCloseTo((-Math.log(3 / 4) - Math.log(1 / 2)) / 2, 6);
    const grad = tf.grad((x: tf.Tensor) => maskedLmLoss(x as tf.Tensor3D, [1, -100, 0], [1, 0, 1]))(logits).arraySync() as number[][][];
    expect(grad[0]![1]).toEqual([0, 0]);
    expect(grad[0]![0]![0]).toBeCloseTo(1 / 4 / 2, 6);
    tf.dispose([logits, loss]);
  });

  it('next-token: position t predicts token t+1; PAD targets and the last position are left out (by hand)', () => {
    // ids: [CLS]=2, 7, [SEP]=3, PAD. Predicted: 7 from position 0, [SEP] from position 1; nothing from 2 and 3.
    const v = 8;
    const row = (hot: number, logit: number): number[] => Array.from({ length: v }, (_, k) => (k === hot ? logit : 0));
    const logits = tf.tensor3d([[row(7, Math.log(7 * 3)), row(3, Math.log(7)), row(5, 50), row(1, 9)]]); // p(7) = 3/4, p([SEP]) = 1/2
    const loss = nextTokenLoss(logits, [2, 7, 3, 0]);
    expect(loss.dataSync()[0]).toBeCloseTo((-Math.log(3 / 4) - Math.log(1 / 2)) / 2, 5);
    const grad = tf.grad((x: tf.Tensor) => nextTokenLoss(x as tf.Tensor3D, [2, 7, 3, 0]))(logits).arraySync() as number[][][];
    expect(grad[0]![2]).toEqual(Array<number>(v).fill(0));
    expect(grad[0]![3]).toEqual(Array<number>(v).fill(0));
    tf.dispose([logits, loss]);
  });

  it('refuses wrong shapes, targets and weights, showing the actual values', () => {
    const logits = tf.zeros([2, 3, 5]) as tf.Tensor3D;
    expect(() => maskedLmLoss(logits, [1, 2], [1, 1])).toThrow('masked-LM loss: expected 6 targets (one per position of logits [2, 3, 5]), got 2');
    expect(() => maskedLmLoss(logits, [1, 1, 1, 1, 1, 1], [1, 1])).toThrow('expected 6 weights (one per position of logits [2, 3, 5]), got 2');
    expect(() => maskedLmLoss(logits, [1, 1, 5, 1, 1, 1], [1, 1, 1, 1, 1, 1])).toThrow('target 2 is 5, expected an id in 0..4');
    expect(() => maskedLmLoss(logits, [1, 1, 1, 1, 1, 1], [1, -1, 1, 1, 1, 1])).toThrow('weight 1 is -1, expected a finite number ≥ 0');
    expect(() => maskedLmLoss(logits, [1, 1, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0])).toThrow('no position to predict (every weight is 0 over logits [2, 3, 5])');
    const flat = tf.zeros([4]) as unknown as tf.Tensor2D;
    expect(() => maskedLmLoss(flat, [0, 0, 0, 0])).toThrow('expected logits [N, V] or [B, L, V], got [4]');
    expect(() => nextTokenLoss(logits, [2, 7, 3])).toThrow('next-token loss: expected 2×3 ids (logits [2, 3, 5]), got 3');
    expect(() => nextTokenLoss(tf.zeros([2, 5]) as unknown as tf.Tensor3D, [0])).toThrow('next-token logits: expected shape [?, ?, ?], got [2, 5]');
    // Rows of [CLS] [SEP]… predict [SEP]; a row of only PAD after position 0 has nothing.
    expect(() => nextTokenLoss(logits, [2, 0, 0, 2, 0, 0])).toThrow('no position to predict');
    tf.dispose([logits, flat]);
  });

  it('leaves no tensors behind', () => {
    const logits = tf.randomNormal([2, 4, 9]) as tf.Tensor3D;
    const ids = [2, 7, 8, 3, 2, 3, 0, 0];
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.grad((x: tf.Tensor) => nextTokenLoss(x as tf.Tensor3D, ids))(logits).dispose();
      tf.grad((x: tf.Tensor) => maskedLmLoss(x as tf.Tensor3D, ids, [0, 1, 1, 0, 0, 0, 0, 0]))(logits).dispose();
      tf.tidy(() => maskedLmLoss(logits, ids, [0, 1, 0, 0, 0, 0, 0, 0]).dataSync());
    }
    expect(tf.memory().numTensors).toBe(before);
    logits.dispose();
  });
});
