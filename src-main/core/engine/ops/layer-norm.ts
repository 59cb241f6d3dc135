/**
 * Layer normalisation (Ba, Kiros & Hinton 2016) over the last axis, with a hand-written gradient.
 *
 *   forward:  μ = mean(x),  σ² = mean((x − μ)²),  r = 1/√(σ² + ε),  x̂ = (x − μ)·r,  y = γ·x̂ + β
 *   backward: g = dy·γ
 *             dx = r·(g − mean(g) − x̂·mean(g·x̂))      (means over the normalised axis)
 *             dγ = Σ_rows dy·x̂,   dβ = Σ_rows dy
 *
 * tfjs has no layer-norm op; left to autodiff, tf.moments plus the affine map records ~12 kernels
 * forward and ~25 backward over the activation. This is 6 forward and 11 backward, all stock
 * elementwise kernels and innermost-axis means (fast on wasm).
 */
import { tf } from '../tf';
import { assertShape } from '../shapes';

/**
 * @param x [N, D] rows to normalise
 * @param gamma [D] scale γ
 * @param beta [D] offset β
 * @returns [N, D]
 */
export function layerNorm(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon = 1e-5): tf.Tensor2D {
  const d = x.shape[1];
  assertShape('layerNorm input', x, [null, null]);
  assertShape('layerNorm gamma', gamma, [d]);
  assertShape('layerNorm beta', beta, [d]);
  return op(x, gamma, beta, epsilon);
}

function op(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): tf.Tensor2D {
  const f = tf.customGrad((...args) => {
    const [xIn, gammaIn, betaIn, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const { xHat, invStd } = tf.tidy(() => {
      const centred = tf.sub(xIn, tf.mean(xIn, 1, true)); // [N, D]
      const r = tf.rsqrt(tf.add(tf.mean(tf.square(centred), 1, true), epsilon)); // [N, 1]
      return { xHat: tf.mul(centred, r) as tf.Tensor2D, invStd: r as tf.Tensor2D };
    });
    const value = tf.add(tf.mul(xHat, gammaIn), betaIn) as tf.Tensor2D; // [N, D]
    save([xHat, invStd, gammaIn]);
    return {
      value,
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [xHatSaved, invStdSaved, gammaSaved] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
        const dx = tf.tidy(() => {
          const g = tf.mul(dy, gammaSaved); // [N, D]
          const meanG = tf.mean(g, 1, true); // [N, 1]
          const meanGXHat = tf.mean(tf.mul(g, xHatSaved), 1, true); // [N, 1]
          return tf.mul(tf.sub(tf.sub(g, meanG), tf.mul(xHatSaved, meanGXHat)), invStdSaved); // [N, D]
        });
        const dGamma = tf.tidy(() => tf.sum(tf.mul(dy, xHatSaved), 0)); // [D]
        const dBeta = tf.sum(dy, 0); // [D]
        return [dx, dGamma, dBeta];
      },
    };
  });
  return f(x, gamma, beta) as tf.Tensor2D;
}
