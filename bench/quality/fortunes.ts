/**
 * Debian's `fortunes` (the quotes `fortune` prints) as labelled text, for quality benchmarks of the
 * text methods: the category file a quote comes from is its label.
 *
 * Reads every category file in /usr/share/games/fortunes (quotes separated by lines holding only
 * `%`; the `.dat` indexes and `.u8` links are skipped, and so is the `off/` folder of offensive
 * fortunes that the fortunes-off package adds), and writes a seeded stratified split as
 *
 *   <root>/train/fortunes.csv   and   <root>/test/fortunes.csv     (columns text,label)
 *
 * which the importer reads one item per row, labelled from the `label` column. A manifest
 * (<root>/manifest.json), written last, records what was made; a later call with the same
 * settings whose files are still there returns at once.
 *
 * Decisions, each an option:
 * - Quotes are cleaned of the terminal overstrike of old fortune files (`_\bX` underlines and
 *   `X\bX` bold become `X`) and of other control characters; empty ones are dropped.
 * - A quote found in more than one category is dropped from all of them: its label is ambiguous.
 *   A repeat within a category is kept once.
 * - Categories with fewer than `minPerCategory` quotes (default 50) are left out: on this
 *   machine pratchett (1 quote), ascii-art (10, and drawings rather than text), translate-me (12)
 *   and magic (30), too few to hold out a test share and train a probe on.
 * - Categories with more than `maxPerCategory` quotes (default 500) keep a seeded sample of that
 *   many, so the four largest (computers, cookie, definitions, people: about 1,100–1,250 each)
 *   do not outweigh the smallest ones (about 50) by 25 to 1; 10 to 1 at most.
 * - `testShare` (default 0.2) of each category, rounded, is held out.
 *
 *   npx tsx bench/quality/fortunes.ts --out /tmp/fortunes [--seed 1]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Rng } from '../../src-main/core/ssl/random';

export const DEFAULT_FORTUNES_DIR = '/usr/share/games/fortunes';
const INSTALL_HINT = 'sudo apt-get update && sudo apt-get install -y fortunes';
const MANIFEST_VERSION = 1;

export interface FortunesOptions {
  /** Folder to write `train/`, `test/` and `manifest.json` into. */
  root: string;
  /** Seed of the sample and split (default 1). */
  seed?: number;
  /** Share of each category held out (default 0.2). */
  testShare?: number;
  /** Categories with fewer quotes are left out (default 50). */
  minPerCategory?: number;
  /** Larger categories keep a seeded sample of this many (default 500). */
  maxPerCategory?: number;
  /** Where the category files are (default: $FORTUNES_DIR, else the Debian package's folder). */
  dataDir?: string;
  /** Progress lines (default: to stderr). Pass `() => {}` for silence. */
  log?: (line: string) => void;
}

export interface FortunesFolders {
  trainDir: string;
  testDir: string;
  /** Categories kept, sorted. */
  classes: string[];
  /** Quotes per kept category, in `classes` order. */
  counts: { train: number[]; test: number[] };
  /** Categories left out for having too few quotes, with their count. */
  skipped: { category: string; quotes: number }[];
}

interface Manifest extends Omit<FortunesFolders, 'trainDir' | 'testDir'> {
  version: number;
  seed: number;
  testShare: number;
  minPerCategory: number;
  maxPerCategory: number;
}

/**
 * The quotes of one fortune file: split at lines holding only `%`, overstrike resolved (a
 * character followed by a backspace is struck out), other control characters but tab and newline
 * removed, trailing spaces of lines and blank lines around each quote trimmed, empty quotes dropped.
 */
export function parseFortunes(content: string): string[] {
  const quotes: string[] = [];
  for (const raw of content.replace(/\r\n?/g, '\n').split(/^%[ \t]*$/m)) {
    let text = raw;
    // eslint-disable-next-line no-control-regex -- overstrike is a backspace after the struck character
    const overstrike = /[^\x08]\x08/g;
    for (let next = text.replace(overstrike, ''); next !== text; next = text.replace(overstrike, '')) text = next;
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    text = text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
    text = text
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n')
      .replace(/^\n+|\n+$/g, '');
    if (text.trim() !== '') quotes.push(text);
  }
  return quotes;
}

/** Category files of a fortunes folder: regular files whose names have no dot (not `.dat`, `.u8`), sorted; folders such as `off/` are skipped. */
export function fortuneCategories(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => !name.includes('.') && statSync(join(dir, name)).isFile())
    .sort();
}

/** Same text up to case and spacing: how quotes are compared across categories. */
const identity = (text: string): string => text.replace(/\s+/g, ' ').trim().toLowerCase();

export interface LabelledQuotes {
  /** Category → its quotes, once each, after the cross-category duplicates are dropped. */
  byCategory: Map<string, string[]>;
  /** Quotes dropped for being in more than one category. */
  ambiguous: number;
}

/** Every category's quotes, each once, without those in more than one category. */
export function readLabelledQuotes(dir: string): LabelledQuotes {
  const raw = new Map<string, string[]>();
  const categoriesOf = new Map<string, Set<string>>();
  for (const category of fortuneCategories(dir)) {
    const seen = new Set<string>();
    const quotes: string[] = [];
    for (const quote of parseFortunes(readFileSync(join(dir, category), 'utf8'))) {
      const key = identity(quote);
      if (seen.has(key)) continue;
      seen.add(key);
      quotes.push(quote);
      const where = categoriesOf.get(key) ?? new Set<string>();
      where.add(category);
      categoriesOf.set(key, where);
    }
    raw.set(category, quotes);
  }
  let ambiguous = 0;
  const byCategory = new Map<string, string[]>();
  for (const [category, quotes] of raw) {
    const kept = quotes.filter((q) => categoriesOf.get(identity(q))!.size === 1);
    ambiguous += quotes.length - kept.length;
    byCategory.set(category, kept);
  }
  return { byCategory, ambiguous };
}

/** RFC 4180 CSV with a `text,label` header; every field quoted, quotes doubled, newlines kept inside quotes. */
export function toCsv(rows: readonly { text: string; label: string }[]): string {
  const field = (s: string): string => `"${s.replace(/"/g, '""')}"`;
  return `text,label\r\n${rows.map((r) => `${field(r.text)},${field(r.label)}\r\n`).join('')}`;
}

function readManifest(path: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

/**
 * Makes (or finds cached) the fortunes train and held-out CSVs under `options.root`; see the file
 * comment. Throws, naming the apt command, when the Debian package's files are missing.
 */
export function fortunesFolders(options: FortunesOptions): FortunesFolders {
  const root = resolve(options.root);
  const seed = options.seed ?? 1;
  const testShare = options.testShare ?? 0.2;
  const minPerCategory = options.minPerCategory ?? 50;
  const maxPerCategory = options.maxPerCategory ?? 500;
  const dataDir = options.dataDir ?? process.env.FORTUNES_DIR ?? DEFAULT_FORTUNES_DIR;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (!(testShare > 0 && testShare < 1)) throw new RangeError(`testShare must be in (0, 1), got ${testShare}`);
  if (!Number.isInteger(minPerCategory) || minPerCategory < 2) throw new RangeError(`minPerCategory must be an integer ≥ 2, got ${minPerCategory}`);
  if (!Number.isInteger(maxPerCategory) || maxPerCategory < minPerCategory) throw new RangeError(`maxPerCategory must be an integer ≥ minPerCategory (${minPerCategory}), got ${maxPerCategory}`);
  const trainDir = join(root, 'train');
  const testDir = join(root, 'test');
  const trainCsv = join(trainDir, 'fortunes.csv');
  const testCsv = join(testDir, 'fortunes.csv');

  const cached = readManifest(join(root, 'manifest.json'));
  if (
    cached?.version === MANIFEST_VERSION &&
    cached.seed === seed &&
    cached.testShare === testShare &&
    cached.minPerCategory === minPerCategory &&
    cached.maxPerCategory === maxPerCategory &&
    existsSync(trainCsv) &&
    existsSync(testCsv)
  ) {
    log(`fortunes: cached in ${root} (${cached.classes.length} categories, seed ${seed})`);
    return { trainDir, testDir, classes: cached.classes, counts: cached.counts, skipped: cached.skipped };
  }
  if (!existsSync(dataDir) || fortuneCategories(dataDir).length === 0) {
    throw new Error(`Debian's fortunes not found at ${dataDir}. Install the package: ${INSTALL_HINT} (or point FORTUNES_DIR / options.dataDir at a folder of fortune files).`);
  }

  const { byCategory, ambiguous } = readLabelledQuotes(dataDir);
  const rng = new Rng(seed);
  const classes: string[] = [];
  const skipped: { category: string; quotes: number }[] = [];
  const train: { text: string; label: string }[] = [];
  const test: { text: string; label: string }[] = [];
  const counts = { train: [] as number[], test: [] as number[] };
  for (const [category, quotes] of [...byCategory].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (quotes.length < minPerCategory) {
      skipped.push({ category, quotes: quotes.length });
      continue;
    }
    const order = Int32Array.from({ length: quotes.length }, (_, i) => i);
    rng.shuffle(order);
    const kept = Array.from(order.subarray(0, Math.min(maxPerCategory, quotes.length)));
    const held = Math.round(testShare * kept.length);
    // In file order within each split: the seeded choice decides membership, not position.
    const testIndices = kept.slice(0, held).sort((a, b) => a - b);
    const trainIndices = kept.slice(held).sort((a, b) => a - b);
    for (const i of trainIndices) train.push({ text: quotes[i]!, label: category });
    for (const i of testIndices) test.push({ text: quotes[i]!, label: category });
    classes.push(category);
    counts.train.push(trainIndices.length);
    counts.test.push(testIndices.length);
  }
  if (classes.length < 2) throw new Error(`fortunes: only ${classes.length} categories have at least ${minPerCategory} quotes in ${dataDir}`);

  rmSync(join(root, 'manifest.json'), { force: true });
  mkdirSync(trainDir, { recursive: true });
  mkdirSync(testDir, { recursive: true });
  writeFileSync(trainCsv, toCsv(train));
  writeFileSync(testCsv, toCsv(test));
  const manifest: Manifest = { version: MANIFEST_VERSION, seed, testShare, minPerCategory, maxPerCategory, classes, counts, skipped };
  const tmp = join(root, 'manifest.json.tmp');
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(tmp, join(root, 'manifest.json'));
  log(
    `fortunes: ${classes.length} categories, ${train.length} train + ${test.length} held-out quotes in ${root}` +
      ` (left out: ${skipped.map((s) => `${s.category} ${s.quotes}`).join(', ') || 'none'}; ${ambiguous} quotes in more than one category dropped)`,
  );
  return { trainDir, testDir, classes, counts, skipped };
}

function parseArgs(argv: string[]): { out: string; seed: number } {
  const args = { out: '', seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (flag === '--help' || flag === '-h') {
      console.log('usage: npx tsx bench/quality/fortunes.ts --out DIR [--seed 1]');
      process.exit(0);
    }
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--out') args.out = value;
    else if (flag === '--seed') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`--seed must be a non-negative integer, got ${value}`);
      args.seed = n;
    } else throw new Error(`unknown argument ${flag}`);
    i++;
  }
  if (args.out === '') throw new Error('--out DIR is required');
  return args;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const { out, seed } = parseArgs(process.argv.slice(2));
    console.log(JSON.stringify(fortunesFolders({ root: out, seed }), null, 2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
