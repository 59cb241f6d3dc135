/**
 * Adam with decoupled weight decay (Loshchilov & Hutter 2019, Algorithm 2), with its state in plain
 * variables so that a checkpoint can save and restore it exactly, and the learning rate set per step.
 */
import { tf } from '../../engine/backend';

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
}

export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
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
    this.m = params.map((p) => tf.variable(tf.zerosLike(p), false));
    this.v = params.map((p) => tf.variable(tf.zerosLike(p), false));
  }

  /** Applies one update; `grads[i]` is the gradient of `params[i]`. Gradients are not disposed here. */
  apply(grads: readonly tf.Tensor[], learningRate: number): void {
    if (grads.length !== this.params.length) throw new Error(`expected ${this.params.length} gradients, got ${grads.length}`);
    this.step++;
    const correction1 = 1 - this.beta1 ** this.step;
    const correction2 = 1 - this.beta2 ** this.step;
    const stepSize = (learningRate * Math.sqrt(correction2)) / correction1;
    tf.tidy(() => {
      for (let i = 0; i < this.params.length; i++) {
        const p = this.params[i]!;
        const g = grads[i]!;
        const m = this.m[i]!;
        const v = this.v[i]!;
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        let next = tf.sub(p, tf.mul(tf.div(m, tf.add(tf.sqrt(v), this.epsilon)), stepSize));
        if (this.weightDecay > 0) next = tf.sub(next, tf.mul(p, learningRate * this.weightDecay));
        p.assign(next);
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
