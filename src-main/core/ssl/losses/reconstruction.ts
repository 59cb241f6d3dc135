/**
 * Reconstruction losses of autoencoders, summed over an image's pixels and channels and averaged
 * over the batch (the per-example reconstruction term of the ELBO, so that β·KL weighs against it as
 * in the paper):
 *
 *   'bce': −log p(x | z) of a Bernoulli decoder, Kingma & Welling (2014), "Auto-Encoding Variational
 *          Bayes", Appendix C.1: log p(x|z) = Σᵢ xᵢ log yᵢ + (1 − xᵢ) log(1 − yᵢ), y = sigmoid(a).
 *          From the logits a, stably: ℓ = max(a, 0) − a·x + log(1 + exp(−|a|)). Targets in [0, 1]
 *          (grey levels as probabilities, as is usual for images).
 *   'mse': Σᵢ (aᵢ − xᵢ)², the squared error of a linear output (a Gaussian decoder of fixed variance,
 *          up to constants).
 *
 * Both take the decoder's pre-activation output `a`; for 'bce' the image it shows is sigmoid(a).
 */
import { tf } from '../../engine/backend';
import { assertShape } from '../../engine/shapes';

export type ReconstructionKind = 'bce' | 'mse';
export const RECONSTRUCTION_KINDS: readonly ReconstructionKind[] = ['bce', 'mse'];

/**
 * @param output [N, H, W, C] decoder outputs before the activation (logits for 'bce')
 * @param target [N, H, W, C] the images, values in [0, 1]
 * @returns scalar: mean over the N images of the loss summed over H·W·C
 */
export function reconstructionLoss(output: tf.Tensor4D, target: tf.Tensor4D, kind: ReconstructionKind): tf.Scalar {
  if (!RECONSTRUCTION_KINDS.includes(kind)) throw new RangeError(`reconstruction loss must be one of ${RECONSTRUCTION_KINDS.join(', ')}, got '${String(kind)}'`);
  assertShape('reconstruction output', output, [null, null, null, null]);
  assertShape('reconstruction target (must match the output)', target, output.shape);
  const n = output.shape[0];
  if (n < 1) throw new Error(`reconstruction loss needs at least 1 image, got output of shape [${output.shape.join(', ')}]`);
  return tf.tidy(() => {
    const perPixel =
      kind === 'mse'
        ? tf.squaredDifference(output, target)
        : tf.add(tf.sub(tf.relu(output), tf.mul(output, target)), tf.log1p(tf.exp(tf.neg(tf.abs(output))))); // [N, H, W, C]
    return tf.div(tf.sum(perPixel), n) as tf.Scalar;
  });
}

/**
 * What the decoder's output shows as an image: sigmoid for 'bce', the values clipped to [0, 1] for
 * 'mse' of pixels, the values themselves for 'mse' of other inputs (`pixels` false: spectrograms).
 */
export function reconstructedImage(output: tf.Tensor4D, kind: ReconstructionKind, pixels = true): tf.Tensor4D {
  return tf.tidy(() => (kind === 'bce' ? tf.sigmoid(output) : pixels ? tf.clipByValue(output, 0, 1) : tf.clone(output)) as tf.Tensor4D);
}
