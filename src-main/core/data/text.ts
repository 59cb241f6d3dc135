/**
 * Text, for the modality registry: each item's text (a txt/md file, or a table row's text column as
 * the import stored it), a subword tokenizer trained on the dataset before the run's spec is
 * stored, and rows of token ids as the encoders take them: [CLS] ids… [SEP], cut to the spec's
 * maximum length, then [PAD] (id 0, from which methods derive the attention mask). Ids travel as
 * float32 like every model input (they are below 2^24, so exact); methods cast them to int32.
 */
import type { InputSpec, ParamSpec, TextInputSpec } from '../../contract';
import { TEXT_TOKEN_IDS } from '../../contract';
import { decodeUtf8 } from '../datasets/decode-text';
import type { FileFormat } from '../datasets/detect';
import { readItemFile } from '../datasets/item-file';
import { BASIC_TEXT_AUGMENTATIONS, chooseAugmentations, sampleTextView } from '../ssl/views/text';
import type { Db } from '../storage/db';
import { DatasetsRepository } from '../storage/repositories/datasets';
import { ItemsRepository, type TrainingItem } from '../storage/repositories/items';
import { loadTokenizer, TOKENIZER_KINDS, trainTokenizer, type TextTokenizer, type TokenizerKind } from './tokenizer';
import type { LoadedData, LoadOptions, ModalityData } from './types';

export interface TextData extends LoadedData {
  modality: 'text';
  spec: TextInputSpec;
  /** Each item's text, in itemIds order. */
  texts: string[];
  /** Every item's token ids (no [CLS]/[SEP]), back to back; at most MAX_ITEM_TOKENS per item. */
  tokens: Int32Array;
  /** Item i's ids are tokens[offsets[i] .. offsets[i+1]) (length n + 1). */
  offsets: Int32Array;
}

const AUTO = { value: 0, label: 'Auto' };
const TEXT_PARAMS: readonly ParamSpec[] = [
  {
    name: 'vocabSize',
    label: 'Vocabulary size',
    type: 'integer',
    default: 0,
    min: 256,
    max: 32_000,
    auto: AUTO,
    unit: 'tokens',
    help: 'Subword tokens learnt from the texts, special tokens included; Auto grows with the corpus, 1,000 to 8,000.',
    scope: 'data',
  },
  {
    name: 'maxLength',
    label: 'Maximum length',
    type: 'integer',
    default: 0,
    min: 8,
    max: 512,
    auto: AUTO,
    unit: 'tokens',
    help: 'Tokens per text, [CLS] and [SEP] included; longer texts are cut. Auto: 95% of the texts fit, 16 to 64.',
    scope: 'data',
  },
  {
    name: 'lowercase',
    label: 'Lower-case',
    type: 'boolean',
    default: true,
    help: 'Lower-case the texts and strip accents before tokenising.',
    scope: 'data',
  },
  {
    name: 'tokenizer',
    label: 'Tokenizer',
    type: 'choice',
    default: 'wordpiece',
    choices: TOKENIZER_KINDS,
    help: 'How words are split into subwords: WordPiece (BERT) or BPE.',
    scope: 'data',
    advanced: true,
  },
];

export function asTextSpec(spec: InputSpec): TextInputSpec {
  if (spec.modality !== 'text') throw new Error(`expected a text input spec, got ${spec.modality}`);
  return spec;
}

/** Vocabulary size for a corpus of this many characters: about one token per 250 characters, in steps of 500, 1,000 to 8,000. */
export function chooseVocabSize(totalChars: number): number {
  return Math.min(8000, Math.max(1000, Math.round(totalChars / 250 / 500) * 500));
}

/** Longest automatic maximum length: a step costs about linearly in length, and 64 tokens keep most short texts (quotes, titles, messages) whole. */
export const MAX_AUTO_LENGTH = 64;

/**
 * Maximum length from the texts' token counts: the 95th percentile + [CLS] and [SEP], up to a multiple
 * of 8, 16..MAX_AUTO_LENGTH (fortunes: 160 uncapped, at 7–10 s a SimCSE step on 2 cores; the user can
 * set up to 512).
 */
export function chooseMaxLength(lengths: ArrayLike<number>): number {
  if (lengths.length === 0) return 16;
  const sorted = Float64Array.from(lengths).sort();
  const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)]!;
  return Math.min(MAX_AUTO_LENGTH, Math.max(16, Math.ceil((p95 + 2) / 8) * 8));
}

/** One input row: [CLS] ids… [SEP] (ids cut to fit), then [PAD] up to maxLength, written at out[offset…]. */
export function writeTokenRow(ids: ArrayLike<number>, maxLength: number, out: Float32Array, offset: number): void {
  if (maxLength < 2) throw new RangeError(`a token row needs room for [CLS] and [SEP], got maxLength ${maxLength}`);
  const n = Math.min(ids.length, maxLength - 2);
  out[offset] = TEXT_TOKEN_IDS.cls;
  for (let i = 0; i < n; i++) out[offset + 1 + i] = ids[i]!;
  out[offset + 1 + n] = TEXT_TOKEN_IDS.sep;
  out.fill(TEXT_TOKEN_IDS.pad, offset + 2 + n, offset + maxLength);
}

function tokenizerOf(spec: TextInputSpec): TextTokenizer {
  if (!spec.tokenizer) throw new Error('The text input spec has no trained tokenizer yet (the training loop trains it with fitSpec)');
  return loadTokenizer(spec.tokenizer);
}

/** One text → the input row `centre` makes for an item with this text (for search by typed text). */
export async function preprocessText(text: string, spec: TextInputSpec): Promise<Float32Array> {
  const row = new Float32Array(spec.maxLength);
  writeTokenRow(await tokenizerOf(spec).encode(text), spec.maxLength, row, 0);
  return row;
}

interface Corpus {
  itemIds: number[];
  labels: (string | null)[];
  texts: string[];
  failures: { path: string; reason: string }[];
}

const TABLE_FORMATS = new Set(['csv', 'tsv', 'jsonl']);
const READ_CONCURRENCY = 8;

/** The dataset's texts in item-id order: table rows from the database, files read and decoded as the import and the explorer do. */
async function readCorpus(db: Db, datasetId: number, options: Pick<LoadOptions, 'signal' | 'onProgress'>): Promise<Corpus> {
  const dataset = new DatasetsRepository(db).get(datasetId);
  if (!dataset) throw new Error(`No dataset with id ${datasetId}`);
  const repository = new ItemsRepository(db);
  const items = repository.forTraining(datasetId, 'text');
  const stored = repository.contents(datasetId, 'text');
  const texts: (string | null)[] = new Array<string | null>(items.length).fill(null);
  const failures: Corpus['failures'] = [];
  let next = 0;
  let done = 0;
  const read = async (item: TrainingItem): Promise<string> => {
    const content = stored.get(item.id);
    if (content !== undefined) return content;
    if (TABLE_FORMATS.has(item.format)) throw new Error('the row has no text stored; re-import the folder');
    const decoded = decodeUtf8(await readItemFile({ root: dataset.root, path: item.path, linkTarget: item.meta.linkTarget }));
    if (!decoded.ok) throw new Error(decoded.reason);
    return decoded.text;
  };
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      options.signal?.throwIfAborted();
      const index = next++;
      const item = items[index]!;
      try {
        texts[index] = await read(item);
      } catch (error) {
        failures.push({ path: item.path, reason: (error as Error).message });
      }
      options.onProgress?.(++done, items.length);
    }
  };
  await Promise.all(Array.from({ length: READ_CONCURRENCY }, worker));
  const kept = items.map((_, i) => i).filter((i) => texts[i] !== null);
  return {
    itemIds: kept.map((i) => items[i]!.id),
    labels: kept.map((i) => items[i]!.label),
    texts: kept.map((i) => texts[i]!),
    failures,
  };
}

/** Token ids of many texts, back to back (encoded in batches, so a cancel is seen between them). */
async function tokenize(tokenizer: TextTokenizer, texts: readonly string[], signal?: AbortSignal): Promise<{ tokens: Int32Array; offsets: Int32Array }> {
  const BATCH = 1024;
  const parts: Int32Array[] = [];
  for (let i = 0; i < texts.length; i += BATCH) {
    signal?.throwIfAborted();
    parts.push(...(await tokenizer.encodeBatch(texts.slice(i, i + BATCH))));
  }
  const offsets = new Int32Array(texts.length + 1);
  parts.forEach((p, i) => (offsets[i + 1] = offsets[i]! + p.length));
  const tokens = new Int32Array(offsets[texts.length]!);
  parts.forEach((p, i) => tokens.set(p, offsets[i]!));
  return { tokens, offsets };
}

/**
 * What fitSpec read and encoded, for the load that follows it in the same run (the same dataset,
 * the same items and tokenizer); taken by the next load whatever it asks for, so nothing lingers.
 */
let fitted: { key: string; corpus: Corpus; encoded: { tokens: Int32Array; offsets: Int32Array } } | null = null;
const fittedKey = (db: Db, datasetId: number, spec: TextInputSpec): string => {
  const items = new ItemsRepository(db).forTraining(datasetId, 'text');
  return `${db.name}\n${datasetId}\n${spec.tokenizer}\n${items.map((i) => `${i.id}:${i.hash}`).join(',')}`;
};

/** Texts: read once per run, tokenised with the run's tokenizer; views drawn on the CPU from the ids. */
export const textData: ModalityData<TextData> = {
  modality: 'text',
  params: TEXT_PARAMS,
  resolveSpec: (items, params) => {
    const given = (name: string): number => (typeof params[name] === 'number' ? (params[name] as number) : 0);
    const totalChars = items.reduce((sum, i) => sum + (i.meta.chars ?? 0), 0);
    const kind = typeof params.tokenizer === 'string' ? (params.tokenizer as TokenizerKind) : 'wordpiece';
    return {
      modality: 'text',
      tokenizer: '',
      tokenizerKind: kind,
      vocabSize: given('vocabSize') > 0 ? given('vocabSize') : chooseVocabSize(totalChars),
      // 0 until fitSpec has measured the texts.
      maxLength: given('maxLength'),
      lowercase: typeof params.lowercase === 'boolean' ? params.lowercase : true,
    };
  },
  fitSpec: async (db, datasetId, spec, options) => {
    const s = asTextSpec(spec);
    if (s.tokenizer) return s;
    const corpus = await readCorpus(db, datasetId, { signal: options.signal });
    const json = trainTokenizer(corpus.texts, { kind: s.tokenizerKind as TokenizerKind, vocabSize: s.vocabSize, lowercase: s.lowercase });
    const tokenizer = loadTokenizer(json);
    const encoded = await tokenize(tokenizer, corpus.texts, options.signal);
    const lengths = Array.from({ length: corpus.texts.length }, (_, i) => encoded.offsets[i + 1]! - encoded.offsets[i]!);
    const fit: TextInputSpec = { ...s, tokenizer: json, vocabSize: tokenizer.vocabSize, maxLength: s.maxLength > 0 ? s.maxLength : chooseMaxLength(lengths) };
    fitted = { key: fittedKey(db, datasetId, fit), corpus, encoded };
    return fit;
  },
  inputShape: (spec) => {
    const s = asTextSpec(spec);
    if (!(s.maxLength >= 2)) throw new Error(`The text input spec has no maximum length yet (got ${s.maxLength})`);
    return [s.maxLength];
  },
  load: async (db, datasetId, spec, options) => {
    const s = asTextSpec(spec);
    const tokenizer = tokenizerOf(s);
    const reuse = fitted?.key === fittedKey(db, datasetId, s) ? fitted : null;
    fitted = null;
    const corpus = reuse?.corpus ?? (await readCorpus(db, datasetId, options));
    if (reuse) options.onProgress?.(corpus.itemIds.length, corpus.itemIds.length);
    const { tokens, offsets } = reuse?.encoded ?? (await tokenize(tokenizer, corpus.texts, options.signal));
    return { modality: 'text', spec: s, ...corpus, tokens, offsets };
  },
  centre: (data, indices, out) => {
    const length = data.spec.maxLength;
    for (let i = 0; i < indices.length; i++) {
      const k = indices[i]!;
      writeTokenRow(data.tokens.subarray(data.offsets[k]!, data.offsets[k + 1]!), length, out, i * length);
    }
  },
  // CLEAR's scheme with the augmentations that need no dictionary: two of them drawn for the
  // batch, the first for every text's first view, the second for its second view.
  viewPair: (data, indices, out1, out2, rng) => {
    const length = data.spec.maxLength;
    const context = { continuation: tokenizerOf(data.spec).continuation };
    const kinds = chooseAugmentations(rng, 2, BASIC_TEXT_AUGMENTATIONS);
    for (let i = 0; i < indices.length; i++) {
      const k = indices[i]!;
      const ids = data.tokens.subarray(data.offsets[k]!, data.offsets[k + 1]!);
      writeTokenRow(sampleTextView(ids, kinds[0]!, rng, context), length, out1, i * length);
      writeTokenRow(sampleTextView(ids, kinds[1]!, rng, context), length, out2, i * length);
    }
  },
  preprocessFile: async (bytes, format: FileFormat, spec) => {
    const s = asTextSpec(spec);
    if (format !== 'txt' && format !== 'md') throw new Error(`A ${format} file holds many texts, not one; search by typed text instead`);
    const decoded = decodeUtf8(bytes);
    if (!decoded.ok) throw new Error(decoded.reason);
    return preprocessText(decoded.text, s);
  },
};
