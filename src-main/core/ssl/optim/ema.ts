/**
 * Exponential moving averages of a network's weights: the momentum key encoder of MoCo (He et al.
 * 2020, eq. 2: θ_k ← m·θ_k + (1 − m)·θ_q) and the target network of BYOL (Grill et al. 2020, §3.1:
 * ξ ← τ·ξ + (1 − τ)·θ), with BYOL's cosine schedule for τ.
 */
import { tf } from '../../engine/backend';

function checkPairs(target: readonly tf.Variable[], source: readonly tf.Variable[]): void {
  if (target.length !== source.length) throw new Error(`EMA needs as many target as source variables, got ${target.length} and ${source.length}`);
  target.forEach((t, i) => {
    const s = source[i]!;
    if (t.shape.join('x') !== s.shape.join('x')) {
      throw new Error(`EMA variable ${i} (${t.name}): target has shape [${t.shape.join(', ')}], source [${s.shape.join(', ')}]`);
    }
  });
}

/** target[i] ← source[i], e.g. to start a key encoder or target network as a copy of the online one. */
export function copyVariables(target: readonly tf.Variable[], source: readonly tf.Variable[]): void {
  checkPairs(target, source);
  tf.tidy(() => target.forEach((t, i) => t.assign(source[i]!.clone())));
}

/** target[i] ← m·target[i] + (1 − m)·source[i]; m in [0, 1] (1 keeps the target, 0 copies the source). */
export function emaUpdate(target: readonly tf.Variable[], source: readonly tf.Variable[], momentum: number): void {
  if (!(momentum >= 0 && momentum <= 1)) throw new RangeError(`EMA momentum must be in [0, 1], got ${momentum}`);
  checkPairs(target, source);
  tf.tidy(() => target.forEach((t, i) => t.assign(tf.add(tf.mul(t, momentum), tf.mul(source[i]!, 1 - momentum)))));
}

/**
 * BYOL's target decay (Grill et al. 2020, §3.2): τ = 1 − (1 − τ_base)·(cos(πk/K) + 1)/2, from τ_base
 * at k = 0 up to 1 at k = K. `step` is the 0-based index of the update (k), `totalSteps` is K;
 * k/K is clamped to [0, 1] (a time budget may revise K), and K ≤ 0 keeps τ_base.
 */
export function cosineMomentum(step: number, totalSteps: number, base: number): number {
  if (!(base >= 0 && base <= 1)) throw new RangeError(`base momentum must be in [0, 1], got ${base}`);
  if (!(totalSteps > 0)) return base;
  const progress = Math.min(1, Math.max(0, step / totalSteps));
  return 1 - ((1 - base) * (Math.cos(Math.PI * progress) + 1)) / 2;
}
