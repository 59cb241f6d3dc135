/**
 * A small pre-LN Transformer encoder for text (Vaswani et al. 2017, with the layer norm moved in
 * front of each sublayer as in Xiong et al. 2020, "On Layer Normalization in the Transformer
 * Architecture"): learned token and position embeddings, `layers` blocks of
 *
 *   x ← x + Dropout(Wo · MultiHeadAttention(LN(x)))
 *   x ← x + Dropout(W2 · act(W1 · LN(x) + b1) + b2)
 *
 * a final layer norm, then pooling: the mean of the hidden states of the non-padding tokens, or the
 * hidden state of the first ([CLS]) token.
 *
 * Ids are [B, L] int32 with PAD (TEXT_TOKEN_IDS.pad = 0) marking padding: padded keys get no
 * attention weight, so appending PAD tokens changes neither the real tokens' hidden states nor the
 * pooled embedding. `causal` additionally hides later positions from each query (next-token
 * prediction).
 *
 * Written with raw tf ops and explicit variables, like SmallCnn, so a training step runs exactly the
 * kernels we chose for the wasm backend.
 */
import { TEXT_TOKEN_IDS } from '../../../contract';
import { tf } from '../../engine/backend';
import { layerNorm } from '../../engine/ops/layer-norm';
import { dropoutSiteSeed, seededDropout } from '../../engine/ops/seeded-dropout';
import { assertShape } from '../../engine/shapes';
import { ownedVariable, uniqueScope } from '../../engine/variables';
import { Rng } from '../random';

export type TextPooling = 'mean' | 'cls';

/**
 * The feed-forward activation. ReLU by default: on wasm the first feed-forward matmul, its bias and
 * ReLU run as one fused XNNPACK kernel and the gradient is one multiply by the step function, while
 * tanh-approximated GELU adds ~8 elementwise kernels forward and ~14 backward on the widest
 * activation ([B·L, 4·width]), and the package's Tanh is scalar (~15 ns an element). Measured on the
 * default model, batch 64 × 64 tokens, 2 threads: a step took ~1.5× as long with GELU.
 */
export type TransformerActivation = 'relu' | 'gelu';

export interface TransformerConfig {
  /** Token ids are in [0, vocabSize). */
  vocabSize: number;
  /** Longest sequence (positions with a learned embedding). */
  maxLength: number;
  /** Transformer blocks (default 4). */
  layers?: number;
  /** Model width D, the embedding size (default 128). */
  width?: number;
  /** Attention heads; must divide width (default 4). */
  heads?: number;
  /** Feed-forward width as a multiple of width (default 4). */
  ffnMultiplier?: number;
  /** Dropout rate on attention weights, sublayer outputs and the embeddings, in training (default 0.1). */
  dropout?: number;
  /** Embedding of a sequence: mean over non-padding tokens (default) or the first token's state. */
  pooling?: TextPooling;
  /** Feed-forward activation (default 'relu'; see TransformerActivation). */
  activation?: TransformerActivation;
  /** Seed for weight initialisation. */
  seed: number;
}

export interface TextForwardOptions {
  /** Hide later positions from each query (next-token prediction). */
  causal?: boolean;
  /**
   * Seed of this pass's dropout masks, from the run's seeded RNG (one per step, or per view). The
   * same seed gives the same masks. Without it the encoder draws one from its own RNG (seeded by
   * `config.seed`), which a checkpoint does not restore.
   */
  dropoutSeed?: number;
}

export interface TextEmbedOptions {
  /** Hide later positions from each query, as in training by next-token prediction (default false). */
  causal?: boolean;
}

export interface TextEncoderOutput {
  /** [B, L, D] hidden states after the final layer norm (padded positions hold values, ignore them). */
  hidden: tf.Tensor3D;
  /** [B, D] pooled embedding. */
  pooled: tf.Tensor2D;
}

interface Block {
  ln1Gamma: tf.Variable<tf.Rank.R1>; // [D]
  ln1Beta: tf.Variable<tf.Rank.R1>; // [D]
  qkvWeight: tf.Variable<tf.Rank.R2>; // [D, 3D]: queries, keys, values
  qkvBias: tf.Variable<tf.Rank.R1>; // [3D]
  outWeight: tf.Variable<tf.Rank.R2>; // [D, D]
  outBias: tf.Variable<tf.Rank.R1>; // [D]
  ln2Gamma: tf.Variable<tf.Rank.R1>; // [D]
  ln2Beta: tf.Variable<tf.Rank.R1>; // [D]
  ffnWeight1: tf.Variable<tf.Rank.R2>; // [D, F]
  ffnBias1: tf.Variable<tf.Rank.R1>; // [F]
  ffnWeight2: tf.Variable<tf.Rank.R2>; // [F, D]
  ffnBias2: tf.Variable<tf.Rank.R1>; // [D]
}

/** Added to the attention logits of hidden keys: exp() of it underflows to exactly 0. */
const HIDDEN_LOGIT = -1e9;

export class TransformerEncoder {
  readonly config: Required<TransformerConfig>;
  readonly embeddingSize: number;
  /** [vocabSize, width]; also the output layer of tied language-model heads (MLM, next token). */
  readonly tokenEmbedding: tf.Variable<tf.Rank.R2>;
  /** [maxLength, width] */
  readonly positionEmbedding: tf.Variable<tf.Rank.R2>;
  private readonly blocks: Block[];
  private readonly finalGamma: tf.Variable<tf.Rank.R1>;
  private readonly finalBeta: tf.Variable<tf.Rank.R1>;
  private readonly fallbackRng: Rng;

  constructor(config: TransformerConfig) {
    this.config = { layers: 4, width: 128, heads: 4, ffnMultiplier: 4, dropout: 0.1, pooling: 'mean', activation: 'relu', ...config };
    const { vocabSize, maxLength, layers, width, heads, ffnMultiplier, dropout } = this.config;
    for (const [name, value] of Object.entries({ vocabSize, maxLength, layers, width, heads })) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`TransformerEncoder: ${name} must be a positive integer, got ${value}`);
    }
    if (width % heads !== 0) throw new RangeError(`TransformerEncoder: width ${width} is not divisible by ${heads} heads`);
    if (!(ffnMultiplier > 0) || !Number.isInteger(ffnMultiplier * width)) {
      throw new RangeError(`TransformerEncoder: ffnMultiplier × width must be a positive integer, got ${ffnMultiplier} × ${width}`);
    }
    if (!(dropout >= 0 && dropout < 1)) throw new RangeError(`TransformerEncoder: dropout must be in [0, 1), got ${dropout}`);
    this.embeddingSize = width;
    this.fallbackRng = new Rng(this.config.seed ^ 0x5eed);
    const ffn = ffnMultiplier * width;
    const scope = uniqueScope('transformer');
    let seed = this.config.seed;
    // BERT/GPT-2 initialisation: N(0, 0.02) for embeddings and weights; the projections that write
    // into the residual stream (Wo, W2) scaled by 1/√(2·layers) so its variance does not grow with depth.
    const normal = (shape: [number, number], std: number, name: string) =>
      ownedVariable(tf.randomNormal(shape, 0, std, 'float32', seed++) as tf.Tensor2D, true, name);
    const zeros = (size: number, name: string) => ownedVariable(tf.zeros([size]) as tf.Tensor1D, true, name);
    const ones = (size: number, name: string) => ownedVariable(tf.ones([size]) as tf.Tensor1D, true, name);
    const residualStd = 0.02 / Math.sqrt(2 * layers);
    this.tokenEmbedding = normal([vocabSize, width], 0.02, `${scope}/token_embedding`);
    this.positionEmbedding = normal([maxLength, width], 0.02, `${scope}/position_embedding`);
    this.blocks = Array.from({ length: layers }, (_, i): Block => {
      const name = `${scope}/layer${i}`;
      return {
        ln1Gamma: ones(width, `${name}/ln1_gamma`),
        ln1Beta: zeros(width, `${name}/ln1_beta`),
        qkvWeight: normal([width, 3 * width], 0.02, `${name}/attention_qkv_weight`),
        qkvBias: zeros(3 * width, `${name}/attention_qkv_bias`),
        outWeight: normal([width, width], residualStd, `${name}/attention_out_weight`),
        outBias: zeros(width, `${name}/attention_out_bias`),
        ln2Gamma: ones(width, `${name}/ln2_gamma`),
        ln2Beta: zeros(width, `${name}/ln2_beta`),
        ffnWeight1: normal([width, ffn], 0.02, `${name}/ffn_weight1`),
        ffnBias1: zeros(ffn, `${name}/ffn_bias1`),
        ffnWeight2: normal([ffn, width], residualStd, `${name}/ffn_weight2`),
        ffnBias2: zeros(width, `${name}/ffn_bias2`),
      };
    });
    this.finalGamma = ones(width, `${scope}/final_ln_gamma`);
    this.finalBeta = zeros(width, `${scope}/final_ln_beta`);
  }

  get trainableVariables(): tf.Variable[] {
    return this.variables;
  }

  /**
   * Weight decay on the four matrices of each block only; none on the embeddings (token and
   * position, as in BERT's and nanoGPT's optimiser groups: decaying rare tokens' rows towards 0
   * hurts them most), layer-norm scales and offsets, or biases.
   */
  get decayMask(): boolean[] {
    const block = [false, false, true, false, true, false, false, false, true, false, true, false];
    return [false, false, ...this.blocks.flatMap(() => block), false, false];
  }

  /** Every variable, in a stable order with stable names (all are trainable). */
  get variables(): tf.Variable[] {
    return [
      this.tokenEmbedding,
      this.positionEmbedding,
      ...this.blocks.flatMap((b) => [
        b.ln1Gamma,
        b.ln1Beta,
        b.qkvWeight,
        b.qkvBias,
        b.outWeight,
        b.outBias,
        b.ln2Gamma,
        b.ln2Beta,
        b.ffnWeight1,
        b.ffnBias1,
        b.ffnWeight2,
        b.ffnBias2,
      ]),
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
   * Inference: no dropout; bidirectional attention unless `causal` (a model trained to predict the
   * next token embeds as it was trained).
   * @param ids [B, L] int32 token ids, PAD = 0
   * @returns [B, D] pooled embeddings
   */
  embed(ids: tf.Tensor2D, options: TextEmbedOptions = {}): tf.Tensor2D {
    return tf.tidy(() => {
      const { hidden, pooled } = this.forward(ids, options.causal ?? false, 0, 0);
      hidden.dispose();
      return pooled;
    });
  }

  private forward(ids: tf.Tensor2D, causal: boolean, rate: number, stepSeed: number): TextEncoderOutput {
    assertTokenIds('TransformerEncoder', ids, this.config.maxLength);
    const [b, l] = ids.shape;
    const { width: d, heads } = this.config;
    let site = 0;
    const drop = <T extends tf.Tensor>(x: T): T => seededDropout(x, rate, dropoutSiteSeed(stepSeed, site++));
    return tf.tidy(() => {
      const keep = tf.cast(tf.notEqual(ids, TEXT_TOKEN_IDS.pad), 'float32') as tf.Tensor2D; // [B, L] 1 = real token
      const attentionBias = attentionLogitBias(keep, causal); // [B, 1, 1|L, L]
      const positions = tf.slice(this.positionEmbedding, [0, 0], [l, d]); // [L, D]
      const tokens = tf.reshape(tf.gather(this.tokenEmbedding, tf.reshape(ids, [b * l])), [b, l, d]); // [B, L, D]
      let x = tf.reshape(drop(tf.add(tokens, positions)), [b * l, d]) as tf.Tensor2D; // [B·L, D]
      for (const block of this.blocks) {
        const attended = this.attention(layerNorm(x, block.ln1Gamma, block.ln1Beta), block, b, l, heads, attentionBias, drop); // [B·L, D]
        x = tf.add(x, drop(attended));
        x = tf.add(x, drop(this.feedForward(layerNorm(x, block.ln2Gamma, block.ln2Beta), block))); // [B·L, D]
      }
      const hidden = tf.reshape(layerNorm(x, this.finalGamma, this.finalBeta), [b, l, d]) as tf.Tensor3D; // [B, L, D]
      return { hidden, pooled: poolTokens(hidden, keep, this.config.pooling) };
    });
  }

  /** @param h [B·L, D] normalised input @returns [B·L, D] attention output after Wo */
  private attention(
    h: tf.Tensor2D,
    block: Block,
    b: number,
    l: number,
    heads: number,
    bias: tf.Tensor4D,
    drop: <T extends tf.Tensor>(x: T) => T,
  ): tf.Tensor2D {
    const d = h.shape[1];
    const dh = d / heads;
    const qkv = tf.fused.matMul({ a: h, b: block.qkvWeight, bias: block.qkvBias }); // [B·L, 3D]
    // Split first, then one rank-4 transpose per part: the wasm backend's rank-5 Transpose is a
    // generic scalar loop ~150× slower than its rank-4 one.
    const [q, k, v] = tf
      .split(qkv, 3, 1) // 3 × [B·L, D]
      .map((t) => tf.reshape(tf.transpose(tf.reshape(t, [b, l, heads, dh]), [0, 2, 1, 3]), [b * heads, l, dh]) as tf.Tensor3D) as [
      tf.Tensor3D,
      tf.Tensor3D,
      tf.Tensor3D,
    ]; // 3 × [B·H, L, dh]
    const scores = tf.matMul(tf.mul(q, 1 / Math.sqrt(dh)), k, false, true); // [B·H, L, L]
    const masked = tf.reshape(tf.add(tf.reshape(scores, [b, heads, l, l]), bias), [b * heads, l, l]); // [B·H, L, L]
    const weights = drop(tf.softmax(masked)); // [B·H, L, L]
    const context = tf.matMul(weights, v); // [B·H, L, dh]
    const merged = tf.reshape(tf.transpose(tf.reshape(context, [b, heads, l, dh]), [0, 2, 1, 3]), [b * l, d]) as tf.Tensor2D; // [B·L, D]
    return tf.fused.matMul({ a: merged, b: block.outWeight, bias: block.outBias }) as tf.Tensor2D;
  }

  /** @param h [B·L, D] @returns [B·L, D] */
  private feedForward(h: tf.Tensor2D, block: Block): tf.Tensor2D {
    const inner =
      this.config.activation === 'relu'
        ? (tf.fused.matMul({ a: h, b: block.ffnWeight1, bias: block.ffnBias1, activation: 'relu' }) as tf.Tensor2D) // [B·L, F]
        : geluTanh(tf.fused.matMul({ a: h, b: block.ffnWeight1, bias: block.ffnBias1 }) as tf.Tensor2D);
    return tf.fused.matMul({ a: inner, b: block.ffnWeight2, bias: block.ffnBias2 }) as tf.Tensor2D;
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

/** Throws unless `ids` is [B, L] int32 with 1 ≤ L ≤ maxLength. */
export function assertTokenIds(what: string, ids: tf.Tensor, maxLength: number): void {
  assertShape(`${what} token ids`, ids, [null, null]);
  if (ids.dtype !== 'int32') throw new Error(`${what} token ids: expected int32, got ${ids.dtype}`);
  const l = ids.shape[1]!;
  if (l < 1 || l > maxLength) throw new RangeError(`${what} token ids: length ${l} is outside 1..${maxLength} (maxLength)`);
}

/**
 * What the attention logits get added: HIDDEN_LOGIT at padded keys (and, when causal, at keys after
 * the query), 0 elsewhere.
 * @param keep [B, L] 1 for real tokens @returns [B, 1, 1, L], or [B, 1, L, L] when causal
 */
function attentionLogitBias(keep: tf.Tensor2D, causal: boolean): tf.Tensor4D {
  const [b, l] = keep.shape;
  const padding = tf.reshape(tf.mul(tf.sub(1, keep), HIDDEN_LOGIT), [b, 1, 1, l]) as tf.Tensor4D; // [B, 1, 1, L]
  if (!causal) return padding;
  const future = new Float32Array(l * l);
  for (let query = 0; query < l; query++) for (let key = query + 1; key < l; key++) future[query * l + key] = HIDDEN_LOGIT;
  // Both biases at once stay at HIDDEN_LOGIT, not twice it: min, not sum.
  return tf.minimum(padding, tf.tensor4d(future, [1, 1, l, l])); // [B, 1, L, L]
}

/**
 * Mean of the hidden states of the real tokens (a batched [1, L] · [L, D] product per sequence; a
 * sequence with no real token gets 0), or the first token's state.
 * @param hidden [B, L, D] @param keep [B, L] @returns [B, D]
 */
export function poolTokens(hidden: tf.Tensor3D, keep: tf.Tensor2D, pooling: TextPooling): tf.Tensor2D {
  const [b, l, d] = hidden.shape;
  if (pooling === 'cls') return tf.reshape(tf.slice(hidden, [0, 0, 0], [b, 1, d]), [b, d]) as tf.Tensor2D;
  const counts = tf.maximum(tf.sum(keep, 1, true), 1); // [B, 1]
  const weights = tf.reshape(tf.div(keep, counts), [b, 1, l]); // [B, 1, L]
  return tf.reshape(tf.matMul(weights, hidden), [b, d]) as tf.Tensor2D; // [B, D]
}

/** GELU, tanh approximation (Hendrycks & Gimpel 2016): x/2 · (1 + tanh(√(2/π)·(x + 0.044715·x³))). */
function geluTanh(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.square(x), x), 0.044715)), Math.sqrt(2 / Math.PI));
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1)) as tf.Tensor2D;
  });
}
