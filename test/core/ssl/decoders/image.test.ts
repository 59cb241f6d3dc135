import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { ConvDecoder, encoderSizes } from '../../../../src-main/core/ssl/decoders/image';
import { imageEncoderConfig } from '../../../../src-main/core/ssl/encoders/image';
import { SmallCnn } from '../../../../src-main/core/ssl/encoders/small-cnn';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('ConvDecoder', () => {
  it('mirrors the encoder: every layer gives back the size its encoder block took', () => {
    const config = imageEncoderConfig([28, 28, 1], 1, 2);
    expect(encoderSizes(config.inputShape, config.blocks).map(([h]) => h)).toEqual([28, 14, 7, 4, 2]);
    const decoder = new ConvDecoder({ outputShape: [28, 28, 1], encoderBlocks: config.blocks, inputSize: 16, seed: 1 });
    expect(decoder.startShape).toEqual([2, 2, 128]);
    const z = tf.randomNormal([3, 16]) as tf.Tensor2D;
    const out = tf.tidy(() => decoder.forwardTrain(z));
    expect(out.shape).toEqual([3, 28, 28, 1]);
    const inferred = decoder.decode(z);
    expect(inferred.shape).toEqual([3, 28, 28, 1]);
    tf.dispose([out, inferred]);
    decoder.dispose();
    z.dispose();
  });

  it('mirrors a rectangular input (a spectrogram of 20 bands × 37 frames) back to its exact shape', () => {
    const config = imageEncoderConfig([20, 37, 1], 1, 2);
    expect(encoderSizes(config.inputShape, config.blocks)).toEqual([[20, 37], [10, 19], [5, 10], [3, 5], [2, 3]]);
    for (const inputSize of [16, null]) {
      const encoder = new SmallCnn(config);
      const decoder = new ConvDecoder({ outputShape: [20, 37, 1], encoderBlocks: config.blocks, inputSize, seed: 1 });
      expect(decoder.startShape).toEqual([2, 3, 128]);
      const x = tf.randomUniform([2, 20, 37, 1]) as tf.Tensor4D;
      const out = tf.tidy(() => (inputSize === null ? decoder.decode(encoder.embedMap(x)) : decoder.decode(tf.randomNormal([2, 16]) as tf.Tensor2D)));
      expect(out.shape).toEqual([2, 20, 37, 1]);
      tf.dispose([x, out]);
      encoder.dispose();
      decoder.dispose();
    }
  });

  it('decodes the encoder’s feature map when it has no vector input', () => {
    const encoder = new SmallCnn(imageEncoderConfig([12, 12, 3], 1, 1));
    const decoder = new ConvDecoder({ outputShape: [12, 12, 3], encoderBlocks: encoder.config.blocks, inputSize: null, seed: 2 });
    const x = tf.randomUniform([2, 12, 12, 3]) as tf.Tensor4D;
    const out = tf.tidy(() => decoder.decode(encoder.embedMap(x)));
    expect(out.shape).toEqual([2, 12, 12, 3]);
    expect(() => decoder.decode(tf.zeros([2, 4]))).toThrow('ConvDecoder feature map: expected shape [?, 2, 2, 128], got [2, 4]');
    tf.dispose([x, out]);
    encoder.dispose();
    decoder.dispose();
  });

  it('lists its trainable variables with a decay mask, and its statistics for checkpoints', () => {
    const config = imageEncoderConfig([16, 16, 1], 1, 1);
    const decoder = new ConvDecoder({ outputShape: [16, 16, 1], encoderBlocks: config.blocks, inputSize: 8 });
    // dense + BN, three hidden up-layers with BN, the output layer with a bias.
    expect(decoder.trainableVariables.length).toBe(3 + 3 * 3 + 2);
    expect(decoder.decayMask.filter(Boolean).length).toBe(1 + 4);
    expect(decoder.variables.length).toBe(decoder.trainableVariables.length + 2 * 4);
    decoder.dispose();
  });
});
