/**
 * A subword tokenizer trained on a run's own texts: WordPiece (Devlin et al. 2019) by default, or
 * BPE (Sennrich et al. 2016), both over BERT's normalisation and pre-tokenisation. The Hugging Face
 * `tokenizers` bindings do the normalising, pre-tokenising, encoding, decoding and the serialised
 * form (tokenizer.json, loadable by the Python library too); the special tokens are
 * TEXT_SPECIAL_TOKENS at ids 0..5 in every vocabulary.
 *
 * The vocabulary itself is learnt here, not by the bindings' `Tokenizer.train`: in the Node
 * bindings (0.23) `train(files)` takes no trainer settings (the vocabulary size is fixed at 30,000
 * and no special tokens can be given), and its result changes from process to process: the Rust
 * trainer numbers continuation symbols in hash-map order and breaks ties between equally frequent
 * pairs by those numbers, so two trainings on the same file gave different vocabularies. A run's
 * input spec must be a function of its data and settings, so the merges are learnt below with the
 * same algorithm as the Rust BpeTrainer (which its WordPieceTrainer wraps), but with every symbol
 * numbered in a fixed order and ties broken by those numbers.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BPE, bertNormalizer, bertPreTokenizer, Tokenizer, WordPiece, wordPieceDecoder, type Decoder, type Normalizer, type PreTokenizer } from 'tokenizers';
import { TEXT_SPECIAL_TOKENS, TEXT_TOKEN_IDS } from '../../contract';

export type TokenizerKind = 'wordpiece' | 'bpe';
export const TOKENIZER_KINDS: readonly TokenizerKind[] = ['wordpiece', 'bpe'];

export interface TokenizerSettings {
  kind: TokenizerKind;
  /** Tokens in the vocabulary, special tokens included; a small corpus may yield fewer. */
  vocabSize: number;
  /** Lower-case and strip accents before tokenising. */
  lowercase: boolean;
}

/** Prefix of a token that continues a word (WordPiece's convention, used for BPE too). */
export const CONTINUATION = '##';
/** Longer words are one [UNK] (WordPiece's max_input_chars_per_word) and are not learnt from. */
const MAX_WORD_CHARS = 100;
/** A pair seen fewer times is never merged: a token for one occurrence only memorises it. */
const MIN_PAIR_COUNT = 2;
/** At most this share of the vocabulary goes to single characters (and their continuations); rarer characters become [UNK]. */
const ALPHABET_SHARE = 0.5;
/**
 * Only this much of a text is tokenised (code units, cut at a code-point boundary). An encoder sees
 * at most a few hundred tokens of an item, so tokenising a 64 MB file whole would only cost time.
 */
export const MAX_TOKENIZED_CHARS = 65_536;
/** Ids kept per item: many times any maximum length, so views that delete words still fill a row. */
export const MAX_ITEM_TOKENS = 2048;

/** The start of a text that is tokenised (the whole text when short). */
export function tokenizedPart(text: string): string {
  if (text.length <= MAX_TOKENIZED_CHARS) return text;
  let end = MAX_TOKENIZED_CHARS;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // never split a surrogate pair
  return text.slice(0, end);
}

function pipeline(lowercase: boolean): { normalizer: Normalizer; preTokenizer: PreTokenizer; decoder: Decoder } {
  return {
    // BERT's: control characters removed, CJK ideographs split into words of their own, optional lower-casing with NFD accent stripping.
    normalizer: bertNormalizer({ cleanText: true, handleChineseChars: true, lowercase, stripAccents: lowercase }),
    // Splits on whitespace and around every punctuation character.
    preTokenizer: bertPreTokenizer(),
    decoder: wordPieceDecoder(CONTINUATION, true),
  };
}

/** Words of the corpus after normalising and pre-tokenising, with how often each occurs. */
function countWords(texts: Iterable<string>, lowercase: boolean): Map<string, number> {
  const { normalizer, preTokenizer } = pipeline(lowercase);
  const counts = new Map<string, number>();
  for (const text of texts) {
    const normalized = normalizer.normalizeString(tokenizedPart(text));
    for (const [word] of preTokenizer.preTokenizeString(normalized)) counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return counts;
}

/** A max-heap of pairs by count, ties to the smaller key (first symbol id, then second). */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];

  get size(): number {
    return this.counts.length;
  }

  private above(i: number, j: number): boolean {
    const ci = this.counts[i]!;
    const cj = this.counts[j]!;
    return ci > cj || (ci === cj && this.keys[i]! < this.keys[j]!);
  }

  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j]!, this.counts[i]!];
    [this.keys[i], this.keys[j]] = [this.keys[j]!, this.keys[i]!];
  }

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let i = this.counts.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.above(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): { count: number; key: number } {
    const top = { count: this.counts[0]!, key: this.keys[0]! };
    const lastCount = this.counts.pop()!;
    const lastKey = this.keys.pop()!;
    if (this.counts.length > 0) {
      this.counts[0] = lastCount;
      this.keys[0] = lastKey;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < this.counts.length && this.above(l, best)) best = l;
        if (r < this.counts.length && this.above(r, best)) best = r;
        if (best === i) break;
        this.swap(i, best);
        i = best;
      }
    }
    return top;
  }
}

/** Pair keys: first id × 2^21 + second id (ids stay far below 2^21; the key below 2^53). */
const PAIR = 2 ** 21;

/**
 * Learns merges as the Rust BpeTrainer does (with continuation prefix "##"): symbols start as the
 * characters of each word ("##" on all but the first), and the most frequent adjacent pair is
 * merged into a new token until the vocabulary is full or no pair occurs twice. Ids are fixed:
 * the special tokens, the first characters by code point, the continuation characters by code
 * point, then the merged tokens in the order they were made; ties go to the pair of smaller ids.
 */
export function learnVocabulary(wordCounts: ReadonlyMap<string, number>, vocabSize: number): { tokens: string[]; merges: [string, string][] } {
  const tokens: string[] = [...TEXT_SPECIAL_TOKENS];
  const ids = new Map<string, number>(tokens.map((t, i) => [t, i]));

  // The alphabet: the most frequent characters (each counted once more if it also continues words), within its share of the vocabulary.
  const firstCount = new Map<string, number>();
  const nextCount = new Map<string, number>();
  const words: string[][] = [];
  const counts: number[] = [];
  for (const [word, count] of wordCounts) {
    const chars = Array.from(word);
    if (chars.length === 0 || chars.length > MAX_WORD_CHARS) continue;
    chars.forEach((c, i) => (i === 0 ? firstCount : nextCount).set(c, ((i === 0 ? firstCount : nextCount).get(c) ?? 0) + count));
    words.push(chars);
    counts.push(count);
  }
  const total = new Map<string, number>();
  for (const m of [firstCount, nextCount]) for (const [c, n] of m) total.set(c, (total.get(c) ?? 0) + n);
  const byCode = (a: string, b: string): number => a.codePointAt(0)! - b.codePointAt(0)!;
  const budget = Math.max(0, Math.floor((vocabSize - tokens.length) * ALPHABET_SHARE));
  const alphabet = new Set<string>();
  let used = 0;
  for (const [c] of [...total].sort((a, b) => b[1] - a[1] || byCode(a[0], b[0]))) {
    const cost = (firstCount.has(c) ? 1 : 0) + (nextCount.has(c) ? 1 : 0);
    if (used + cost > budget) continue;
    alphabet.add(c);
    used += cost;
  }
  const add = (token: string): number => {
    let id = ids.get(token);
    if (id === undefined) {
      id = tokens.length;
      tokens.push(token);
      ids.set(token, id);
    }
    return id;
  };
  for (const c of [...firstCount.keys()].filter((c) => alphabet.has(c)).sort(byCode)) add(c);
  for (const c of [...nextCount.keys()].filter((c) => alphabet.has(c)).sort(byCode)) add(CONTINUATION + c);

  // Words as symbol ids; a word with a character outside the alphabet is [UNK] whole, so it teaches nothing.
  const symbols: number[][] = [];
  const weights: number[] = [];
  words.forEach((chars, w) => {
    if (!chars.every((c) => alphabet.has(c))) return;
    symbols.push(chars.map((c, i) => ids.get(i === 0 ? c : CONTINUATION + c)!));
    weights.push(counts[w]!);
  });

  const pairCounts = new Map<number, number>();
  const where = new Map<number, Set<number>>();
  symbols.forEach((word, w) => {
    for (let i = 0; i + 1 < word.length; i++) {
      const key = word[i]! * PAIR + word[i + 1]!;
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + weights[w]!);
      let set = where.get(key);
      if (!set) where.set(key, (set = new Set()));
      set.add(w);
    }
  });
  const heap = new PairHeap();
  for (const [key, count] of pairCounts) heap.push(count, key);

  const merges: [string, string][] = [];
  while (tokens.length < vocabSize && heap.size > 0) {
    const top = heap.pop();
    const current = pairCounts.get(top.key) ?? 0;
    if (top.count !== current) {
      // A stale entry: the pair's count fell since it was pushed.
      if (current > 0) heap.push(current, top.key);
      continue;
    }
    if (current < MIN_PAIR_COUNT) break;
    const a = Math.floor(top.key / PAIR);
    const b = top.key % PAIR;
    const right = tokens[b]!;
    const merged = add(tokens[a]! + (right.startsWith(CONTINUATION) ? right.slice(CONTINUATION.length) : right));
    merges.push([tokens[a]!, right]);

    // Rewrite every word holding the pair, and update the pair counts by the difference.
    const delta = new Map<number, number>();
    const change = (key: number, by: number): void => void delta.set(key, (delta.get(key) ?? 0) + by);
    for (const w of where.get(top.key)!) {
      const word = symbols[w]!;
      const next: number[] = [];
      for (let i = 0; i < word.length; i++) {
        if (i + 1 < word.length && word[i] === a && word[i + 1] === b) {
          next.push(merged);
          i++;
        } else next.push(word[i]!);
      }
      if (next.length === word.length) continue;
      const weight = weights[w]!;
      for (let i = 0; i + 1 < word.length; i++) change(word[i]! * PAIR + word[i + 1]!, -weight);
      for (let i = 0; i + 1 < next.length; i++) {
        const key = next[i]! * PAIR + next[i + 1]!;
        change(key, weight);
        let set = where.get(key);
        if (!set) where.set(key, (set = new Set()));
        set.add(w);
      }
      symbols[w] = next;
    }
    for (const [key, by] of delta) {
      if (by === 0) continue;
      const count = (pairCounts.get(key) ?? 0) + by;
      pairCounts.set(key, count);
      if (by > 0) heap.push(count, key);
    }
  }
  return { tokens, merges };
}

/** Builds the tokenizer from a learnt vocabulary and returns its tokenizer.json text. */
function serialise(kind: TokenizerKind, lowercase: boolean, tokens: readonly string[], merges: readonly [string, string][]): string {
  const vocab: Record<string, number> = {};
  tokens.forEach((t, i) => (vocab[t] = i));
  const unkToken = TEXT_SPECIAL_TOKENS[TEXT_TOKEN_IDS.unk];
  const model =
    kind === 'wordpiece'
      ? WordPiece.init(vocab, { unkToken, continuingSubwordPrefix: CONTINUATION, maxInputCharsPerWord: MAX_WORD_CHARS })
      : BPE.init(vocab, merges as [string, string][], { unkToken, continuingSubwordPrefix: CONTINUATION });
  const tokenizer = new Tokenizer(model);
  const { normalizer, preTokenizer, decoder } = pipeline(lowercase);
  tokenizer.setNormalizer(normalizer);
  tokenizer.setPreTokenizer(preTokenizer);
  tokenizer.setDecoder(decoder);
  // The special tokens are in the vocabulary but deliberately not "added tokens": added tokens are
  // matched in the raw text, so an item containing the characters "[PAD]" would get the padding id.
  // The bindings can only save to a file.
  const dir = mkdtempSync(join(tmpdir(), 'pretext-tokenizer-'));
  try {
    const file = join(dir, 'tokenizer.json');
    tokenizer.save(file);
    return readFileSync(file, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Trains a tokenizer on the texts; the same texts and settings always give the same JSON. */
export function trainTokenizer(texts: Iterable<string>, settings: TokenizerSettings): string {
  if (!TOKENIZER_KINDS.includes(settings.kind)) throw new RangeError(`tokenizer must be one of ${TOKENIZER_KINDS.join(', ')}, got '${settings.kind}'`);
  const { tokens, merges } = learnVocabulary(countWords(texts, settings.lowercase), settings.vocabSize);
  return serialise(settings.kind, settings.lowercase, tokens, merges);
}

/** A trained tokenizer, loaded from its JSON: encoding to ids and decoding back. */
export class TextTokenizer {
  readonly kind: TokenizerKind;
  readonly vocabSize: number;
  /** 1 for every id whose token continues a word ("##…"), so views can keep words whole. */
  readonly continuation: Uint8Array;
  private readonly native: Tokenizer;
  private readonly vocab: string[];
  private readonly decoder: Decoder;

  constructor(json: string) {
    let parsed: { model?: { type?: string; vocab?: Record<string, number> } };
    try {
      parsed = JSON.parse(json) as typeof parsed;
    } catch (error) {
      throw new Error(`The text input spec's tokenizer is not valid JSON: ${(error as Error).message}`);
    }
    const type = parsed.model?.type;
    if (type !== 'WordPiece' && type !== 'BPE') throw new Error(`The text input spec's tokenizer has model type ${String(type)}, expected WordPiece or BPE`);
    this.kind = type === 'WordPiece' ? 'wordpiece' : 'bpe';
    this.native = Tokenizer.fromString(json);
    const vocab = this.native.getVocab(true);
    this.vocab = [];
    for (const [token, id] of Object.entries(vocab)) this.vocab[id] = token;
    this.vocabSize = this.vocab.length;
    TEXT_SPECIAL_TOKENS.forEach((token, id) => {
      if (this.vocab[id] !== token) throw new Error(`The tokenizer's id ${id} is ${JSON.stringify(this.vocab[id])}, expected ${token}`);
    });
    this.continuation = Uint8Array.from(this.vocab, (t) => (t.startsWith(CONTINUATION) ? 1 : 0));
    this.decoder = this.native.getDecoder()!;
  }

  /** A text's token ids, without [CLS] and [SEP], at most MAX_ITEM_TOKENS. */
  async encode(text: string): Promise<Int32Array> {
    return (await this.encodeBatch([text]))[0]!;
  }

  /** Many texts at once (the bindings encode a batch in parallel). */
  async encodeBatch(texts: readonly string[]): Promise<Int32Array[]> {
    const encodings = await this.native.encodeBatch(texts.map(tokenizedPart), { addSpecialTokens: false });
    return encodings.map((e) => {
      const ids = e.getIds();
      return Int32Array.from(ids.length > MAX_ITEM_TOKENS ? ids.slice(0, MAX_ITEM_TOKENS) : ids);
    });
  }

  token(id: number): string {
    const token = this.vocab[id];
    if (token === undefined) throw new RangeError(`token id ${id} is outside the vocabulary of ${this.vocabSize}`);
    return token;
  }

  /** Ids → text: continuations joined to their words, [PAD], [CLS] and [SEP] left out ([UNK], [MASK], [DEL] kept as written). */
  decode(ids: ArrayLike<number>): string {
    const tokens: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id === TEXT_TOKEN_IDS.pad || id === TEXT_TOKEN_IDS.cls || id === TEXT_TOKEN_IDS.sep) continue;
      tokens.push(this.token(id));
    }
    return tokens.length === 0 ? '' : this.decoder.decode(tokens);
  }
}

/** Loaded tokenizers by their JSON, so extraction, queries and views share one. */
const loaded = new Map<string, TextTokenizer>();
const MAX_LOADED = 4;

export function loadTokenizer(json: string): TextTokenizer {
  let tokenizer = loaded.get(json);
  if (tokenizer) {
    loaded.delete(json);
  } else {
    tokenizer = new TextTokenizer(json);
    while (loaded.size >= MAX_LOADED) loaded.delete(loaded.keys().next().value!);
  }
  loaded.set(json, tokenizer);
  return tokenizer;
}
