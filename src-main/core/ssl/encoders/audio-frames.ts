/**
 * The two networks of Contrastive Predictive Coding for audio (van den Oord, Li, Vinyals 2018, §2.1
 * and §3.1), over a log-mel spectrogram instead of raw samples:
 *
 * - `AudioFrameEncoder`, g_enc: a 1-D convolutional encoder over the time axis, mel bands as input
 *   channels, each layer a convolution → layer norm → ReLU. Downsampling layers have kernel =
 *   stride (2 frames, stride 2), so z_t summarises exactly frames [s·t, s·(t+1)) of the input and
 *   shares no input frame with z_{t+1}: the future frames CPC predicts are not partly visible to
 *   c_t through overlapping receptive fields (the paper's 465-sample windows at stride 160 overlap;
 *   that leaves the k = 1 prediction a shortcut through shared samples). Layers after the last
 *   stride mix channels only (kernel 1).
 * - `CausalContext`, g_ar: pre-LN residual blocks of a causal 1-D convolution (k − 1 zeros on the
 *   left, so c_t depends on z_0..z_t only) and a pointwise projection, then a final layer norm, in
 *   place of the paper's GRU. Measured on wasm, one thread, forward and backward, 128 channels, on a
 *   2-core machine loaded by another benchmark: at B = 64 clips of T = 25 frames a GRU and this stack
 *   (3 blocks, k = 4) both took 122 ms; at B = 16 the GRU 76 ms against 53 ms, and at B = 16, T = 100
 *   (4 s clips) 225 ms against 120 ms. The GRU is T sequential steps of small [B, C]·[C, 3C] matmuls
 *   and about a dozen kernels each, forward and backward, so its cost follows the clip length step by
 *   step; the stack is a few large matmuls over all frames at once. (On the cpu fallback the GRU is
 *   faster: 2.7 s against 7.7 s at B = 64, T = 25.)
 *
 * Normalisation: layer norm over each frame's channels, never batch norm. Batch statistics mix every
 * time step and clip of the batch into each z_t and c_t: the context at t would then carry a little
 * of the future frames it must predict (and of the negatives), a leak the contrastive task can
 * exploit instead of learning. Layer norm uses one frame's own channels only.
 *
 * Both take and give frame-major sequences [B, T, D], and neither calls a convolution kernel: a
 * convolution whose kernel equals its stride is a reshape and a matmul, and the causal convolution is
 * a matmul over k shifted copies of the sequence side by side. Gradients are then matmuls, slices
 * and pads: tfjs' cpu backend takes ~22 s for one Conv2DBackpropFilter of the context's size
 * ([64, 1, 25, 128] with a [1, 4, 128, 128] filter): the stack's forward and backward took 73 s there
 * written with conv2d, 7.7 s as matmuls (on wasm 152 ms and 122 ms). tfjs also refuses gradients of
 * dilated convolutions.
 */
import { tf } from '../../engine/backend';
import { layerNorm } from '../../engine/ops/layer-norm';
import { assertShape } from '../../engine/shapes';
import { ownedVariable, uniqueScope } from '../../engine/variables';

export interface AudioFrameEncoderConfig {
  /** Input channels: the spectrogram's mel bands. */
  melBands: number;
  /** Input frames per clip. */
  frames: number;
  /** Time downsampling, 1, 2 or 4: that many input frames per z_t (default 4). */
  downsample?: 1 | 2 | 4;
  /** Channels D of every layer and of z_t (default 128). */
  width?: number;
  /** Pointwise layers after the strided ones (default 1; with downsample 1 there is at least one layer). */
  pointwiseLayers?: number;
  seed: number;
}

interface FrameLayer {
  kernel: number;
  filter: tf.Variable<tf.Rank.R3>; // [kernel, inChannels, D]
  bias: tf.Variable<tf.Rank.R1>; // [D]
  gamma: tf.Variable<tf.Rank.R1>; // [D]
  beta: tf.Variable<tf.Rank.R1>; // [D]
}

/** Input frames → z frames: each stride-2 layer halves the count, rounding down (a trailing odd frame is dropped). */
export function encodedFrames(frames: number, downsample: 1 | 2 | 4): number {
  let t = frames;
  for (let s = downsample; s > 1; s /= 2) t = Math.floor(t / 2);
  return t;
}

export class AudioFrameEncoder {
  readonly config: Required<AudioFrameEncoderConfig>;
  /** D, the size of each z_t. */
  readonly width: number;
  /** T', the z frames of one clip. */
  readonly outputFrames: number;
  private readonly layers: FrameLayer[];

  constructor(config: AudioFrameEncoderConfig) {
    this.config = { downsample: 4, width: 128, pointwiseLayers: 1, ...config };
    const { melBands, frames, downsample, width, pointwiseLayers } = this.config;
    for (const [name, value] of Object.entries({ melBands, frames, width })) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`AudioFrameEncoder: ${name} must be a positive integer, got ${value}`);
    }
    if (![1, 2, 4].includes(downsample)) throw new RangeError(`AudioFrameEncoder: downsample must be 1, 2 or 4, got ${downsample}`);
    if (!Number.isInteger(pointwiseLayers) || pointwiseLayers < 0) throw new RangeError(`AudioFrameEncoder: pointwiseLayers must be an integer ≥ 0, got ${pointwiseLayers}`);
    this.outputFrames = encodedFrames(frames, downsample);
    if (this.outputFrames < 1) throw new RangeError(`AudioFrameEncoder: ${frames} frames downsampled ×${downsample} leave no frame`);
    this.width = width;
    const kernels = [...Array.from({ length: Math.log2(downsample) }, () => 2), ...Array.from({ length: Math.max(pointwiseLayers, downsample === 1 ? 1 : 0) }, () => 1)];
    const scope = uniqueScope('audio_frames');
    let seed = this.config.seed;
    let inChannels = melBands;
    this.layers = kernels.map((kernel, i): FrameLayer => {
      const name = `${scope}/layer${i}`;
      const fanIn = kernel * inChannels;
      const filter = ownedVariable(tf.randomNormal([kernel, inChannels, width], 0, Math.sqrt(2 / fanIn), 'float32', seed++) as tf.Tensor3D, true, `${name}/filter`);
      inChannels = width;
      return {
        kernel,
        filter,
        bias: ownedVariable(tf.zeros([width]) as tf.Tensor1D, true, `${name}/bias`),
        gamma: ownedVariable(tf.ones([width]) as tf.Tensor1D, true, `${name}/ln_gamma`),
        beta: ownedVariable(tf.zeros([width]) as tf.Tensor1D, true, `${name}/ln_beta`),
      };
    });
  }

  get variables(): tf.Variable[] {
    return this.layers.flatMap((l) => [l.filter, l.bias, l.gamma, l.beta]);
  }

  /** Weight decay on the filters only. */
  get decayMask(): boolean[] {
    return this.layers.flatMap(() => [true, false, false, false]);
  }

  /**
   * @param x [B, melBands, frames, 1], the model input of the audio data module
   * @returns [B, frames, melBands], frame-major
   */
  static framesOf(x: tf.Tensor4D): tf.Tensor3D {
    const [b, m, f] = x.shape;
    return tf.transpose(tf.reshape(x, [b, m, f]), [0, 2, 1]);
  }

  /**
   * @param frames [B, frames, melBands] spectrogram frames, frame-major
   * @returns [B, T', D] z_t
   */
  forward(frames: tf.Tensor3D): tf.Tensor3D {
    assertShape('AudioFrameEncoder input [clips, frames, mel bands]', frames, [null, this.config.frames, this.config.melBands]);
    const b = frames.shape[0];
    return tf.tidy(() => {
      let t = this.config.frames;
      let h: tf.Tensor3D = frames; // [B, T, M]
      for (const layer of this.layers) {
        const [kernel, inChannels] = layer.filter.shape;
        const kept = Math.floor(t / kernel) * kernel;
        if (kept < t) h = tf.slice(h, [0, 0, 0], [b, kept, inChannels]); // an odd trailing frame has no partner
        t = kept / kernel;
        // A convolution whose kernel is its stride is a matmul over each window's frames side by side.
        const windows = tf.reshape(h, [b * t, kernel * inChannels]) as tf.Tensor2D; // [B·T', kernel·C_in]
        const conv = tf.fused.matMul({ a: windows, b: tf.reshape(layer.filter, [kernel * inChannels, this.width]) as tf.Tensor2D, bias: layer.bias }); // [B·T', D]
        h = tf.reshape(tf.relu(layerNorm(conv as tf.Tensor2D, layer.gamma, layer.beta)), [b, t, this.width]) as tf.Tensor3D;
      }
      return h;
    });
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

export interface CausalContextConfig {
  /** Size D of the input frames z_t. */
  inputWidth: number;
  /** Channels C of c_t (default 128). */
  width?: number;
  /** Residual blocks (default 3). */
  blocks?: number;
  /** Frames each causal convolution looks back, itself included (default 4). */
  kernelSize?: number;
  seed: number;
}

interface ContextBlock {
  lnGamma: tf.Variable<tf.Rank.R1>; // [C]
  lnBeta: tf.Variable<tf.Rank.R1>; // [C]
  convFilter: tf.Variable<tf.Rank.R3>; // [k, C, C], tap j looks k − 1 − j frames back
  convBias: tf.Variable<tf.Rank.R1>; // [C]
  pointwiseWeight: tf.Variable<tf.Rank.R2>; // [C, C]
  pointwiseBias: tf.Variable<tf.Rank.R1>; // [C]
}

/**
 *   c ← z·W_in + b_in,   then per block   c ← c + W_p · ReLU(causalConv_k(LN(c)) + b) + b_p,   c ← LN(c)
 * Receptive field: 1 + blocks·(k − 1) frames of z (10 at the defaults: 40 input frames, 0.4 s at a
 * 10 ms hop, at downsample 4).
 */
export class CausalContext {
  readonly config: Required<CausalContextConfig>;
  readonly width: number;
  private readonly inputWeight: tf.Variable<tf.Rank.R2>; // [D, C]
  private readonly inputBias: tf.Variable<tf.Rank.R1>; // [C]
  private readonly blocks: ContextBlock[];
  private readonly finalGamma: tf.Variable<tf.Rank.R1>;
  private readonly finalBeta: tf.Variable<tf.Rank.R1>;

  constructor(config: CausalContextConfig) {
    this.config = { width: 128, blocks: 3, kernelSize: 4, ...config };
    const { inputWidth, width, blocks, kernelSize } = this.config;
    for (const [name, value] of Object.entries({ inputWidth, width, blocks, kernelSize })) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`CausalContext: ${name} must be a positive integer, got ${value}`);
    }
    this.width = width;
    const scope = uniqueScope('causal_context');
    let seed = this.config.seed;
    const normal = <R extends tf.Rank>(shape: number[], std: number, name: string) =>
      ownedVariable(tf.randomNormal(shape, 0, std, 'float32', seed++) as unknown as tf.Tensor<R>, true, name);
    const zeros = (name: string) => ownedVariable(tf.zeros([width]) as tf.Tensor1D, true, name);
    const ones = (name: string) => ownedVariable(tf.ones([width]) as tf.Tensor1D, true, name);
    this.inputWeight = normal<tf.Rank.R2>([inputWidth, width], Math.sqrt(1 / inputWidth), `${scope}/input_weight`);
    this.inputBias = zeros(`${scope}/input_bias`);
    this.blocks = Array.from({ length: blocks }, (_, i): ContextBlock => {
      const name = `${scope}/block${i}`;
      return {
        lnGamma: ones(`${name}/ln_gamma`),
        lnBeta: zeros(`${name}/ln_beta`),
        convFilter: normal<tf.Rank.R3>([kernelSize, width, width], Math.sqrt(2 / (kernelSize * width)), `${name}/conv_filter`),
        convBias: zeros(`${name}/conv_bias`),
        pointwiseWeight: normal<tf.Rank.R2>([width, width], Math.sqrt(1 / (width * blocks)), `${name}/pointwise_weight`),
        pointwiseBias: zeros(`${name}/pointwise_bias`),
      };
    });
    this.finalGamma = ones(`${scope}/final_ln_gamma`);
    this.finalBeta = zeros(`${scope}/final_ln_beta`);
  }

  get variables(): tf.Variable[] {
    return [
      this.inputWeight,
      this.inputBias,
      ...this.blocks.flatMap((b) => [b.lnGamma, b.lnBeta, b.convFilter, b.convBias, b.pointwiseWeight, b.pointwiseBias]),
      this.finalGamma,
      this.finalBeta,
    ];
  }

  /** Weight decay on the matrices and filters; none on layer norms or biases. */
  get decayMask(): boolean[] {
    return [true, false, ...this.blocks.flatMap(() => [false, false, true, false, true, false]), false, false];
  }

  /**
   * @param z [B, T, D] frames
   * @returns [B, T, C] c_t, a function of z_0..z_t only
   */
  forward(z: tf.Tensor3D): tf.Tensor3D {
    assertShape('CausalContext input [clips, frames, channels]', z, [null, null, this.config.inputWidth]);
    const [b, t, d] = z.shape;
    const { width: c, kernelSize: k } = this.config;
    return tf.tidy(() => {
      let x = tf.fused.matMul({ a: tf.reshape(z, [b * t, d]) as tf.Tensor2D, b: this.inputWeight, bias: this.inputBias }) as tf.Tensor2D; // [B·T, C]
      for (const block of this.blocks) {
        const h = tf.pad(tf.reshape(layerNorm(x, block.lnGamma, block.lnBeta), [b, t, c]), [[0, 0], [k - 1, 0], [0, 0]]); // [B, T + k − 1, C], zeros before the clip
        // The causal convolution as one matmul: row t holds frames t − k + 1 .. t side by side.
        const taps = tf.concat(Array.from({ length: k }, (_, j) => tf.slice(h, [0, j, 0], [b, t, c])), 2); // [B, T, k·C]
        const conv = tf.fused.matMul({ a: tf.reshape(taps, [b * t, k * c]) as tf.Tensor2D, b: tf.reshape(block.convFilter, [k * c, c]) as tf.Tensor2D, bias: block.convBias, activation: 'relu' }); // [B·T, C]
        x = tf.add(x, tf.fused.matMul({ a: conv, b: block.pointwiseWeight, bias: block.pointwiseBias })) as tf.Tensor2D;
      }
      return tf.reshape(layerNorm(x, this.finalGamma, this.finalBeta), [b, t, c]) as tf.Tensor3D;
    });
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}
