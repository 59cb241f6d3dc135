/**
 * What the two-view methods (SimCLR, MoCo, BYOL) share: the view and encoder parameters, their
 * shape-dependent defaults, and the views built from them, so that each gets the same form fields,
 * the same augmentations and the same network for the same input: an image, or an audio clip's
 * log-mel spectrogram through the same CNN family.
 */
import type { ImageInputSpec, InputSpec, ParamSpec, ParamValues } from '../../../contract';
import { asImageSpec, type ImageData } from '../../data/image';
import type { LoadedData } from '../../data/types';
import type { tf } from '../../engine/backend';
import { imageEncoderConfig } from '../encoders/image';
import { SmallCnn } from '../encoders/small-cnn';
import type { Rng } from '../random';
import { AudioViewSampler, defaultAudioViews } from '../views/audio';
import { defaultImageViews, ImageViewSampler } from '../views/image';
import { AudioPairBatch, ViewPairBatch } from '../views/pair-batch';
import { STEM_STRIDE_HELP, STEM_STRIDE_PARAM, stemStrideFor } from './image-encoder-params';

export interface TwoViewParams {
  cropMinScale: number;
  jitter: number;
  stemStride: 0 | 1 | 2;
  weightDecay: number;
}

export function twoViewParams(params: ParamValues): TwoViewParams {
  return {
    cropMinScale: params.cropMinScale as number,
    jitter: params.jitter as number,
    stemStride: ((params.stemStride as number | undefined) ?? 0) as 0 | 1 | 2,
    weightDecay: (params.weightDecay as number | undefined) ?? 0,
  };
}

export const TWO_VIEW_PARAMS: readonly ParamSpec[] = [
  { name: 'cropMinScale', label: 'Smallest crop', type: 'number', default: 0.35, min: 0.01, max: 1, help: 'Random resized crops cover this share of the image or more.', scope: 'method', advanced: true },
  STEM_STRIDE_PARAM,
  { name: 'jitter', label: 'Colour jitter', type: 'number', default: 0.5, min: 0, max: 1, help: 'Strength of brightness/contrast (and, on colour images, saturation/hue) jitter; 0 turns it off.', scope: 'method', advanced: true },
];

/**
 * The shape [H, W, C] the image-family encoder sees: an image, or an audio clip's log-mel spectrogram
 * as a one-channel picture of mel bands × frames (BYOL-A and COLA use the same CNN family on it).
 */
export function gridShape(spec: InputSpec): [number, number, number] {
  if (spec.modality === 'audio') return [spec.melBands, spec.frames, 1];
  const image = asImageSpec(spec);
  return [image.size, image.size, image.channels];
}

/** Two augmented views of every example of a batch as tensors [B, H, W, C] (see ViewPairBatch). */
export interface PairViews {
  make(data: LoadedData, batch: Int32Array, rng: Rng, order?: Int32Array): [tf.Tensor4D, tf.Tensor4D];
}

/**
 * SimCLR's size rules (measured there on Fashion-MNIST): a stride-2 stem from 24 px, larger crops and
 * a higher rate under 48 px; a spectrogram goes by its smaller side (crops and jitter do not apply to it).
 */
export function twoViewDefaults(spec: InputSpec): ParamValues {
  const size = Math.min(...gridShape(spec).slice(0, 2));
  const small = size < 48;
  return { cropMinScale: small ? 0.35 : 0.08, learningRate: small ? 4e-3 : 2e-3, stemStride: stemStrideFor(size) };
}

export const TWO_VIEW_DEFAULTS_HELP: Readonly<Record<string, string>> = {
  learningRate: '4e-3 for images under 48 px, else 2e-3',
  cropMinScale: '0.35 for images under 48 px, else 0.08',
  stemStride: STEM_STRIDE_HELP,
};

/** The image encoder a run of this spec gets (the same family as SimCLR's, so runs compare fairly). */
export function twoViewEncoder(spec: InputSpec, params: TwoViewParams, seed: number): SmallCnn {
  return new SmallCnn(imageEncoderConfig(gridShape(spec), seed, params.stemStride));
}

/**
 * The views of a run: on images SimCLR's augmentations with the run's crop and jitter settings; on
 * audio BYOL-A's (time crop, mixup with another clip of the batch, random resized crop, gain,
 * SpecAugment masks; views/audio.ts).
 */
export function twoViewBatch(spec: InputSpec, params: TwoViewParams): PairViews {
  if (spec.modality === 'audio') return new AudioPairBatch(new AudioViewSampler(defaultAudioViews(spec)));
  return imageViewBatch(asImageSpec(spec), params);
}

function imageViewBatch(spec: ImageInputSpec, params: TwoViewParams): PairViews {
  const views = defaultImageViews(spec.size);
  const batch = new ViewPairBatch(
    new ImageViewSampler(
      { ...views, cropScale: [params.cropMinScale, 1], jitterStrength: params.jitter, jitterProbability: params.jitter > 0 ? views.jitterProbability : 0 },
      spec.channels,
    ),
  );
  return { make: (data, indices, rng, order) => batch.make(data as ImageData, indices, rng, order) };
}
