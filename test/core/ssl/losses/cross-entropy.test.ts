import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { accuracyOf, softmaxCrossEntropy } from '../../../../src-main/core/ssl/losses/cross-entropy';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('softmaxCrossEntropy', () => {
  it('is −log of the label’s softmax probability, averaged over rows (by hand, 2×2)', () => {
    // Row 0: logits [0, ln 3], label 1 → p = 3/4. Row 1: logits [0, 0], label 0 → p = 1/2.
    const logits = tf.tensor2d([
      [0, Math.log(3)],
      [0, 0],
    ]);
    const loss = softmaxCrossEntropy(logits, [1, 0]);
    expect(loss.dataSync()[0]).toBeCloseTo((-Math.log(3 / 4) - Math.log(1 / 2)) / 2, 6);
    // d/dlogits = (softmax − onehot) / R
    const grad = tf.grad((x: tf.Tensor) => softmaxCrossEntropy(x as tf.Tensor2D, [1, 0]))(logits).arraySync() as number[][];
    expect(grad[0]![0]).toBeCloseTo(1 / 4 / 2, 6);
    expect(grad[0]![1]).toBeCloseTo(-1 / 4 / 2, 6);
    expect(grad[1]![0]).toBeCloseTo(-1 / 2 / 2, 6);
    expect(grad[1]![1]).toBeCloseTo(1 / 2 / 2, 6);
    tf.dispose([logits, loss]);
  });

  it('stays finite and exact for very large logits (the max is shifted out)', () => {
    const logits = tf.tensor2d([[1000, 0, -1000, 0]]);
    expect(softmaxCrossEntropy(logits, [0]).dataSync()[0]).toBeCloseTo(0, 6);
    expect(softmaxCrossEntropy(logits, [1]).dataSync()[0]).toBeCloseTo(1000, 2);
    logits.dispose();
  });

  it('does not depend on the order of the rows', () => {
    const a = tf.tensor2d([
      [1, 2, 3, 4],
      [4, 1, 0, -2],
      [0.5, 0.5, 3, 0],
    ]);
    const b = tf.tensor2d([
      [0.5, 0.5, 3, 0],
      [1, 2, 3, 4],
      [4, 1, 0, -2],
    ]);
    expect(softmaxCrossEntropy(a, [3, 0, 2]).dataSync()[0]).toBeCloseTo(softmaxCrossEntropy(b, [2, 3, 0]).dataSync()[0]!, 6);
    tf.dispose([a, b]);
  });

  it('refuses wrong shapes and labels, showing the actual values', () => {
    const logits = tf.tensor2d([
      [1, 2, 3, 4],
      [1, 2, 3, 4],
    ]);
    expect(() => softmaxCrossEntropy(logits, [0])).toThrow('expected 2 labels (one per row of logits [2, 4]), got 1');
    expect(() => softmaxCrossEntropy(logits, [0, 4])).toThrow('label 1 is 4, expected an integer in 0..3');
    expect(() => softmaxCrossEntropy(logits, [0, 1.5])).toThrow('label 1 is 1.5');
    const flat = tf.tensor1d([1, 2, 3]);
    expect(() => softmaxCrossEntropy(flat as unknown as tf.Tensor2D, [0])).toThrow('cross-entropy logits: expected shape [?, ?], got [3]');
    const single = tf.tensor2d([[1], [2]]);
    expect(() => softmaxCrossEntropy(single, [0, 0])).toThrow('at least 1 row and 2 classes, got logits of shape [2, 1]');
    tf.dispose([logits, flat, single]);
  });

  it('leaves no tensors behind', () => {
    const logits = tf.tensor2d([[1, 2, 3, 4]]);
    const before = tf.memory().numTensors;
    const grad = tf.grad((x: tf.Tensor) => softmaxCrossEntropy(x as tf.Tensor2D, [2]))(logits);
    grad.dispose();
    tf.tidy(() => softmaxCrossEntropy(logits, [2]).dataSync());
    expect(tf.memory().numTensors).toBe(before);
    logits.dispose();
  });
});

describe('accuracyOf', () => {
  it('counts rows whose largest logit is at the label', () => {
    expect(accuracyOf([0, 1, 5, 2, 9, 0, 0, 0, 1, 1, 1, 2], 4, [2, 0, 3])).toBeCloseTo(1, 9);
    expect(accuracyOf([0, 1, 5, 2, 9, 0, 0, 0, 1, 1, 1, 2], 4, [1, 0, 0])).toBeCloseTo(1 / 3, 9);
  });
  it('refuses logits of the wrong length', () => {
    expect(() => accuracyOf([1, 2, 3], 4, [0])).toThrow('expected 1×4 logits, got 3');
  });
});
