import { describe, expect, it } from 'vitest';
import { TEXT_SPECIAL_TOKENS, TEXT_TOKEN_IDS } from '../../../src-main/contract';
import { learnVocabulary, loadTokenizer, MAX_ITEM_TOKENS, TextTokenizer, trainTokenizer } from '../../../src-main/core/data/tokenizer';
import { Rng } from '../../../src-main/core/ssl/random';

const WORDS = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'dog', 'ran', 'fast', 'slowly', 'running', 'jumped', 'over', 'lazy', 'brown', 'fox', 'quick', 'hello', 'world', 'again'];

/** `n` sentences of 4..15 words from WORDS, some with a suffix or a number, each ending with a full stop. */
function sentences(n: number, seed = 1): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const words = Array.from({ length: 4 + rng.int(12) }, () => WORDS[rng.int(WORDS.length)]! + (rng.chance(0.1) ? 'ing' : '') + (rng.chance(0.05) ? String(rng.int(1000)) : ''));
    return `${words.join(' ')}.`;
  });
}

const corpus = sentences(400);
const settings = { kind: 'wordpiece' as const, vocabSize: 300, lowercase: true };

describe('learnVocabulary', () => {
  it('numbers the special tokens, then first characters, then continuations, then merges by count (checked by hand)', () => {
    // Pairs: (a, ##b) 3 + 2 = 5, (##b, ##c) 2: "ab" first; then (ab, ##c) 2: "abc".
    const { tokens, merges } = learnVocabulary(
      new Map([
        ['ab', 3],
        ['abc', 2],
        ['c', 1],
      ]),
      100,
    );
    expect(tokens).toEqual([...TEXT_SPECIAL_TOKENS, 'a', 'c', '##b', '##c', 'ab', 'abc']);
    expect(merges).toEqual([
      ['a', '##b'],
      ['ab', '##c'],
    ]);
  });

  it('breaks ties between equally frequent pairs by the smaller ids', () => {
    // (a, ##b) and (c, ##d) both occur twice; a's id is smaller, so "ab" comes first.
    const counts = new Map([
      ['cd', 2],
      ['ab', 2],
    ]);
    expect(learnVocabulary(counts, 100).tokens.slice(6)).toEqual(['a', 'c', '##b', '##d', 'ab', 'cd']);
  });

  it('stops at the vocabulary size: a smaller vocabulary is the start of a larger one', () => {
    const counts = new Map<string, number>();
    for (const sentence of corpus) for (const word of sentence.split(' ')) counts.set(word, (counts.get(word) ?? 0) + 1);
    const small = learnVocabulary(counts, 120);
    const large = learnVocabulary(counts, 200);
    expect(small.tokens).toHaveLength(120);
    expect(large.tokens).toHaveLength(200);
    expect(large.tokens.slice(0, 120)).toEqual(small.tokens);
    expect(large.merges.slice(0, small.merges.length)).toEqual(small.merges);
  });

  it('keeps the alphabet within half the vocabulary, the commonest characters first', () => {
    // 4 characters want 4 symbols; a vocabulary of 10 leaves (10 - 6) / 2 = 2 for them: the two commonest.
    const { tokens } = learnVocabulary(
      new Map([
        ['a', 5],
        ['b', 4],
        ['c', 3],
        ['d', 2],
      ]),
      10,
    );
    expect(tokens.slice(6)).toEqual(['a', 'b']);
  });

  it('never merges a pair seen once', () => {
    expect(learnVocabulary(new Map([['xyz', 1]]), 100).tokens.slice(6)).toEqual(['x', '##y', '##z']);
  });
});

describe('trainTokenizer', () => {
  it('is deterministic: the same texts and settings give the same JSON, in any order', () => {
    const json = trainTokenizer(corpus, settings);
    expect(trainTokenizer(corpus, settings)).toBe(json);
    const shuffled = [...corpus];
    new Rng(9).shuffle(shuffled);
    expect(trainTokenizer(shuffled, settings)).toBe(json);
    expect(trainTokenizer(corpus, { ...settings, vocabSize: 200 })).not.toBe(json);
  });

  it('puts TEXT_SPECIAL_TOKENS at ids 0..5 and fills the vocabulary up to its size', () => {
    const tokenizer = new TextTokenizer(trainTokenizer(sentences(3000, 2), { ...settings, vocabSize: 120 }));
    expect(tokenizer.vocabSize).toBe(120);
    TEXT_SPECIAL_TOKENS.forEach((token, id) => expect(tokenizer.token(id)).toBe(token));
    expect(tokenizer.token(TEXT_TOKEN_IDS.mask)).toBe('[MASK]');
    expect(tokenizer.token(TEXT_TOKEN_IDS.del)).toBe('[DEL]');
    // A small corpus runs out of pairs seen twice before 8000.
    expect(new TextTokenizer(trainTokenizer(corpus, { ...settings, vocabSize: 8000 })).vocabSize).toBeLessThan(8000);
  });

  it('never gives special ids to text that spells them', async () => {
    const tokenizer = loadTokenizer(trainTokenizer(corpus, settings));
    const ids = [...(await tokenizer.encode('the [PAD] cat [CLS] [SEP] [MASK] [DEL]'))];
    for (const id of [TEXT_TOKEN_IDS.pad, TEXT_TOKEN_IDS.cls, TEXT_TOKEN_IDS.sep, TEXT_TOKEN_IDS.mask, TEXT_TOKEN_IDS.del]) expect(ids).not.toContain(id);
  });

  it('encodes without [CLS]/[SEP] and decodes back to the normalised text', async () => {
    const tokenizer = loadTokenizer(trainTokenizer(corpus, settings));
    const ids = await tokenizer.encode('The lazy fox jumped over the dog again.');
    expect(ids[0]).not.toBe(TEXT_TOKEN_IDS.cls);
    expect(ids.at(-1)).not.toBe(TEXT_TOKEN_IDS.sep);
    expect(tokenizer.decode(ids)).toBe('the lazy fox jumped over the dog again.');
    // Known words are whole tokens; a word made of known pieces splits into "##" continuations.
    expect([...(await tokenizer.encode('cat'))].map((id) => tokenizer.token(id))).toEqual(['cat']);
    expect(tokenizer.decode([TEXT_TOKEN_IDS.cls, ...ids, TEXT_TOKEN_IDS.sep, TEXT_TOKEN_IDS.pad, TEXT_TOKEN_IDS.pad])).toBe(tokenizer.decode(ids));
    expect(tokenizer.decode([])).toBe('');
  });

  it('lower-cases and strips accents only when asked', async () => {
    const texts = [...corpus, 'Café naïve CAFÉ', 'café naive cafe'];
    const lower = loadTokenizer(trainTokenizer(texts, settings));
    expect([...(await lower.encode('CAFÉ'))]).toEqual([...(await lower.encode('cafe'))]);
    const cased = loadTokenizer(trainTokenizer(texts, { ...settings, lowercase: false }));
    expect([...(await cased.encode('CAFÉ'))]).not.toEqual([...(await cased.encode('cafe'))]);
    expect(cased.decode(await cased.encode('Café'))).toBe('Café');
  });

  it('trains BPE too, with the same special ids and round trip', async () => {
    const bpe = loadTokenizer(trainTokenizer(corpus, { ...settings, kind: 'bpe' }));
    expect(bpe.kind).toBe('bpe');
    TEXT_SPECIAL_TOKENS.forEach((token, id) => expect(bpe.token(id)).toBe(token));
    expect(bpe.decode(await bpe.encode('The quick brown fox ran slowly.'))).toBe('the quick brown fox ran slowly.');
    expect(trainTokenizer(corpus, { ...settings, kind: 'bpe' })).toBe(trainTokenizer([...corpus].reverse(), { ...settings, kind: 'bpe' }));
  });

  it('trains on 14,000 short texts in well under a few seconds', () => {
    const texts = sentences(14_000, 3);
    const started = performance.now();
    const tokenizer = new TextTokenizer(trainTokenizer(texts, { ...settings, vocabSize: 8000 }));
    const seconds = (performance.now() - started) / 1000;
    expect(tokenizer.vocabSize).toBeGreaterThan(100);
    expect(seconds).toBeLessThan(3);
  });

  it('takes text in many scripts, an empty text and a 1 MB line without error', async () => {
    const scripts = ['日本語のテキストです。', '中文文本，你好世界', 'مرحبا بالعالم، هذا نص عربي', 'emoji 😀🎉👍🏽 and 🇫🇷', 'e\u0301te\u0301 combining ñ ü', 'Ελληνικά κείμενα', 'русский текст'];
    const texts = [...corpus, ...scripts, ...scripts, ''];
    for (const lowercase of [true, false]) {
      const tokenizer = loadTokenizer(trainTokenizer(texts, { ...settings, lowercase }));
      for (const text of scripts) {
        const ids = await tokenizer.encode(text);
        expect(ids.length).toBeGreaterThan(0);
        expect(Math.max(...ids)).toBeLessThan(tokenizer.vocabSize);
        expect(typeof tokenizer.decode(ids)).toBe('string');
      }
      expect([...(await tokenizer.encode(''))]).toEqual([]);
      expect([...(await tokenizer.encode('\u0301\u200b'))].length).toBeLessThanOrEqual(1);
      const huge = 'the cat sat on a mat '.repeat(50_000); // ~1 MB on one line
      const started = performance.now();
      const ids = await tokenizer.encode(huge);
      expect(ids.length).toBe(MAX_ITEM_TOKENS);
      expect(performance.now() - started).toBeLessThan(2000);
    }
    // Training on the huge line as well.
    expect(() => trainTokenizer([...texts, 'x'.repeat(1_000_000)], settings)).not.toThrow();
  });
});

describe('loadTokenizer', () => {
  it('caches by the JSON and refuses a tokenizer without the special ids', () => {
    const json = trainTokenizer(corpus, settings);
    expect(loadTokenizer(json)).toBe(loadTokenizer(json));
    expect(() => new TextTokenizer('not json')).toThrow(/not valid JSON/);
    const swapped = JSON.parse(json) as { model: { vocab: Record<string, number> } };
    swapped.model.vocab['[PAD]'] = 1;
    swapped.model.vocab['[UNK]'] = 0;
    expect(() => new TextTokenizer(JSON.stringify(swapped))).toThrow(/id 0 is "\[UNK\]", expected \[PAD\]/);
  });
});
