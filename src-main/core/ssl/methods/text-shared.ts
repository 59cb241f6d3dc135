/**
 * What the text methods share: the encoder settings (a Transformer, or the faster 1-D convolutional
 * encoder) declared once, the encoder built from them, a batch of token rows made from the text
 * data module's rows, trimmed to the batch's longest text (dynamic padding: a batch of short texts
 * does not pay for the longest text of the corpus), and the same for pairs of edited views (CLEAR,
 * and SimCLR and BYOL on text).
 */
import type { ParamSpec, ParamValues, TextInputSpec } from '../../../contract';
import { TEXT_TOKEN_IDS } from '../../../contract';
import { writeTokenRow, type TextData } from '../../data/text';
import { loadTokenizer } from '../../data/tokenizer';
import type { LoadedData } from '../../data/types';
import { tf } from '../../engine/backend';
import { TextConvEncoder } from '../encoders/text-conv';
import { TransformerEncoder, type TextPooling } from '../encoders/transformer';
import type { Rng } from '../random';
import { BASIC_TEXT_AUGMENTATIONS, chooseAugmentations, loadSynonyms, sampleTextView, TEXT_AUGMENTATIONS, type TextViewContext } from '../views/text';
import { MethodRun, type RunPart } from './method-run';

export type TextEncoder = TransformerEncoder | TextConvEncoder;

export const TEXT_ENCODER_PARAMS: readonly ParamSpec[] = [
  {
    name: 'encoder',
    label: 'Encoder',
    type: 'choice',
    choices: ['transformer', 'conv'],
    default: 'transformer',
    help: 'transformer: self-attention over the whole text; conv: 1-D convolutions over neighbouring tokens (faster, more local).',
    scope: 'method',
  },
  { name: 'layers', label: 'Layers', type: 'integer', default: 4, min: 1, max: 12, help: 'Transformer blocks (or convolution blocks).', scope: 'method', advanced: true },
  { name: 'width', label: 'Width', type: 'integer', default: 128, min: 16, max: 1024, help: 'Model width, which is also the embedding size.', scope: 'method', advanced: true },
  { name: 'heads', label: 'Attention heads', type: 'integer', default: 4, min: 1, max: 16, help: 'Heads of each attention layer; must divide the width.', scope: 'method', advanced: true },
  { name: 'dropout', label: 'Dropout', type: 'number', default: 0.1, min: 0, max: 0.9, help: 'Dropout rate in training (attention, residuals, embeddings).', scope: 'method', advanced: true },
  {
    name: 'pooling',
    label: 'Pooling',
    type: 'choice',
    choices: ['mean', 'cls'],
    default: 'mean',
    help: 'Embedding of a text: the mean of its tokens’ hidden states, or the state of its first ([CLS]) token.',
    scope: 'method',
    advanced: true,
  },
];

/** Settings marked as applying to text only, for a method that also trains on other modalities (ParamSpec.modalities). */
export function textOnly(params: readonly ParamSpec[]): ParamSpec[] {
  return params.map((p) => ({ ...p, modalities: ['text'] }));
}

/** The learning rate's rule of such a method, whose text runs keep the loop's default rate, as the text methods do. */
export function withTextRate(rule: string): string {
  return `${rule}; 1e-3 for text`;
}

export interface TextEncoderParams {
  encoder: 'transformer' | 'conv';
  layers: number;
  width: number;
  heads: number;
  dropout: number;
  pooling: TextPooling;
}

export function textEncoderParams(params: ParamValues): TextEncoderParams {
  return {
    encoder: params.encoder === 'conv' ? 'conv' : 'transformer',
    layers: params.layers as number,
    width: params.width as number,
    heads: params.heads as number,
    dropout: params.dropout as number,
    pooling: params.pooling === 'cls' ? 'cls' : 'mean',
  };
}

/** The run's text encoder: the same for every text method with the same settings, so runs compare. */
export function textEncoderFor(spec: TextInputSpec, params: TextEncoderParams, seed: number): TextEncoder {
  const common = { vocabSize: spec.vocabSize, maxLength: spec.maxLength, width: params.width, dropout: params.dropout, pooling: params.pooling, seed };
  if (params.encoder === 'conv') return new TextConvEncoder({ ...common, blocks: params.layers });
  if (params.width % params.heads !== 0) throw new RangeError(`width ${params.width} is not divisible by ${params.heads} attention heads; choose a width that is a multiple of the heads`);
  return new TransformerEncoder({ ...common, layers: params.layers, heads: params.heads });
}

/** Length of the longest row (up to its last non-PAD token) of `rows` [count × length]; at least 1. */
export function longestRow(rows: ArrayLike<number>, count: number, length: number): number {
  let longest = 1;
  for (let r = 0; r < count; r++) {
    let end = length;
    while (end > longest && rows[r * length + end - 1] === TEXT_TOKEN_IDS.pad) end--;
    if (end > longest) longest = end;
  }
  return longest;
}

/** rows [count × length] → an int32 [count, width] tensor of each row's first `width` ids. */
export function idsTensor(rows: ArrayLike<number>, count: number, length: number, width: number): tf.Tensor2D {
  const ids = new Int32Array(count * width);
  for (let r = 0; r < count; r++) for (let t = 0; t < width; t++) ids[r * width + t] = rows[r * length + t]!;
  return tf.tensor2d(ids, [count, width], 'int32');
}

/** Texts embedded together at inference: a Transformer's attention over [B·H, L, L] grows fast with B. */
export const TEXT_EMBED_BATCH = 64;

/**
 * Inference embeddings of model inputs (float token ids [N, maxLength], as `centre` makes them): the
 * rows sorted by length and embedded TEXT_EMBED_BATCH at a time, each group trimmed to its longest
 * row, then put back in their order. Padding changes no embedding (the encoders mask it), so this
 * only saves the work on padding: a batch of short quotes no longer pays for the longest one.
 * @returns [N, D]
 */
export function embedTexts(encoder: TextEncoder, x: tf.Tensor, options: { causal?: boolean } = {}): tf.Tensor2D {
  const [count, length] = x.shape as [number, number];
  const rows = x.dataSync();
  const lengths = new Int32Array(count);
  for (let r = 0; r < count; r++) lengths[r] = longestRow(rows.subarray(r * length, (r + 1) * length), 1, length);
  const order = Int32Array.from({ length: count }, (_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  // The groups' embeddings stay on the device (no readback: webgpu cannot read synchronously) and are put back in order by a gather.
  const position = new Int32Array(count);
  order.forEach((row, i) => (position[row] = i));
  return tf.tidy(() => {
    const groups: tf.Tensor2D[] = [];
    for (let start = 0; start < count; start += TEXT_EMBED_BATCH) {
      const group = order.subarray(start, Math.min(count, start + TEXT_EMBED_BATCH));
      const width = lengths[group[group.length - 1]!]!;
      const ids = new Int32Array(group.length * width);
      group.forEach((row, i) => {
        for (let t = 0; t < width; t++) ids[i * width + t] = rows[row * length + t]!;
      });
      groups.push(tf.tidy(() => encoder.embed(tf.tensor2d(ids, [group.length, width], 'int32'), options))); // [group, D]
    }
    if (groups.length === 0) return tf.zeros([0, encoder.embeddingSize]) as tf.Tensor2D;
    const sorted = groups.length === 1 ? groups[0]! : tf.concat(groups, 0); // [N, D], rows by length
    return tf.gather(sorted, tf.tensor1d(position, 'int32')) as tf.Tensor2D; // [N, D], rows in input order
  });
}

/** The rows of a batch of texts, in buffers reused from step to step. */
export class TokenRows {
  private buffer = new Float32Array(0);

  /** @returns the rows [B × maxLength] (a view of the reused buffer) and the batch's longest row */
  make(data: TextData, batch: ArrayLike<number>): { rows: Float32Array; length: number; longest: number } {
    const length = data.spec.maxLength;
    const size = batch.length * length;
    if (this.buffer.length < size) this.buffer = new Float32Array(size);
    const rows = this.buffer.subarray(0, size);
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i]!;
      writeTokenRow(data.tokens.subarray(data.offsets[item]!, data.offsets[item + 1]!), length, rows, i * length);
    }
    return { rows, length, longest: longestRow(rows, batch.length, length) };
  }
}

/** CLEAR's synonym substitution among the text views (views/text.ts), a setting of every method that samples them. */
export const SYNONYMS_PARAM: ParamSpec = {
  name: 'synonyms',
  label: 'Synonym substitution',
  type: 'boolean',
  default: true,
  help: 'Offer WordNet synonym substitution among the augmentations (English words only).',
  scope: 'method',
  advanced: true,
};

/**
 * Two edited copies of every text of a batch (CLEAR's views, views/text.ts): two of the
 * augmentations are drawn for the batch, one makes every text's first view and the other its second
 * (CLEAR, §3.2). Both views are token rows trimmed to the longest of all 2B, so that they
 * concatenate into one batch for the encoder; the rows live in a buffer reused from step to step.
 */
export class TextViewPairs {
  private context: TextViewContext | null = null;
  private rows = new Float32Array(0);

  /** @param synonyms whether synonym substitution is among the augmentations (its table is read by `prepare`) */
  constructor(
    private readonly spec: TextInputSpec,
    private readonly synonyms: boolean,
  ) {}

  /** Word boundaries from the run's tokenizer, and WordNet's synonyms of the corpus' words (about a second). */
  async prepare(loaded: LoadedData): Promise<void> {
    const data = loaded as TextData;
    const tokenizer = loadTokenizer(this.spec.tokenizer);
    this.context = {
      continuation: tokenizer.continuation,
      ...(this.synonyms ? { synonyms: await loadSynonyms(tokenizer, data.tokens, data.offsets) } : {}),
    };
  }

  /**
   * @param order where each text's second view goes: row order[i] of the second tensor is a view of
   *   text batch[i] (as ViewPairBatch.make); the identity when omitted
   * @returns two int32 [B, L] tensors, L the batch's longest view, owned by the caller
   */
  make(loaded: LoadedData, batch: Int32Array, rng: Rng, order?: Int32Array): [tf.Tensor2D, tf.Tensor2D] {
    if (!this.context) throw new Error('text views: prepare() must run before the first batch');
    const data = loaded as TextData;
    const b = batch.length;
    if (order !== undefined && order.length !== b) throw new Error(`view order has ${order.length} entries for a batch of ${b}`);
    const length = this.spec.maxLength;
    const kinds = chooseAugmentations(rng, 2, this.context.synonyms ? TEXT_AUGMENTATIONS : BASIC_TEXT_AUGMENTATIONS);
    if (this.rows.length < 2 * b * length) this.rows = new Float32Array(2 * b * length);
    const rows = this.rows.subarray(0, 2 * b * length); // first views in rows 0..B−1, second views in B..2B−1
    for (let i = 0; i < b; i++) {
      const item = batch[i]!;
      const ids = data.tokens.subarray(data.offsets[item]!, data.offsets[item + 1]!);
      writeTokenRow(sampleTextView(ids, kinds[0]!, rng, this.context), length, rows, i * length);
      writeTokenRow(sampleTextView(ids, kinds[1]!, rng, this.context), length, rows, (b + (order === undefined ? i : order[i]!)) * length);
    }
    const longest = longestRow(rows, 2 * b, length);
    return [idsTensor(rows, b, length, longest), idsTensor(rows.subarray(b * length), b, length, longest)];
  }
}

/** A head a text method trains with its encoder (a projection or a token-prediction head). */
export type TextHead = RunPart;

/**
 * What every text method's run shares (method-run.ts): the encoder and its heads under one AdamW,
 * checkpoint names (`encoder`, each head by its key, `adam`) and disposal, with the length-sorted
 * inference embedding (`causal` for a left-to-right model). A method adds its step.
 */
export abstract class TextMethodRun extends MethodRun<TextEncoder> {
  /** @param heads by checkpoint name, in training order; null for one a run's settings leave out */
  constructor(
    encoder: TextEncoder,
    heads: Record<string, TextHead | null>,
    params: ParamValues,
    private readonly causal = false,
  ) {
    super(encoder, encoder.embeddingSize, heads, { weightDecay: (params.weightDecay as number | undefined) ?? 0 });
  }

  embed(x: tf.Tensor): tf.Tensor2D {
    return embedTexts(this.encoder, x, this.causal ? { causal: true } : {});
  }
}
