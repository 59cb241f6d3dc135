import type { Modality } from '../../../contract';
import type { tf } from '../../engine/backend';
import type { TrainConfig } from '../../training/config';

/** What the training loop tells a method about the data. */
export interface MethodSetup {
  /** [height, width, channels] of one input. */
  inputShape: [number, number, number];
  config: TrainConfig;
}

/** A method instantiated for one run: its networks, loss and optimiser. */
export interface TrainableMethod {
  readonly embeddingDim: number;
  /** Augmented views of each example the loop must provide per step (2 for SimCLR). */
  readonly viewsPerExample: number;
  /** One optimiser step on a batch; `views[v]` is view v of every example, [B, H, W, C]. Returns the loss before the update. */
  trainStep(views: tf.Tensor4D[], learningRate: number): number;
  /** Inference embedding of un-augmented inputs: [B, H, W, C] → [B, embeddingDim]. */
  embed(x: tf.Tensor4D): tf.Tensor2D;
  /** Every variable that defines the method's state (weights, statistics, optimiser moments), by stable name. */
  stateVariables(): { name: string; variable: tf.Variable }[];
  /** Optimiser updates applied so far (saved in checkpoints for bias correction). */
  optimizerStep: number;
  dispose(): void;
}

/** A registered self-supervised method. Adding one is a file in methods/ and a line in methods/index.ts. */
export interface SslMethod {
  id: string;
  name: string;
  /** One sentence for the UI and `pretext train --help`. */
  description: string;
  modalities: readonly Modality[];
  create(setup: MethodSetup): TrainableMethod;
}
