/**
 * Search benchmark: nearest-neighbour search latency (exact and the index) with the index's
 * recall@10 against exact search, on 128-d vectors drawn around 1,000 random centres (clustered,
 * like trained embeddings), queried with fresh draws from the same mixture, so no query is in the
 * index. Each size runs in its own child process, so peak RSS is per size.
 *
 *   npx tsx bench/search-bench.ts                    # 100,000 and 1,000,000 vectors
 *   npx tsx bench/search-bench.ts --search=100000    # only these sizes
 */
import { spawnSync } from 'node:child_process';
import { exactSearch, normaliseRows } from '../src-main/core/search/exact';
import { HnswIndex } from '../src-main/core/search/hnsw';
import { EF_SEARCH } from '../src-main/core/search/search-service';
import { Rng } from '../src-main/core/ssl/random';

const SEARCH_DIM = 128;

interface SearchRow {
  kind: 'search';
  vectors: number;
  exactP50: number;
  exactP95: number;
  buildSeconds: number;
  indexP50: number;
  indexP95: number;
  recallAt10: number;
  peakRssMb: number;
}

const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const sizes = (name: string, fallback: number[]): number[] => (arg(name) ?? fallback.join(',')).split(',').filter(Boolean).map(Number);
const peakRssMb = (): number => process.resourceUsage().maxRSS / 1024;
const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

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

function searchChild(n: number): SearchRow {
  const queryCount = 200;
  const { matrix, queries } = clustered128(n, queryCount);
  const query = (q: number): Float32Array => queries.subarray(q * SEARCH_DIM, (q + 1) * SEARCH_DIM);
  const exactTimes: number[] = [];
  const truth: Int32Array[] = [];
  for (let q = 0; q < queryCount; q++) {
    const t = performance.now();
    truth.push(exactSearch(matrix, n, SEARCH_DIM, query(q), 10).indices);
    exactTimes.push(performance.now() - t);
  }
  const started = performance.now();
  let last = 0;
  const index = HnswIndex.build(matrix, n, SEARCH_DIM, {}, (done, total) => {
    if (performance.now() - last > 10_000) {
      last = performance.now();
      process.stderr.write(`  HNSW ${done}/${total}\n`);
    }
  });
  const buildSeconds = (performance.now() - started) / 1000;
  const indexTimes: number[] = [];
  let hits = 0;
  for (let q = 0; q < queryCount; q++) {
    const t = performance.now();
    const found = index.search(query(q), 10, EF_SEARCH).indices;
    indexTimes.push(performance.now() - t);
    const expected = new Set(truth[q]);
    for (const i of found) if (expected.has(i)) hits++;
  }
  return {
    kind: 'search',
    vectors: n,
    exactP50: percentile(exactTimes, 50),
    exactP95: percentile(exactTimes, 95),
    buildSeconds,
    indexP50: percentile(indexTimes, 50),
    indexP95: percentile(indexTimes, 95),
    recallAt10: hits / (queryCount * 10),
    peakRssMb: peakRssMb(),
  };
}

/** Runs one configuration in a fresh process (the same TypeScript loader) and returns its JSON line. */
function inChild(args: string[]): SearchRow {
  const r = spawnSync(process.execPath, [...process.execArgv, ...(process.env.PRETEXT_TS_RUNNER ? [process.env.PRETEXT_TS_RUNNER] : []), import.meta.filename, '--child', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`benchmark child ${args.join(' ')} failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as SearchRow;
}

const fmt = (x: number, digits = 1): string => x.toFixed(digits);

if (process.argv.includes('--child')) {
  const size = process.argv[process.argv.indexOf('--child') + 1];
  process.stdout.write(JSON.stringify(searchChild(Number(size))) + '\n');
} else {
  const searchRows: SearchRow[] = [];
  for (const n of sizes('search', [100_000, 1_000_000])) {
    process.stderr.write(`search over ${n} vectors…\n`);
    searchRows.push(inChild([String(n)]));
  }
  if (searchRows.length > 0) {
    console.log(`\nCosine search, ${SEARCH_DIM}-d clustered vectors, k = 10, 200 queries; target for exact at 100,000: under 50 ms`);
    console.log('| vectors | exact p50 | exact p95 | HNSW build | HNSW p50 | HNSW p95 | recall@10 | peak RSS |');
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of searchRows) {
      console.log(
        `| ${r.vectors.toLocaleString('en')} | ${fmt(r.exactP50)} ms | ${fmt(r.exactP95)} ms | ${fmt(r.buildSeconds)} s | ${fmt(r.indexP50, 2)} ms | ${fmt(r.indexP95, 2)} ms | ${fmt(r.recallAt10 * 100)}% | ${fmt(r.peakRssMb, 0)} MB |`,
      );
    }
  }
}
