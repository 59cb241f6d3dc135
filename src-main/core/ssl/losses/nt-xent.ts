/**
 * NT-Xent, the normalized temperature-scaled cross-entropy loss of SimCLR:
 * Chen, Kornblith, Norouzi, Hinton (2020), "A Simple Framework for Contrastive Learning of Visual
 * Representations", eq. (1):
 *
 *   ℓ(i, j) = −log( exp(sim(z_i, z_j)/τ) / Σ_{k=1..2N, k≠i} exp(sim(z_i, z_k)/τ) )
 *
 * with sim(u, v) = uᵀv / (‖u‖‖v‖), averaged over all 2N ordered positive pairs (i, j) and (j, i).
 * Here row i of `z1` and row i of `z2` are the two views of the same example (the positive pair);
 * the other 2N − 2 rows are its negatives.
 */
import { tf } from '../../engine/backend';
import { assertShape } from '../../engine/shapes';

/** Added to the self-similarity logits so exp() of them is exactly 0 in float32. */
const SELF_MASK_VALUE = -1e9;

/** The [2N, 2N] additive mask that removes k = i from the denominator, cached per N. */
const selfMasks = new Map<number, tf.Tensor2D>();

function selfMask(rows: number): tf.Tensor2D {
  let mask = selfMasks.get(rows);
  if (mask === undefined || mask.isDisposed) {
    mask = tf.tidy(() => tf.mul(tf.eye(rows), SELF_MASK_VALUE) as tf.Tensor2D);
    tf.keep(mask);
    selfMasks.set(rows, mask);
  }
  return mask;
}

/**
 * Row-wise log Σ exp with the gradient written out (softmax · dy). tf.logSumExp would also
 * differentiate through its max-shift, costing an Equal/Cast mask pass that cancels out anyway.
 * @param x [R, K] @returns [R]
 */
export const logSumExpRows = tf.customGrad((...args) => {
  const [x, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
  const value = tf.tidy(() => {
    const shift = tf.max(x, 1, true); // [R, 1]
    return tf.add(tf.log(tf.sum(tf.exp(tf.sub(x, shift)), 1)), tf.reshape(shift, [-1])) as tf.Tensor1D; // [R]
  });
  save([x, value]);
  return {
    value,
    gradFunc: (dy: tf.Tensor1D, saved: tf.Tensor[]) => {
      const [xSaved, lse] = saved as [tf.Tensor2D, tf.Tensor1D];
      const softmax = tf.exp(tf.sub(xSaved, tf.reshape(lse, [-1, 1]))); // [R, K]
      return tf.mul(softmax, tf.reshape(dy, [-1, 1]));
    },
  };
}) as (x: tf.Tensor2D) => tf.Tensor1D;

/** Frees the cached masks (e.g. before checking for tensor leaks or switching backend). */
export function disposeNtXentCache(): void {
  for (const mask of selfMasks.values()) mask.dispose();
  selfMasks.clear();
}

/**
 * @param z1 [N, D] projections of the first views
 * @param z2 [N, D] projections of the second views
 * @param temperature τ > 0
 * @returns scalar mean loss over the 2N positive pairs
 */
export function ntXentLoss(z1: tf.Tensor2D, z2: tf.Tensor2D, temperature: number): tf.Scalar {
  if (!(temperature > 0)) throw new RangeError(`nt-xent temperature must be > 0, got ${temperature}`);
  assertShape('nt-xent z1', z1, [null, null]);
  const [n, d] = z1.shape;
  assertShape('nt-xent z2 (must match z1)', z2, [n, d]);
  if (n < 2) throw new Error(`nt-xent needs at least 2 examples (negatives), got z1 of shape [${z1.shape.join(', ')}]`);

  return tf.tidy(() => {
    const z = tf.concat([z1, z2], 0); // [2N, D]
    // Cosine similarity = dot product of L2-normalised rows (epsilon keeps zero rows finite).
    const unit = tf.mul(z, tf.rsqrt(tf.add(tf.sum(tf.square(z), 1, true), 1e-12))); // [2N, D]
    const logits = tf.div(tf.matMul(unit, unit, false, true), temperature); // [2N, 2N]
    const masked = tf.add(logits, selfMask(2 * n)); // [2N, 2N], diagonal ≈ −∞
    const logDenominator = logSumExpRows(masked as tf.Tensor2D); // [2N]
    // Positive logit of row i is sim(z_i, z_{i±N})/τ; both halves share the same N values.
    const [unit1, unit2] = tf.split(unit, 2, 0) as [tf.Tensor2D, tf.Tensor2D]; // [N, D] each
    const positive = tf.div(tf.sum(tf.mul(unit1, unit2), 1), temperature); // [N]
    // mean over 2N rows of (logDenominator − positive) = mean(logDenominator) − mean(positive).
    return tf.sub(tf.mean(logDenominator), tf.mean(positive)) as tf.Scalar;
  });
}
