/**
 * Fashion-MNIST as class folders of PNGs, for quality benchmarks (linear probe / k-NN on embeddings).
 *
 * Reads the IDX files that Debian's `dataset-fashion-mnist` package installs (gzipped or not), takes a
 * seeded stratified sample of the training and test sets, and writes 28×28 greyscale PNGs to
 *
 *   <root>/train/<class>/<index>.png   and   <root>/test/<class>/<index>.png
 *
 * where <index> is the image's position in its original IDX file. A manifest (<root>/manifest.json),
 * written last, records what was made; a later call with the same sizes and seed whose folders still
 * hold the right counts returns at once.
 *
 *   npx tsx bench/quality/fashion-mnist.ts --out /tmp/fmnist --train 10000 --test 2000 [--seed 1]
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import sharp from 'sharp';
import { Rng } from '../../src-main/core/ssl/random';

export const FASHION_MNIST_CLASSES = [
  't-shirt_top',
  'trouser',
  'pullover',
  'dress',
  'coat',
  'sandal',
  'shirt',
  'sneaker',
  'bag',
  'ankle_boot',
] as const;

export const DEFAULT_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
const INSTALL_HINT = 'sudo apt-get update && sudo apt-get install -y dataset-fashion-mnist';
const MANIFEST_VERSION = 1;
const SIZE = 28;

export interface FashionMnistOptions {
  /** Folder to write `train/`, `test/` and `manifest.json` into. */
  root: string;
  /** Images sampled from the 60,000 training images (default 10,000). */
  train?: number;
  /** Images sampled from the 10,000 test images (default 2,000). */
  test?: number;
  /** Seed of the stratified sample (default 1). */
  seed?: number;
  /** Where the IDX files are (default: $FASHION_MNIST_DIR, else the Debian package's folder). */
  dataDir?: string;
  /** Progress lines (default: to stderr). Pass `() => {}` for silence. */
  log?: (line: string) => void;
}

export interface FashionMnistFolders {
  trainDir: string;
  testDir: string;
  classes: string[];
}

interface Manifest {
  version: number;
  seed: number;
  train: number;
  test: number;
  classes: string[];
  /** Images per class, in `classes` order. */
  counts: { train: number[]; test: number[] };
}

interface IdxSplit {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/** Reads `<name>` or `<name>.gz` from dir, gunzipping if needed. */
function readIdxFile(dir: string, name: string): Buffer {
  for (const file of [name, `${name}.gz`]) {
    const path = join(dir, file);
    if (!existsSync(path)) continue;
    const raw = readFileSync(path);
    // gzip magic 1f 8b; IDX files start with two zero bytes.
    return raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
  }
  throw new Error(
    `Fashion-MNIST file ${name}(.gz) not found in ${dir}. Install Debian's package: ${INSTALL_HINT}` +
      ` (or point FASHION_MNIST_DIR / options.dataDir at a folder with the IDX files).`,
  );
}

function readSplit(dir: string, prefix: 'train' | 't10k'): IdxSplit {
  const img = readIdxFile(dir, `${prefix}-images-idx3-ubyte`);
  const lab = readIdxFile(dir, `${prefix}-labels-idx1-ubyte`);
  if (img.readUInt32BE(0) !== 0x803) throw new Error(`${prefix} images: not an IDX3 ubyte file`);
  if (lab.readUInt32BE(0) !== 0x801) throw new Error(`${prefix} labels: not an IDX1 ubyte file`);
  const count = img.readUInt32BE(4);
  const rows = img.readUInt32BE(8);
  const cols = img.readUInt32BE(12);
  if (rows !== SIZE || cols !== SIZE) throw new Error(`${prefix} images are ${rows}×${cols}, expected ${SIZE}×${SIZE}`);
  if (lab.readUInt32BE(4) !== count) throw new Error(`${prefix}: ${count} images but ${lab.readUInt32BE(4)} labels`);
  if (img.length < 16 + count * SIZE * SIZE || lab.length < 8 + count) throw new Error(`${prefix}: truncated IDX file`);
  return {
    images: new Uint8Array(img.buffer, img.byteOffset + 16, count * SIZE * SIZE),
    labels: new Uint8Array(lab.buffer, lab.byteOffset + 8, count),
    count,
  };
}

/**
 * Seeded stratified sample: each class gets n·(its share of the split), rounded by largest remainder
 * (ties in seeded order) so the total is exactly n; within a class the images are a seeded shuffle's
 * prefix. Returns the chosen original indices per class, ascending.
 */
export function stratifiedSample(labels: Uint8Array, classes: number, n: number, rng: Rng): number[][] {
  if (!Number.isInteger(n) || n < 0 || n > labels.length) throw new Error(`cannot sample ${n} of ${labels.length} images`);
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    if (c >= classes) throw new Error(`label ${c} at ${i} is out of range`);
    byClass[c]!.push(i);
  }
  const exact = byClass.map((idx) => (n * idx.length) / labels.length);
  const take = exact.map(Math.floor);
  let left = n - take.reduce((a, b) => a + b, 0);
  // Equal remainders (a balanced split) are broken in a seeded random order, not by class number.
  const tie = Array.from({ length: classes }, (_, c) => c);
  rng.shuffle(tie);
  const rank = new Map(tie.map((c, i) => [c, i]));
  const order = exact
    .map((x, c) => ({ c, r: x - Math.floor(x) }))
    .sort((a, b) => b.r - a.r || rank.get(a.c)! - rank.get(b.c)!);
  for (const { c } of order) {
    if (left === 0) break;
    if (take[c]! < byClass[c]!.length) {
      take[c]!++;
      left--;
    }
  }
  return byClass.map((idx, c) => {
    rng.shuffle(idx);
    return idx.slice(0, take[c]).sort((a, b) => a - b);
  });
}

function countPngs(dir: string): number {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.png')).length;
  } catch {
    return -1;
  }
}

function readManifest(path: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

function cacheIsValid(root: string, want: Omit<Manifest, 'counts'>): boolean {
  const m = readManifest(join(root, 'manifest.json'));
  if (m === undefined || m.version !== want.version || m.seed !== want.seed) return false;
  if (m.train !== want.train || m.test !== want.test) return false;
  if (JSON.stringify(m.classes) !== JSON.stringify(want.classes)) return false;
  for (const split of ['train', 'test'] as const) {
    const counts = m.counts?.[split];
    if (!Array.isArray(counts) || counts.length !== want.classes.length) return false;
    for (let c = 0; c < want.classes.length; c++) {
      if (countPngs(join(root, split, want.classes[c]!)) !== counts[c]) return false;
    }
  }
  return true;
}

async function writeSplit(
  split: IdxSplit,
  chosen: number[][],
  dir: string,
  classes: readonly string[],
  label: string,
  log: (line: string) => void,
): Promise<void> {
  const jobs: { index: number; path: string }[] = [];
  chosen.forEach((indices, c) => {
    const classDir = join(dir, classes[c]!);
    mkdirSync(classDir, { recursive: true });
    for (const index of indices) jobs.push({ index, path: join(classDir, `${index}.png`) });
  });
  const total = jobs.length;
  let next = 0;
  let done = 0;
  let lastLog = performance.now();
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < total) {
      const { index, path } = jobs[next++]!;
      const pixels = split.images.subarray(index * SIZE * SIZE, (index + 1) * SIZE * SIZE);
      const png = await sharp(pixels, { raw: { width: SIZE, height: SIZE, channels: 1 } })
        .toColourspace('b-w')
        .png()
        .toBuffer();
      await writeFile(path, png);
      done++;
      if (performance.now() - lastLog > 2000) {
        lastLog = performance.now();
        log(`  ${label}: ${done}/${total} PNGs`);
      }
    }
  };
  // sharp runs each small encode on libuv's pool; a handful in flight keeps the cores busy.
  await Promise.all(Array.from({ length: 8 }, worker));
  log(`  ${label}: ${total} PNGs in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Makes (or finds cached) Fashion-MNIST class folders under `options.root`; see the file comment.
 * Throws, naming the apt command, when the Debian package's files are missing.
 */
export async function fashionMnistFolders(options: FashionMnistOptions): Promise<FashionMnistFolders> {
  const root = resolve(options.root);
  const train = options.train ?? 10_000;
  const test = options.test ?? 2_000;
  const seed = options.seed ?? 1;
  const dataDir = options.dataDir ?? process.env.FASHION_MNIST_DIR ?? DEFAULT_FASHION_MNIST_DIR;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const classes = [...FASHION_MNIST_CLASSES];
  const trainDir = join(root, 'train');
  const testDir = join(root, 'test');
  const result = { trainDir, testDir, classes };
  const want = { version: MANIFEST_VERSION, seed, train, test, classes };

  if (cacheIsValid(root, want)) {
    log(`fashion-mnist: cached in ${root} (${train} train + ${test} test, seed ${seed})`);
    return result;
  }
  if (!existsSync(dataDir)) {
    throw new Error(`Fashion-MNIST not found at ${dataDir}. Install Debian's package: ${INSTALL_HINT}`);
  }

  const started = performance.now();
  log(`fashion-mnist: reading IDX files from ${dataDir}`);
  const trainSet = readSplit(dataDir, 'train');
  const testSet = readSplit(dataDir, 't10k');
  const rng = new Rng(seed);
  const trainChosen = stratifiedSample(trainSet.labels, classes.length, train, rng);
  const testChosen = stratifiedSample(testSet.labels, classes.length, test, rng);

  // Start clean: a stale or partial sample must not leave extra files behind.
  rmSync(join(root, 'manifest.json'), { force: true });
  rmSync(trainDir, { recursive: true, force: true });
  rmSync(testDir, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });

  log(`fashion-mnist: writing ${train} train + ${test} test PNGs to ${root}`);
  await writeSplit(trainSet, trainChosen, trainDir, classes, 'train', log);
  await writeSplit(testSet, testChosen, testDir, classes, 'test', log);

  const manifest: Manifest = {
    ...want,
    counts: { train: trainChosen.map((x) => x.length), test: testChosen.map((x) => x.length) },
  };
  const tmp = join(root, 'manifest.json.tmp');
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(tmp, join(root, 'manifest.json'));
  log(`fashion-mnist: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

function parseArgs(argv: string[]): { out: string; train: number; test: number; seed: number } {
  const args = { out: '', train: 10_000, test: 2_000, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (flag === '--help' || flag === '-h') {
      console.log('usage: npx tsx bench/quality/fashion-mnist.ts --out DIR [--train 10000] [--test 2000] [--seed 1]');
      process.exit(0);
    }
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--out') args.out = value;
    else if (flag === '--train' || flag === '--test' || flag === '--seed') {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a non-negative integer, got ${value}`);
      args[flag.slice(2) as 'train' | 'test' | 'seed'] = n;
    } else throw new Error(`unknown argument ${flag}`);
    i++;
  }
  if (args.out === '') throw new Error('--out DIR is required');
  return args;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const { out, train, test, seed } = parseArgs(process.argv.slice(2));
    const folders = await fashionMnistFolders({ root: out, train, test, seed });
    console.log(JSON.stringify(folders, null, 2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
