/**
 * The ops the generative methods add to a training step, on the wasm backend against tfjs' reference
 * cpu backend from identical random inputs (to 1e-4): the decoder's transposed convolutions (4×4 at
 * stride 2, 'same', with the odd sizes a mirrored encoder gives back, e.g. 4 → 7) and their gradients,
 * which run on the registered Conv2DBackpropInput and Conv2DBackpropFilter kernels, and whole
 * decoder-plus-loss gradients. No new kernel was needed: in the profile of each method's step these
 * kernels and the existing convolutions take nearly all the time (bench/engine-bench.ts --profile).
 */
import { beforeAll, describe, it } from 'vitest';
import { initBackend, tf } from '../../../src-main/core/engine/backend';
import { ConvDecoder } from '../../../src-main/core/ssl/decoders/image';
import type { ConvBlockConfig } from '../../../src-main/core/ssl/encoders/small-cnn';
import { maskedL1Loss } from '../../../src-main/core/ssl/losses/masked-l1';
import { reconstructionLoss } from '../../../src-main/core/ssl/losses/reconstruction';
import { expectWasmMatchesCpu } from './backend-compare';

beforeAll(async () => {
  await initBackend('wasm', { threads: 2 });
});

interface UpCase {
  dy: [number, number, number, number];
  out: [number, number, number, number];
  kernel: number;
  stride: 1 | 2;
}

const UP_CASES: UpCase[] = [
  { dy: [2, 4, 4, 8], out: [2, 7, 7, 5], kernel: 4, stride: 2 },
  { dy: [2, 2, 2, 16], out: [2, 4, 4, 8], kernel: 4, stride: 2 },
  { dy: [3, 7, 7, 4], out: [3, 14, 14, 3], kernel: 4, stride: 2 },
  { dy: [2, 16, 16, 4], out: [2, 32, 32, 3], kernel: 4, stride: 2 },
  { dy: [2, 5, 5, 6], out: [2, 9, 9, 1], kernel: 4, stride: 2 },
  { dy: [2, 8, 8, 6], out: [2, 8, 8, 3], kernel: 3, stride: 1 },
];

const describeUp = (c: UpCase): string => `${c.kernel}×${c.kernel} stride ${c.stride}: [${c.dy.join(',')}] → [${c.out.join(',')}]`;

describe('the decoder’s transposed convolutions on wasm', () => {
  it.each(UP_CASES)('conv2dTranspose matches cpu for %#', async (c) => {
    const filter = [c.kernel, c.kernel, c.out[3], c.dy[3]];
    await expectWasmMatchesCpu(
      [
        { shape: c.dy, seed: 11 },
        { shape: filter, seed: 12 },
      ],
      (x, f) => tf.conv2dTranspose(x as tf.Tensor4D, f as tf.Tensor4D, c.out, c.stride, 'same'),
      `conv2dTranspose ${describeUp(c)}`,
    );
  });

  it.each(UP_CASES)('its gradients (input and filter) match cpu for %#', async (c) => {
    const filter = [c.kernel, c.kernel, c.out[3], c.dy[3]];
    await expectWasmMatchesCpu(
      [
        { shape: c.dy, seed: 13 },
        { shape: filter, seed: 14 },
        { shape: c.out, seed: 15 },
      ],
      (x, f, weights) => {
        const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, c.out, c.stride, 'same'), weights!));
        return tf.grads(loss)([x!, f!]);
      },
      `grads of conv2dTranspose ${describeUp(c)}`,
    );
  });
});

describe('a decoder step on wasm', () => {
  const blocks: ConvBlockConfig[] = [
    { filters: 8, stride: 2 },
    { filters: 12, stride: 2 },
    { filters: 16, stride: 2 },
  ];

  /** Gradients of every decoder variable and of the input, for a loss of the decoder's output. */
  const decoderGrads = (inputSize: number | null, loss: (output: tf.Tensor4D, target: tf.Tensor4D) => tf.Scalar) => (z: tf.Tensor, target: tf.Tensor) => {
    const decoder = new ConvDecoder({ outputShape: [14, 14, 3], encoderBlocks: blocks, inputSize, seed: 5 });
    try {
      const f = () => loss(decoder.forwardTrain(z), tf.sigmoid(target) as tf.Tensor4D);
      const { value, grads } = tf.variableGrads(f, decoder.trainableVariables);
      const dz = tf.grad((input: tf.Tensor) => loss(decoder.forwardTrain(input), tf.sigmoid(target) as tf.Tensor4D))(z);
      return [value, dz, ...decoder.trainableVariables.map((v) => grads[v.name]!)];
    } finally {
      decoder.dispose();
    }
  };

  it('from a vector, with BCE: loss and every gradient match cpu', async () => {
    await expectWasmMatchesCpu(
      [
        { shape: [4, 6], seed: 21 },
        { shape: [4, 14, 14, 3], seed: 22 },
      ],
      decoderGrads(6, (o, t) => reconstructionLoss(o, t, 'bce')),
      'vector decoder + BCE',
    );
  });

  it('from a feature map, with masked L1: loss and every gradient match cpu', async () => {
    const mask = tf.tidy(() => tf.keep(tf.cast(tf.greater(tf.randomUniform([4, 14, 14, 1], 0, 1, 'float32', 3), 0.5), 'float32')));
    const maskValues = mask.dataSync().slice();
    mask.dispose();
    await expectWasmMatchesCpu(
      [
        { shape: [4, 2, 2, 16], seed: 23 },
        { shape: [4, 14, 14, 3], seed: 24 },
      ],
      decoderGrads(null, (o, t) => maskedL1Loss(o, t, tf.tensor4d(maskValues, [4, 14, 14, 1]))),
      'map decoder + masked L1',
    );
  });
});
