/**
 * The encoder of a method written once for every modality (SimCLR, BYOL): the image-family CNN on
 * images and on audio's log-mel spectrograms (image-encoder-params.ts), the text encoder on token ids
 * (text-shared.ts), behind one interface, so that a method's step reads the same whatever it trains
 * on. Checkpoint names are the wrapped encoder's (`encoder.<index>` over its variables), so a run of
 * a method that later moved to this interface still loads.
 */
import type { InputSpec, ParamValues } from '../../../contract';
import { asTextSpec } from '../../data/text';
import type { tf } from '../../engine/backend';
import type { SmallCnn } from '../encoders/small-cnn';
import type { Rng } from '../random';
import { imageEncoderParams, sharedEncoder } from './image-encoder-params';
import { embedTexts, textEncoderFor, textEncoderParams, type TextEncoder } from './text-shared';

export interface ViewEncoder {
  /** Size of the pooled output that heads read (`forwardTrain`, `embed`). */
  readonly embeddingSize: number;
  /** Size of `readout`, the embedding a run stores. */
  readonly readoutSize: number;
  /** What the optimiser updates, in a stable order. */
  readonly trainableVariables: tf.Variable[];
  /** The whole state (batch-norm statistics too), checkpointed in this order. */
  readonly variables: tf.Variable[];
  readonly decayMask: boolean[];
  /**
   * Draws from the run's generator what a training pass needs besides its input: the seed of the
   * text encoder's dropout masks. The CNN has no dropout and draws nothing (0), so its runs keep the
   * random stream they had before this interface.
   */
  passSeed(rng: Rng): number;
  /**
   * Training-mode pooled output (batch statistics, dropout).
   * @param views [N, H, W, C] images or spectrograms, or [N, L] int32 token ids
   * @param seed from `passSeed`: the same seed gives the same dropout masks
   * @returns [N, embeddingSize]
   */
  forwardTrain(views: tf.Tensor, seed: number): tf.Tensor2D;
  /** Inference pooled output of inputs as the data module's `centre` makes them → [N, embeddingSize]. */
  embed(x: tf.Tensor): tf.Tensor2D;
  /** The run's embedding of such inputs → [N, readoutSize] (the CNN can join every block's; text: `embed`). */
  readout(x: tf.Tensor): tf.Tensor2D;
  dispose(): void;
}

/** The image-family CNN (encoders/small-cnn.ts) as a ViewEncoder. */
export class CnnViewEncoder implements ViewEncoder {
  constructor(readonly network: SmallCnn) {}

  get embeddingSize(): number {
    return this.network.embeddingSize;
  }
  get readoutSize(): number {
    return this.network.readoutSize;
  }
  get trainableVariables(): tf.Variable[] {
    return this.network.trainableVariables;
  }
  get variables(): tf.Variable[] {
    return this.network.variables;
  }
  get decayMask(): boolean[] {
    return this.network.decayMask;
  }

  passSeed(): number {
    return 0;
  }

  forwardTrain(views: tf.Tensor): tf.Tensor2D {
    return this.network.forwardTrain(views as tf.Tensor4D);
  }

  embed(x: tf.Tensor): tf.Tensor2D {
    return this.network.embed(x as tf.Tensor4D);
  }

  readout(x: tf.Tensor): tf.Tensor2D {
    return this.network.readout(x as tf.Tensor4D);
  }

  dispose(): void {
    this.network.dispose();
  }
}

/** A text encoder (the Transformer or the 1-D convolutional one) as a ViewEncoder: its pooled output. */
export class TextViewEncoder implements ViewEncoder {
  constructor(readonly network: TextEncoder) {}

  get embeddingSize(): number {
    return this.network.embeddingSize;
  }
  get readoutSize(): number {
    return this.network.embeddingSize;
  }
  get trainableVariables(): tf.Variable[] {
    return this.network.trainableVariables;
  }
  get variables(): tf.Variable[] {
    return this.network.variables;
  }
  get decayMask(): boolean[] {
    return this.network.decayMask;
  }

  passSeed(rng: Rng): number {
    return rng.nextUint32();
  }

  /** @param views [N, L] int32 token ids, PAD = 0 */
  forwardTrain(views: tf.Tensor, seed: number): tf.Tensor2D {
    const { hidden, pooled } = this.network.forwardTrain(views as tf.Tensor2D, { dropoutSeed: seed });
    hidden.dispose();
    return pooled;
  }

  /** @param x [N, maxLength] float token ids, as the text module's `centre` makes them (text-shared.ts's embedTexts) */
  embed(x: tf.Tensor): tf.Tensor2D {
    return embedTexts(this.network, x);
  }

  readout(x: tf.Tensor): tf.Tensor2D {
    return this.embed(x);
  }

  dispose(): void {
    this.network.dispose();
  }
}

/**
 * The encoder a run of this input gets, built from the run's values: the CNN for images and audio
 * (`stemStride`), the text encoder for text (`encoder`, `layers`, `width`, `heads`, `dropout`,
 * `pooling`); the same network, and initialisation for the same seed, as the modality's other methods.
 */
export function viewEncoderFor(spec: InputSpec, params: ParamValues, seed: number): ViewEncoder {
  if (spec.modality === 'text') return new TextViewEncoder(textEncoderFor(asTextSpec(spec), textEncoderParams(params), seed));
  return new CnnViewEncoder(sharedEncoder(spec, imageEncoderParams(params), seed));
}
