/**
 * A convolutional image decoder that mirrors the image encoder (encoders/small-cnn.ts): for each
 * encoder block, in reverse order, a transposed convolution that undoes its stride, then batch norm
 * and ReLU; the last layer maps back to the image's channels with no normalisation.
 *
 * Stride-2 layers use 4×4 kernels, whose taps overlap evenly at stride 2, which avoids the
 * checkerboard pattern of 3×3 transposed convolutions (Odena, Dumoulin & Olah 2016, "Deconvolution
 * and checkerboard artifacts"); the layout is DCGAN's generator (Radford et al. 2016). Every layer
 * produces exactly the size the mirrored encoder block consumed (28 → 14 → 7 → 4 becomes 4 → 7 → 14
 * → 28), so no cropping is needed. Transposed convolutions and their gradients run on the wasm
 * training kernels (Conv2DBackpropInput, Conv2DBackpropFilter).
 *
 * The decoder starts from a vector (autoencoder, VAE: a dense layer makes the encoder's last feature
 * map from it) or from the encoder's feature map itself (masked image modelling). It returns
 * pre-activation outputs: `sigmoid` of them for BCE, the values themselves for MSE and L1.
 */
import { tf } from '../../engine/backend';
import { batchNormRelu } from '../../engine/ops/batch-norm-relu';
import { assertShape } from '../../engine/shapes';
import { ownedVariable, uniqueScope } from '../../engine/variables';
import type { ConvBlockConfig } from '../encoders/small-cnn';

export interface ConvDecoderConfig {
  /** [height, width, channels] of the images to produce: the encoder's input shape. */
  outputShape: [number, number, number];
  /** The encoder's blocks (in the encoder's order); the decoder mirrors them. */
  encoderBlocks: readonly ConvBlockConfig[];
  /** Size of the vector to decode from, or null to decode the encoder's last feature map. */
  inputSize: number | null;
  batchNormMomentum?: number;
  batchNormEpsilon?: number;
  seed?: number;
}

/** A transposed convolution, followed by BN + ReLU on every layer but the last. */
interface UpLayer {
  stride: 1 | 2;
  /** [H, W] this layer produces. */
  outSize: [number, number];
  filter: tf.Variable<tf.Rank.R4>; // [k, k, outChannels, inChannels]
  /** Hidden layers: BN parameters and statistics; the output layer: a bias. */
  norm: BatchNormState | null;
  bias: tf.Variable<tf.Rank.R1> | null; // [outChannels]
}

interface BatchNormState {
  gamma: tf.Variable<tf.Rank.R1>;
  beta: tf.Variable<tf.Rank.R1>;
  movingMean: tf.Variable<tf.Rank.R1>;
  movingVariance: tf.Variable<tf.Rank.R1>;
}

/** The spatial size after each encoder block ('same' padding: ⌈size / stride⌉), input first. */
export function encoderSizes(inputShape: readonly [number, number, number], blocks: readonly ConvBlockConfig[]): [number, number][] {
  const sizes: [number, number][] = [[inputShape[0], inputShape[1]]];
  for (const block of blocks) {
    const [h, w] = sizes.at(-1)!;
    sizes.push([Math.ceil(h / block.stride), Math.ceil(w / block.stride)]);
  }
  return sizes;
}

export class ConvDecoder {
  readonly config: Required<ConvDecoderConfig>;
  /** [h, w, c] of the feature map the transposed convolutions start from. */
  readonly startShape: [number, number, number];
  private readonly dense: { weight: tf.Variable<tf.Rank.R2>; norm: BatchNormState } | null;
  private readonly layers: UpLayer[];

  constructor(config: ConvDecoderConfig) {
    if (config.encoderBlocks.length === 0) throw new Error('ConvDecoder needs at least one encoder block to mirror');
    this.config = { batchNormMomentum: 0.9, batchNormEpsilon: 1e-5, seed: 1, ...config };
    const scope = uniqueScope('conv_decoder');
    let seed = this.config.seed;
    const blocks = config.encoderBlocks;
    const sizes = encoderSizes(config.outputShape, blocks);
    const [h0, w0] = sizes.at(-1)!;
    const c0 = blocks.at(-1)!.filters;
    this.startShape = [h0, w0, c0];

    if (config.inputSize !== null) {
      const units = h0 * w0 * c0;
      this.dense = {
        weight: ownedVariable(tf.randomNormal([config.inputSize, units], 0, Math.sqrt(2 / config.inputSize), 'float32', seed++) as tf.Tensor2D, true, `${scope}/dense`),
        norm: batchNormState(`${scope}/dense`, c0),
      };
    } else {
      this.dense = null;
    }

    this.layers = [];
    for (let i = blocks.length - 1; i >= 0; i--) {
      const { stride } = blocks[i]!;
      const inChannels = blocks[i]!.filters;
      const last = i === 0;
      const outChannels = last ? config.outputShape[2] : blocks[i - 1]!.filters;
      const kernel = stride === 2 ? 4 : 3;
      // Each output pixel of a stride-s transposed convolution sums (k/s)² taps of every input channel.
      const fanIn = ((kernel * kernel) / (stride * stride)) * inChannels;
      const name = `${scope}/up${blocks.length - 1 - i}`;
      this.layers.push({
        stride,
        outSize: sizes[i]!,
        // He-normal for the ReLU layers; the linear output layer starts smaller (Glorot-like).
        filter: ownedVariable(
          tf.randomNormal([kernel, kernel, outChannels, inChannels], 0, Math.sqrt((last ? 1 : 2) / fanIn), 'float32', seed++) as tf.Tensor4D,
          true,
          `${name}/filter`,
        ),
        norm: last ? null : batchNormState(name, outChannels),
        bias: last ? ownedVariable(tf.zeros([outChannels]) as tf.Tensor1D, true, `${name}/bias`) : null,
      });
    }
  }

  get trainableVariables(): tf.Variable[] {
    const norm = (n: BatchNormState | null) => (n ? [n.gamma, n.beta] : []);
    return [
      ...(this.dense ? [this.dense.weight, ...norm(this.dense.norm)] : []),
      ...this.layers.flatMap((l) => [l.filter, ...norm(l.norm), ...(l.bias ? [l.bias] : [])]),
    ];
  }

  /** Weight decay on the dense weights and filters, not on biases or batch-norm parameters. */
  get decayMask(): boolean[] {
    const weights = new Set<tf.Variable>([...(this.dense ? [this.dense.weight] : []), ...this.layers.map((l) => l.filter)]);
    return this.trainableVariables.map((v) => weights.has(v));
  }

  /** Everything a checkpoint must hold: the trainable variables and the batch-norm statistics. */
  get variables(): tf.Variable[] {
    const stats = [this.dense?.norm, ...this.layers.map((l) => l.norm)].flatMap((n) => (n ? [n.movingMean, n.movingVariance] : []));
    return [...this.trainableVariables, ...stats];
  }

  private start(z: tf.Tensor, train: boolean): tf.Tensor4D {
    const [h0, w0, c0] = this.startShape;
    if (!this.dense) {
      assertShape('ConvDecoder feature map', z, [null, h0, w0, c0]);
      return z as tf.Tensor4D;
    }
    assertShape('ConvDecoder input', z, [null, this.config.inputSize]);
    const n = z.shape[0]!;
    const pre = tf.reshape(tf.matMul(z as tf.Tensor2D, this.dense.weight), [n, h0, w0, c0]) as tf.Tensor4D; // [N, h0, w0, c0]
    return train ? this.normTrain(pre, this.dense.norm) : normInference(pre, this.dense.norm, this.config.batchNormEpsilon);
  }

  private normTrain(y: tf.Tensor4D, norm: BatchNormState): tf.Tensor4D {
    const momentum = this.config.batchNormMomentum;
    const { output, mean, variance } = batchNormRelu(y, norm.gamma, norm.beta, this.config.batchNormEpsilon);
    tf.tidy(() => {
      norm.movingMean.assign(tf.add(tf.mul(norm.movingMean, momentum), tf.mul(mean, 1 - momentum)));
      norm.movingVariance.assign(tf.add(tf.mul(norm.movingVariance, momentum), tf.mul(variance, 1 - momentum)));
    });
    tf.dispose([mean, variance]);
    return output;
  }

  private up(h: tf.Tensor4D, layer: UpLayer): tf.Tensor4D {
    const [n] = h.shape;
    const outChannels = layer.filter.shape[2];
    return tf.conv2dTranspose(h, layer.filter, [n, ...layer.outSize, outChannels], layer.stride, 'same'); // [N, H', W', C']
  }

  /**
   * Training-mode forward: batch statistics, moving averages updated as a side effect.
   * @param z [N, inputSize], or the encoder's map [N, h0, w0, c0]
   * @returns [N, H, W, C] pre-activation outputs
   */
  forwardTrain(z: tf.Tensor): tf.Tensor4D {
    let h = this.start(z, true);
    for (const layer of this.layers) {
      const y = this.up(h, layer);
      h = layer.norm ? this.normTrain(y, layer.norm) : (tf.add(y, layer.bias!) as tf.Tensor4D);
    }
    return h;
  }

  /**
   * Inference forward with the moving batch statistics (for previews).
   * @returns [N, H, W, C] pre-activation outputs
   */
  decode(z: tf.Tensor): tf.Tensor4D {
    return tf.tidy(() => {
      let h = this.start(z, false);
      for (const layer of this.layers) {
        const y = this.up(h, layer);
        h = layer.norm ? normInference(y, layer.norm, this.config.batchNormEpsilon) : (tf.add(y, layer.bias!) as tf.Tensor4D);
      }
      return h;
    });
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

function batchNormState(name: string, channels: number): BatchNormState {
  return {
    gamma: ownedVariable(tf.ones([channels]) as tf.Tensor1D, true, `${name}/bn_gamma`),
    beta: ownedVariable(tf.zeros([channels]) as tf.Tensor1D, true, `${name}/bn_beta`),
    movingMean: ownedVariable(tf.zeros([channels]) as tf.Tensor1D, false, `${name}/bn_moving_mean`),
    movingVariance: ownedVariable(tf.ones([channels]) as tf.Tensor1D, false, `${name}/bn_moving_variance`),
  };
}

/** relu(γ·(y − μ)/√(σ² + ε) + β) with the moving statistics. */
function normInference(y: tf.Tensor4D, norm: BatchNormState, epsilon: number): tf.Tensor4D {
  return tf.tidy(() => {
    const scale = tf.mul(norm.gamma, tf.rsqrt(tf.add(norm.movingVariance, epsilon))); // [C]
    const shift = tf.sub(norm.beta, tf.mul(norm.movingMean, scale)); // [C]
    return tf.relu(tf.add(tf.mul(y, scale), shift)) as tf.Tensor4D;
  });
}
