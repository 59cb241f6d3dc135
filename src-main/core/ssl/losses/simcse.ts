/**
 * The unsupervised SimCSE loss: Gao, Yao, Chen (2021), "SimCSE: Simple Contrastive Learning of
 * Sentence Embeddings", eq. (1) with the positives of §3 (the same sentence encoded twice, under two
 * dropout masks):
 *
 *   ℓ_i = −log( exp(sim(h_i, h_i⁺)/τ) / Σ_{j=1..N} exp(sim(h_i, h_j⁺)/τ) )
 *
 * with sim the cosine similarity: an N-way classifier from each first view to its own second view
 * among the batch's second views (in-batch negatives only, one direction, unlike NT-Xent's 2N − 2),
 * averaged over the batch.
 */
import { tf } from '../../engine/backend';
import { assertShape } from '../../engine/shapes';
import { normaliseRows } from './infonce';
import { logSumExpRows } from './nt-xent';

/**
 * @param first [N, D] h_i, the first encoding of each sentence
 * @param second [N, D] h_i⁺, row i the second encoding of sentence i
 * @param temperature τ > 0 (SimCSE: 0.05)
 * @returns scalar mean of ℓ_i
 */
export function simcseLoss(first: tf.Tensor2D, second: tf.Tensor2D, temperature: number): tf.Scalar {
  if (!(temperature > 0)) throw new RangeError(`SimCSE temperature must be > 0, got ${temperature}`);
  assertShape('SimCSE first views', first, [null, null]);
  const [n, d] = first.shape;
  if (n < 2) throw new Error(`SimCSE needs at least 2 sentences in a batch (1 positive and 1 negative each), got first views of shape [${first.shape.join(', ')}]`);
  assertShape('SimCSE second views (must match the first)', second, [n, d]);
  return tf.tidy(() => {
    const a = normaliseRows(first); // [N, D]
    const b = normaliseRows(second); // [N, D]
    const logits = tf.div(tf.matMul(a, b, false, true), temperature) as tf.Tensor2D; // [N, N], positives on the diagonal
    const positive = tf.div(tf.sum(tf.mul(a, b), 1), temperature); // [N]
    return tf.sub(tf.mean(logSumExpRows(logits)), tf.mean(positive)) as tf.Scalar;
  });
}
