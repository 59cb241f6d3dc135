import type { InputSpec, Modality, ParamSpec, ParamValues } from '../../../contract';
import type { LoadedData } from '../../data/types';
import type { tf } from '../../engine/backend';
import type { Rng } from '../random';

/** What a method is built from: the input it will see, every parameter's value, the run's seed. */
export interface MethodSetup {
  spec: InputSpec;
  params: ParamValues;
  seed: number;
}

/** Where the loop is, for schedules (BYOL's momentum, warm-ups) and the method's own randomness. */
export interface StepContext {
  /** 1-based optimiser step about to be taken. */
  step: number;
  totalSteps: number;
  /** 1-based. */
  epoch: number;
  epochs: number;
  learningRate: number;
  /** The run's seeded generator: views, masks and noise drawn from it make a run reproducible. */
  rng: Rng;
}

/**
 * Named parts of the loss of one step; `total` is what the optimiser minimised. A part named
 * `accuracy` or `…Accuracy` is a share in [0, 1] measured on the step's batch (rotation prediction's
 * accuracy), plotted on its own axis rather than as a loss (see `MetricPoint.parts`).
 */
export type LossParts = { total: number } & Record<string, number>;

/** One row of a preview strip: what it shows, and one image per item [N, H, W, C], values in [0, 1]. */
export interface PreviewRow {
  label: string;
  images: Float32Array;
}

/** A method instantiated for one run: its networks, loss and optimiser. */
export interface TrainableMethod {
  readonly embeddingDim: number;
  /** False for baselines (raw pixels): nothing to optimise; the loop goes from `prepare` to extraction. */
  readonly trains: boolean;
  /**
   * Called once with the run's data before the first step (and before extraction for baselines); on
   * resume too, before the checkpoint is loaded (CLEAR reads its word boundaries and synonyms here).
   */
  prepare?(data: LoadedData): void | Promise<void>;
  /**
   * One optimiser step on the examples at `batch` (indices into `data`): the method makes its own
   * views, masks or targets from the data. Returns the loss parts before the update.
   */
  trainStep(data: LoadedData, batch: Int32Array, context: StepContext): LossParts;
  /** Inference embedding of un-augmented inputs (as the data module's `centre` makes them) → [B, embeddingDim]. */
  embed(x: tf.Tensor): tf.Tensor2D;
  /**
   * Images that show what the method learned (an autoencoder's reconstructions), drawn by the loop
   * after every epoch for a few fixed items. `inputs` [N, H, W, C] are as the data module's `centre`
   * makes them; `rng` is seeded the same every time, so random masks stay put from epoch to epoch.
   * The first row is usually the inputs themselves.
   */
  previews?(inputs: tf.Tensor4D, rng: Rng): PreviewRow[];
  /** Every variable that defines the method's state (weights, statistics, optimiser moments), by stable name. */
  stateVariables(): { name: string; variable: tf.Variable }[];
  /** Non-tensor state for checkpoints (a queue position, a vocabulary), JSON-serialisable. */
  extraState?(): unknown;
  restoreExtraState?(state: unknown): void;
  /** Optimiser updates applied so far (saved in checkpoints for bias correction). */
  optimizerStep: number;
  dispose(): void;
}

/** A registered self-supervised method. Adding one is a file in methods/ and a line in methods/index.ts. */
export interface SslMethod {
  id: string;
  name: string;
  /** 'contrastive', 'baseline', …: how the UI groups the list. */
  family: string;
  /** One sentence for the UI and `pretext methods`. */
  description: string;
  modalities: readonly Modality[];
  /** False for baselines that need no training; they take no training parameters. */
  trains: boolean;
  /** The method's own parameters. */
  params: readonly ParamSpec[];
  /**
   * Defaults that depend on the input's shape (never on labels), for the method's and the training
   * loop's parameters, applied where the user gave no value.
   */
  defaults?(spec: InputSpec): ParamValues;
  /** For each parameter `defaults` may set: how it chooses (shown in the form and `pretext methods`). */
  defaultsHelp?: Readonly<Record<string, string>>;
  /** Values that rebuild, for runs of Pretext 0.1, the network they trained (settings that did not exist then). */
  legacy?: ParamValues;
  create(setup: MethodSetup): TrainableMethod;
}
