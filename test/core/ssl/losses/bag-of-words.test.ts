import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { bagOfWordsLoss } from '../../../../src-main/core/ssl/losses/bag-of-words';

beforeAll(async () => {
  await initBackend('cpu');
});

/** Vocabulary of 8: ids 0–5 special, 6 and 7 words. */
const V = 8;

describe('bagOfWordsLoss', () => {
  it('is the mean over texts of the tokens’ mean negative log-likelihood, by hand on two texts', () => {
    // Text 0: words 6, 6, 7 under logits 0 everywhere but ln 2 at id 6, i.e. p(6) = 2/9, p(7) = 1/9.
    // Text 1: word 7 (with [CLS] and [SEP], not counted) under uniform logits, p(7) = 1/8.
    const row0 = [0, 0, 0, 0, 0, 0, Math.log(2), 0];
    const row1 = new Array<number>(V).fill(0);
    const logits = tf.tensor2d([row0, row1]);
    const loss = bagOfWordsLoss(logits, [Int32Array.from([6, 6, 7]), Int32Array.from([2, 7, 3])]);
    const text0 = -((2 / 3) * Math.log(2 / 9) + (1 / 3) * Math.log(1 / 9));
    const text1 = -Math.log(1 / 8);
    expect(loss.dataSync()[0]).toBeCloseTo((text0 + text1) / 2, 5);
    tf.dispose([logits, loss]);
  });

  it('has the gradient (softmax − word shares) / texts, and ignores word order and texts without words', () => {
    const values = [
      [0.3, -1, 2, 0.5, 0, 1, -0.4, 0.8],
      [1, 1, 1, 1, 1, 1, 1, 1],
      [0, 2, 0, -2, 0, 0, 1.5, -0.5],
    ];
    const logits = tf.tensor2d(values);
    const texts = [Int32Array.from([7, 6, 7]), Int32Array.from([2, 3]), Int32Array.from([6])]; // text 1: special tokens only
    const grad = tf.grad((x: tf.Tensor) => bagOfWordsLoss(x as tf.Tensor2D, texts))(logits).arraySync() as number[][];
    const shares = [
      [0, 0, 0, 0, 0, 0, 1 / 3, 2 / 3],
      new Array<number>(V).fill(0),
      [0, 0, 0, 0, 0, 0, 1, 0],
    ];
    values.forEach((row, r) => {
      const z = row.reduce((s, v) => s + Math.exp(v), 0);
      row.forEach((v, j) => expect(grad[r]![j]).toBeCloseTo(r === 1 ? 0 : (Math.exp(v) / z - shares[r]![j]!) / 2, 5));
    });
    const a = bagOfWordsLoss(logits, texts);
    const b = bagOfWordsLoss(logits, [Int32Array.from([7, 7, 6]), Int32Array.from([]), Int32Array.from([6])]);
    expect(b.dataSync()[0]).toBeCloseTo(a.dataSync()[0]!, 6);
    tf.dispose([logits, a, b]);
  });

  it('names the shapes and ids that do not fit', () => {
    const logits = tf.zeros([2, V]) as tf.Tensor2D;
    expect(() => bagOfWordsLoss(logits, [[6]])).toThrow(/bag-of-words logits.*\[2, 8\]/);
    expect(() => bagOfWordsLoss(logits, [[6], [8]])).toThrow('bag-of-words loss: text 1 holds token 8, expected an id in 0..7');
    expect(() => bagOfWordsLoss(logits, [[2, 3], [0]])).toThrow('bag-of-words loss: none of the 2 texts has a word to rebuild');
    logits.dispose();
  });
});
