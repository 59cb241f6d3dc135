/**
 * The inputs of sentence-order prediction (SOP): Lan, Chen, Goodman, Gimpel, Sharma, Soricut (2020),
 * "ALBERT: A Lite BERT for Self-supervised Learning of Language Representations", §3.1
 * "Inter-sentence coherence loss": "as positive examples, two consecutive segments from the same
 * document (as BERT); as negative examples, the same two consecutive segments but with their order
 * swapped." The model is asked which of the two it sees, so it learns discourse coherence rather
 * than topic (BERT's next-sentence prediction, whose negatives come from other documents, is mostly
 * solved by topic).
 *
 * Here a text is split at a sentence end into two segments A and B, each of at least
 * `MIN_SEGMENT_TOKENS` tokens, and written as [CLS] A [SEP] B [SEP] (label 0, in order) or
 * [CLS] B [SEP] A [SEP] (label 1, swapped), each with probability ½. The cut is drawn uniformly
 * among the sentence ends that leave both segments long enough within the row's length. A text with
 * a single sentence (or too short to split) keeps its ordinary row ([CLS] ids… [SEP], as the text data
 * module writes it) and the label −1: it still trains the masked language model, not the order task.
 * (ALBERT also adds segment embeddings; our encoders have none, so [SEP] alone marks the boundary.)
 */
import { TEXT_TOKEN_IDS } from '../../../contract';
import { writeTokenRow, type TextData } from '../../data/text';
import { CONTINUATION } from '../../data/tokenizer';
import type { Rng } from '../random';

/** Fewest tokens each segment keeps: a lone punctuation mark or quote is not a sentence. */
export const MIN_SEGMENT_TOKENS = 2;

/** Characters that end a sentence (Latin, CJK full-width, Arabic, Devanagari, the ellipsis). */
const SENTENCE_END = /^[.!?…。！？؟।]+$/u;

/** 1 for each token id whose text is sentence-final punctuation (".", "!", "?", "…", "。" …), else 0. */
export function sentenceEndFlags(tokenText: (id: number) => string, vocabSize: number): Uint8Array {
  const flags = new Uint8Array(vocabSize);
  for (let id = 0; id < vocabSize; id++) {
    let text = tokenText(id);
    if (text.startsWith(CONTINUATION)) text = text.slice(CONTINUATION.length);
    if (SENTENCE_END.test(text.trim())) flags[id] = 1;
  }
  return flags;
}

export interface SentenceOrderRows {
  /** [B × length] model inputs (a view of a reused buffer). */
  rows: Float32Array;
  length: number;
  /** The longest row's token count, [CLS] and [SEP]s included. */
  longest: number;
  /** Per row: 0 in order, 1 swapped, −1 not split (no order task for it). */
  labels: Int32Array;
}

/** Makes a batch's SOP rows into buffers reused from step to step. */
export class SentenceOrderBatch {
  private buffer = new Float32Array(0);
  private cuts = new Int32Array(0);

  /** @param ends `sentenceEndFlags` of the run's tokenizer */
  constructor(private readonly ends: Uint8Array) {}

  make(data: TextData, batch: ArrayLike<number>, rng: Rng): SentenceOrderRows {
    const length = data.spec.maxLength;
    const size = batch.length * length;
    if (this.buffer.length < size) this.buffer = new Float32Array(size);
    const rows = this.buffer.subarray(0, size);
    const labels = new Int32Array(batch.length);
    let longest = 0;
    for (let r = 0; r < batch.length; r++) {
      const item = batch[r]!;
      const ids = data.tokens.subarray(data.offsets[item]!, data.offsets[item + 1]!);
      const offset = r * length;
      const cut = this.drawCut(ids, length, rng);
      if (cut < 0) {
        writeTokenRow(ids, length, rows, offset);
        labels[r] = -1;
        longest = Math.max(longest, Math.min(ids.length, length - 2) + 2);
        continue;
      }
      // Both segments within the row: [CLS] A [SEP] B [SEP] needs n + 3 ≤ length.
      const n = Math.min(ids.length, length - 3);
      const a = ids.subarray(0, cut);
      const b = ids.subarray(cut, n);
      const swapped = rng.chance(0.5);
      const [first, second] = swapped ? [b, a] : [a, b];
      rows[offset] = TEXT_TOKEN_IDS.cls;
      rows.set(first, offset + 1);
      rows[offset + 1 + first.length] = TEXT_TOKEN_IDS.sep;
      rows.set(second, offset + 2 + first.length);
      rows[offset + 2 + n] = TEXT_TOKEN_IDS.sep;
      rows.fill(TEXT_TOKEN_IDS.pad, offset + 3 + n, offset + length);
      labels[r] = swapped ? 1 : 0;
      longest = Math.max(longest, n + 3);
    }
    return { rows, length, longest, labels };
  }

  /**
   * Where B starts: a position just after a sentence end, drawn uniformly among those that leave
   * both segments MIN_SEGMENT_TOKENS long within the row; −1 when there is none. Draws from `rng`
   * only when there is a choice to make, so single-sentence batches leave it where it was.
   */
  private drawCut(ids: Int32Array, length: number, rng: Rng): number {
    const n = Math.min(ids.length, length - 3);
    if (this.cuts.length < n) this.cuts = new Int32Array(n);
    let count = 0;
    for (let i = MIN_SEGMENT_TOKENS - 1; i < n - MIN_SEGMENT_TOKENS; i++) {
      const id = ids[i]!;
      // A run of end marks ("?!", "...") ends the sentence at its last mark.
      if (id < this.ends.length && this.ends[id] === 1 && !(this.ends[ids[i + 1]!] === 1)) this.cuts[count++] = i + 1;
    }
    if (count === 0) return -1;
    return this.cuts[count === 1 ? 0 : rng.int(count)]!;
  }
}
