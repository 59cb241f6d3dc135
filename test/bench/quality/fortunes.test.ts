import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fortuneCategories, fortunesFolders, parseFortunes, readLabelledQuotes, toCsv } from '../../../bench/quality/fortunes';
import { readRows } from '../../../src-main/core/datasets/tabular';

const dir = mkdtempSync(join(tmpdir(), 'pretext-fortunes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fortunes folder as the Debian package lays it out: category files, .dat indexes, .u8 links, an off/ folder. */
function fakeFortunes(root: string, categories: Record<string, string[]>): string {
  mkdirSync(join(root, 'off'), { recursive: true });
  for (const [name, quotes] of Object.entries(categories)) {
    writeFileSync(join(root, name), `${quotes.join('\n%\n')}\n%\n`);
    writeFileSync(join(root, `${name}.dat`), Buffer.from([0, 0, 0, 2, 0x25, 0]));
    symlinkSync(name, join(root, `${name}.u8`));
  }
  writeFileSync(join(root, 'off', 'rude'), 'an offensive quote\n%\n');
  return root;
}

async function csvRows(path: string): Promise<{ text: string; label: string }[]> {
  const rows: { text: string; label: string }[] = [];
  for await (const row of readRows(path, 'csv')) {
    expect(row.error).toBeNull();
    rows.push({ text: row.text!, label: row.label! });
  }
  return rows;
}

describe('parseFortunes', () => {
  it('splits at lines holding only %, resolves overstrike and drops empty quotes', () => {
    const content = 'First quote,\nover two lines.   \n%\n\n%\n_\bu_\bn_\bd_\be_\br_\bl_\bi_\bn_\be_\bd and B\bBo\bol\bld\bd\r\n%\r\n\tIndented -- with "quotes"\x07\n\t\t-- Someone\n%\n';
    expect(parseFortunes(content)).toEqual(['First quote,\nover two lines.', 'underlined and Bold', '\tIndented -- with "quotes"\n\t\t-- Someone']);
  });
});

describe('fortunesFolders', () => {
  const many = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix} quote number ${i}, "quoted", with a comma\nand a second line`);
  const source = fakeFortunes(join(dir, 'source'), {
    law: [...many('Law', 30), 'Shared quote.'],
    love: [...many('Love', 12), 'Shared  QUOTE.', 'Love twice', 'Love twice'],
    tiny: many('Tiny', 4),
    huge: many('Huge', 100),
  });

  it('lists category files only: not .dat, .u8 or off/', () => {
    expect(fortuneCategories(source)).toEqual(['huge', 'law', 'love', 'tiny']);
  });

  it('drops quotes found in two categories and repeats within one', () => {
    const { byCategory, ambiguous } = readLabelledQuotes(source);
    expect(ambiguous).toBe(2);
    expect(byCategory.get('law')).toHaveLength(30);
    expect(byCategory.get('love')).toHaveLength(13);
  });

  it('writes a seeded stratified split as text,label CSVs the importer reads, leaving out small categories and capping large ones', async () => {
    const root = join(dir, 'out');
    const folders = fortunesFolders({ root, dataDir: source, seed: 4, minPerCategory: 10, maxPerCategory: 40, testShare: 0.25, log: () => {} });
    expect(folders.classes).toEqual(['huge', 'law', 'love']);
    expect(folders.skipped).toEqual([{ category: 'tiny', quotes: 4 }]);
    expect(folders.counts).toEqual({ train: [30, 22, 10], test: [10, 8, 3] });
    const train = await csvRows(join(folders.trainDir, 'fortunes.csv'));
    const test = await csvRows(join(folders.testDir, 'fortunes.csv'));
    expect(train).toHaveLength(62);
    expect(test).toHaveLength(21);
    // Commas, doubled quotes and newlines come back as written; no quote is in both splits.
    expect(train.find((r) => r.label === 'law')!.text).toMatch(/^Law quote number \d+, "quoted", with a comma\nand a second line$/);
    const trainTexts = new Set(train.map((r) => r.text));
    expect(test.some((r) => trainTexts.has(r.text))).toBe(false);
    expect(new Set(train.filter((r) => r.label === 'huge').map((r) => r.text)).size).toBe(30);

    // The same seed gives the same files (and a cached call returns at once); another seed another split.
    const again = fortunesFolders({ root: join(dir, 'again'), dataDir: source, seed: 4, minPerCategory: 10, maxPerCategory: 40, testShare: 0.25, log: () => {} });
    expect(readFileSync(join(again.trainDir, 'fortunes.csv'), 'utf8')).toBe(readFileSync(join(folders.trainDir, 'fortunes.csv'), 'utf8'));
    const lines: string[] = [];
    fortunesFolders({ root, dataDir: source, seed: 4, minPerCategory: 10, maxPerCategory: 40, testShare: 0.25, log: (l) => lines.push(l) });
    expect(lines[0]).toMatch(/^fortunes: cached/);
    const other = fortunesFolders({ root: join(dir, 'other'), dataDir: source, seed: 5, minPerCategory: 10, maxPerCategory: 40, testShare: 0.25, log: () => {} });
    expect(readFileSync(join(other.testDir, 'fortunes.csv'), 'utf8')).not.toBe(readFileSync(join(folders.testDir, 'fortunes.csv'), 'utf8'));
  });

  it('refuses bad settings and a missing package, naming the apt command', () => {
    expect(() => fortunesFolders({ root: join(dir, 'x'), dataDir: join(dir, 'nowhere'), log: () => {} })).toThrow('sudo apt-get update && sudo apt-get install -y fortunes');
    expect(() => fortunesFolders({ root: join(dir, 'x'), dataDir: source, testShare: 1 })).toThrow('testShare must be in (0, 1), got 1');
    expect(() => fortunesFolders({ root: join(dir, 'x'), dataDir: source, minPerCategory: 10, maxPerCategory: 5 })).toThrow('maxPerCategory must be an integer ≥ minPerCategory (10), got 5');
  });

  it('quotes CSV fields so every row reads back whole', () => {
    expect(toCsv([{ text: 'a "b", c\nd', label: 'x' }])).toBe('text,label\r\n"a ""b"", c\nd","x"\r\n');
  });
});
