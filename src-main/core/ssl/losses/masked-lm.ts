/**
 * The token-prediction losses of the text methods: softmax cross-entropy over the vocabulary
 * (logits from the tied input embedding) at the positions that have something to predict.
 *
 * Masked language modelling, BERT: Devlin, Chang, Lee, Toutanova (2019), "BERT: Pre-training of
 * Deep Bidirectional Transformers for Language Understanding", §3.1 Task #1 and appendix A.2 ("the
 * MLM likelihood" is the mean log-likelihood of the original tokens at the masked positions):
 *
 *   L_MLM = −(1/|M|) Σ_{(b,t) ∈ M} log softmax(logits[b, t])[x_{b,t}]
 *
 * with M the chosen positions (views/token-mask.ts). Written with weights w ≥ 0 per position,
 * L = Σ w·ℓ / Σ w, which is PyTorch's `F.cross_entropy(…, ignore_index=−100)` for 0/1 weights.
 *
 * Next-token prediction, GPT: Radford, Narasimhan, Salimans, Sutskever (2018), "Improving
 * Language Understanding by Generative Pre-Training", §3.1 eq. (1): maximise Σ_t log P(u_t | u_<t),
 * i.e. the (causally masked) output at position t predicts token t+1:
 *
 *   L_LM = −(1/|T|) Σ_{(b,t) ∈ T} log softmax(logits[b, t])[x_{b,t+1}],   T = {(b, t) : t+1 < L, x_{b,t+1} ≠ PAD}
 *
 * so [CLS] predicts the first token and the last token predicts [SEP] (the end of the text).
 */
import { TEXT_TOKEN_IDS } from '../../../contract';
import { tf } from '../../engine/backend';
import { assertShape } from '../../engine/shapes';

/**
 * Σ_r w_r (log Σ exp(x_r) − x_r[y_r]) / Σ w with the gradient written out: (softmax − onehot) · w_r · dy / Σ w.
 * @param logits [R, V] @param onehot [R, V] the targets (rows of zero weight may be all zero)
 * @param weights [R, 1] already divided by Σ w @returns scalar
 */
const weightedCrossEntropy = tf.customGrad((...args) => {
  const [logits, onehot, weights, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  const value = tf.tidy(() => {
    const shift = tf.max(logits, 1, true); // [R, 1]
    const logSumExp = tf.add(tf.log(tf.sum(tf.exp(tf.sub(logits, shift)), 1, true)), shift); // [R, 1]
    const target = tf.sum(tf.mul(logits, onehot), 1, true); // [R, 1]
    return tf.sum(tf.mul(tf.sub(logSumExp, target), weights)) as tf.Scalar;
  });
  save([logits, onehot, weights]);
  return {
    value,
    gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => {
      const [x, target, w] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const grad = tf.mul(tf.sub(tf.softmax(x), target), tf.mul(w, dy)); // [R, V]
      return [grad, tf.zerosLike(target), tf.zerosLike(w)];
    },
  };
}) as (logits: tf.Tensor2D, onehot: tf.Tensor2D, weights: tf.Tensor2D) => tf.Scalar;

/** Flattens [B, L, V] logits to [B·L, V] rows; 2-D logits pass as they are. */
function logitRows(what: string, logits: tf.Tensor2D | tf.Tensor3D): tf.Tensor2D {
  if (logits.rank === 3) return tf.reshape(logits, [-1, logits.shape[2]!]);
  if (logits.rank === 2) return logits as tf.Tensor2D;
  throw new Error(`${what}: expected logits [N, V] or [B, L, V], got [${logits.shape.join(', ')}]`);
}

/**
 * Mean cross-entropy over the rows with weight > 0, weighted: Σ w·ℓ / Σ w.
 * @param logits [N, V], or [B, L, V] with targets and weights over the B·L positions in row order
 * @param targets one id in 0..V−1 per row where the weight is > 0 (any number where it is 0, e.g. −100)
 * @param weights one weight ≥ 0 per row; at least one must be > 0
 */
function weightedTokenCrossEntropy(what: string, logits: tf.Tensor2D | tf.Tensor3D, targets: ArrayLike<number>, weights: ArrayLike<number>): tf.Scalar {
  const shape = `[${logits.shape.join(', ')}]`;
  if (logits.rank !== 2 && logits.rank !== 3) throw new Error(`${what}: expected logits [N, V] or [B, L, V], got ${shape}`);
  const vocab = logits.shape[logits.rank - 1]!;
  const rows = logits.size / vocab;
  if (vocab < 2 || rows < 1) throw new Error(`${what} needs at least 1 position and 2 classes, got logits of shape ${shape}`);
  if (targets.length !== rows) throw new Error(`${what}: expected ${rows} targets (one per position of logits ${shape}), got ${targets.length}`);
  if (weights.length !== rows) throw new Error(`${what}: expected ${rows} weights (one per position of logits ${shape}), got ${weights.length}`);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const w = weights[r]!;
    if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`${what}: weight ${r} is ${w}, expected a finite number ≥ 0`);
    if (w === 0) continue;
    const y = targets[r]!;
    if (!Number.isInteger(y) || y < 0 || y >= vocab) throw new RangeError(`${what}: target ${r} is ${y}, expected an id in 0..${vocab - 1}`);
    total += w;
  }
  if (total === 0) throw new Error(`${what}: no position to predict (every weight is 0 over logits ${shape})`);
  const scaled = new Float32Array(rows);
  const labels = new Int32Array(rows).fill(-1);
  for (let r = 0; r < rows; r++) {
    if (weights[r]! === 0) continue;
    scaled[r] = weights[r]! / total;
    labels[r] = targets[r]!;
  }
  return tf.tidy(() => {
    const x = logitRows(what, logits); // [R, V]
    // One-hot from a comparison (tfjs-backend-wasm 4.22's float32 OneHot writes integer bit patterns); −1 matches no column.
    const onehot = tf.cast(tf.equal(tf.range(0, vocab, 1, 'int32').reshape([1, vocab]), tf.tensor2d(labels, [rows, 1], 'int32')), 'float32') as tf.Tensor2D; // [R, V]
    return weightedCrossEntropy(x, onehot, tf.tensor2d(scaled, [rows, 1])); // scalar
  });
}

/**
 * BERT's masked-LM loss: mean cross-entropy at the chosen positions.
 * @param logits [N, V] at the N chosen positions (targets: the N original ids, weights all 1), or
 *   [B, L, V] at every position with B·L targets and weights (MaskedTokens.labels and .weights)
 * @param targets original ids where the weight is > 0
 * @param weights 1 at the masked positions, 0 elsewhere (or any weights ≥ 0)
 * @returns scalar Σ w·ℓ / Σ w
 */
export function maskedLmLoss(logits: tf.Tensor2D | tf.Tensor3D, targets: ArrayLike<number>, weights?: ArrayLike<number>): tf.Scalar {
  const rows = logits.rank >= 2 ? logits.size / logits.shape[logits.rank - 1]! : 0;
  return weightedTokenCrossEntropy('masked-LM loss', logits, targets, weights ?? new Float32Array(rows).fill(1));
}

/**
 * GPT's next-token loss: the output at position t predicts input token t+1; PAD targets (and the
 * last position, which has no next token) are left out.
 * @param logits [B, L, V] from a causally masked encoder over the model inputs
 * @param ids [B·L] the same model inputs' token ids ([CLS] ids… [SEP] PAD…)
 * @param weights optional [B·L] weights of the positions whose next token is predicted (default 1)
 * @returns scalar mean cross-entropy over the predicted tokens
 */
export function nextTokenLoss(logits: tf.Tensor3D, ids: ArrayLike<number>, weights?: ArrayLike<number>): tf.Scalar {
  assertShape('next-token logits', logits, [null, null, null]);
  const [batch, length] = logits.shape;
  if (ids.length !== batch * length) throw new Error(`next-token loss: expected ${batch}×${length} ids (logits [${logits.shape.join(', ')}]), got ${ids.length}`);
  if (weights !== undefined && weights.length !== batch * length) throw new Error(`next-token loss: expected ${batch}×${length} weights, got ${weights.length}`);
  const targets = new Int32Array(batch * length).fill(-100);
  const w = new Float32Array(batch * length);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t + 1 < length; t++) {
      const next = ids[b * length + t + 1]!;
      if (next === TEXT_TOKEN_IDS.pad) continue;
      targets[b * length + t] = next;
      w[b * length + t] = weights === undefined ? 1 : weights[b * length + t]!;
    }
  }
  return weightedTokenCrossEntropy('next-token loss', logits, targets, w);
}
