/**
 * The masked-image-modelling loss of SimMIM: Xie et al. (2022), "SimMIM: A Simple Framework for
 * Masked Image Modeling", eq. (1):
 *
 *   L = (1 / Ω(x_M)) · ‖y_M − x_M‖₁
 *
 * the L1 distance between the predicted and the true pixel values on the masked pixels only,
 * divided by the number of masked values Ω(x_M) (pixels × channels). SimMIM found ℓ1 slightly ahead
 * of ℓ2 (its Table 5); visible pixels contribute nothing, so the model learns by filling in.
 */
import { tf } from '../../engine/backend';
import { assertShape } from '../../engine/shapes';

/**
 * @param prediction [N, H, W, C] predicted pixels
 * @param target [N, H, W, C] true pixels
 * @param mask [N, H, W, 1] 1 where the pixel was hidden from the encoder, 0 where it was visible
 * @returns scalar mean absolute error over the masked values (0 when nothing was masked)
 */
export function maskedL1Loss(prediction: tf.Tensor4D, target: tf.Tensor4D, mask: tf.Tensor4D): tf.Scalar {
  assertShape('masked-l1 prediction', prediction, [null, null, null, null]);
  const [n, h, w, c] = prediction.shape;
  assertShape('masked-l1 target (must match the prediction)', target, [n, h, w, c]);
  assertShape('masked-l1 mask (one value per pixel)', mask, [n, h, w, 1]);
  return tf.tidy(() => {
    const hidden = tf.mul(tf.sum(mask), c); // Ω(x_M)
    const error = tf.sum(tf.mul(tf.abs(tf.sub(prediction, target)), mask));
    return tf.div(error, tf.maximum(hidden, 1)) as tf.Scalar;
  });
}
