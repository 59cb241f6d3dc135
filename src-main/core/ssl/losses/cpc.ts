/**
 * The loss of Contrastive Predictive Coding: van den Oord, Li, Vinyals (2018), "Representation
 * Learning with Contrastive Predictive Coding", eq. (4), with the log-bilinear score of eq. (3),
 * f_k(z, c_t) = exp(zᵀ W_k c_t):
 *
 *   L = −E_{b, t, k}[ log( exp(z_{t+k}ᵀ W_k c_t) / (exp(z_{t+k}ᵀ W_k c_t) + Σ_{j=1..N} exp(z_jᵀ W_k c_t)) ) ]
 *
 * For every step k = 1..K and every position t < T − K (each position predicts all K steps, as in
 * the authors' audio code of Rivière et al. 2020, CPC_audio), W_k c_t must pick the true encoding
 * z_{t+k} among N negatives: frames drawn from the batch's other positions, of this clip and the
 * others. The N negatives of a position are shared by its K predictions (also CPC_audio's choice):
 * one gather of [B·(T−K), N, D] rather than K of them, the step's largest tensor. Cross-entropy,
 * averaged over b, t and k. No temperature and no normalisation: the paper's plain bilinear scores.
 *
 * Negatives are flat positions b·T + t into the batch's [B·T] frames, N per query position in the
 * order (b, t), drawn by the caller (from the run's seeded Rng, see `drawCpcNegatives`) so that the
 * function itself is deterministic.
 */
import { tf } from '../../engine/backend';
import { assertShape } from '../../engine/shapes';
import type { Rng } from '../random';
import { logSumExpRows } from './nt-xent';

/** Query positions of a batch of B clips of T frames with K prediction steps: B·(T − K). */
export function cpcQueryCount(clips: number, frames: number, steps: number): number {
  return clips * (frames - steps);
}

/**
 * N negative positions for every query position (b, t < T − K), uniform over the batch's B·T frames
 * other than that position's K positives z_{t+1..t+K} (drawn with replacement).
 * @returns Int32Array [B·(T−K) × N] of flat positions b·T + t
 */
export function drawCpcNegatives(rng: Rng, clips: number, frames: number, steps: number, negatives: number): Int32Array {
  checkSizes(clips, frames, steps, negatives);
  const candidates = clips * frames - steps;
  const out = new Int32Array(cpcQueryCount(clips, frames, steps) * negatives);
  let o = 0;
  for (let b = 0; b < clips; b++) {
    for (let t = 0; t < frames - steps; t++) {
      const firstPositive = b * frames + t + 1; // positives b·T + t + 1 .. b·T + t + K, inside clip b
      for (let j = 0; j < negatives; j++) {
        const draw = rng.int(candidates);
        out[o++] = draw >= firstPositive ? draw + steps : draw;
      }
    }
  }
  return out;
}

function checkSizes(clips: number, frames: number, steps: number, negatives: number): void {
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`CPC needs at least one prediction step, got ${steps}`);
  if (!Number.isInteger(negatives) || negatives < 1) throw new RangeError(`CPC needs at least one negative, got ${negatives}`);
  if (frames < steps + 1) throw new RangeError(`CPC predicting ${steps} steps ahead needs at least ${steps + 1} frames per clip, got ${frames}`);
  if (clips * frames - steps < 1) throw new RangeError(`CPC needs a frame besides the positives to draw negatives from, got ${clips} clips of ${frames}`);
}

/**
 * @param context [B, T, C] c_t, the context network's output (position t sees frames ≤ t only)
 * @param targets [B, T, D] z_t, the frame encoder's output
 * @param predictors [K, C, D] W_k for k = 1..K (row k − 1)
 * @param negatives [B·(T−K) × N] flat positions into the B·T frames (see `drawCpcNegatives`)
 * @returns scalar mean over (b, t, k) of the cross-entropy
 */
export function cpcLoss(context: tf.Tensor3D, targets: tf.Tensor3D, predictors: tf.Tensor3D, negatives: Int32Array): tf.Scalar {
  assertShape('CPC context', context, [null, null, null]);
  const [b, t, c] = context.shape;
  assertShape('CPC targets (clips and frames must match the context)', targets, [b, t, null]);
  const d = targets.shape[2];
  assertShape(`CPC predictors (K matrices from context size ${c} to target size ${d})`, predictors, [null, c, d]);
  const k = predictors.shape[0];
  checkSizes(b, t, k, 1);
  const span = t - k;
  const queries = cpcQueryCount(b, t, k);
  if (negatives.length === 0 || negatives.length % queries !== 0) {
    throw new Error(`CPC negatives: expected N per query position for ${queries} positions (B=${b}, T=${t}, K=${k}), got ${negatives.length} positions`);
  }
  const n = negatives.length / queries;
  const bt = b * t;
  for (const p of negatives) if (!(p >= 0 && p < bt)) throw new RangeError(`CPC negatives: position ${p} is outside the batch's ${bt} frames`);

  return tf.tidy(() => {
    const query = tf.reshape(tf.slice(context, [0, 0, 0], [b, span, c]), [queries, c]) as tf.Tensor2D; // [P, C], P = B·(T−K)
    const weights = tf.reshape(tf.transpose(predictors, [1, 0, 2]), [c, k * d]) as tf.Tensor2D; // [C, K·D]
    const prediction = tf.reshape(tf.matMul(query, weights), [queries, k, d]) as tf.Tensor3D; // [P, K, D], W_k c_t
    const futures = Array.from({ length: k }, (_, i) => tf.slice(targets, [0, i + 1, 0], [b, span, d])); // K × [B, T−K, D], z_{t+k}
    const positive = tf.sum(tf.mul(prediction, tf.reshape(tf.stack(futures, 2), [queries, k, d])), 2, true); // [P, K, 1]
    const drawn = tf.reshape(tf.gather(tf.reshape(targets, [bt, d]), tf.tensor1d(negatives, 'int32')), [queries, n, d]); // [P, N, D]
    const negative = tf.matMul(prediction, drawn, false, true); // [P, K, N]
    const logits = tf.reshape(tf.concat([positive, negative], 2), [queries * k, 1 + n]) as tf.Tensor2D; // [P·K, 1 + N], the positive in column 0
    return tf.sub(tf.mean(logSumExpRows(logits)), tf.mean(positive)) as tf.Scalar;
  });
}
