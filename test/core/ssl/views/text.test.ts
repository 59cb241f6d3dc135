import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TEXT_TOKEN_IDS } from '../../../../src-main/contract';
import { loadTokenizer, trainTokenizer, type TextTokenizer } from '../../../../src-main/core/data/tokenizer';
import { Rng } from '../../../../src-main/core/ssl/random';
import {
  chooseAugmentations,
  loadSynonyms,
  sampleTextView,
  sampleTextViews,
  TEXT_AUGMENTATIONS,
  wordStarts,
  type SynonymTable,
  type TextViewContext,
} from '../../../../src-main/core/ssl/views/text';
import { wordNet } from '../../../../src-main/core/ssl/views/wordnet';

const DEL = TEXT_TOKEN_IDS.del;
const corpus = [
  'the quick car drove over the big bridge',
  'a happy dog runs through the quiet park',
  'unbelievably unremarkable understatements',
  'the car and the dog and the bridge',
  'quick quick quick happy happy car car big big',
  'unbelievably unremarkable understatements again',
];

let tokenizer: TextTokenizer;
let context: TextViewContext;
/** A text whose words split into several tokens, so that views could split them. */
let ids: Int32Array;

/** The words of `ids` as strings of ids ("12,40,"), so whole words can be compared. */
function wordsOf(values: ArrayLike<number>): string[] {
  const starts = wordStarts(values, tokenizer.continuation);
  return starts.slice(0, -1).map((s, w) => Array.from(values).slice(s, starts[w + 1]).join(','));
}

beforeAll(async () => {
  // A small vocabulary, so long words are several pieces: "unbelievably" → un ##bel ##iev… .
  tokenizer = loadTokenizer(trainTokenizer(corpus, { kind: 'wordpiece', vocabSize: 60, lowercase: true }));
  context = { continuation: tokenizer.continuation };
  ids = await tokenizer.encode('unbelievably unremarkable understatements drove the quick car over the big bridge again');
});

afterEach(() => vi.restoreAllMocks());

describe('wordStarts', () => {
  it('groups a token with its ## continuations', () => {
    const starts = wordStarts(ids, tokenizer.continuation);
    expect(starts.at(-1)).toBe(ids.length);
    expect(starts.length - 1).toBe(12);
    expect(ids.length).toBeGreaterThan(12); // some words are several tokens
    for (let w = 0; w + 1 < starts.length; w++) {
      expect(tokenizer.token(ids[starts[w]!]!).startsWith('##')).toBe(false);
      for (let i = starts[w]! + 1; i < starts[w + 1]!; i++) expect(tokenizer.token(ids[i]!).startsWith('##')).toBe(true);
    }
  });
});

describe('sampleTextView', () => {
  it('word deletion keeps the other words whole and in order, one [DEL] per run of deleted words', () => {
    const original = wordsOf(ids);
    const rng = new Rng(1);
    for (let t = 0; t < 50; t++) {
      const view = wordsOf(sampleTextView(ids, 'wordDeletion', rng, { ...context, settings: { wordDeletion: 0.4 } }));
      const kept = view.filter((w) => w !== String(DEL));
      expect(kept.length).toBeGreaterThan(0);
      // A subsequence of the original words.
      let at = 0;
      for (const w of kept) {
        at = original.indexOf(w, at);
        expect(at).toBeGreaterThanOrEqual(0);
        at++;
      }
      view.forEach((w, i) => {
        if (i > 0 && w === String(DEL)) expect(view[i - 1]).not.toBe(String(DEL));
      });
    }
  });

  it('span deletion replaces one run of whole words by one [DEL]', () => {
    const original = wordsOf(ids);
    const rng = new Rng(2);
    for (let t = 0; t < 50; t++) {
      const view = wordsOf(sampleTextView(ids, 'spanDeletion', rng, { ...context, settings: { spanDeletion: 0.25 } }));
      const at = view.indexOf(String(DEL));
      expect(view.filter((w) => w === String(DEL))).toHaveLength(1);
      expect(view.length).toBe(original.length - 3 + 1); // round(0.25 × 12) = 3 words
      expect(view.slice(0, at)).toEqual(original.slice(0, at));
      expect(view.slice(at + 1)).toEqual(original.slice(at + 3));
    }
  });

  it('reordering swaps whole words: the same words, another order', () => {
    const original = wordsOf(ids);
    const rng = new Rng(3);
    let changed = 0;
    for (let t = 0; t < 50; t++) {
      const view = wordsOf(sampleTextView(ids, 'reorder', rng, { ...context, settings: { reorderSpan: 0.2, reorderPairs: 2 } }));
      expect([...view].sort()).toEqual([...original].sort());
      if (view.join('|') !== original.join('|')) changed++;
    }
    expect(changed).toBeGreaterThan(40);
  });

  it('draws every choice from the given Rng: the same seed, the same views; Math.random never', () => {
    vi.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random used');
    });
    const run = (seed: number): number[][] => {
      const rng = new Rng(seed);
      return TEXT_AUGMENTATIONS.filter((k) => k !== 'synonym').flatMap((kind) => [0, 1, 2].map(() => Array.from(sampleTextView(ids, kind, rng, context))));
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('leaves empty and one-word texts usable', () => {
    const rng = new Rng(4);
    for (const kind of ['wordDeletion', 'spanDeletion', 'reorder'] as const) {
      expect([...sampleTextView([], kind, rng, context)]).toEqual([]);
      const one = ids.subarray(0, wordStarts(ids, tokenizer.continuation)[1]);
      expect([...sampleTextView(one, kind, rng, context)]).toEqual([...one]);
    }
  });

  it('applies several augmentations one after another', () => {
    const view = sampleTextViews(ids, ['spanDeletion', 'reorder'], new Rng(5), context);
    expect(wordsOf(view).filter((w) => w === String(DEL))).toHaveLength(1);
  });

  it('refuses synonym substitution without the synonym table', () => {
    expect(() => sampleTextView(ids, 'synonym', new Rng(1), context)).toThrow(/synonym table/);
  });
});

describe('chooseAugmentations', () => {
  it('draws different augmentations from the Rng, as CLEAR draws two per minibatch', () => {
    const rng = new Rng(6);
    const seen = new Set<string>();
    for (let t = 0; t < 40; t++) {
      const [a, b] = chooseAugmentations(rng);
      expect(a).not.toBe(b);
      seen.add(`${a}+${b}`);
    }
    expect(seen.size).toBe(6); // every ordered pair of the three basic augmentations
    expect(chooseAugmentations(new Rng(3), 4, TEXT_AUGMENTATIONS)).toHaveLength(4);
    expect(() => chooseAugmentations(new Rng(3), 4)).toThrow(/cannot choose 4/);
  });
});

describe('synonym substitution (WordNet 3.1)', () => {
  let table: SynonymTable;
  beforeAll(async () => {
    const encoded = await tokenizer.encodeBatch(corpus);
    const offsets = new Int32Array(encoded.length + 1);
    encoded.forEach((e, i) => (offsets[i + 1] = offsets[i]! + e.length));
    const tokens = new Int32Array(offsets.at(-1)!);
    encoded.forEach((e, i) => tokens.set(e, offsets[i]!));
    table = await loadSynonyms(tokenizer, tokens, offsets);
  });

  it('reads WordNet: one-word synonyms of the commonest senses, none for stop words or unknown words', () => {
    const wordnet = wordNet();
    expect(wordnet.synonyms('car')).toEqual(expect.arrayContaining(['auto', 'automobile', 'machine', 'motorcar']));
    expect(wordnet.synonyms('car')).not.toContain('car');
    expect(wordnet.synonyms('xyzzy')).toEqual([]);
    expect(wordnet.synonyms('big')).toContain('large');
    for (const s of wordnet.synonyms('quick')) expect(s).not.toMatch(/_|\(/);
  });

  it('replaces words by WordNet synonyms spelt in the run vocabulary, never splitting a word', async () => {
    expect(table.size).toBeGreaterThan(0);
    const text = await tokenizer.encode('the quick car drove over the big bridge');
    const original = wordsOf(text);
    const view = sampleTextView(text, 'synonym', new Rng(1), { ...context, synonyms: table, settings: { synonym: 1 } });
    const changed = wordsOf(view);
    expect(changed).toHaveLength(original.length); // every synonym here is one word
    expect(changed).not.toEqual(original);
    // Stop words stay; "car" becomes one of its synonyms that the tokenizer spells without [UNK].
    expect(changed[0]).toBe(original[0]);
    const car = tokenizer.decode(changed[2]!.split(',').filter(Boolean).map(Number));
    expect(wordNet().synonyms('car')).toContain(car);
    // Replacements never bring [UNK] in ([UNK] words, unknown to WordNet, stay as they are).
    const unknowns = (values: ArrayLike<number>): number => Array.from(values).filter((id) => id === TEXT_TOKEN_IDS.unk).length;
    expect(unknowns(view)).toBe(unknowns(text));
    // With p = 0 nothing changes.
    expect(Array.from(sampleTextView(text, 'synonym', new Rng(1), { ...context, synonyms: table, settings: { synonym: 0 } }))).toEqual(Array.from(text));
  });
});
