/**
 * The loss of BYOL: Grill, Strub, Altché, Tallec, Richemond, et al. (2020), "Bootstrap Your Own
 * Latent: A New Approach to Self-Supervised Learning", eq. (2):
 *
 *   L = ‖q̄ − z̄′‖² = 2 − 2·⟨q, z′⟩ / (‖q‖·‖z′‖)
 *
 * the mean squared error between the L2-normalised prediction q of the online network for one view
 * and the target network's projection z′ of the other view; symmetrised (§3.1, L_total = L + L̃) by
 * also predicting the first view's target from the second view. No negatives: the predictor and the
 * slowly moving target are what keep the embedding from collapsing.
 */
import { tf } from '../../engine/backend';
import { assertShape } from '../../engine/shapes';

/**
 * 2 − 2·cos(p_i, z_i), averaged over the rows.
 * @param predictions [N, D] the online network's predictions q
 * @param targets [N, D] the target network's projections z′ (stop-gradient is the caller's)
 * @returns scalar in [0, 4]
 */
export function normalisedMse(predictions: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  assertShape('BYOL predictions', predictions, [null, null]);
  const [n, d] = predictions.shape;
  if (n < 1) throw new Error(`BYOL needs at least one example, got predictions of shape [${predictions.shape.join(', ')}]`);
  assertShape('BYOL targets (must match the predictions)', targets, [n, d]);
  return tf.tidy(() => {
    const squaredNorm = (x: tf.Tensor2D) => tf.add(tf.sum(tf.square(x), 1), 1e-12); // [N]
    const dot = tf.sum(tf.mul(predictions, targets), 1); // [N]
    const cosine = tf.mul(dot, tf.rsqrt(tf.mul(squaredNorm(predictions), squaredNorm(targets)))); // [N]
    return tf.sub(2, tf.mul(2, tf.mean(cosine))) as tf.Scalar;
  });
}

/**
 * The symmetric BYOL loss L + L̃ = ‖q̄₁ − z̄′₂‖² + ‖q̄₂ − z̄′₁‖², each averaged over the batch.
 * @param p1 [N, D] predictions from the first views, @param p2 [N, D] from the second views
 * @param z1 [N, D] target projections of the first views, @param z2 [N, D] of the second views
 * @returns scalar in [0, 8]
 */
export function byolLoss(p1: tf.Tensor2D, p2: tf.Tensor2D, z1: tf.Tensor2D, z2: tf.Tensor2D): tf.Scalar {
  assertShape('BYOL p1', p1, [null, null]);
  const shape = p1.shape;
  assertShape('BYOL p2 (must match p1)', p2, shape);
  assertShape('BYOL z1 (must match p1)', z1, shape);
  assertShape('BYOL z2 (must match p1)', z2, shape);
  return tf.tidy(() => tf.add(normalisedMse(p1, z2), normalisedMse(p2, z1)) as tf.Scalar);
}
