/**
 * The k-nearest-neighbour graph UMAP starts from (euclidean, the point itself excluded).
 *
 * Up to EXACT_LIMIT points it is computed exactly here. Above, through an HNSW index of the
 * `usearch` package (Malkov and Yashunin 2018; prebuilt native binaries), in the role
 * pynndescent's NN-descent plays for umap-learn (both approximate; recall here is 0.99 at
 * 60,000 × 50). Points are inserted from one thread in index order, because HNSW's graph depends
 * on the order of insertions and usearch's own threads would make it, and so the map, differ from
 * run to run; the queries, which only read the graph, run on every core.
 */
import { availableParallelism } from 'node:os';
import usearch, { type BatchMatches } from 'usearch';
import type { KnnGraph } from './fuzzy-graph';

export interface KnnHooks {
  /** Throws to stop (cancellation); called between batches. */
  check?: () => void;
  /** Points done out of n (insertions count for the first half, queries for the second). */
  onProgress?: (done: number, total: number) => void;
  /** Lets other work run between batches. */
  yieldNow?: () => Promise<void>;
}

/** Exact search up to this many points (n² distances: 0.1 s at 4,096 × 50). */
export const EXACT_LIMIT = 4096;
/**
 * HNSW settings: 10 links per node and breadths of 40 (insertion) and 32 (search) reach recall@14
 * of 0.991 on Fashion-MNIST reduced to 50-d at 60,000 points, with 3.8 s of CPU to build and 4.6 s
 * to query every point; 12 links and breadths of 64 and 48 reach 0.998 for 5.1 + 5.3 s.
 */
const CONNECTIVITY = 10;
const EXPANSION_ADD = 40;
const EXPANSION_SEARCH = 32;
const BATCH = 2048;

/** The k nearest other points of each of the n rows of `data` [n × dim]; k < n. */
export async function nearestNeighbours(
  data: Float32Array,
  n: number,
  dim: number,
  k: number,
  hooks: KnnHooks = {},
  exactLimit = EXACT_LIMIT,
): Promise<KnnGraph> {
  if (k >= n) throw new Error(`nearest neighbours: k = ${k} needs more than ${n} points`);
  return n <= exactLimit ? exactNeighbours(data, n, dim, k, hooks) : hnswNeighbours(data, n, dim, k, hooks);
}

/** Brute force: every pair once, each row's k best kept by insertion. */
export function exactNeighbours(data: Float32Array, n: number, dim: number, k: number, hooks: KnnHooks = {}): KnnGraph {
  const indices = new Int32Array(n * k);
  const squared = new Float64Array(n * k).fill(Infinity);
  const offer = (row: number, j: number, d: number): void => {
    const base = row * k;
    if (d >= squared[base + k - 1]!) return;
    let p = base + k - 1;
    while (p > base && squared[p - 1]! > d) {
      squared[p] = squared[p - 1]!;
      indices[p] = indices[p - 1]!;
      p--;
    }
    squared[p] = d;
    indices[p] = j;
  };
  for (let i = 0; i < n; i++) {
    if (i % 256 === 0) {
      hooks.check?.();
      hooks.onProgress?.(i, n);
    }
    const a = i * dim;
    for (let j = i + 1; j < n; j++) {
      const b = j * dim;
      let d = 0;
      for (let c = 0; c < dim; c++) {
        const t = data[a + c]! - data[b + c]!;
        d += t * t;
      }
      offer(i, j, d);
      offer(j, i, d);
    }
  }
  const distances = new Float32Array(n * k);
  for (let p = 0; p < distances.length; p++) distances[p] = Math.sqrt(squared[p]!);
  hooks.onProgress?.(n, n);
  return { n, k, indices, distances };
}

async function hnswNeighbours(data: Float32Array, n: number, dim: number, k: number, hooks: KnnHooks): Promise<KnnGraph> {
  const index = new usearch.Index({
    dimensions: dim,
    metric: usearch.MetricKind.L2sq,
    quantization: usearch.ScalarKind.F32,
    connectivity: CONNECTIVITY,
    expansion_add: EXPANSION_ADD,
    expansion_search: EXPANSION_SEARCH,
    multi: false,
  });
  const keys = new BigUint64Array(n);
  for (let i = 0; i < n; i++) keys[i] = BigInt(i);
  // usearch sizes its per-thread search contexts at the add call that grows the index, to that
  // call's thread count. So the adds that grow it insert one point with every thread allowed (one
  // point runs on one thread whatever the count: still in order), and the rest go in batches on one.
  const threads = availableParallelism();
  for (let done = 0; done < n; ) {
    hooks.check?.();
    const room = index.capacity() - 1 - done;
    if (room <= 0) {
      index.add(keys.subarray(done, done + 1), data.subarray(done * dim, (done + 1) * dim), threads);
      done++;
      continue;
    }
    const end = Math.min(n, done + BATCH, done + room);
    index.add(keys.subarray(done, end), data.subarray(done * dim, end * dim), 1);
    done = end;
    hooks.onProgress?.(done, 2 * n);
    await hooks.yieldNow?.();
  }

  // k + 1 results per query: the point itself is normally among them, and is dropped.
  const indices = new Int32Array(n * k);
  const distances = new Float32Array(n * k);
  for (let start = 0; start < n; start += BATCH) {
    hooks.check?.();
    const end = Math.min(n, start + BATCH);
    // Copied: usearch reads a query matrix from the start of its buffer.
    const found = index.search(data.slice(start * dim, end * dim), k + 1, threads) as unknown as BatchMatches;
    for (let q = 0; q < end - start; q++) {
      const i = start + q;
      const count = Number(found.counts[q]);
      let o = i * k;
      for (let r = 0; r < count && o < (i + 1) * k; r++) {
        const j = Number(found.keys[q * (k + 1) + r]);
        if (j === i) continue;
        indices[o] = j;
        distances[o] = Math.sqrt(Math.max(0, found.distances[q * (k + 1) + r]!));
        o++;
      }
      if (o < (i + 1) * k) throw new Error(`nearest neighbours: the index returned ${count} results for point ${i}, fewer than ${k}`);
    }
    hooks.onProgress?.(n + end, 2 * n);
    await hooks.yieldNow?.();
  }
  return { n, k, indices, distances };
}
