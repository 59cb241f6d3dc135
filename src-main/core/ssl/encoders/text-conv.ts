/**
 * A 1-D convolutional text encoder, the fast option beside the Transformer: token embeddings, then
 * `blocks` pre-LN residual blocks
 *
 *   x ← x + Dropout(Wp · ReLU(conv_k(LN(x) ⊙ m) + b) + bp)
 *
 * (a k-wide convolution over positions, then a pointwise projection; m zeroes padded positions), a
 * final layer norm and the same pooling as the Transformer (mean over non-padding tokens, or the
 * first token). In the spirit of the convolutional sentence encoders of Kim (2014) and Gehring et al.
 * (2017), with the residual, pre-LN layout of the Transformer so both train with the same recipe.
 *
 * Padding: the convolution sees padded positions as zeros, exactly like its own zero padding at the
 * sequence end, so appending PAD tokens changes no real token's state. With `causal`, each
 * convolution only looks back (k − 1 zeros on the left), so no state depends on a later token.
 *
 * No position embedding: the convolutions see relative order; mean pooling then forgets absolute
 * position, as a bag of n-gram features does. Per token and block a step costs k·D² + D²
 * multiply-adds (98k at k = 5, D = 128), against ~12·D² + 2·L·D (213k at L = 64) in a Transformer
 * block, and no L×L attention maps.
 */
import { TEXT_TOKEN_IDS } from '../../../contract';
import { tf } from '../../engine/backend';
import { layerNorm } from '../../engine/ops/layer-norm';
import { dropoutSiteSeed, seededDropout } from '../../engine/ops/seeded-dropout';
import { ownedVariable, uniqueScope } from '../../engine/variables';
import { Rng } from '../random';
import { assertTokenIds, poolTokens, type TextEmbedOptions, type TextEncoderOutput, type TextForwardOptions, type TextPooling } from './transformer';

export interface TextConvConfig {
  /** Token ids are in [0, vocabSize). */
  vocabSize: number;
  /** Longest sequence accepted (the encoder itself has no per-position parameter). */
  maxLength: number;
  /** Residual convolution blocks (default 4). */
  blocks?: number;
  /** Channels D, the embedding size (default 128). */
  width?: number;
  /** Convolution width in tokens, odd (default 5). */
  kernelSize?: number;
  /** Dropout rate on the embeddings and each block's output, in training (default 0.1). */
  dropout?: number;
  pooling?: TextPooling;
  /** Seed for weight initialisation. */
  seed: number;
}

interface ConvBlock {
  lnGamma: tf.Variable<tf.Rank.R1>; // [D]
  lnBeta: tf.Variable<tf.Rank.R1>; // [D]
  convFilter: tf.Variable<tf.Rank.R3>; // [k, D, D]
  convBias: tf.Variable<tf.Rank.R1>; // [D]
  pointwiseWeight: tf.Variable<tf.Rank.R2>; // [D, D]
  pointwiseBias: tf.Variable<tf.Rank.R1>; // [D]
}

export class TextConvEncoder {
  readonly config: Required<TextConvConfig>;
  readonly embeddingSize: number;
  /** [vocabSize, width]; also the output layer of tied language-model heads. */
  readonly tokenEmbedding: tf.Variable<tf.Rank.R2>;
  private readonly blocks: ConvBlock[];
  private readonly finalGamma: tf.Variable<tf.Rank.R1>;
  private readonly finalBeta: tf.Variable<tf.Rank.R1>;
  private readonly fallbackRng: Rng;

  constructor(config: TextConvConfig) {
    this.config = { blocks: 4, width: 128, kernelSize: 5, dropout: 0.1, pooling: 'mean', ...config };
    const { vocabSize, maxLength, blocks, width, kernelSize, dropout } = this.config;
    for (const [name, value] of Object.entries({ vocabSize, maxLength, blocks, width, kernelSize })) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`TextConvEncoder: ${name} must be a positive integer, got ${value}`);
    }
    if (kernelSize % 2 !== 1) throw new RangeError(`TextConvEncoder: kernelSize must be odd, got ${kernelSize}`);
    if (!(dropout >= 0 && dropout < 1)) throw new RangeError(`TextConvEncoder: dropout must be in [0, 1), got ${dropout}`);
    this.embeddingSize = width;
    this.fallbackRng = new Rng(this.config.seed ^ 0x5eed);
    const scope = uniqueScope('text_conv');
    let seed = this.config.seed;
    const normal = <R extends tf.Rank>(shape: number[], std: number, name: string) =>
      ownedVariable(tf.randomNormal(shape, 0, std, 'float32', seed++) as unknown as tf.Tensor<R>, true, name);
    const zeros = (name: string) => ownedVariable(tf.zeros([width]) as tf.Tensor1D, true, name);
    const ones = (name: string) => ownedVariable(tf.ones([width]) as tf.Tensor1D, true, name);
    this.tokenEmbedding = normal<tf.Rank.R2>([vocabSize, width], 0.02, `${scope}/token_embedding`);
    this.blocks = Array.from({ length: blocks }, (_, i): ConvBlock => {
      const name = `${scope}/block${i}`;
      return {
        lnGamma: ones(`${name}/ln_gamma`),
        lnBeta: zeros(`${name}/ln_beta`),
        // He-normal before the ReLU; the projection into the residual stream scaled by 1/√blocks.
        convFilter: normal<tf.Rank.R3>([kernelSize, width, width], Math.sqrt(2 / (kernelSize * width)), `${name}/conv_filter`),
        convBias: zeros(`${name}/conv_bias`),
        pointwiseWeight: normal<tf.Rank.R2>([width, width], Math.sqrt(1 / (width * blocks)), `${name}/pointwise_weight`),
        pointwiseBias: zeros(`${name}/pointwise_bias`),
      };
    });
    this.finalGamma = ones(`${scope}/final_ln_gamma`);
    this.finalBeta = zeros(`${scope}/final_ln_beta`);
  }

  get trainableVariables(): tf.Variable[] {
    return this.variables;
  }

  /** Weight decay on the convolution filters and pointwise matrices; none on the token embedding, layer norms or biases. */
  get decayMask(): boolean[] {
    return [false, ...this.blocks.flatMap(() => [false, false, true, false, true, false]), false, false];
  }

  get variables(): tf.Variable[] {
    return [
      this.tokenEmbedding,
      ...this.blocks.flatMap((b) => [b.lnGamma, b.lnBeta, b.convFilter, b.convBias, b.pointwiseWeight, b.pointwiseBias]),
      this.finalGamma,
      this.finalBeta,
    ];
  }

  /**
   * Training-mode forward, with dropout.
   * @param ids [B, L] int32 token ids, PAD = 0
   */
  forwardTrain(ids: tf.Tensor2D, options: TextForwardOptions = {}): TextEncoderOutput {
    const seed = options.dropoutSeed ?? this.fallbackRng.nextUint32();
    return this.forward(ids, options.causal ?? false, this.config.dropout, seed);
  }

  /**
   * Inference: no dropout; causal only when asked (a model trained to predict the next token).
   * @param ids [B, L] int32 @returns [B, D]
   */
  embed(ids: tf.Tensor2D, options: TextEmbedOptions = {}): tf.Tensor2D {
    return tf.tidy(() => {
      const { hidden, pooled } = this.forward(ids, options.causal ?? false, 0, 0);
      hidden.dispose();
      return pooled;
    });
  }

  private forward(ids: tf.Tensor2D, causal: boolean, rate: number, stepSeed: number): TextEncoderOutput {
    assertTokenIds('TextConvEncoder', ids, this.config.maxLength);
    const [b, l] = ids.shape;
    const { width: d, kernelSize: k } = this.config;
    let site = 0;
    const drop = <T extends tf.Tensor>(x: T): T => seededDropout(x, rate, dropoutSiteSeed(stepSeed, site++));
    // 'same' for odd k centres the window; causal puts all k − 1 zeros before the sequence.
    const half = (k - 1) / 2;
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [0, 0], causal ? [k - 1, 0] : [half, half], [0, 0]];
    return tf.tidy(() => {
      const keep = tf.cast(tf.notEqual(ids, TEXT_TOKEN_IDS.pad), 'float32') as tf.Tensor2D; // [B, L]
      const keepRows = tf.reshape(keep, [b * l, 1]); // [B·L, 1]
      let x = drop(tf.gather(this.tokenEmbedding, tf.reshape(ids, [b * l]))) as tf.Tensor2D; // [B·L, D]
      for (const block of this.blocks) {
        const h = tf.mul(layerNorm(x, block.lnGamma, block.lnBeta), keepRows); // [B·L, D], padded rows 0
        const conv = tf.fused.conv2d({
          x: tf.reshape(h, [b, 1, l, d]) as tf.Tensor4D,
          filter: tf.reshape(block.convFilter, [1, k, d, d]) as tf.Tensor4D,
          strides: 1,
          pad,
          bias: block.convBias,
          activation: 'relu',
        }); // [B, 1, L, D]
        const projected = tf.fused.matMul({ a: tf.reshape(conv, [b * l, d]) as tf.Tensor2D, b: block.pointwiseWeight, bias: block.pointwiseBias }); // [B·L, D]
        x = tf.add(x, drop(projected));
      }
      const hidden = tf.reshape(layerNorm(x, this.finalGamma, this.finalBeta), [b, l, d]) as tf.Tensor3D; // [B, L, D]
      return { hidden, pooled: poolTokens(hidden, keep, this.config.pooling) };
    });
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}
