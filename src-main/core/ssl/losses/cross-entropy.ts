/**
 * Softmax cross-entropy with integer class labels, the loss of rotation prediction:
 * Gidaris, Singh, Komodakis (2018), "Unsupervised Representation Learning by Predicting Image
 * Rotations", eq. (1) and (2):
 *
 *   loss(Xᵢ, θ) = −(1/K) Σ_{y=1..K} log F^y(g(Xᵢ | y) | θ),   loss = (1/N) Σᵢ loss(Xᵢ, θ)
 *
 * where g(X | y) is image X under transformation y (a rotation by y·90°) and F^y the probability the
 * network gives to class y. With the N·K transformed images as the rows of `logits` and their
 * transformation as `labels`, that is the mean over rows of −log softmax(logits)[label]:
 *
 *   ℓ = (1/R) Σ_r ( log Σ_k exp(logits[r, k]) − logits[r, labels[r]] )
 */
import { tf } from '../../engine/backend';
import { assertShape } from '../../engine/shapes';

/**
 * Mean over rows of log Σ exp(x) − Σ x·onehot, with the gradient written out: (softmax − onehot) · dy / R.
 * tf.logSumExp would also differentiate through its max-shift; the one-hot targets get a zero gradient.
 * @param logits [R, K] @param onehot [R, K] @returns scalar
 */
const meanSoftmaxCrossEntropy = tf.customGrad((...args) => {
  const [logits, onehot, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  const rows = logits.shape[0];
  const value = tf.tidy(() => {
    const shift = tf.max(logits, 1, true); // [R, 1]
    const logSumExp = tf.add(tf.log(tf.sum(tf.exp(tf.sub(logits, shift)), 1)), tf.reshape(shift, [-1])); // [R]
    const target = tf.sum(tf.mul(logits, onehot), 1); // [R]
    return tf.mean(tf.sub(logSumExp, target)) as tf.Scalar;
  });
  save([logits, onehot]);
  return {
    value,
    gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => {
      const [x, target] = saved as [tf.Tensor2D, tf.Tensor2D];
      const softmax = tf.softmax(x); // [R, K]
      return [tf.mul(tf.sub(softmax, target), tf.div(dy, rows)), tf.zerosLike(target)];
    },
  };
}) as (logits: tf.Tensor2D, onehot: tf.Tensor2D) => tf.Scalar;

/**
 * @param logits [R, K] unnormalised class scores
 * @param labels R class indices in 0..K−1
 * @returns scalar mean cross-entropy over the R rows
 */
export function softmaxCrossEntropy(logits: tf.Tensor2D, labels: ArrayLike<number>): tf.Scalar {
  assertShape('cross-entropy logits', logits, [null, null]);
  const [rows, classes] = logits.shape;
  if (rows < 1 || classes < 2) throw new Error(`cross-entropy needs at least 1 row and 2 classes, got logits of shape [${logits.shape.join(', ')}]`);
  if (labels.length !== rows) throw new Error(`cross-entropy: expected ${rows} labels (one per row of logits [${logits.shape.join(', ')}]), got ${labels.length}`);
  for (let r = 0; r < rows; r++) {
    const y = labels[r]!;
    if (!Number.isInteger(y) || y < 0 || y >= classes) throw new RangeError(`cross-entropy: label ${r} is ${y}, expected an integer in 0..${classes - 1}`);
  }
  // Made on the CPU: tfjs-backend-wasm 4.22's OneHot with a float32 output writes integer bit patterns.
  const targets = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) targets[r * classes + labels[r]!] = 1;
  return tf.tidy(() => meanSoftmaxCrossEntropy(logits, tf.tensor2d(targets, [rows, classes]))); // onehot [R, K]
}

/** Share of rows whose largest logit is at their label (ties count for the first index), from the logits' values. */
export function accuracyOf(logits: Float32Array | number[], classes: number, labels: ArrayLike<number>): number {
  const rows = labels.length;
  if (logits.length !== rows * classes) throw new Error(`accuracy: expected ${rows}×${classes} logits, got ${logits.length}`);
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logits[r * classes + k]! > logits[r * classes + best]!) best = k;
    if (best === labels[r]) correct++;
  }
  return rows === 0 ? 0 : correct / rows;
}
