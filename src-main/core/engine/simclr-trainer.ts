/**
 * One SimCLR optimisation step (Chen et al. 2020): both augmented views go through the encoder f
 * and projection head g as one batch of 2N (so batch norm sees both views, as in SimCLR's global
 * BN), then NT-Xent on the projections, then an Adam update of f and g.
 */
import { tf } from './backend';
import { ntXentLoss } from './losses/nt-xent';
import { assertShape } from './models/shapes';
import type { ProjectionHead, SmallCnn } from './models/small-cnn';

export interface SimclrTrainerOptions {
  temperature?: number;
  learningRate?: number;
}

export class SimclrTrainer {
  readonly temperature: number;
  private readonly optimizer: tf.Optimizer;
  private readonly trainable: tf.Variable[];

  constructor(
    readonly encoder: SmallCnn,
    readonly head: ProjectionHead,
    options: SimclrTrainerOptions = {},
  ) {
    this.temperature = options.temperature ?? 0.5;
    this.optimizer = tf.train.adam(options.learningRate ?? 1e-3);
    this.trainable = [...encoder.trainableVariables, ...head.trainableVariables];
  }

  /**
   * @param view1 [N, H, W, C] first augmentation of N examples
   * @param view2 [N, H, W, C] second augmentation of the same N examples, same order
   * @returns the loss before the update
   */
  step(view1: tf.Tensor4D, view2: tf.Tensor4D): number {
    assertShape('SimCLR view2 (must match view1)', view2, view1.shape);
    const n = view1.shape[0];
    const loss = tf.tidy((): tf.Scalar | undefined =>
      this.optimizer.minimize(
        () => {
          const x = tf.concat([view1, view2], 0); // [2N, H, W, C]
          const z = this.head.forward(this.encoder.forwardTrain(x)); // [2N, D]
          const [z1, z2] = tf.split(z, [n, n], 0) as [tf.Tensor2D, tf.Tensor2D]; // [N, D] each
          return ntXentLoss(z1, z2, this.temperature);
        },
        true,
        this.trainable,
      ) ?? undefined,
    );
    if (loss === undefined) throw new Error('optimizer.minimize returned no loss');
    const value = loss.dataSync()[0] ?? Number.NaN;
    loss.dispose();
    return value;
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
