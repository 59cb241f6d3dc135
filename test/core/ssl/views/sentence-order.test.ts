import { describe, expect, it } from 'vitest';
import { TEXT_TOKEN_IDS, type TextInputSpec } from '../../../../src-main/contract';
import type { TextData } from '../../../../src-main/core/data/text';
import { Rng } from '../../../../src-main/core/ssl/random';
import { MIN_SEGMENT_TOKENS, SentenceOrderBatch, sentenceEndFlags } from '../../../../src-main/core/ssl/views/sentence-order';

const { cls: CLS, sep: SEP, pad: PAD } = TEXT_TOKEN_IDS;
/** Ids 6–9 are words, 10 is ".", 11 is "!", 12 is "?", 13 a quote mark. */
const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '[DEL]', 'a', 'b', 'c', 'd', '.', '!', '##?', '"'];
const ends = sentenceEndFlags((id) => VOCAB[id]!, VOCAB.length);

function data(items: number[][], maxLength: number): TextData {
  const offsets = new Int32Array(items.length + 1);
  items.forEach((ids, i) => (offsets[i + 1] = offsets[i]! + ids.length));
  const tokens = new Int32Array(offsets[items.length]!);
  items.forEach((ids, i) => tokens.set(ids, offsets[i]!));
  const spec: TextInputSpec = { modality: 'text', tokenizer: '', tokenizerKind: 'wordpiece', vocabSize: VOCAB.length, maxLength, lowercase: true };
  return { modality: 'text', spec, itemIds: items.map((_, i) => i + 1), labels: items.map(() => null), failures: [], texts: items.map(() => ''), tokens, offsets };
}

const row = (rows: Float32Array, r: number, length: number): number[] => Array.from(rows.subarray(r * length, (r + 1) * length));

describe('sentence-order rows (ALBERT)', () => {
  it('marks sentence-final punctuation, word pieces included, and nothing else', () => {
    expect(Array.from(ends)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0]);
  });

  it('writes two sentences in order or swapped, labelled, and a single sentence as a plain row labelled −1', () => {
    const d = data([[6, 7, 10, 8, 9, 11], [6, 7, 8, 10]], 10);
    const batch = new SentenceOrderBatch(ends);
    const seen = new Set<number>();
    const rng = new Rng(1);
    for (let t = 0; t < 40; t++) {
      const { rows, labels, longest } = batch.make(d, [0, 1], rng);
      expect(row(rows, 1, 10)).toEqual([CLS, 6, 7, 8, 10, SEP, PAD, PAD, PAD, PAD]);
      expect(labels[1]).toBe(-1);
      const expected = labels[0] === 0 ? [CLS, 6, 7, 10, SEP, 8, 9, 11, SEP, PAD] : [CLS, 8, 9, 11, SEP, 6, 7, 10, SEP, PAD];
      expect(row(rows, 0, 10)).toEqual(expected);
      expect(longest).toBe(9);
      seen.add(labels[0]!);
    }
    expect([...seen].sort()).toEqual([0, 1]);
  });

  it('swaps about half the time, with the same draws for the same seed', () => {
    const d = data([[6, 7, 10, 8, 9, 10]], 12);
    const make = (seed: number): number[] => {
      const rng = new Rng(seed);
      const batch = new SentenceOrderBatch(ends);
      return Array.from({ length: 400 }, () => batch.make(d, [0], rng).labels[0]!);
    };
    const labels = make(5);
    const swapped = labels.filter((l) => l === 1).length;
    expect(swapped).toBeGreaterThan(160);
    expect(swapped).toBeLessThan(240);
    expect(make(5)).toEqual(labels);
  });

  it('cuts only after a sentence end (the last of a run such as "!?"), keeping each segment two tokens or more, within the row', () => {
    // "a . b c ! ? d d . a": sentence ends after index 1, after the run "! ?" (index 5) and after index 8 (too short a second segment).
    const tokens = [6, 10, 7, 8, 11, 12, 9, 9, 10, 6];
    const batch = new SentenceOrderBatch(ends);
    const rng = new Rng(2);
    const allowed = new Map<string, number>([
      [[CLS, 6, 10, SEP, 7, 8, 11, 12, 9, 9, 10, 6, SEP, PAD, PAD, PAD].join(), 0],
      [[CLS, 7, 8, 11, 12, 9, 9, 10, 6, SEP, 6, 10, SEP, PAD, PAD, PAD].join(), 1],
      [[CLS, 6, 10, 7, 8, 11, 12, SEP, 9, 9, 10, 6, SEP, PAD, PAD, PAD].join(), 0],
      [[CLS, 9, 9, 10, 6, SEP, 6, 10, 7, 8, 11, 12, SEP, PAD, PAD, PAD].join(), 1],
    ]);
    const seen = new Set<string>();
    for (let t = 0; t < 60; t++) {
      const { rows, labels } = batch.make(data([tokens], 16), [0], rng);
      const r = row(rows, 0, 16).join();
      expect(allowed.get(r), r).toBe(labels[0]);
      seen.add(r);
    }
    expect(seen.size).toBe(4);
    // Truncated first: at maxLength 7 only "a . b c" fits ([CLS] A [SEP] B [SEP]); the one cut left is after "a .".
    const tight = batch.make(data([tokens], 7), [0], rng);
    expect(row(tight.rows, 0, 7)).toEqual(tight.labels[0] === 0 ? [CLS, 6, 10, SEP, 7, 8, SEP] : [CLS, 7, 8, SEP, 6, 10, SEP]);
    // At maxLength 6 three tokens fit: no cut leaves two of them on each side.
    const tighter = batch.make(data([tokens], 6), [0], rng);
    expect(tighter.labels[0]).toBe(-1);
    expect(row(tighter.rows, 0, 6)).toEqual([CLS, 6, 10, 7, 8, SEP]);
    expect(MIN_SEGMENT_TOKENS).toBe(2);
  });

  it('keeps an empty text and one with no sentence end as plain rows', () => {
    const d = data([[], [6, 7, 8, 9]], 8);
    const { rows, labels } = new SentenceOrderBatch(ends).make(d, [0, 1], new Rng(3));
    expect(Array.from(labels)).toEqual([-1, -1]);
    expect(row(rows, 0, 8)).toEqual([CLS, SEP, PAD, PAD, PAD, PAD, PAD, PAD]);
    expect(row(rows, 1, 8)).toEqual([CLS, 6, 7, 8, 9, SEP, PAD, PAD]);
  });
});
