/** What the autoencoder, the VAE and masked image modelling build alike: the encoder, the decoder, the batch of images. */
import type { ImageInputSpec } from '../../../contract';
import { imageData, type ImageData } from '../../data/image';
import { tf } from '../../engine/backend';
import { ConvDecoder } from '../decoders/image';
import { imageEncoderConfig } from '../encoders/image';
import { SmallCnn } from '../encoders/small-cnn';

/** The contrastive methods' encoder for this input (same blocks, same initialisation for the same seed). */
export function sharedImageEncoder(spec: ImageInputSpec, seed: number, stemStride: 0 | 1 | 2): SmallCnn {
  return new SmallCnn(imageEncoderConfig([spec.size, spec.size, spec.channels], seed, stemStride));
}

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


/** The values of a [N, H, W, C] tensor, for a preview row. */
export function pixelsOf(images: tf.Tensor4D): Float32Array {
  return images.dataSync() as Float32Array;
}
