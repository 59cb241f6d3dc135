/**
 * What the autoencoder, the VAE and masked image modelling build alike: the decoder, the batch of
 * inputs, their defaults and their preview rows (the encoder is every image method's,
 * image-encoder-params.ts). They train on images and on audio clips' log-mel spectrograms (the
 * encoder's one-channel picture of mel bands × frames): pixels lie in [0, 1], which BCE and the
 * previews' clipping assume; normalised log-mels have mean 0 and standard deviation 1, so on audio
 * the reconstruction is an MSE of a linear output and the previews show the values as they are.
 */
import type { InputSpec, ParamValues } from '../../../contract';
import { dataFor } from '../../data';
import type { LoadedData } from '../../data/types';
import { tf } from '../../engine/backend';
import { ConvDecoder } from '../decoders/image';
import type { SmallCnn } from '../encoders/small-cnn';
import type { ReconstructionKind } from '../losses/reconstruction';
import { gridShape, IMAGE_ENCODER_DEFAULTS_HELP, imageEncoderDefaults } from './image-encoder-params';
import type { PreviewRow } from './types';

/** The decoder that mirrors `encoder`, from a vector of `inputSize` values or (null) from its feature map. */
export function mirroredDecoder(encoder: SmallCnn, inputSize: number | null, seed: number): ConvDecoder {
  return new ConvDecoder({ outputShape: encoder.config.inputShape, encoderBlocks: encoder.config.blocks, inputSize, seed });
}

/** The un-augmented inputs of a batch ([B, H, W, C], as extraction sees them), into a reused buffer. */
export class CentreBatch {
  private buffer = new Float32Array(0);

  tensor(data: LoadedData, batch: Int32Array): tf.Tensor4D {
    const shape = gridShape(data.spec);
    const per = shape[0] * shape[1] * shape[2];
    if (this.buffer.length !== batch.length * per) this.buffer = new Float32Array(batch.length * per);
    dataFor(data.spec.modality).centre(data, batch, this.buffer);
    return tf.tensor4d(this.buffer, [batch.length, ...shape]);
  }
}

/** Whether the inputs are pixels in [0, 1] (images), rather than normalised log-mels (audio). */
export function inputsArePixels(spec: InputSpec): boolean {
  return spec.modality === 'image';
}

/** The reconstruction loss a run may use on this input: BCE models pixels in [0, 1] and is refused for spectrograms. */
export function checkedReconstruction(spec: InputSpec, kind: ReconstructionKind): ReconstructionKind {
  if (kind === 'bce' && !inputsArePixels(spec)) {
    throw new Error('The BCE reconstruction loss models pixels in [0, 1]; audio spectrograms are normalised log-mels (mean 0, standard deviation 1): use --param reconstruction=mse');
  }
  return kind;
}

/** The reconstruction methods' defaults: SimCLR's stride and rate rules by the input's shorter side (see imageEncoderDefaults). */
export function generativeDefaults(spec: InputSpec): ParamValues {
  const [height, width] = gridShape(spec);
  return imageEncoderDefaults(Math.min(height, width));
}

export const GENERATIVE_DEFAULTS_HELP = IMAGE_ENCODER_DEFAULTS_HELP;

/** The values of a [N, H, W, C] tensor, for a preview row. */
export function pixelsOf(images: tf.Tensor4D): Float32Array {
  return images.dataSync() as Float32Array;
}

/** The inputs beside what `reconstruct` (run in a tidy) makes of them. */
export function reconstructionPreviews(inputs: tf.Tensor4D, reconstruct: () => tf.Tensor4D): PreviewRow[] {
  const output = tf.tidy(reconstruct);
  try {
    return [
      { label: 'Original', images: pixelsOf(inputs) },
      { label: 'Reconstruction', images: pixelsOf(output) },
    ];
  } finally {
    output.dispose();
  }
}
