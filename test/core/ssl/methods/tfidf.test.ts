import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TextInputSpec } from '../../../../src-main/contract';
import { type TextData, textData } from '../../../../src-main/core/data/text';
import { loadTokenizer, trainTokenizer } from '../../../../src-main/core/data/tokenizer';
import { initBackend, tf } from '../../../../src-main/core/engine/backend';
import { type CsrMatrix, truncatedSvd } from '../../../../src-main/core/projection/truncated-svd';
import { charWbNgrams, decodeRows, fitTfidf, tfidf, tfidfRows, type TfidfSettings, wordNgrams } from '../../../../src-main/core/ssl/methods/tfidf';

interface ReferenceCase {
  word: [number, number];
  char: [number, number];
  min_df: number;
  columns: number;
  idf: Record<string, number>;
  rows: Record<string, number>[];
  singular_values: number[];
  coordinates: number[][];
}
/** scikit-learn's TfidfVectorizer and TruncatedSVD on a small corpus (scripts/make-tfidf-reference.py). */
const reference = JSON.parse(readFileSync(join(import.meta.dirname, '../../../fixtures/tfidf-reference.json'), 'utf8')) as { corpus: string[]; cases: ReferenceCase[] };

const settingsOf = (c: ReferenceCase): TfidfSettings => ({ word: c.word, char: c.char, minDf: c.min_df, maxFeatures: 1_000_000 });

describe('TF-IDF features against scikit-learn', () => {
  it.each(reference.cases.map((c) => [`word ${c.word.join('–')}, char_wb ${c.char.join('–')}, min_df ${c.min_df}`, c] as const))(
    'the vocabulary, idf and every TF-IDF value match TfidfVectorizer (sublinear tf, smooth idf, L2) for %s',
    (_name, c) => {
      const vocabulary = fitTfidf(reference.corpus, settingsOf(c));
      const terms = vocabulary.terms!;
      expect(terms.length).toBe(c.columns);
      expect(new Set(terms)).toEqual(new Set(Object.keys(c.idf)));
      terms.forEach((term, column) => expect(Math.abs(vocabulary.idf[column]! - c.idf[term]!)).toBeLessThan(1e-12));
      const matrix = tfidfRows(reference.corpus, vocabulary);
      for (let r = 0; r < matrix.rows; r++) {
        const got: Record<string, number> = {};
        for (let p = matrix.indptr[r]!; p < matrix.indptr[r + 1]!; p++) got[terms[matrix.indices[p]!]!] = matrix.values[p]!;
        expect(Object.keys(got).sort()).toEqual(Object.keys(c.rows[r]!).sort());
        for (const [term, value] of Object.entries(c.rows[r]!)) expect(Math.abs(got[term]! - value)).toBeLessThan(1e-6);
      }
    },
  );

  // This corpus’ spectrum is flat (σ₅ and σ₆ differ by 0.2%): with the defaults (5 power iterations, 10 extra directions, as scikit-learn) the worst is 1.2e−2 off; the nearly
  // equal directions need 50 to converge to 1e−4 (the rate is (σ_{l+1}/σ_k)^(2q+1)).
  it.each(reference.cases.map((c) => [c.columns, c] as const))('the randomized SVD of the %i-column matrix has TruncatedSVD (ARPACK)’s singular values and coordinates', (_n, c) => {
    const vocabulary = fitTfidf(reference.corpus, settingsOf(c));
    const matrix = tfidfRows(reference.corpus, vocabulary);
    const k = c.singular_values.length;
    const svd = truncatedSvd(matrix, k, { seed: 3, iterations: 50 });
    for (let i = 0; i < k; i++) expect(Math.abs(svd.singularValues[i]! - c.singular_values[i]!)).toBeLessThan(1e-4);
    // X·Vᵀ, each component up to its sign.
    const coordinates = project(matrix, svd.components, k);
    for (let i = 0; i < k; i++) {
      const sign = Math.sign(dotColumn(coordinates, c.coordinates, i, k));
      for (let r = 0; r < matrix.rows; r++) expect(Math.abs(sign * coordinates[r * k + i]! - c.coordinates[r]![i]!)).toBeLessThan(1e-4);
    }
    const quick = truncatedSvd(matrix, k, { seed: 3 });
    for (let i = 0; i < k; i++) expect(Math.abs(quick.singularValues[i]! - c.singular_values[i]!)).toBeLessThan(2e-2);
    expect(truncatedSvd(matrix, k, { seed: 3 })).toEqual(quick); // seeded: the same every time
  });
});

function project(matrix: CsrMatrix, components: Float32Array, k: number): Float64Array {
  const out = new Float64Array(matrix.rows * k);
  for (let r = 0; r < matrix.rows; r++) {
    for (let p = matrix.indptr[r]!; p < matrix.indptr[r + 1]!; p++) {
      for (let c = 0; c < k; c++) out[r * k + c]! += matrix.values[p]! * components[c * matrix.cols + matrix.indices[p]!]!;
    }
  }
  return out;
}

function dotColumn(a: Float64Array, b: number[][], column: number, k: number): number {
  let s = 0;
  for (let r = 0; r < b.length; r++) s += a[r * k + column]! * b[r]![column]!;
  return s;
}

describe('TF-IDF analyzers and vocabulary', () => {
  it('word n-grams: lower-cased tokens of two or more word characters, joined by a space', () => {
    expect(wordNgrams('A cat, THE cat_2 — 東京!', [1, 2])).toEqual(['cat', 'the', 'cat_2', '東京', 'cat the', 'the cat_2', 'cat_2 東京']);
    expect(wordNgrams('one', [2, 3])).toEqual([]);
  });

  it('char_wb n-grams: padded words, a short word once (as scikit-learn’s _char_wb_ngrams)', () => {
    expect(charWbNgrams('x', [2, 4])).toEqual([' x', 'x ', ' x ']); // n = 3 already gives the whole padded word: no 4-gram
    expect(charWbNgrams('Ab  🎉', [3, 3])).toEqual([' ab', 'ab ', ' 🎉 ']);
  });

  it('keeps the maxFeatures most frequent n-grams of each kind that are in minDf texts', () => {
    const texts = ['aa bb cc', 'aa bb', 'aa dd', 'ee'];
    const v = fitTfidf(texts, { word: [1, 1], char: null, minDf: 1, maxFeatures: 2 });
    expect(v.terms).toEqual(['w:aa', 'w:bb']);
    const pruned = fitTfidf(texts, { word: [1, 1], char: null, minDf: 2, maxFeatures: 10 });
    expect(pruned.terms).toEqual(['w:aa', 'w:bb']);
    // idf = ln((1 + 4) / (1 + df)) + 1; a text with no kept n-gram is a zero row.
    expect(pruned.idf[0]).toBeCloseTo(Math.log(5 / 4) + 1, 12);
    const rows = tfidfRows(['ee ee', 'bb bb bb'], pruned);
    expect(Array.from(rows.indptr)).toEqual([0, 0, 1]);
    expect(rows.values[0]).toBeCloseTo(1, 12);
  });

  it('refuses settings without n-grams or with bad ranges', () => {
    expect(() => fitTfidf(['a'], { word: null, char: null, minDf: 1, maxFeatures: 10 })).toThrow('needs word or character n-grams');
    expect(() => fitTfidf(['a'], { word: [2, 1], char: null, minDf: 1, maxFeatures: 10 })).toThrow('word n-gram range must be integers 1 ≤ min ≤ max, got 2..1');
  });
});

// --- The method, on model inputs from the text data module. ---

describe('the TF-IDF method', () => {
  const corpus = reference.corpus.filter((t) => t.trim() !== '');
  let spec: TextInputSpec;
  let data: TextData;

  beforeAll(async () => {
    await initBackend('cpu');
    const json = trainTokenizer(corpus, { kind: 'wordpiece', vocabSize: 400, lowercase: true });
    const tokenizer = loadTokenizer(json);
    spec = { modality: 'text', tokenizer: json, tokenizerKind: 'wordpiece', vocabSize: tokenizer.vocabSize, maxLength: 12, lowercase: true };
    const encoded = await tokenizer.encodeBatch(corpus);
    const offsets = new Int32Array(corpus.length + 1);
    encoded.forEach((ids, i) => (offsets[i + 1] = offsets[i]! + ids.length));
    const tokens = new Int32Array(offsets[corpus.length]!);
    encoded.forEach((ids, i) => tokens.set(ids, offsets[i]!));
    data = { modality: 'text', spec, itemIds: corpus.map((_, i) => i + 1), labels: corpus.map(() => null), failures: [], texts: corpus, tokens, offsets };
  });

  const params = { wordNgramMin: 1, wordNgramMax: 2, charNgramMin: 2, charNgramMax: 4, maxFeatures: 500, minDf: 1, svdDims: 8 };

  function inputs(indices: number[]): tf.Tensor2D {
    const out = new Float32Array(indices.length * spec.maxLength);
    textData.centre(data, indices, out);
    return tf.tensor2d(out, [indices.length, spec.maxLength]);
  }

  it('decodes model inputs back to their text as the encoders see it: truncated to 10 tokens, without [CLS] and [SEP]', () => {
    const rows = inputs([0, 4]);
    expect(decodeRows(loadTokenizer(spec.tokenizer), rows.dataSync() as Float32Array, 2)).toEqual(['the cat sat on the mat.', 'to be, or not to be : that is']);
    rows.dispose();
  });

  it('fits in prepare, embeds in SVD dimensions, and each text is its own nearest neighbour', () => {
    const method = tfidf.create({ spec, params, seed: 1 });
    try {
      expect(method.trains).toBe(false);
      expect(method.embeddingDim).toBe(8);
      method.prepare!(data);
      const x = inputs(corpus.map((_, i) => i));
      const z = method.embed(x);
      expect(z.shape).toEqual([corpus.length, 8]);
      const v = z.arraySync();
      const unit = v.map((row) => row.map((a) => a / (Math.hypot(...row) || 1)));
      // The first two texts share most of their words: they are each other's nearest neighbours.
      const sims = unit.map((row) => unit[0]!.reduce((s, a, i) => s + a * row[i]!, 0));
      const order = sims.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0]);
      expect(order[0]![1]).toBe(0);
      expect(order[1]![1]).toBe(1);
      tf.dispose([x, z]);
    } finally {
      method.dispose();
    }
  });

  it('embeds the same from its state variables alone (what a checkpoint restores)', () => {
    const fitted = tfidf.create({ spec, params, seed: 1 });
    const restored = tfidf.create({ spec, params, seed: 1 });
    try {
      fitted.prepare!(data);
      const x = inputs([3, 7, 9]);
      const before = restored.embed(x).arraySync();
      expect(before.flat().every((v) => v === 0)).toBe(true); // nothing fitted yet
      const source = new Map(fitted.stateVariables().map((s) => [s.name, s.variable]));
      for (const { name, variable } of restored.stateVariables()) variable.assign(source.get(name)!);
      expect(restored.embed(x).arraySync()).toEqual(fitted.embed(x).arraySync());
      x.dispose();
    } finally {
      fitted.dispose();
      restored.dispose();
    }
  });

  it('without SVD embeds the TF-IDF vector itself, unit length per analyzer', () => {
    const method = tfidf.create({ spec, params: { ...params, svdDims: 0, maxFeatures: 300 }, seed: 1 });
    try {
      expect(method.embeddingDim).toBe(600);
      method.prepare!(data);
      const x = inputs([0]);
      const z = method.embed(x).dataSync();
      const norm = Math.hypot(...z);
      expect(norm).toBeCloseTo(Math.SQRT2, 5); // one word block and one character block
      x.dispose();
    } finally {
      method.dispose();
    }
    expect(() => tfidf.create({ spec, params: { ...params, svdDims: 0, maxFeatures: 5000 }, seed: 1 })).toThrow('one dimension per n-gram, 10000 here');
  });
});
