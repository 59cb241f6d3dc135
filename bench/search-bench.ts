/**
 * Search benchmark: exact cosine top-10 (the app's ExactIndex: an int8 SIMD scan by usearch and a
 * float32 re-rank) against numpy's matmul + argpartition on the same vectors in the same
 * invocation, and the usearch HNSW index (build time, latency, recall@10 against float32 exact).
 * Vectors are 128-d, drawn around 1,000 random centres (clustered, like trained embeddings), and
 * queried with fresh draws from the same mixture, so no query is in the index. Each size runs in its
 * own child process, so peak RSS is per size.
 *
 * Exact search and numpy run in alternating rounds over the same 200 queries (median per query in
 * each round, then the median of the rounds), so both see the same machine load.
 *
 *   npx tsx bench/search-bench.ts                    # 100,000 and 1,000,000 vectors
 *   npx tsx bench/search-bench.ts --search=100000    # only these sizes
 *   npx tsx bench/search-bench.ts --rounds=5         # rounds of each exact contender (default 5)
 */
import { spawn, spawnSync, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { AnnIndex, annKey, buildSteps, DEFAULT_ANN_PARAMS, loadAnn, saveAnn, type AnnParams } from '../src-main/core/search/ann-index';
import { ExactIndex, exactSearch, normaliseRows } from '../src-main/core/search/exact';
import { BUILD_THREADS, SEARCH_THREADS } from '../src-main/core/search/search-service';
import { Rng } from '../src-main/core/ssl/random';

const SEARCH_DIM = 128;
const QUERIES = 200;
const PYTHON = '/usr/bin/python3';
/** Beam widths of index queries tried on the same built graph; the first is the app's. */
const EXPANSIONS = [...new Set([DEFAULT_ANN_PARAMS.expansionSearch, 64, 96, 128, 256, 512])];

interface IndexRow {
  expansionSearch: number;
  p50: number;
  p95: number;
  recallAt10: number;
}

interface SearchRow {
  kind: 'search';
  vectors: number;
  /** The old plain float32 pass, kept as the reference answers. */
  plainP50: number;
  exactP50: number;
  exactP95: number;
  exactRounds: number[];
  numpyP50: number | null;
  numpyRounds: number[];
  exactRecallAt10: number;
  exactFullPasses: number;
  buildSeconds: number;
  index: IndexRow[];
  peakRssMb: number;
  loadBefore: number[];
  loadAfter: number[];
}

const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const sizes = (name: string, fallback: number[]): number[] => (arg(name) ?? fallback.join(',')).split(',').filter(Boolean).map(Number);
const peakRssMb = (): number => process.resourceUsage().maxRSS / 1024;
const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const median = (values: number[]): number => percentile(values, 50);
const load = (): number[] => loadavg().map((x) => Math.round(x * 100) / 100);

function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** n unit vectors around 1,000 centres, plus `queries` fresh draws from the same mixture. */
function clustered128(n: number, queries: number): { matrix: Float32Array; queries: Float32Array } {
  const rng = new Rng(5);
  const centres = Float32Array.from({ length: 1000 * SEARCH_DIM }, () => gaussian(rng));
  const draw = (out: Float32Array, count: number): void => {
    for (let i = 0; i < count; i++) {
      const c = rng.int(1000) * SEARCH_DIM;
      for (let j = 0; j < SEARCH_DIM; j++) out[i * SEARCH_DIM + j] = centres[c + j]! + 0.8 * gaussian(rng);
    }
    normaliseRows(out, count, SEARCH_DIM);
  };
  const matrix = new Float32Array(n * SEARCH_DIM);
  draw(matrix, n);
  const q = new Float32Array(queries * SEARCH_DIM);
  draw(q, queries);
  return { matrix, queries: q };
}

/**
 * numpy's side, kept running between rounds: it reads the same vectors from a file once, and on
 * each line "round" answers the median milliseconds of one matmul + argpartition top-10 per query.
 */
const NUMPY_SERVER = `
import sys, time, numpy as np
n, d, q = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
m = np.fromfile(sys.argv[1] + '/matrix.f32', dtype=np.float32).reshape(n, d)
queries = np.fromfile(sys.argv[1] + '/queries.f32', dtype=np.float32).reshape(q, d)
print('ready', flush=True)
for line in sys.stdin:
    times = []
    for query in queries:
        t = time.perf_counter()
        s = m @ query
        top = np.argpartition(-s, 10)[:10]
        top = top[np.argsort(-s[top])]
        times.append((time.perf_counter() - t) * 1000)
    print(float(np.median(times)), flush=True)
`;

function hasNumpy(): boolean {
  const r = spawnSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' });
  return r.status === 0;
}

class NumpyAnchor {
  private readonly lines: AsyncIterator<string>;

  private constructor(
    private readonly child: ChildProcessByStdio<Writable, Readable, null>,
    private readonly dir: string,
  ) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  static async start(matrix: Float32Array, queries: Float32Array, n: number): Promise<NumpyAnchor> {
    const dir = mkdtempSync(join(tmpdir(), 'pretext-search-bench-'));
    writeFileSync(join(dir, 'matrix.f32'), new Uint8Array(matrix.buffer, matrix.byteOffset, matrix.byteLength));
    writeFileSync(join(dir, 'queries.f32'), new Uint8Array(queries.buffer, queries.byteOffset, queries.byteLength));
    const child = spawn(PYTHON, ['-c', NUMPY_SERVER, dir, String(n), String(SEARCH_DIM), String(queries.length / SEARCH_DIM)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const anchor = new NumpyAnchor(child, dir);
    if ((await anchor.next()) !== 'ready') throw new Error('the numpy anchor did not start');
    return anchor;
  }

  async round(): Promise<number> {
    this.child.stdin.write('round\n');
    return Number(await this.next());
  }

  close(): void {
    this.child.stdin.end();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async next(): Promise<string> {
    const line = await this.lines.next();
    if (line.done) throw new Error('the numpy anchor stopped');
    return line.value.trim();
  }
}

async function searchChild(n: number): Promise<SearchRow> {
  const loadBefore = load();
  const rounds = Number(arg('rounds') ?? 5);
  const { matrix, queries } = clustered128(n, QUERIES);
  const query = (q: number): Float32Array => queries.subarray(q * SEARCH_DIM, (q + 1) * SEARCH_DIM);

  // Reference answers: the plain float32 pass of earlier versions.
  const plainTimes: number[] = [];
  const truth: Int32Array[] = [];
  for (let q = 0; q < QUERIES; q++) {
    const t = performance.now();
    truth.push(exactSearch(matrix, n, SEARCH_DIM, query(q), 10).indices);
    plainTimes.push(performance.now() - t);
  }

  const exact = ExactIndex.of(matrix, n, SEARCH_DIM, SEARCH_THREADS);
  let exactHits = 0;
  for (let q = 0; q < QUERIES; q++) {
    const expected = new Set(truth[q]);
    for (const i of exact.search(query(q), 10).indices) if (expected.has(i)) exactHits++;
  }
  const numpy = hasNumpy() ? await NumpyAnchor.start(matrix, queries, n) : null;
  const exactTimes: number[] = [];
  const exactRounds: number[] = [];
  const numpyRounds: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const times: number[] = [];
    for (let q = 0; q < QUERIES; q++) {
      const t = performance.now();
      exact.search(query(q), 10);
      times.push(performance.now() - t);
    }
    exactTimes.push(...times);
    exactRounds.push(median(times));
    if (numpy) numpyRounds.push(await numpy.round());
  }
  numpy?.close();

  const params: AnnParams = DEFAULT_ANN_PARAMS;
  const started = performance.now();
  let last = started;
  const steps = buildSteps(matrix, n, SEARCH_DIM, params, BUILD_THREADS);
  let step = steps.next();
  while (!step.done) {
    if (performance.now() - last > 10_000) {
      last = performance.now();
      process.stderr.write(`  index ${step.value}/${n}, ${((last - started) / 1000).toFixed(0)} s\n`);
    }
    step = steps.next();
  }
  const buildSeconds = (performance.now() - started) / 1000;
  const dir = mkdtempSync(join(tmpdir(), 'pretext-search-bench-'));
  const file = join(dir, 'bench.hnsw');
  const key = annKey('bench', n, SEARCH_DIM, params);
  saveAnn(file, step.value, key);
  const index: IndexRow[] = [];
  for (const expansionSearch of EXPANSIONS) {
    const ann = new AnnIndex(loadAnn(file, key, n, SEARCH_DIM, { ...params, expansionSearch })!, matrix, n, SEARCH_DIM, { ...params, expansionSearch });
    const times: number[] = [];
    let hits = 0;
    for (let q = 0; q < QUERIES; q++) {
      const t = performance.now();
      const found = ann.search(query(q), 10).indices;
      times.push(performance.now() - t);
      const expected = new Set(truth[q]);
      for (const i of found) if (expected.has(i)) hits++;
    }
    index.push({ expansionSearch, p50: percentile(times, 50), p95: percentile(times, 95), recallAt10: hits / (QUERIES * 10) });
  }
  rmSync(dir, { recursive: true, force: true });
  return {
    kind: 'search',
    vectors: n,
    plainP50: percentile(plainTimes, 50),
    exactP50: median(exactRounds),
    exactP95: percentile(exactTimes, 95),
    exactRounds,
    numpyP50: numpy ? median(numpyRounds) : null,
    numpyRounds,
    exactRecallAt10: exactHits / (QUERIES * 10),
    exactFullPasses: exact.fullPasses,
    buildSeconds,
    index,
    peakRssMb: peakRssMb(),
    loadBefore,
    loadAfter: load(),
  };
}

/** Runs one configuration in a fresh process (the same TypeScript loader) and returns its JSON line. */
function inChild(args: string[]): SearchRow {
  const r = spawnSync(process.execPath, [...process.execArgv, ...(process.env.PRETEXT_TS_RUNNER ? [process.env.PRETEXT_TS_RUNNER] : []), import.meta.filename, '--child', ...args, ...process.argv.filter((a) => a.startsWith('--rounds='))], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`benchmark child ${args.join(' ')} failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as SearchRow;
}

const fmt = (x: number, digits = 1): string => x.toFixed(digits);
const rounds = (values: number[]): string => values.map((v) => fmt(v, 2)).join(' / ');

if (process.argv.includes('--child')) {
  const size = process.argv[process.argv.indexOf('--child') + 1];
  process.stdout.write(JSON.stringify(await searchChild(Number(size))) + '\n');
} else {
  const searchRows: SearchRow[] = [];
  for (const n of sizes('search', [100_000, 1_000_000])) {
    process.stderr.write(`search over ${n} vectors…\n`);
    searchRows.push(inChild([String(n)]));
  }
  if (searchRows.length > 0) {
    console.log(`\nExact cosine top-10, ${SEARCH_DIM}-d clustered vectors, ${QUERIES} queries, ${SEARCH_THREADS} search thread(s); median per query of each round, rounds alternating with numpy (${hasNumpy() ? PYTHON : 'numpy not installed'})`);
    console.log('| vectors | float32 pass (old) | exact p50 | exact p95 | numpy p50 | numpy / exact | exact rounds | numpy rounds | recall@10 vs float32 | full passes | load (1, 5, 15 min) |');
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | --- |');
    for (const r of searchRows) {
      const ratio = r.numpyP50 === null ? '—' : `${fmt(r.numpyP50 / r.exactP50, 2)}×`;
      console.log(
        `| ${r.vectors.toLocaleString('en')} | ${fmt(r.plainP50)} ms | ${fmt(r.exactP50, 2)} ms | ${fmt(r.exactP95, 2)} ms | ${r.numpyP50 === null ? '—' : `${fmt(r.numpyP50, 2)} ms`} | ${ratio} | ${rounds(r.exactRounds)} | ${rounds(r.numpyRounds)} | ${fmt(r.exactRecallAt10, 4)} | ${r.exactFullPasses} | ${r.loadBefore.join(', ')} → ${r.loadAfter.join(', ')} |`,
      );
    }
    const p = DEFAULT_ANN_PARAMS;
    console.log(`\nusearch HNSW index (connectivity ${p.connectivity}, expansion_add ${p.expansionAdd}, ${p.quantization} storage, float32 re-rank, ${BUILD_THREADS} build thread(s)); the first beam width is the app's`);
    console.log('| vectors | build | beam width | p50 | p95 | recall@10 | peak RSS |');
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of searchRows) {
      for (const x of r.index) {
        console.log(`| ${r.vectors.toLocaleString('en')} | ${fmt(r.buildSeconds)} s | ${x.expansionSearch} | ${fmt(x.p50, 2)} ms | ${fmt(x.p95, 2)} ms | ${fmt(x.recallAt10, 4)} | ${fmt(r.peakRssMb, 0)} MB |`);
      }
    }
    console.log(`load average at the end: ${load().join(', ')}`);
  }
}
