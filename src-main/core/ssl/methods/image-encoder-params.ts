/**
 * What the image methods that train the shared encoder (encoders/image.ts) declare alike, so that
 * their runs build the same network as SimCLR's for the same images and compare fairly: the
 * encoder's settings, their defaults by input size, and the encoder built from them.
 */
import type { InputSpec, ParamSpec, ParamValues } from '../../../contract';
import { asImageSpec } from '../../data/image';
import { imageEncoderConfig } from '../encoders/image';
import { SmallCnn, type CnnReadout } from '../encoders/small-cnn';

export interface ImageEncoderParams {
  stemStride: 0 | 1 | 2;
  weightDecay: number;
  readout: CnnReadout;
}

export function imageEncoderParams(params: ParamValues): ImageEncoderParams {
  return {
    stemStride: ((params.stemStride as number | undefined) ?? 0) as 0 | 1 | 2,
    weightDecay: (params.weightDecay as number | undefined) ?? 0,
    // Runs stored before this setting existed embedded with the last block: they keep doing so.
    readout: params.readout === 'blocks' ? 'blocks' : 'last',
  };
}

/** The embedding a CNN run stores (encoders/small-cnn.ts): every block's pooled output, or the last block's. */
export const READOUT_PARAM: ParamSpec = {
  name: 'readout',
  label: 'Embedding readout',
  type: 'choice',
  choices: ['blocks', 'last'],
  default: 'blocks',
  help: 'blocks: the embedding joins the pooled output of every convolution block (288 values for the default network), keeping the finer features of the early blocks; last: the last block only (128 values).',
  scope: 'method',
  advanced: true,
};

export const STEM_STRIDE_PARAM: ParamSpec = {
  name: 'stemStride',
  label: 'First-layer stride',
  type: 'integer',
  default: 0,
  min: 1,
  max: 2,
  auto: { value: 0, label: 'By image size' },
  help: 'Stride of the first convolution: 1 keeps full resolution (slower, finer), 2 halves it (about 3× faster).',
  scope: 'method',
  advanced: true,
};

/** SimCLR's rule: a stride-2 first layer from 24 px up. */
export function stemStrideFor(size: number): 1 | 2 {
  return size >= 24 ? 2 : 1;
}

export const STEM_STRIDE_HELP = '2 for images of 24 px and more, else 1';

/**
 * SimCLR's rules for images of `size` px (the smaller side): the first layer's stride, and a peak
 * learning rate of 4e-3 under 48 px. The reconstruction methods learn more with that rate too: on
 * Fashion-MNIST (3 epochs, 117 steps) 4e-3 gave a linear probe 0.02–0.04 higher than the loop's 1e-3
 * for each of the autoencoder (0.812 against 0.787), the VAE (0.804 / 0.781) and masked image
 * modelling (0.809 / 0.775).
 */
export function imageEncoderDefaults(size: number): ParamValues {
  return { learningRate: size < 48 ? 4e-3 : 2e-3, stemStride: stemStrideFor(size) };
}

export const IMAGE_ENCODER_DEFAULTS_HELP: Readonly<Record<string, string>> = {
  learningRate: '4e-3 for images under 48 px, else 2e-3',
  stemStride: STEM_STRIDE_HELP,
};

/**
 * The shape [H, W, C] the image-family encoder sees: an image, or an audio clip's log-mel spectrogram
 * as a one-channel picture of mel bands × frames (BYOL-A and COLA use the same CNN family on it).
 */
export function gridShape(spec: InputSpec): [number, number, number] {
  if (spec.modality === 'audio') return [spec.melBands, spec.frames, 1];
  const image = asImageSpec(spec);
  return [image.size, image.size, image.channels];
}

/** The encoder a run of this input gets: the same blocks, and the same initialisation for the same seed, whatever the method. */
export function sharedEncoder(spec: InputSpec, params: ImageEncoderParams, seed: number): SmallCnn {
  return new SmallCnn({ ...imageEncoderConfig(gridShape(spec), seed, params.stemStride), readout: params.readout });
}
