/**
 * Explore benchmark: UMAP time and peak RSS on Fashion-MNIST-like data (`npm run bench:explore` then
 * runs bench/search-bench.ts for search).
 *
 *   npx tsx bench/explore-bench.ts                    # UMAP at 10,000 and 60,000 points
 *   npx tsx bench/explore-bench.ts --umap=10000       # only UMAP at these sizes
 *
 * UMAP runs on Fashion-MNIST's 60,000 training images (/usr/share/datasets/fashion-mnist, or
 * FASHION_MNIST_DIR) reduced from 784 pixels to 64 dimensions with Pretext's PCA — real
 * class structure like an embedding's — or, when the files are missing, on 10 Gaussian clusters.
 * Each configuration runs in its own child process, so peak RSS is per configuration.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fitPca, projectPca } from '../src-main/core/projection/pca';
import { runUmap } from '../src-main/core/projection/umap';
import { Rng } from '../src-main/core/ssl/random';

const UMAP_DIM = 64;
const cacheDir = join(import.meta.dirname, '..', '.bench');

interface UmapRow {
  kind: 'umap';
  points: number;
  data: string;
  seconds: number;
  peakRssMb: number;
  fittedOn: number | null;
  /** Share of each sampled point's 10 nearest map neighbours with its class. */
  neighbourAgreement: number;
}
const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const sizes = (name: string, fallback: number[]): number[] => (arg(name) ?? fallback.join(',')).split(',').filter(Boolean).map(Number);
const peakRssMb = (): number => process.resourceUsage().maxRSS / 1024;

function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** Fashion-MNIST training images reduced to 64-d with PCA (cached in .bench/), and their labels. */
function fashion64(): { data: Float32Array; labels: Uint8Array; source: string } {
  const dir = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
  const imagesFile = join(dir, 'train-images-idx3-ubyte.gz');
  const labelsFile = join(dir, 'train-labels-idx1-ubyte.gz');
  if (!existsSync(imagesFile) || !existsSync(labelsFile)) return clusters64(60_000);
  const cache = join(cacheDir, 'fashion-mnist-60000x64.f32');
  const labels = gunzipSync(readFileSync(labelsFile)).subarray(8);
  if (existsSync(cache)) return { data: new Float32Array(readFileSync(cache).buffer.slice(0)), labels, source: 'Fashion-MNIST, PCA 64-d' };
  const raw = gunzipSync(readFileSync(imagesFile));
  const n = raw.readUInt32BE(4);
  const pixels = raw.readUInt32BE(8) * raw.readUInt32BE(12);
  const images = new Float32Array(n * pixels);
  for (let i = 0; i < images.length; i++) images[i] = raw[16 + i]! / 255;
  const started = performance.now();
  const model = fitPca(images, n, pixels, UMAP_DIM, { seed: 1 });
  const data = projectPca(images, n, model);
  process.stderr.write(`PCA of Fashion-MNIST ${n}×${pixels} → ${UMAP_DIM}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(cache, data);
  return { data, labels, source: 'Fashion-MNIST, PCA 64-d' };
}

function clusters64(n: number): { data: Float32Array; labels: Uint8Array; source: string } {
  const rng = new Rng(3);
  const centres = Float32Array.from({ length: 10 * UMAP_DIM }, () => 4 * gaussian(rng));
  const data = new Float32Array(n * UMAP_DIM);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 10;
    for (let j = 0; j < UMAP_DIM; j++) data[i * UMAP_DIM + j] = centres[labels[i]! * UMAP_DIM + j]! + gaussian(rng);
  }
  return { data, labels, source: '10 Gaussian clusters, 64-d' };
}

/** For 2,000 sampled points, the share of their 10 nearest neighbours on the map with the same label. */
function neighbourAgreement(coords: Float32Array, labels: Uint8Array, n: number): number {
  const rng = new Rng(11);
  let same = 0;
  let total = 0;
  for (let s = 0; s < 2000; s++) {
    const i = rng.int(n);
    const best = new Float64Array(10).fill(Infinity);
    const who = new Int32Array(10);
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const d = (coords[i * 2]! - coords[j * 2]!) ** 2 + (coords[i * 2 + 1]! - coords[j * 2 + 1]!) ** 2;
      if (d >= best[9]!) continue;
      let k = 9;
      while (k > 0 && best[k - 1]! > d) {
        best[k] = best[k - 1]!;
        who[k] = who[k - 1]!;
        k--;
      }
      best[k] = d;
      who[k] = j;
    }
    for (const j of who) same += labels[j] === labels[i] ? 1 : 0;
    total += 10;
  }
  return same / total;
}

async function umapChild(points: number): Promise<UmapRow> {
  const all = fashion64();
  const data = all.data.subarray(0, points * UMAP_DIM);
  const started = performance.now();
  const result = await runUmap(data, points, UMAP_DIM, { neighbors: 15, minDist: 0.1, seed: 1 });
  const seconds = (performance.now() - started) / 1000;
  return {
    kind: 'umap',
    points,
    data: all.source,
    seconds,
    peakRssMb: peakRssMb(),
    fittedOn: result.fittedOn,
    neighbourAgreement: neighbourAgreement(result.coords, all.labels, points),
  };
}

/** Runs one configuration in a fresh process (the same TypeScript loader) and returns its JSON line. */
function inChild(args: string[]): UmapRow {
  const r = spawnSync(process.execPath, [...process.execArgv, ...(process.env.PRETEXT_TS_RUNNER ? [process.env.PRETEXT_TS_RUNNER] : []), import.meta.filename, '--child', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`benchmark child ${args.join(' ')} failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as UmapRow;
}

const fmt = (x: number, digits = 1): string => x.toFixed(digits);

if (process.argv.includes('--child')) {
  const [, size] = process.argv.slice(process.argv.indexOf('--child') + 1);
  const row = await umapChild(Number(size));
  process.stdout.write(JSON.stringify(row) + '\n');
} else {
  const umapSizes = sizes('umap', [10_000, 60_000]);
  if (umapSizes.length > 0) fashion64(); // prepare the cached 64-d data once, outside the timed children
  const rows: UmapRow[] = [];
  for (const points of umapSizes) {
    process.stderr.write(`UMAP on ${points} points…\n`);
    rows.push(inChild(['umap', String(points)]));
  }
  const umapRows = rows;
  if (umapRows.length > 0) {
    console.log(`\nUMAP (umap-js, 15 neighbours, min-dist 0.1, seed 1) on ${umapRows[0]!.data}; target at 60,000: under 300 s`);
    console.log('| points | seconds | peak RSS | fitted on | 10-NN same class on the map |');
    console.log('| ---: | ---: | ---: | ---: | ---: |');
    for (const r of umapRows) {
      console.log(`| ${r.points.toLocaleString('en')} | ${fmt(r.seconds)} | ${fmt(r.peakRssMb, 0)} MB | ${r.fittedOn === null ? 'all' : r.fittedOn.toLocaleString('en')} | ${fmt(r.neighbourAgreement * 100)}% |`);
    }
  }
}
