/**
 * Training-mode batch normalisation (Ioffe & Szegedy 2015) fused with ReLU, with a hand-written
 * gradient.
 *
 * Left to autodiff, `relu(γ·(y − μ)/√(σ² + ε) + β)` with batch statistics costs ~30 full passes
 * over the activation per step, including NHWC reductions that the wasm backend runs by transposing
 * the whole tensor. Here the forward pass is 5 passes and the backward pass 8, and every per-channel
 * sum over N, H, W is an XNNPACK average pooling:
 *
 *   forward:  μ = mean(y),  σ² = mean((y − μ)²),  s = γ/√(σ² + ε),  out = relu(y·s + (β − μ·s))
 *   backward: dz = dout·[out > 0]
 *             dβ = Σ dz,   dγ = Σ dz·x̂ = (Σ dz·y − μ·Σ dz)/√(σ² + ε)
 *             dy = s·(dz − dβ/M − x̂·dγ/M) = dz·s + y·b + c   (per-channel b, c; M = N·H·W)
 *
 * On wasm both passes are one kernel each of our own (wasm/kernels/batch-norm-relu.ts: two reads of
 * y forward, two of y and dout backward, SIMD on all threads).
 */
import { tf } from '../tf';
import { assertShape } from '../shapes';
import { BATCH_NORM_RELU, BATCH_NORM_RELU_GRAD, batchNormReluKernelsApply } from '../wasm/kernels/batch-norm-relu';

export interface BatchNormReluResult {
  output: tf.Tensor4D; // [N, H, W, C]
  /** [C] batch mean. Not tracked by any tidy scope: the caller must dispose it. */
  mean: tf.Tensor1D;
  /** [C] biased batch variance. Not tracked by any tidy scope: the caller must dispose it. */
  variance: tf.Tensor1D;
}

/**
 * Mean over N, H and W of an NHWC tensor. On wasm: average pooling over each image, then over the
 * batch (XNNPACK; the package's Mean over non-innermost axes transposes the tensor first).
 * @param x [N, H, W, C] @returns [C]
 */
export function channelMean(x: tf.Tensor4D): tf.Tensor1D {
  const [n, h, w, c] = x.shape;
  if (tf.getBackend() !== 'wasm') return tf.mean(x, [0, 1, 2]) as tf.Tensor1D;
  return tf.tidy(() => {
    const perImage = h * w > 1 ? tf.avgPool(x, [h, w], 1, 'valid') : x; // [N, 1, 1, C]
    const overBatch = n > 1 ? tf.avgPool(tf.reshape(perImage, [1, n, 1, c]) as tf.Tensor4D, [n, 1], 1, 'valid') : perImage; // [1, 1, 1, C]
    return tf.reshape(overBatch, [c]) as tf.Tensor1D;
  });
}

/** x·scale + shift per channel (then ReLU), as one fused 1×1 depthwise convolution pass. */
function channelAffine(x: tf.Tensor4D, scale: tf.Tensor1D, shift: tf.Tensor1D | undefined, relu: boolean): tf.Tensor4D {
  const c = x.shape[3];
  return tf.fused.depthwiseConv2d({
    x,
    filter: tf.reshape(scale, [1, 1, c, 1]) as tf.Tensor4D,
    strides: 1,
    pad: 'valid',
    ...(shift === undefined ? {} : { bias: shift }),
    activation: relu ? 'relu' : 'linear',
  });
}

/**
 * @param y [N, H, W, C] pre-activation (e.g. a convolution output)
 * @param gamma [C] scale γ
 * @param beta [C] offset β
 */
export function batchNormRelu(y: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): BatchNormReluResult {
  const [n, h, w, c] = y.shape;
  assertShape('batchNormRelu gamma', gamma, [c]);
  assertShape('batchNormRelu beta', beta, [c]);
  if (batchNormReluKernelsApply(tf.getBackend(), c)) return fusedBatchNormRelu(y, gamma, beta, epsilon);
  const count = n * h * w;
  let stats: { mean: tf.Tensor1D; variance: tf.Tensor1D } | undefined;

  const op = tf.customGrad((...args) => {
    const [yIn, gammaIn, betaIn, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const mean = channelMean(yIn); // [C]
    const variance = tf.tidy(() => channelMean(tf.square(tf.sub(yIn, mean)) as tf.Tensor4D)); // [C]
    const invStd = tf.rsqrt(tf.add(variance, epsilon)) as tf.Tensor1D; // [C]
    const scale = tf.mul(gammaIn, invStd) as tf.Tensor1D; // [C]
    const shift = tf.sub(betaIn, tf.mul(mean, scale)) as tf.Tensor1D; // [C]
    const out = channelAffine(yIn, scale, shift, true); // [N, H, W, C]
    save([yIn, out, mean, invStd, scale]);
    // The statistics leave the op for the moving averages; keep() saves them from the op's scope.
    stats = { mean: tf.keep(mean), variance: tf.keep(variance) };

    return {
      value: out,
      gradFunc: (dOut: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [ySaved, outSaved, meanSaved, invStdSaved, scaleSaved] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        // Inner tidy scopes free each full-size intermediate as soon as it is consumed, which keeps
        // the peak memory of the backward pass near three activations instead of six.
        const dz = tf.tidy(() => tf.mul(dOut, tf.step(outSaved)) as tf.Tensor4D); // [N, H, W, C]
        const sumDz = tf.tidy(() => tf.mul(channelMean(dz), count)); // [C] = dβ
        const sumDzY = tf.tidy(() => tf.mul(channelMean(tf.mul(dz, ySaved) as tf.Tensor4D), count)); // [C]
        const dGamma = tf.mul(tf.sub(sumDzY, tf.mul(meanSaved, sumDz)), invStdSaved) as tf.Tensor1D; // [C]
        // dy = dz·s + y·b + c  with  b = −s·dγ/(M·√(σ²+ε)),  c = −b·μ − s·dβ/M
        const b = tf.div(tf.mul(tf.neg(scaleSaved), tf.mul(dGamma, invStdSaved)), count) as tf.Tensor1D;
        const cc = tf.sub(tf.neg(tf.mul(b, meanSaved)), tf.div(tf.mul(scaleSaved, sumDz), count)) as tf.Tensor1D;
        const dY = tf.tidy(() => tf.add(channelAffine(dz, scaleSaved, undefined, false), channelAffine(ySaved, b, cc, false)));
        dz.dispose();
        return [dY, dGamma, sumDz];
      },
    };
  });

  const output = op(y, gamma, beta) as tf.Tensor4D;
  if (stats === undefined) throw new Error('batchNormRelu: forward pass did not run');
  return { output, mean: stats.mean, variance: stats.variance };
}

/** The same op on the fused wasm kernels. */
function fusedBatchNormRelu(y: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): BatchNormReluResult {
  let stats: { mean: tf.Tensor1D; variance: tf.Tensor1D } | undefined;
  const op = tf.customGrad((...args) => {
    const [yIn, gammaIn, betaIn, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const [out, mean, variance, scale, shift, invStd] = tf.engine().runKernel(BATCH_NORM_RELU, { y: yIn, gamma: gammaIn, beta: betaIn }, { epsilon }) as [
      tf.Tensor4D, // [N, H, W, C]
      tf.Tensor1D, // [C] each
      tf.Tensor1D,
      tf.Tensor1D,
      tf.Tensor1D,
      tf.Tensor1D,
    ];
    save([yIn, scale, shift, mean, invStd]);
    stats = { mean: tf.keep(mean), variance: tf.keep(variance) };
    return {
      value: out,
      gradFunc: (dOut: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [ySaved, scaleSaved, shiftSaved, meanSaved, invStdSaved] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        const [dY, dGamma, dBeta] = tf.engine().runKernel(BATCH_NORM_RELU_GRAD, {
          dout: dOut,
          y: ySaved,
          scale: scaleSaved,
          shift: shiftSaved,
          mean: meanSaved,
          invStd: invStdSaved,
        }) as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
        return [dY, dGamma, dBeta];
      },
    };
  });
  const output = op(y, gamma, beta) as tf.Tensor4D;
  if (stats === undefined) throw new Error('batchNormRelu: forward pass did not run');
  return { output, mean: stats.mean, variance: stats.variance };
}
