/**
 * What the two-view methods (SimCLR, MoCo, BYOL) share: the view and encoder parameters, their
 * shape-dependent defaults, the views built from them, and the momentum copy that MoCo and BYOL
 * follow their online networks with, so that each gets the same form fields, the same augmentations
 * and the same network for the same input: an image, an audio clip's log-mel spectrogram through
 * the same CNN family (image-encoder-params.ts), or a text through the text methods' encoder and
 * CLEAR's edits (text-shared.ts). The modality chooses the views and the encoder; a method's loss
 * and step are written once for all of them.
 */
import type { ImageInputSpec, InputSpec, ParamSpec, ParamValues } from '../../../contract';
import { asImageSpec, type ImageData } from '../../data/image';
import { asTextSpec } from '../../data/text';
import type { LoadedData } from '../../data/types';
import type { tf } from '../../engine/backend';
import { ProjectionHead } from '../heads/projection';
import { copyVariables, emaUpdate } from '../optim/ema';
import type { Rng } from '../random';
import { AudioViewSampler, defaultAudioViews } from '../views/audio';
import { defaultImageViews, ImageViewSampler } from '../views/image';
import { AudioPairBatch, ViewPairBatch } from '../views/pair-batch';
import { gridShape, IMAGE_ENCODER_DEFAULTS_HELP, imageEncoderDefaults, imageEncoderParams, READOUT_PARAM, STEM_STRIDE_PARAM, type ImageEncoderParams } from './image-encoder-params';
import { SYNONYMS_PARAM, TEXT_ENCODER_PARAMS, TextViewPairs, textOnly } from './text-shared';

export interface TwoViewParams extends ImageEncoderParams {
  /** Images: the smallest share of the image a crop covers. */
  cropMinScale: number;
  /** Images: colour jitter strength. */
  jitter: number;
  /** Text: synonym substitution among the edits. */
  synonyms: boolean;
}

export function twoViewParams(params: ParamValues): TwoViewParams {
  return {
    cropMinScale: params.cropMinScale as number,
    jitter: params.jitter as number,
    synonyms: params.synonyms === true,
    ...imageEncoderParams(params),
  };
}

/** The views' and the CNN's settings (the views of audio are BYOL-A's, which take no setting). */
export const TWO_VIEW_PARAMS: readonly ParamSpec[] = [
  { name: 'cropMinScale', label: 'Smallest crop', type: 'number', default: 0.35, min: 0.01, max: 1, help: 'Random resized crops cover this share of the image or more.', scope: 'method', advanced: true, modalities: ['image'] },
  { ...STEM_STRIDE_PARAM, modalities: ['image', 'audio'] },
  { ...READOUT_PARAM, modalities: ['image', 'audio'] },
  { name: 'jitter', label: 'Colour jitter', type: 'number', default: 0.5, min: 0, max: 1, help: 'Strength of brightness/contrast (and, on colour images, saturation/hue) jitter; 0 turns it off.', scope: 'method', advanced: true, modalities: ['image'] },
];

/** The text encoder's settings and the views', as the text methods declare them, for a method that also trains on text. */
export const TEXT_VIEW_PARAMS: readonly ParamSpec[] = textOnly([...TEXT_ENCODER_PARAMS, SYNONYMS_PARAM]);

/**
 * Two augmented views of every example of a batch as tensors: [B, H, W, C] images or spectrograms,
 * or int32 [B, L] token ids of the same L (see ViewPairBatch, TextViewPairs).
 */
export interface PairViews<T extends tf.Tensor = tf.Tensor> {
  /** Reads what the views need from the run's data before the first batch (the text edits' word boundaries and synonyms). */
  prepare?(data: LoadedData): Promise<void>;
  make(data: LoadedData, batch: Int32Array, rng: Rng, order?: Int32Array): [T, T];
}

/**
 * SimCLR's size rules (measured there on Fashion-MNIST): a stride-2 stem from 24 px, larger crops and
 * a higher rate under 48 px; a spectrogram goes by its smaller side (crops and jitter do not apply to
 * it). Text keeps the loop's and the specs' defaults, as the text methods do.
 */
export function twoViewDefaults(spec: InputSpec): ParamValues {
  if (spec.modality === 'text') return {};
  const size = Math.min(...gridShape(spec).slice(0, 2));
  return { cropMinScale: size < 48 ? 0.35 : 0.08, ...imageEncoderDefaults(size) };
}

export const TWO_VIEW_DEFAULTS_HELP: Readonly<Record<string, string>> = {
  ...IMAGE_ENCODER_DEFAULTS_HELP,
  cropMinScale: '0.35 for images under 48 px, else 0.08',
};

/** SimCLR's and MoCo's head g: an MLP as wide as the embedding, to `projectionDim`, batch norm after its hidden layer if asked. */
export function projectionHeadFor(embeddingDim: number, params: { projectionDim: number; headBatchNorm: boolean }, seed: number): ProjectionHead {
  return new ProjectionHead({ inputSize: embeddingDim, hiddenSize: embeddingDim, outputSize: params.projectionDim, batchNorm: params.headBatchNorm, seed });
}

/** Networks with a trainable variable list each (an encoder, a head). */
type Networks = readonly { readonly trainableVariables: tf.Variable[] }[];

/**
 * A momentum copy of online networks (MoCo's key encoder and head, BYOL's target): the copy starts
 * with the online weights (MoCo, Algorithm 1: f_k.params = f_q.params), then follows them as an
 * exponential moving average after each step, never by gradients.
 */
export class MomentumCopy {
  private readonly followed: tf.Variable[];
  private readonly followers: tf.Variable[];

  /** @param copy built like `online`, network for network */
  constructor(online: Networks, copy: Networks) {
    this.followed = online.flatMap((n) => n.trainableVariables);
    this.followers = copy.flatMap((n) => n.trainableVariables);
    copyVariables(this.followers, this.followed);
  }

  /** copy ← m·copy + (1 − m)·online. */
  follow(momentum: number): void {
    emaUpdate(this.followers, this.followed, momentum);
  }
}

/**
 * The views of a run: on images SimCLR's augmentations with the run's crop and jitter settings; on
 * audio BYOL-A's (time crop, mixup with another clip of the batch, random resized crop, gain,
 * SpecAugment masks; views/audio.ts); on text CLEAR's edits (word and span deletion, reordering,
 * synonyms; views/text.ts).
 */
export function twoViewBatch(spec: InputSpec, params: TwoViewParams): PairViews {
  if (spec.modality === 'text') return new TextViewPairs(asTextSpec(spec), params.synonyms);
  return gridViewBatch(spec, params);
}

/** The views of a run of the CNN (MoCo's, an image or a spectrogram): [B, H, W, C] tensors. */
export function gridViewBatch(spec: InputSpec, params: TwoViewParams): PairViews<tf.Tensor4D> {
  if (spec.modality === 'audio') return new AudioPairBatch(new AudioViewSampler(defaultAudioViews(spec)));
  return imageViewBatch(asImageSpec(spec), params);
}

function imageViewBatch(spec: ImageInputSpec, params: TwoViewParams): PairViews<tf.Tensor4D> {
  const views = defaultImageViews(spec.size);
  const batch = new ViewPairBatch(
    new ImageViewSampler(
      { ...views, cropScale: [params.cropMinScale, 1], jitterStrength: params.jitter, jitterProbability: params.jitter > 0 ? views.jitterProbability : 0 },
      spec.channels,
    ),
  );
  return { make: (data, indices, rng, order) => batch.make(data as ImageData, indices, rng, order) };
}
