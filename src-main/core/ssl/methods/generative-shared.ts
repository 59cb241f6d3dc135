/**
 * What the autoencoder, the VAE and masked image modelling build alike: the decoder, the batch of
 * images, their defaults and their preview rows (the encoder is every image method's, image-encoder-params.ts).
 */
import type { InputSpec, ParamValues } from '../../../contract';
import { asImageSpec, imageData, type ImageData } from '../../data/image';
import { tf } from '../../engine/backend';
import { ConvDecoder } from '../decoders/image';
import type { SmallCnn } from '../encoders/small-cnn';
import { IMAGE_ENCODER_DEFAULTS_HELP, imageEncoderDefaults } from './image-encoder-params';
import type { PreviewRow } from './types';

/** The decoder that mirrors `encoder`, from a vector of `inputSize` values or (null) from its feature map. */
export function mirroredDecoder(encoder: SmallCnn, inputSize: number | null, seed: number): ConvDecoder {
  return new ConvDecoder({ outputShape: encoder.config.inputShape, encoderBlocks: encoder.config.blocks, inputSize, seed });
}

/** The un-augmented images of a batch ([B, H, W, C], as extraction sees them), into a reused buffer. */
export class CentreBatch {
  private buffer = new Float32Array(0);

  tensor(data: ImageData, batch: Int32Array): tf.Tensor4D {
    const per = data.size * data.size * data.channels;
    if (this.buffer.length !== batch.length * per) this.buffer = new Float32Array(batch.length * per);
    imageData.centre(data, batch, this.buffer);
    return tf.tensor4d(this.buffer, [batch.length, data.size, data.size, data.channels]);
  }
}

/** The reconstruction methods' defaults: SimCLR's stride and rate rules (see imageEncoderDefaults). */
export function generativeDefaults(spec: InputSpec): ParamValues {
  return imageEncoderDefaults(asImageSpec(spec).size);
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
