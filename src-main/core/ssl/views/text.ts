/**
 * Augmented views of a text for contrastive learning, after CLEAR (Wu et al. 2020, "CLEAR:
 * Contrastive Learning for Sentence Representation", §3.2): word deletion, span deletion (the span
 * replaced by one [DEL]), reordering (spans swapped pairwise) and synonym substitution. CLEAR draws
 * two augmentations per minibatch, one for each view: `chooseAugmentations`.
 *
 * Views work on token ids, on whole words: a word is a token and the "##" continuations after it,
 * so a deletion or a swap never leaves half a word behind. Every random choice comes from the
 * given Rng, so a run and its resumption make the same views. The rates below are ours (the paper
 * tunes them per task and does not fix one setting); a method may pass its own.
 */
import { eng as englishStopWords } from 'stopword';
import { TEXT_TOKEN_IDS } from '../../../contract';
import type { TextTokenizer } from '../../data/tokenizer';
import type { Rng } from '../random';
import { wordNet } from './wordnet';

export type TextAugmentation = 'wordDeletion' | 'spanDeletion' | 'reorder' | 'synonym';
export const TEXT_AUGMENTATIONS: readonly TextAugmentation[] = ['wordDeletion', 'spanDeletion', 'reorder', 'synonym'];
/** The augmentations that need nothing loaded (synonym substitution needs a SynonymTable). */
export const BASIC_TEXT_AUGMENTATIONS: readonly TextAugmentation[] = ['wordDeletion', 'spanDeletion', 'reorder'];

export interface TextViewSettings {
  /** Word deletion: chance that each word is deleted (a run of deleted words becomes one [DEL]). */
  wordDeletion: number;
  /** Span deletion: share of the words in the deleted span (at least one word). */
  spanDeletion: number;
  /** Reordering: share of the words in each of the two swapped spans (at least one word each). */
  reorderSpan: number;
  /** Reordering: how many pairs of spans are swapped, one after the other. */
  reorderPairs: number;
  /** Synonym substitution: chance that each word with a WordNet synonym is replaced by one. */
  synonym: number;
}

export const DEFAULT_TEXT_VIEWS: TextViewSettings = { wordDeletion: 0.2, spanDeletion: 0.2, reorderSpan: 0.2, reorderPairs: 1, synonym: 0.3 };

/** Synonyms of the corpus' words, as token ids in the run's vocabulary. */
export interface SynonymTable {
  /** Replacements for the word made of ids[start, end), or undefined when WordNet has none. */
  get(ids: ArrayLike<number>, start: number, end: number): readonly Int32Array[] | undefined;
  /** Words that have at least one replacement. */
  readonly size: number;
}

export interface TextViewContext {
  /** 1 for ids whose token continues a word (TextTokenizer.continuation). */
  continuation: Uint8Array;
  settings?: Partial<TextViewSettings>;
  /** Needed for 'synonym' only. */
  synonyms?: SynonymTable;
}

/** Start of every word of `ids`, and ids.length at the end: word w is ids[starts[w], starts[w + 1]). */
export function wordStarts(ids: ArrayLike<number>, continuation: Uint8Array): number[] {
  const starts: number[] = [];
  for (let i = 0; i < ids.length; i++) if (i === 0 || continuation[ids[i]!] !== 1) starts.push(i);
  starts.push(ids.length);
  return starts;
}

/** Draws `count` different augmentations in random order: CLEAR's two per minibatch, one per view. */
export function chooseAugmentations(rng: Rng, count = 2, from: readonly TextAugmentation[] = BASIC_TEXT_AUGMENTATIONS): TextAugmentation[] {
  if (count > from.length) throw new RangeError(`cannot choose ${count} different augmentations from ${from.length}`);
  const pool = [...from];
  const chosen: TextAugmentation[] = [];
  for (let i = 0; i < count; i++) chosen.push(pool.splice(rng.int(pool.length), 1)[0]!);
  return chosen;
}

const DEL = TEXT_TOKEN_IDS.del;

function words(ids: ArrayLike<number>, starts: readonly number[], from: number, to: number, out: number[]): void {
  for (let i = starts[from]!; i < starts[to]!; i++) out.push(ids[i]!);
}

/** Each word deleted with probability p; each run of deleted words becomes one [DEL]; never every word. */
function deleteWords(ids: ArrayLike<number>, starts: readonly number[], p: number, rng: Rng): number[] {
  const n = starts.length - 1;
  const deleted = Array.from({ length: n }, () => rng.chance(p));
  if (deleted.every(Boolean)) deleted[rng.int(n)] = false;
  const out: number[] = [];
  for (let w = 0; w < n; w++) {
    if (!deleted[w]) words(ids, starts, w, w + 1, out);
    else if (w === 0 || !deleted[w - 1]) out.push(DEL);
  }
  return out;
}

/** One span of about share × the words replaced by one [DEL]; texts of one word are kept. */
function deleteSpan(ids: ArrayLike<number>, starts: readonly number[], share: number, rng: Rng): number[] {
  const n = starts.length - 1;
  if (n < 2) return Array.from(ids);
  const length = Math.min(n - 1, Math.max(1, Math.round(share * n)));
  const from = rng.int(n - length + 1);
  const out: number[] = [];
  words(ids, starts, 0, from, out);
  out.push(DEL);
  words(ids, starts, from + length, n, out);
  return out;
}

/** Two non-overlapping spans of about share × the words each, swapped; `pairs` times. */
function reorder(ids: ArrayLike<number>, starts: readonly number[], share: number, pairs: number, rng: Rng): number[] {
  let current = Array.from(ids);
  let bounds = [...starts];
  for (let k = 0; k < pairs; k++) {
    const n = bounds.length - 1;
    if (n < 2) break;
    const length = Math.min(Math.floor(n / 2), Math.max(1, Math.round(share * n)));
    // First span at a, second at b >= a + length: pick a gap g in the words left over, then the start.
    const spare = n - 2 * length;
    const a = rng.int(spare + 1);
    const b = a + length + rng.int(spare - a + 1);
    const out: number[] = [];
    words(current, bounds, 0, a, out);
    words(current, bounds, b, b + length, out);
    words(current, bounds, a + length, b, out);
    words(current, bounds, a, a + length, out);
    words(current, bounds, b + length, n, out);
    // Word boundaries of the new order, from the word lengths.
    const lengths = Array.from({ length: n }, (_, w) => bounds[w + 1]! - bounds[w]!);
    const order = [...range(0, a), ...range(b, b + length), ...range(a + length, b), ...range(a, a + length), ...range(b + length, n)];
    const next = [0];
    for (const w of order) next.push(next.at(-1)! + lengths[w]!);
    current = out;
    bounds = next;
  }
  return current;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

/** Each word that has synonyms replaced, with probability p, by one of them (drawn uniformly). */
function substitute(ids: ArrayLike<number>, starts: readonly number[], p: number, synonyms: SynonymTable, rng: Rng): number[] {
  const out: number[] = [];
  for (let w = 0; w + 1 < starts.length; w++) {
    const choices = synonyms.get(ids, starts[w]!, starts[w + 1]!);
    if (choices && choices.length > 0 && rng.chance(p)) {
      for (const id of choices[rng.int(choices.length)]!) out.push(id);
    } else words(ids, starts, w, w + 1, out);
  }
  return out;
}

/** One augmentation of a text's ids (without [CLS]/[SEP]); returns the new ids. */
export function sampleTextView(ids: ArrayLike<number>, kind: TextAugmentation, rng: Rng, context: TextViewContext): Int32Array {
  const settings = { ...DEFAULT_TEXT_VIEWS, ...context.settings };
  if (ids.length === 0) return new Int32Array(0);
  const starts = wordStarts(ids, context.continuation);
  switch (kind) {
    case 'wordDeletion':
      return Int32Array.from(deleteWords(ids, starts, settings.wordDeletion, rng));
    case 'spanDeletion':
      return Int32Array.from(deleteSpan(ids, starts, settings.spanDeletion, rng));
    case 'reorder':
      return Int32Array.from(reorder(ids, starts, settings.reorderSpan, settings.reorderPairs, rng));
    case 'synonym':
      if (!context.synonyms) throw new Error('synonym substitution needs the synonym table (loadSynonyms) in the view context');
      return Int32Array.from(substitute(ids, starts, settings.synonym, context.synonyms, rng));
  }
}

/** Several augmentations applied one after the other. */
export function sampleTextViews(ids: ArrayLike<number>, kinds: readonly TextAugmentation[], rng: Rng, context: TextViewContext): Int32Array {
  let current: ArrayLike<number> = ids;
  for (const kind of kinds) current = sampleTextView(current, kind, rng, context);
  return current instanceof Int32Array ? current : Int32Array.from(current);
}

const stopWords = new Set(englishStopWords);
/** Words worth a synonym: letters only, three or more of them, not a stop word (as EDA, Wei & Zou 2019, leaves stop words alone). */
const SUBSTITUTABLE = /^\p{L}{3,}$/u;

/**
 * The synonyms of every word in `tokens` that WordNet knows, encoded with the run's tokenizer;
 * replacements that would contain [UNK] are left out. Reads WordNet on first use (about a second).
 */
export async function loadSynonyms(tokenizer: TextTokenizer, tokens: Int32Array, offsets: Int32Array): Promise<SynonymTable> {
  const keyOf = (ids: ArrayLike<number>, start: number, end: number): string => {
    let key = '';
    for (let i = start; i < end; i++) key += `${ids[i]},`;
    return key;
  };
  const distinct = new Map<string, string>();
  for (let item = 0; item + 1 < offsets.length; item++) {
    const ids = tokens.subarray(offsets[item]!, offsets[item + 1]!);
    const starts = wordStarts(ids, tokenizer.continuation);
    for (let w = 0; w + 1 < starts.length; w++) {
      const key = keyOf(ids, starts[w]!, starts[w + 1]!);
      if (!distinct.has(key)) distinct.set(key, tokenizer.decode(ids.subarray(starts[w]!, starts[w + 1]!)));
    }
  }
  const wordnet = wordNet();
  const candidates = new Map<string, string[]>();
  const spellings = new Set<string>();
  for (const [key, word] of distinct) {
    const lower = word.toLowerCase();
    if (!SUBSTITUTABLE.test(word) || stopWords.has(lower)) continue;
    const capital = word[0] !== lower[0];
    const found = wordnet.synonyms(lower).map((s) => (capital ? s[0]!.toUpperCase() + s.slice(1) : s));
    if (found.length === 0) continue;
    candidates.set(key, found);
    for (const s of found) spellings.add(s);
  }
  const list = [...spellings];
  const encoded = new Map<string, Int32Array>();
  (await tokenizer.encodeBatch(list)).forEach((ids, i) => {
    if (ids.length > 0 && !ids.includes(TEXT_TOKEN_IDS.unk)) encoded.set(list[i]!, ids);
  });
  const table = new Map<string, Int32Array[]>();
  for (const [key, found] of candidates) {
    const ids = found.map((s) => encoded.get(s)).filter((x): x is Int32Array => x !== undefined);
    if (ids.length > 0) table.set(key, ids);
  }
  return {
    get: (ids, start, end) => table.get(keyOf(ids, start, end)),
    size: table.size,
  };
}
