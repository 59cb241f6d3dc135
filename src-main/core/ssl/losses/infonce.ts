/**
 * InfoNCE against a queue of negative keys, the loss of MoCo: He, Fan, Wu, Xie, Girshick (2020),
 * "Momentum Contrast for Unsupervised Visual Representation Learning", eq. (1) (InfoNCE: van den
 * Oord, Li, Vinyals 2018), used unchanged by MoCo v2 (Chen, Fan, Girshick, He 2020):
 *
 *   L_q = −log( exp(q·k₊/τ) / (exp(q·k₊/τ) + Σ_{i=1..K} exp(q·k_i/τ)) )
 *
 * a (K+1)-way softmax classifier that should pick the positive key k₊ (the other view of q's image)
 * among the K negatives, averaged over the batch. q and k₊ are L2-normalised here; the negatives are
 * taken as they are: the queue stores keys that were normalised when they were pushed (as in MoCo).
 */
import { tf } from '../../engine/backend';
import { assertShape } from '../../engine/shapes';
import { logSumExpRows } from './nt-xent';

/** x / ‖x‖ by rows; the epsilon keeps a zero row finite. @param x [N, D] @returns [N, D] */
export function normaliseRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(x, tf.rsqrt(tf.add(tf.sum(tf.square(x), 1, true), 1e-12)));
}

/**
 * @param queries [N, D] q, from the query encoder and head
 * @param keys [N, D] k₊, row i the positive key of query i (from the momentum encoder: no gradient is needed)
 * @param negatives [K, D] unit-length negative keys (the queue)
 * @param temperature τ > 0
 * @returns scalar mean of L_q over the N queries
 */
export function infoNceLoss(queries: tf.Tensor2D, keys: tf.Tensor2D, negatives: tf.Tensor2D, temperature: number): tf.Scalar {
  if (!(temperature > 0)) throw new RangeError(`InfoNCE temperature must be > 0, got ${temperature}`);
  assertShape('InfoNCE queries', queries, [null, null]);
  const [n, d] = queries.shape;
  if (n < 1) throw new Error(`InfoNCE needs at least one query, got queries of shape [${queries.shape.join(', ')}]`);
  assertShape('InfoNCE keys (must match the queries)', keys, [n, d]);
  assertShape(`InfoNCE negatives (K keys of size ${d})`, negatives, [null, d]);
  if (negatives.shape[0] < 1) throw new Error(`InfoNCE needs at least one negative key, got negatives of shape [${negatives.shape.join(', ')}]`);

  return tf.tidy(() => {
    const q = normaliseRows(queries); // [N, D]
    const k = normaliseRows(keys); // [N, D]
    const positive = tf.div(tf.sum(tf.mul(q, k), 1, true), temperature) as tf.Tensor2D; // [N, 1]
    const negative = tf.div(tf.matMul(q, negatives, false, true), temperature) as tf.Tensor2D; // [N, K]
    const logits = tf.concat([positive, negative], 1); // [N, 1 + K], the positive in column 0
    // Cross-entropy towards column 0: log Σ exp(logits) − logit₊.
    return tf.sub(tf.mean(logSumExpRows(logits)), tf.mean(positive)) as tf.Scalar;
  });
}
