/**
 * Explore benchmark: Pretext's UMAP against umap-learn on the same data in the same invocation
 * (`npm run bench:explore` then runs bench/search-bench.ts for search).
 *
 *   npx tsx bench/explore-bench.ts                    # UMAP at 10,000 and 60,000 points, 3 runs each
 *   npx tsx bench/explore-bench.ts --umap=10000       # only these sizes
 *   npx tsx bench/explore-bench.ts --runs=5           # runs of each contender per size (default 3)
 *   npx tsx bench/explore-bench.ts --umap-learn=parallel   # umap-learn unseeded (its parallel SGD)
 *
 * Data: Fashion-MNIST's 60,000 training images (/usr/share/datasets/fashion-mnist, or
 * FASHION_MNIST_DIR) reduced from 784 pixels to 64 dimensions with Pretext's PCA — real class
 * structure like an embedding's — or, when the files are missing, 10 Gaussian clusters.
 *
 * umap-learn (Debian's `umap-learn`, run with /usr/bin/python3 or PRETEXT_PYTHON) runs when it
 * imports: 15 neighbours, min_dist 0.1, random_state = the seed by default (seeded, like Pretext's
 * maps; its SGD then runs on one thread, its NN-descent on all), all points fitted, after an untimed
 * fit on 2,000 points that compiles its numba code (warm). The two alternate, each run in a fresh
 * process; run r uses seed r for both (so the quality is a median over maps, not one map repeated);
 * each reports the median of its runs; ratio = umap-learn's time / Pretext's (above 1: Pretext is
 * faster). Map quality is the same measure for both: for every point, the share of its 10 nearest
 * other points on the map with its label, averaged. The load average is printed before and after
 * each run, as the machine is shared.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fitPca, projectPca } from '../src-main/core/projection/pca';
import { runUmap } from '../src-main/core/projection/umap';
import { Rng } from '../src-main/core/ssl/random';

const UMAP_DIM = 64;
const cacheDir = join(import.meta.dirname, '..', '.bench');

const PYTHON = process.env.PRETEXT_PYTHON ?? '/usr/bin/python3';

interface UmapRow {
  contender: 'pretext' | 'umap-learn';
  points: number;
  data: string;
  seconds: number;
  peakRssMb: number;
  /** Share of each sampled point's 10 nearest map neighbours with its class. */
  neighbourAgreement: number;
  /** os.loadavg() before and after the run. */
  loadBefore: number[];
  loadAfter: number[];
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

/**
 * For every point, the share of its 10 nearest other points on the map with the same label, averaged
 * (exact, through a grid of cells holding about 4 points each, searched ring by ring).
 */
function neighbourAgreement(coords: Float32Array, labels: Uint8Array, n: number): number {
  const K = 10;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, coords[i * 2]!);
    maxX = Math.max(maxX, coords[i * 2]!);
    minY = Math.min(minY, coords[i * 2 + 1]!);
    maxY = Math.max(maxY, coords[i * 2 + 1]!);
  }
  const side = Math.max(1, Math.ceil(Math.sqrt(n / 4)));
  const cell = Math.max(maxX - minX, maxY - minY, 1e-12) / side;
  const cellOf = (v: number, lo: number): number => Math.min(side - 1, Math.floor((v - lo) / cell));
  const start = new Int32Array(side * side + 1);
  const home = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    home[i] = cellOf(coords[i * 2 + 1]!, minY) * side + cellOf(coords[i * 2]!, minX);
    start[home[i]! + 1]!++;
  }
  for (let c = 0; c < side * side; c++) start[c + 1]! += start[c]!;
  const fill = start.slice(0, side * side);
  const members = new Int32Array(n);
  for (let i = 0; i < n; i++) members[fill[home[i]!]!++] = i;
  const best = new Float64Array(K);
  const who = new Int32Array(K);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    best.fill(Infinity);
    const x = coords[i * 2]!;
    const y = coords[i * 2 + 1]!;
    const cx = home[i]! % side;
    const cy = Math.floor(home[i]! / side);
    for (let ring = 0; ring < side; ring++) {
      for (let gy = cy - ring; gy <= cy + ring; gy++) {
        if (gy < 0 || gy >= side) continue;
        for (let gx = cx - ring; gx <= cx + ring; gx++) {
          if (gx < 0 || gx >= side || (Math.abs(gx - cx) !== ring && Math.abs(gy - cy) !== ring)) continue;
          const c = gy * side + gx;
          for (let p = start[c]!; p < start[c + 1]!; p++) {
            const j = members[p]!;
            if (j === i) continue;
            const d = (x - coords[j * 2]!) ** 2 + (y - coords[j * 2 + 1]!) ** 2;
            if (d >= best[K - 1]!) continue;
            let k = K - 1;
            while (k > 0 && best[k - 1]! > d) {
              best[k] = best[k - 1]!;
              who[k] = who[k - 1]!;
              k--;
            }
            best[k] = d;
            who[k] = j;
          }
        }
      }
      // Every point in the next ring is at least `ring` cells away.
      if (best[K - 1]! <= (ring * cell) ** 2) break;
    }
    let same = 0;
    for (let k = 0; k < K; k++) same += labels[who[k]!] === labels[i] ? 1 : 0;
    sum += same / K;
  }
  return sum / n;
}

async function pretextChild(points: number, seed: number): Promise<UmapRow> {
  const all = fashion64();
  const data = all.data.subarray(0, points * UMAP_DIM);
  const started = performance.now();
  const result = await runUmap(data, points, UMAP_DIM, { neighbors: 15, minDist: 0.1, seed });
  const seconds = (performance.now() - started) / 1000;
  if (result.fittedOn !== null) throw new Error(`expected every point fitted, got ${result.fittedOn}`);
  return { contender: 'pretext', points, data: all.source, seconds, peakRssMb: peakRssMb(), neighbourAgreement: neighbourAgreement(result.coords, all.labels, points), loadBefore: [], loadAfter: [] };
}

/** umap-learn on the same 64-d rows: a warm-up fit on 2,000 points, then the timed fit of all. */
const UMAP_LEARN = `
import resource, sys, time, json
import numpy as np
import umap
path, n, seed, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
x = np.fromfile(path, dtype=np.float32).reshape(-1, ${UMAP_DIM})[:n]
state = None if seed == 'none' else int(seed)
umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=state).fit_transform(x[:2000])
started = time.perf_counter()
y = umap.UMAP(n_neighbors=15, min_dist=0.1, random_state=state).fit_transform(x)
seconds = time.perf_counter() - started
y.astype(np.float32).tofile(out)
print(json.dumps({"seconds": seconds, "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "version": umap.__version__}))
`;

function umapLearnAvailable(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import umap; print(umap.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function umapLearnRun(points: number, seed: number, seeded: boolean): UmapRow {
  const all = fashion64();
  mkdirSync(cacheDir, { recursive: true });
  const input = join(cacheDir, 'umap-input.f32');
  writeFileSync(input, all.data.subarray(0, points * UMAP_DIM));
  const out = join(cacheDir, `umap-learn-${points}.f32`);
  const loadBefore = loadavg();
  const r = spawnSync(PYTHON, ['-c', UMAP_LEARN, input, String(points), seeded ? String(seed) : 'none', out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`umap-learn failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { seconds: number; peakRssMb: number };
  const coords = new Float32Array(readFileSync(out).buffer.slice(0));
  return {
    contender: 'umap-learn',
    points,
    data: all.source,
    seconds: report.seconds,
    peakRssMb: report.peakRssMb,
    neighbourAgreement: neighbourAgreement(coords, all.labels, points),
    loadBefore,
    loadAfter: loadavg(),
  };
}

/** Runs one Pretext configuration in a fresh process (the same TypeScript loader) and returns its JSON line. */
function pretextRun(points: number, seed: number): UmapRow {
  const loadBefore = loadavg();
  const r = spawnSync(process.execPath, [...process.execArgv, ...(process.env.PRETEXT_TS_RUNNER ? [process.env.PRETEXT_TS_RUNNER] : []), import.meta.filename, '--child', String(points), String(seed)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`benchmark child ${points} failed (exit ${r.status})`);
  return { ...(JSON.parse(r.stdout.trim().split('\n').at(-1)!) as UmapRow), loadBefore, loadAfter: loadavg() };
}

const fmt = (x: number, digits = 1): string => x.toFixed(digits);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const loads = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');

if (process.argv.includes('--child')) {
  const [size, seed] = process.argv.slice(process.argv.indexOf('--child') + 1);
  const row = await pretextChild(Number(size), Number(seed));
  process.stdout.write(JSON.stringify(row) + '\n');
} else {
  const umapSizes = sizes('umap', [10_000, 60_000]);
  const runs = Number(arg('runs') ?? 3);
  const seeded = arg('umap-learn') !== 'parallel';
  const version = umapLearnAvailable();
  if (umapSizes.length > 0) fashion64(); // prepare the cached 64-d data once, outside the timed children
  if (version === null) process.stderr.write(`umap-learn does not import with ${PYTHON} (Debian: apt-get install umap-learn); Pretext runs alone\n`);
  const rows: UmapRow[] = [];
  for (const points of umapSizes) {
    for (let run = 0; run < runs; run++) {
      // Alternate which goes first, so neither always meets the same load.
      const order: ('pretext' | 'umap-learn')[] = version === null ? ['pretext'] : run % 2 === 0 ? ['pretext', 'umap-learn'] : ['umap-learn', 'pretext'];
      for (const who of order) {
        process.stderr.write(`${who} UMAP on ${points.toLocaleString('en')} points, run ${run + 1}/${runs} (${who === 'umap-learn' && !seeded ? 'unseeded' : `seed ${run + 1}`})…\n`);
        const row = who === 'pretext' ? pretextRun(points, run + 1) : umapLearnRun(points, run + 1, seeded);
        process.stderr.write(`  ${fmt(row.seconds)} s, 10-NN same label ${fmt(row.neighbourAgreement * 100)}%, load ${loads(row.loadBefore)} → ${loads(row.loadAfter)}\n`);
        rows.push(row);
      }
    }
  }
  if (rows.length > 0) {
    const anchor = version === null ? 'umap-learn not installed' : `umap-learn ${version}, ${seeded ? 'random_state = the seed' : 'unseeded (parallel SGD)'}, warm`;
    console.log(`\nUMAP (15 neighbours, min-dist 0.1, every point fitted) on ${rows[0]!.data}; median of ${runs} alternating runs each, run r with seed r${seeded ? ' for both' : ''}; ${anchor}`);
    console.log('| points | Pretext s | umap-learn s | speed ratio (umap-learn s / Pretext s) | Pretext 10-NN same label | umap-learn 10-NN same label | Pretext peak RSS | umap-learn peak RSS | load (1-min) over the runs |');
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const points of umapSizes) {
      const of = (who: string): UmapRow[] => rows.filter((r) => r.points === points && r.contender === who);
      const ours = of('pretext');
      const theirs = of('umap-learn');
      const ourSeconds = median(ours.map((r) => r.seconds));
      const theirSeconds = theirs.length ? median(theirs.map((r) => r.seconds)) : NaN;
      const all = [...ours, ...theirs].flatMap((r) => [r.loadBefore[0]!, r.loadAfter[0]!]);
      console.log(
        `| ${points.toLocaleString('en')} | ${fmt(ourSeconds)} | ${theirs.length ? fmt(theirSeconds) : '—'} | ${theirs.length ? `${fmt(theirSeconds / ourSeconds, 2)}×` : '—'} | ` +
          `${fmt(median(ours.map((r) => r.neighbourAgreement)) * 100)}% | ${theirs.length ? `${fmt(median(theirs.map((r) => r.neighbourAgreement)) * 100)}%` : '—'} | ` +
          `${fmt(Math.max(...ours.map((r) => r.peakRssMb)), 0)} MB | ${theirs.length ? `${fmt(Math.max(...theirs.map((r) => r.peakRssMb)), 0)} MB` : '—'} | ${fmt(Math.min(...all), 2)}–${fmt(Math.max(...all), 2)} |`,
      );
    }
    console.log(`os.loadavg() at the end: ${loads(loadavg())} (${cpus().length} cores)`);
  }
}
