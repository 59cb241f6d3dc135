/**
 * What every trained method's run shares: its encoder and the networks trained with it (heads,
 * decoders, a classifier) under one AdamW, the state it keeps beside them (momentum copies, a queue),
 * the checkpoint names of all of it (`encoder`, each part by its key, `adam`), the optimiser's step,
 * one optimiser step, and disposal. A method adds its networks, its step and, where the encoder's
 * own is not it, its embedding.
 */
import type { LoadedData } from '../../data/types';
import { tf } from '../../engine/backend';
import type { SmallCnn } from '../encoders/small-cnn';
import { AdamW } from '../optim/adamw';
import { minimise, type StepLoss } from '../optim/minimise';
import { named } from './state-names';
import type { LossParts, StepContext, TrainableMethod } from './types';

/**
 * A network of a run. `trainableVariables` are what the optimiser updates, in order (AdamW's
 * moments, and so their checkpoint names, follow it); `variables`, where given, its whole state
 * (batch-norm statistics too). A network whose every variable is trained may give `variables` alone.
 */
export type RunPart = { readonly decayMask: boolean[]; dispose(): void } & (
  | { readonly trainableVariables: tf.Variable[]; readonly variables?: tf.Variable[] }
  | { readonly variables: tf.Variable[]; readonly trainableVariables?: undefined }
);

/**
 * A network, or a lone variable (MIM's mask token, MoCo's queue of keys), which is checkpointed under
 * its key itself rather than `<key>.<index>` and, when trained, takes no weight decay.
 */
export type RunState = RunPart | tf.Variable;

function trainableOf(state: RunState): tf.Variable[] {
  if (state instanceof tf.Variable) return [state];
  return state.trainableVariables !== undefined ? state.trainableVariables : state.variables;
}

function decayMaskOf(state: RunState): boolean[] {
  return state instanceof tf.Variable ? [false] : state.decayMask;
}

function checkpointed(name: string, state: RunState): { name: string; variable: tf.Variable }[] {
  if (state instanceof tf.Variable) return [{ name, variable: state }];
  return named(name, state.trainableVariables === undefined ? state.variables : (state.variables ?? state.trainableVariables));
}

export abstract class MethodRun<E extends RunPart> implements TrainableMethod {
  readonly trains = true;
  /** What the optimiser updates: the encoder's trainable variables, then each trained part's. */
  protected readonly trainable: tf.Variable[];
  protected readonly optimizer: AdamW;
  private readonly trained: [string, RunState][];
  private readonly kept: [string, RunState][];

  /**
   * @param trained the networks trained with the encoder, by checkpoint name, in training order; null for one a run's settings leave out
   * @param options.kept state the optimiser does not update (momentum copies, a queue), by checkpoint name; disposed with the run
   */
  constructor(
    protected readonly encoder: E,
    readonly embeddingDim: number,
    trained: Record<string, RunState | null>,
    options: { weightDecay: number; kept?: Record<string, RunState> },
  ) {
    this.trained = Object.entries(trained).filter((entry): entry is [string, RunState] => entry[1] !== null);
    this.kept = Object.entries(options.kept ?? {});
    this.trainable = [...trainableOf(encoder), ...this.trained.flatMap(([, part]) => trainableOf(part))];
    this.optimizer = new AdamW(this.trainable, {
      weightDecay: options.weightDecay,
      decayMask: [...encoder.decayMask, ...this.trained.flatMap(([, part]) => decayMaskOf(part))],
    });
  }

  get optimizerStep(): number {
    return this.optimizer.step;
  }
  set optimizerStep(step: number) {
    this.optimizer.step = step;
  }

  abstract trainStep(data: LoadedData, batch: Int32Array, context: StepContext): LossParts;

  abstract embed(x: tf.Tensor): tf.Tensor2D;

  /** One update of every trainable variable at the step's rate (see optim/minimise.ts); `inputs` are disposed. */
  protected minimise(context: StepContext, loss: () => StepLoss, inputs: readonly tf.Tensor[] = []): LossParts {
    return minimise(this.optimizer, this.trainable, context.learningRate, loss, inputs);
  }

  stateVariables(): { name: string; variable: tf.Variable }[] {
    return [
      ...checkpointed('encoder', this.encoder),
      ...[...this.trained, ...this.kept].flatMap(([name, state]) => checkpointed(name, state)),
      ...named('adam', this.optimizer.stateVariables()),
    ];
  }

  dispose(): void {
    this.encoder.dispose();
    for (const [, state] of [...this.trained, ...this.kept]) state.dispose();
    this.optimizer.dispose();
  }
}

/**
 * An encoder whose readout embeds inputs as the data module's `centre` makes them: `embed` is its
 * pooled output (what heads and decoders read, `embeddingSize` values), `readout` the embedding a
 * run stores (`readoutSize` values; the CNN's can join every block's, encoders/small-cnn.ts).
 */
export type EmbeddingEncoder = RunPart & { readonly embeddingSize: number; readonly readoutSize: number; embed(x: tf.Tensor): tf.Tensor2D; readout(x: tf.Tensor): tf.Tensor2D };

/**
 * A run whose embedding is its encoder's readout, before any head, unless a method says otherwise
 * (the VAE's μ): the image-family encoder (encoders/small-cnn.ts, on images or spectrograms), or a
 * modality's encoder behind one interface (view-encoder.ts: SimCLR, BYOL).
 */
export abstract class EncoderMethodRun<E extends EmbeddingEncoder = SmallCnn> extends MethodRun<E> {
  /** @param embeddingDim when the embedding is not the encoder's readout (the VAE's latent size) */
  constructor(encoder: E, trained: Record<string, RunState | null>, options: { weightDecay: number; kept?: Record<string, RunState>; embeddingDim?: number }) {
    super(encoder, options.embeddingDim ?? encoder.readoutSize, trained, options);
  }

  embed(x: tf.Tensor): tf.Tensor2D {
    return this.encoder.readout(x);
  }
}
