/**
 * The KL divergence of a diagonal Gaussian posterior from the standard normal prior, the
 * regulariser of the VAE's ELBO: Kingma & Welling (2014), "Auto-Encoding Variational Bayes",
 * Appendix B (and eq. 10):
 *
 *   −D_KL(q(z|x) ‖ N(0, I)) = ½ Σⱼ (1 + log σⱼ² − μⱼ² − σⱼ²)
 *
 * summed over the J latent dimensions and averaged over the batch. The β-VAE (Higgins et al. 2017,
 * eq. 4) weighs this term by β in the loss; the weighting is the caller's.
 */
import { tf } from '../../engine/backend';
import { assertShape } from '../../engine/shapes';

/**
 * @param mean [N, J] posterior means μ
 * @param logVariance [N, J] posterior log-variances log σ²
 * @returns scalar: mean over the N examples of D_KL summed over J
 */
export function gaussianKl(mean: tf.Tensor2D, logVariance: tf.Tensor2D): tf.Scalar {
  assertShape('gaussian-kl mean', mean, [null, null]);
  assertShape('gaussian-kl log-variance (must match the mean)', logVariance, mean.shape);
  const n = mean.shape[0];
  if (n < 1) throw new Error(`gaussian-kl needs at least 1 example, got mean of shape [${mean.shape.join(', ')}]`);
  return tf.tidy(() => {
    const perDim = tf.sub(tf.add(tf.square(mean), tf.exp(logVariance)), tf.add(logVariance, 1)); // [N, J] = 2·KL per dimension
    return tf.div(tf.sum(perDim), 2 * n) as tf.Scalar;
  });
}
