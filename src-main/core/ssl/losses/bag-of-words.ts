/**
 * A text rebuilt from its code as a bag of words: the multinomial log-likelihood of the text's tokens
 * under one softmax over the vocabulary, the decoder of the neural variational document model (Miao,
 * Yu, Blunsom 2016, "Neural Variational Inference for Text Processing", §3.1, eq. 6:
 * log p(X | h) = Σ_i log softmax(R·h + b)[x_i]), here per token and averaged over the texts:
 *
 *   L = (1/|B'|) Σ_{b ∈ B'} −(1/n_b) Σ_v c_{b,v} · log softmax(logits_b)[v]
 *
 * with c_{b,v} the count of token v in text b, n_b = Σ_v c_{b,v} (special tokens are not counted: the
 * decoder rebuilds the words, not [CLS] or padding), and B' the texts with at least one token. Word
 * order plays no part, so the code must hold what the text is about rather than how it is written.
 */
import { TEXT_SPECIAL_TOKENS } from '../../../contract';
import { tf } from '../../engine/backend';
import { assertShape } from '../../engine/shapes';

/** Ids below this are special tokens ([PAD], [UNK], [CLS], [SEP], [MASK], [DEL]), not counted. */
const FIRST_WORD_ID = TEXT_SPECIAL_TOKENS.length;

/**
 * @param logits [B, V] the decoder's logits for each text
 * @param texts the B texts' token ids (special tokens are skipped)
 * @returns scalar mean over the texts with a token of their tokens' mean negative log-likelihood
 */
export function bagOfWordsLoss(logits: tf.Tensor2D, texts: readonly ArrayLike<number>[]): tf.Scalar {
  assertShape('bag-of-words logits', logits, [texts.length, null]);
  const [b, vocab] = logits.shape;
  const targets = new Float32Array(b * vocab); // row b: c_{b,v} / n_b, over the texts in B'
  let rows = 0;
  for (let r = 0; r < b; r++) {
    const ids = texts[r]!;
    let n = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!Number.isInteger(id) || id < 0 || id >= vocab) throw new RangeError(`bag-of-words loss: text ${r} holds token ${id}, expected an id in 0..${vocab - 1}`);
      if (id >= FIRST_WORD_ID) n++;
    }
    if (n === 0) continue;
    rows++;
    for (let i = 0; i < ids.length; i++) if (ids[i]! >= FIRST_WORD_ID) targets[r * vocab + ids[i]!]! += 1 / n;
  }
  if (rows === 0) throw new Error(`bag-of-words loss: none of the ${b} texts has a word to rebuild`);
  return tf.tidy(() => {
    const logProbabilities = tf.logSoftmax(logits); // [B, V]
    return tf.div(tf.neg(tf.sum(tf.mul(tf.tensor2d(targets, [b, vocab]), logProbabilities))), rows) as tf.Scalar;
  });
}
