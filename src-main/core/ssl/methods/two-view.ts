/**
 * What the two-view image methods (SimCLR, MoCo, BYOL) share: the view and encoder parameters,
 * their size-dependent defaults, and the view sampler built from them, so that each gets the same
 * form fields, the same augmentations and the same network for the same images.
 */
import type { ImageInputSpec, InputSpec, ParamSpec, ParamValues } from '../../../contract';
import { asImageSpec } from '../../data/image';
import { imageEncoderConfig } from '../encoders/image';
import { SmallCnn } from '../encoders/small-cnn';
import { defaultImageViews, ImageViewSampler } from '../views/image';
import { ViewPairBatch } from '../views/pair-batch';
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

/** SimCLR's size rules (measured there on Fashion-MNIST): a stride-2 stem from 24 px, larger crops and a higher rate under 48 px. */
export function twoViewDefaults(spec: InputSpec): ParamValues {
  const size = asImageSpec(spec).size;
  const small = size < 48;
  return { cropMinScale: small ? 0.35 : 0.08, learningRate: small ? 4e-3 : 2e-3, stemStride: stemStrideFor(size) };
}

export const TWO_VIEW_DEFAULTS_HELP: Readonly<Record<string, string>> = {
  learningRate: '4e-3 for images under 48 px, else 2e-3',
  cropMinScale: '0.35 for images under 48 px, else 0.08',
  stemStride: STEM_STRIDE_HELP,
};

/** The image encoder a run of this spec gets (the same family as SimCLR's, so runs compare fairly). */
export function twoViewEncoder(spec: ImageInputSpec, params: TwoViewParams, seed: number): SmallCnn {
  return new SmallCnn(imageEncoderConfig([spec.size, spec.size, spec.channels], seed, params.stemStride));
}

/** SimCLR's augmentations with the run's crop and jitter settings. */
export function twoViewBatch(spec: ImageInputSpec, params: TwoViewParams): ViewPairBatch {
  const views = defaultImageViews(spec.size);
  return new ViewPairBatch(
    new ImageViewSampler(
      { ...views, cropScale: [params.cropMinScale, 1], jitterStrength: params.jitter, jitterProbability: params.jitter > 0 ? views.jitterProbability : 0 },
      spec.channels,
    ),
  );
}
