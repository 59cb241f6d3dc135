/**
 * What the text methods share: the encoder settings (a Transformer, or the faster 1-D convolutional
 * encoder) declared once, the encoder built from them, and a batch of token rows made from the text
 * data module's rows, trimmed to the batch's longest text (dynamic padding: a batch of short texts
 * does not pay for the longest text of the corpus).
 */
import type { ParamSpec, ParamValues, TextInputSpec } from '../../../contract';
import { TEXT_TOKEN_IDS } from '../../../contract';
import { writeTokenRow, type TextData } from '../../data/text';
import { tf } from '../../engine/backend';
import { TextConvEncoder } from '../encoders/text-conv';
import { TransformerEncoder, type TextPooling } from '../encoders/transformer';

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

/**
 * Model inputs (float token ids [B, maxLength], as the data module's `centre` makes them) → int32
 * ids trimmed to the longest row: what every text method's `embed` feeds its encoder.
 */
export function trimmedIds(x: tf.Tensor): tf.Tensor2D {
  const [count, length] = x.shape as [number, number];
  const rows = x.dataSync();
  return idsTensor(rows, count, length, longestRow(rows, count, length));
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
