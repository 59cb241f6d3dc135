/**
 * TF-IDF: the baseline every learned text embedding should beat. Word n-grams and character
 * n-grams inside word boundaries, weighted and normalised exactly as scikit-learn's
 * `TfidfVectorizer(sublinear_tf=True, smooth_idf=True, norm='l2')` defines them (analyzers 'word'
 * and 'char_wb', one vectorizer per analyzer side by side as a `FeatureUnion`), on a vocabulary
 * fitted to the dataset, then reduced by truncated SVD (latent semantic analysis: Deerwester et
 * al. 1990) to a fixed number of dimensions. No training: the vocabulary, idf and SVD are fitted in
 * `prepare`, in seconds.
 *
 * The baseline sees exactly what the encoders see: `embed` receives the model inputs (token ids,
 * truncated to the spec's maximum length) and decodes them to text with the run's tokenizer, and
 * `prepare` fits on the same decoded inputs.
 *
 * Everything a run needs to embed again is in tensor variables (a checkpoint holds only those):
 * the vocabulary is stored as a 48-bit hash of each n-gram, two float32-exact 24-bit halves, beside
 * its idf and its SVD direction. Two n-grams of the dataset share a key with odds of about 1 in 10⁸
 * per pair; the vocabulary keeps the more frequent of them.
 *
 *   tf = 1 + ln(count),  idf = ln((1 + n) / (1 + df)) + 1,  x = tf·idf / ‖tf·idf‖₂ (per analyzer)
 */
import type { ParamValues, TextInputSpec } from '../../../contract';
import { dataFor } from '../../data';
import { loadTokenizer, type TextTokenizer } from '../../data/tokenizer';
import type { LoadedData } from '../../data/types';
import { tf } from '../../engine/backend';
import { ownedVariable, uniqueScope } from '../../engine/variables';
import { type CsrMatrix, truncatedSvd } from '../../projection/truncated-svd';
import type { MethodSetup, SslMethod, TrainableMethod } from './types';

/** One analyzer's n-gram range, inclusive; null = that analyzer is off. */
export type NgramRange = readonly [number, number] | null;

export interface TfidfSettings {
  word: NgramRange;
  char: NgramRange;
  /** Kept n-grams per analyzer, the most frequent over the corpus (scikit-learn's max_features). */
  maxFeatures: number;
  /** An n-gram must occur in at least this many texts (scikit-learn's min_df, as a count). */
  minDf: number;
}

/** Without SVD the embedding has one dimension per n-gram: allowed up to this many. */
const MAX_DIMS_WITHOUT_SVD = 4096;
/** The vocabulary, idf and SVD are fitted on at most this many texts (a seeded-order prefix is enough). */
const FIT_ITEMS = 20_000;
const WORD = /[\p{L}\p{N}_]+/gu;
const WHITESPACE = /\s+/u;

/**
 * scikit-learn's 'word' analyzer: lower-cased, tokens of two or more word characters
 * (token_pattern r"(?u)\b\w\w+\b"; Python's \w is letters, digits and underscore), then every
 * n-gram of consecutive tokens for n in the range, joined by a space.
 */
export function wordNgrams(text: string, [minN, maxN]: readonly [number, number]): string[] {
  const tokens = (text.toLowerCase().match(WORD) ?? []).filter((t) => t.length > 2 || [...t].length >= 2);
  const out: string[] = [];
  for (let n = minN; n <= Math.min(maxN, tokens.length); n++) {
    for (let i = 0; i + n <= tokens.length; i++) out.push(n === 1 ? tokens[i]! : tokens.slice(i, i + n).join(' '));
  }
  return out;
}

/**
 * scikit-learn's 'char_wb' analyzer: lower-cased, each whitespace-separated word padded with one
 * space on either side, its character n-grams (code points, as Python counts them) for n in the
 * range; a word shorter than n gives itself once, and then no longer n-grams (`_char_wb_ngrams`).
 */
export function charWbNgrams(text: string, [minN, maxN]: readonly [number, number]): string[] {
  const out: string[] = [];
  for (const word of text.toLowerCase().split(WHITESPACE)) {
    if (word === '') continue;
    const w = [...` ${word} `];
    for (let n = minN; n <= maxN; n++) {
      let offset = 0;
      out.push(w.slice(0, n).join(''));
      while (offset + n < w.length) {
        offset++;
        out.push(w.slice(offset, offset + n).join(''));
      }
      if (offset === 0) break;
    }
  }
  return out;
}

/**
 * 48-bit key of an n-gram of one analyzer ('w' or 'c'): two 32-bit multiplicative hash lanes over
 * the UTF-16 code units (cyrb53's mixing), each cut to 24 bits so float32 stores it exactly.
 */
export function ngramKey(analyzer: 'w' | 'c', term: string): { high: number; low: number } {
  let h1 = analyzer === 'w' ? 0xdeadbeef : 0x41c6ce57;
  let h2 = analyzer === 'w' ? 0x41c6ce57 : 0xdeadbeef;
  for (let i = 0; i < term.length; i++) {
    const ch = term.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return { high: h1 >>> 8, low: h2 >>> 8 };
}

const keyOf = (high: number, low: number): number => high * 16777216 + low;

/** A fitted vocabulary: the word n-grams' columns, then the character n-grams'. */
export interface TfidfVocabulary {
  settings: TfidfSettings;
  /** Column of each n-gram key (keyOf(high, low)). */
  columns: Map<number, number>;
  /** Columns of the matrix (unused ones, padding, included). */
  size: number;
  /** [size] idf of each column. */
  idf: Float64Array;
  /** [size] the keys' halves, for the state variables. */
  high: Float64Array;
  low: Float64Array;
  /** The n-grams themselves, when fitted here (not restored from a checkpoint), tagged "w:" / "c:". */
  terms?: string[];
}

function analyzersOf(settings: TfidfSettings): { tag: 'w' | 'c'; range: readonly [number, number]; ngrams: (text: string, range: readonly [number, number]) => string[] }[] {
  const out: { tag: 'w' | 'c'; range: readonly [number, number]; ngrams: (text: string, range: readonly [number, number]) => string[] }[] = [];
  if (settings.word) out.push({ tag: 'w', range: settings.word, ngrams: wordNgrams });
  if (settings.char) out.push({ tag: 'c', range: settings.char, ngrams: charWbNgrams });
  return out;
}

function countTerms(terms: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of terms) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}

/**
 * Fits the vocabulary and idf on `texts`: per analyzer, n-grams in at least minDf texts, the
 * maxFeatures most frequent over the corpus (ties in term order, where scikit-learn's argsort
 * leaves them unspecified).
 */
export function fitTfidf(texts: readonly string[], settings: TfidfSettings): TfidfVocabulary {
  validateSettings(settings);
  const n = texts.length;
  const columns = new Map<number, number>();
  const terms: string[] = [];
  const idf: number[] = [];
  const high: number[] = [];
  const low: number[] = [];
  for (const { tag, range, ngrams } of analyzersOf(settings)) {
    const df = new Map<string, number>();
    const total = new Map<string, number>();
    for (const text of texts) {
      for (const [term, count] of countTerms(ngrams(text, range))) {
        df.set(term, (df.get(term) ?? 0) + 1);
        total.set(term, (total.get(term) ?? 0) + count);
      }
    }
    const kept = [...df.keys()]
      .filter((t) => df.get(t)! >= settings.minDf)
      .sort((a, b) => total.get(b)! - total.get(a)! || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, settings.maxFeatures)
      .sort();
    for (const term of kept) {
      const key = ngramKey(tag, term);
      const k = keyOf(key.high, key.low);
      if (columns.has(k)) continue; // a 48-bit collision: the n-gram kept first stands for both
      columns.set(k, terms.length);
      terms.push(`${tag}:${term}`);
      idf.push(Math.log((1 + n) / (1 + df.get(term)!)) + 1);
      high.push(key.high);
      low.push(key.low);
    }
  }
  return { settings, columns, size: terms.length, idf: Float64Array.from(idf), high: Float64Array.from(high), low: Float64Array.from(low), terms };
}

/** TF-IDF rows of `texts` on a fitted vocabulary, as compressed sparse rows (columns ascending). */
export function tfidfRows(texts: readonly string[], vocabulary: TfidfVocabulary): CsrMatrix {
  const indptr = new Int32Array(texts.length + 1);
  const indices: number[] = [];
  const values: number[] = [];
  const analyzers = analyzersOf(vocabulary.settings);
  texts.forEach((text, r) => {
    const row = new Map<number, number>();
    for (const { tag, range, ngrams } of analyzers) {
      const block: [number, number][] = [];
      for (const [term, count] of countTerms(ngrams(text, range))) {
        const key = ngramKey(tag, term);
        const column = vocabulary.columns.get(keyOf(key.high, key.low));
        if (column !== undefined) block.push([column, (1 + Math.log(count)) * vocabulary.idf[column]!]);
      }
      let norm = 0;
      for (const [, v] of block) norm += v * v;
      const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (const [column, v] of block) row.set(column, (row.get(column) ?? 0) + v * scale);
    }
    for (const column of [...row.keys()].sort((a, b) => a - b)) {
      indices.push(column);
      values.push(row.get(column)!);
    }
    indptr[r + 1] = indices.length;
  });
  return { rows: texts.length, cols: vocabulary.size, indptr, indices: Int32Array.from(indices), values: Float64Array.from(values) };
}

function validateSettings(s: TfidfSettings): void {
  for (const [name, range] of [
    ['word', s.word],
    ['character', s.char],
  ] as const) {
    if (range && !(Number.isInteger(range[0]) && Number.isInteger(range[1]) && range[0] >= 1 && range[1] >= range[0])) {
      throw new RangeError(`TF-IDF ${name} n-gram range must be integers 1 ≤ min ≤ max, got ${range[0]}..${range[1]}`);
    }
  }
  if (!s.word && !s.char) throw new RangeError('TF-IDF needs word or character n-grams (both ranges are off)');
  if (!Number.isInteger(s.maxFeatures) || s.maxFeatures < 1) throw new RangeError(`TF-IDF maxFeatures must be a positive integer, got ${s.maxFeatures}`);
  if (!Number.isInteger(s.minDf) || s.minDf < 1) throw new RangeError(`TF-IDF minDf must be a positive integer, got ${s.minDf}`);
}

/** The text of each model-input row ([CLS] ids… [SEP] PAD…), decoded with the run's tokenizer. */
export function decodeRows(tokenizer: TextTokenizer, rows: Float32Array, count: number): string[] {
  const length = rows.length / count;
  return Array.from({ length: count }, (_, r) => tokenizer.decode(rows.subarray(r * length, (r + 1) * length)));
}

function settingsOf(params: ParamValues): TfidfSettings {
  const range = (min: unknown, max: unknown): NgramRange => ((max as number) > 0 ? [min as number, max as number] : null);
  return {
    word: range(params.wordNgramMin, params.wordNgramMax),
    char: range(params.charNgramMin, params.charNgramMax),
    maxFeatures: params.maxFeatures as number,
    minDf: params.minDf as number,
  };
}

class TfidfRun implements TrainableMethod {
  readonly trains = false;
  readonly embeddingDim: number;
  optimizerStep = 0;
  private readonly settings: TfidfSettings;
  private readonly columns: number;
  private readonly components: number;
  private readonly tokenizer: TextTokenizer;
  private readonly length: number;
  /** [columns] each: key halves (−1 where unused), idf; [columns, components] the SVD directions. */
  private readonly keyHigh: tf.Variable;
  private readonly keyLow: tf.Variable;
  private readonly idf: tf.Variable;
  private readonly basis: tf.Variable | null;
  /** The vocabulary and basis as read from the variables, rebuilt when a checkpoint replaces them. */
  private cache: { dataId: object; vocabulary: TfidfVocabulary; basis: Float32Array | null } | null = null;

  constructor(private readonly setup: MethodSetup) {
    if (setup.spec.modality !== 'text') throw new Error(`TF-IDF embeds text, not ${setup.spec.modality}`);
    const spec: TextInputSpec = setup.spec;
    this.settings = settingsOf(setup.params);
    validateSettings(this.settings);
    this.columns = this.settings.maxFeatures * ((this.settings.word ? 1 : 0) + (this.settings.char ? 1 : 0));
    const requested = setup.params.svdDims as number;
    this.components = requested > 0 ? Math.min(requested, this.columns) : 0;
    if (this.components === 0 && this.columns > MAX_DIMS_WITHOUT_SVD) {
      throw new RangeError(
        `TF-IDF without SVD embeds in one dimension per n-gram, ${this.columns} here: choose SVD dimensions, or at most ${MAX_DIMS_WITHOUT_SVD} features in all`,
      );
    }
    this.embeddingDim = this.components > 0 ? this.components : this.columns;
    this.tokenizer = loadTokenizer(spec.tokenizer);
    this.length = spec.maxLength;
    const scope = uniqueScope('tfidf');
    this.keyHigh = ownedVariable(tf.fill([this.columns], -1), false, `${scope}/key_high`);
    this.keyLow = ownedVariable(tf.fill([this.columns], -1), false, `${scope}/key_low`);
    this.idf = ownedVariable(tf.zeros([this.columns]), false, `${scope}/idf`);
    this.basis = this.components > 0 ? ownedVariable(tf.zeros([this.columns, this.components]), false, `${scope}/svd_basis`) : null;
  }

  prepare(data: LoadedData): void {
    const module = dataFor(data.modality);
    const n = Math.min(FIT_ITEMS, data.itemIds.length);
    const inputs = new Float32Array(n * this.length);
    module.centre(data, Int32Array.from({ length: n }, (_, i) => i), inputs);
    const texts = decodeRows(this.tokenizer, inputs, n);
    const vocabulary = fitTfidf(texts, this.settings);
    const padded = (values: Float64Array, fill: number): Float32Array => {
      const out = new Float32Array(this.columns).fill(fill);
      out.set(values);
      return out;
    };
    let basis: Float32Array | null = null;
    if (this.basis) {
      basis = new Float32Array(this.columns * this.components);
      const matrix = tfidfRows(texts, vocabulary);
      const k = Math.min(this.components, matrix.rows, matrix.cols);
      if (k > 0) {
        const svd = truncatedSvd(matrix, k, { seed: this.setup.seed });
        for (let c = 0; c < k; c++) for (let j = 0; j < matrix.cols; j++) basis[j * this.components + c] = svd.components[c * matrix.cols + j]!;
      }
    }
    tf.tidy(() => {
      this.keyHigh.assign(tf.tensor1d(padded(vocabulary.high, -1)));
      this.keyLow.assign(tf.tensor1d(padded(vocabulary.low, -1)));
      this.idf.assign(tf.tensor1d(padded(vocabulary.idf, 0)));
      if (this.basis && basis) this.basis.assign(tf.tensor2d(basis, [this.columns, this.components]));
    });
  }

  trainStep(): never {
    throw new Error('TF-IDF is a baseline: it has nothing to train');
  }

  /** The fitted state, from the variables (so a checkpoint loaded into them is what embeds). */
  private state(): { vocabulary: TfidfVocabulary; basis: Float32Array | null } {
    const dataId = (this.basis ?? this.idf).dataId as object;
    if (this.cache?.dataId === dataId) return this.cache;
    const high = this.keyHigh.dataSync();
    const low = this.keyLow.dataSync();
    const idf = this.idf.dataSync();
    const columns = new Map<number, number>();
    for (let c = 0; c < this.columns; c++) if (high[c]! >= 0) columns.set(keyOf(high[c]!, low[c]!), c);
    const vocabulary: TfidfVocabulary = {
      settings: this.settings,
      columns,
      size: this.columns,
      idf: Float64Array.from(idf),
      high: Float64Array.from(high),
      low: Float64Array.from(low),
    };
    this.cache = { dataId, vocabulary, basis: this.basis ? (this.basis.dataSync() as Float32Array) : null };
    return this.cache;
  }

  embed(x: tf.Tensor): tf.Tensor2D {
    const rows = x.shape[0]!;
    if (x.size !== rows * this.length) throw new Error(`TF-IDF expected [${rows}, ${this.length}] token ids, got [${x.shape.join(', ')}]`);
    const { vocabulary, basis } = this.state();
    const matrix = tfidfRows(decodeRows(this.tokenizer, x.dataSync() as Float32Array, rows), vocabulary);
    const out = new Float32Array(rows * this.embeddingDim);
    for (let r = 0; r < rows; r++) {
      const o = r * this.embeddingDim;
      for (let p = matrix.indptr[r]!; p < matrix.indptr[r + 1]!; p++) {
        const column = matrix.indices[p]!;
        const v = matrix.values[p]!;
        if (!basis) {
          out[o + column] = v;
          continue;
        }
        const b = column * this.components;
        for (let c = 0; c < this.components; c++) out[o + c]! += v * basis[b + c]!;
      }
    }
    return tf.tensor2d(out, [rows, this.embeddingDim]);
  }

  stateVariables(): { name: string; variable: tf.Variable }[] {
    return [
      { name: 'tfidf.key_high', variable: this.keyHigh },
      { name: 'tfidf.key_low', variable: this.keyLow },
      { name: 'tfidf.idf', variable: this.idf },
      ...(this.basis ? [{ name: 'tfidf.svd_basis', variable: this.basis }] : []),
    ];
  }

  dispose(): void {
    this.keyHigh.dispose();
    this.keyLow.dispose();
    this.idf.dispose();
    this.basis?.dispose();
  }
}

export const tfidf: SslMethod = {
  id: 'tfidf',
  name: 'TF-IDF',
  family: 'baseline',
  description: 'Baseline, no training: word and character n-grams weighted by TF-IDF (as scikit-learn does), reduced with truncated SVD, to see what self-supervision adds.',
  modalities: ['text'],
  trains: false,
  params: [
    { name: 'wordNgramMin', label: 'Shortest word n-gram', type: 'integer', default: 1, min: 1, max: 5, unit: 'words', help: 'Word n-grams from this many words…', scope: 'method', advanced: true },
    { name: 'wordNgramMax', label: 'Longest word n-gram', type: 'integer', default: 2, min: 0, max: 5, unit: 'words', help: '…to this many (0: no word n-grams).', scope: 'method' },
    { name: 'charNgramMin', label: 'Shortest character n-gram', type: 'integer', default: 2, min: 1, max: 8, unit: 'characters', help: 'Character n-grams within words (with a space either side) from this many characters…', scope: 'method', advanced: true },
    { name: 'charNgramMax', label: 'Longest character n-gram', type: 'integer', default: 5, min: 0, max: 8, unit: 'characters', help: '…to this many (0: no character n-grams).', scope: 'method' },
    { name: 'maxFeatures', label: 'N-grams per kind', type: 'integer', default: 20_000, min: 1, max: 200_000, help: 'Keep the most frequent word n-grams and character n-grams, this many of each.', scope: 'method', advanced: true },
    { name: 'minDf', label: 'Minimum texts per n-gram', type: 'integer', default: 2, min: 1, max: 1000, unit: 'texts', help: 'Leave out n-grams found in fewer texts (they cannot relate two texts).', scope: 'method', advanced: true },
    {
      name: 'svdDims',
      label: 'SVD dimensions',
      type: 'integer',
      default: 256,
      min: 1,
      max: 2048,
      auto: { value: 0, label: 'No SVD' },
      help: 'Reduce the TF-IDF vectors to this many dimensions with truncated SVD (latent semantic analysis), fitted on the dataset.',
      scope: 'method',
    },
  ],
  defaults: (): ParamValues => ({}),
  create: (setup) => new TfidfRun(setup),
};
