/**
 * Adam with decoupled weight decay (Loshchilov & Hutter 2019, Algorithm 2), with its state in plain
 * variables so that a checkpoint can save and restore it exactly, and the learning rate set per step.
 *
 * The update is torch.optim.AdamW's, term for term (test/core/ssl/optim/adamw.test.ts compares them):
 *   p ← p·(1 − lr·wd)                                        (decay first, from the pre-update p)
 *   m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
 *   p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
 * Epsilon is added after the bias correction of √v: folding √(1 − β2ᵗ) into the step size instead
 * would scale ε by 1/√(1 − β2ᵗ) (≈ 32× at step 1), which matters for parameters with tiny gradients.
 */
import { tf } from '../../engine/backend';

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
  /**
   * Which parameters take weight decay, in the order of `params` (default: all). `false` exempts a
   * parameter, as PyTorch does with a param group of weight_decay 0 (usually biases and batch-norm
   * scales and offsets).
   */
  decayMask?: readonly boolean[];
}

export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  /** Whether each parameter takes weight decay. */
  readonly decayMask: readonly boolean[];
  /** Updates applied so far (for bias correction). */
  step = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(
    readonly params: tf.Variable[],
    options: AdamWOptions = {},
  ) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    if (options.decayMask !== undefined && options.decayMask.length !== params.length) {
      throw new Error(`decayMask has ${options.decayMask.length} entries for ${params.length} parameters`);
    }
    this.decayMask = options.decayMask ? [...options.decayMask] : params.map(() => true);
    this.m = params.map((p) => zeroVariable(p));
    this.v = params.map((p) => zeroVariable(p));
  }

  /**
   * Applies one update; `grads[i]` is the gradient of `params[i]`. Gradients are not disposed here.
   * A parameter without a gradient (null or undefined: it took no part in this step's loss, such as
   * a head whose task had no example in the batch) is left as it is, moments and weight decay
   * included, as `torch.optim.AdamW` skips parameters whose `.grad` is None.
   */
  apply(grads: readonly (tf.Tensor | null | undefined)[], learningRate: number): void {
    if (grads.length !== this.params.length) throw new Error(`expected ${this.params.length} gradients, got ${grads.length}`);
    this.step++;
    const correction1 = 1 - this.beta1 ** this.step;
    const sqrtCorrection2 = Math.sqrt(1 - this.beta2 ** this.step);
    const stepSize = learningRate / correction1;
    const decayFactor = 1 - learningRate * this.weightDecay;
    tf.tidy(() => {
      for (let i = 0; i < this.params.length; i++) {
        const p = this.params[i]!;
        const g = grads[i];
        if (g === null || g === undefined) continue;
        const m = this.m[i]!;
        const v = this.v[i]!;
        const decayed = this.weightDecay !== 0 && this.decayMask[i] ? tf.mul(p, decayFactor) : p;
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const denom = tf.add(tf.div(tf.sqrt(v), sqrtCorrection2), this.epsilon);
        p.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), stepSize)));
      }
    });
  }

  /** State for checkpoints: the moment estimates, in parameter order. */
  stateVariables(): tf.Variable[] {
    return [...this.m, ...this.v];
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}

/** A non-trainable variable of zeros shaped like `p`; the zeros tensor it starts from is freed (dispose() then frees everything). */
function zeroVariable(p: tf.Variable): tf.Variable {
  const zeros = tf.zerosLike(p);
  const variable = tf.variable(zeros, false);
  zeros.dispose();
  return variable;
}
