/**
 * Approximate nearest-neighbour search with usearch's HNSW graphs (Malkov and Yashunin 2016;
 * https://github.com/unum-cloud/usearch, prebuilt in its npm package). The graph keeps its own
 * copy of the vectors to walk the graph: int8 codes scaled per row as ExactIndex makes them (three
 * times finer than usearch's own cast of unit vectors, and the build twice as fast as with
 * float16), or float16. The candidates it returns are re-ranked with exact float32 dot products
 * against the searching thread's unit rows, so scores are exact and the order among candidates is
 * the exact order.
 *
 * On disk, beside the database: usearch's own file, then a trailer naming the vectors it was built
 * on (JSON, its u32 length, an 8-byte magic). usearch reads only the bytes its header counts, so
 * the trailer never reaches it. Written to a temporary file and renamed, so a crash never leaves
 * half an index.
 */
import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { Index, MetricKind, ScalarKind } from 'usearch';
import { dotRow, quantiseRow } from './exact';
import { TopK } from './topk';

export interface AnnParams {
  /** Links per node on the upper layers (twice this on layer 0). Default 24. */
  connectivity: number;
  /** Beam width while building. Default 200. */
  expansionAdd: number;
  /** Beam width while searching (not part of the saved graph: changing it needs no rebuild). Default 96. */
  expansionSearch: number;
  /** How the graph stores its copy of the vectors. Default i8. */
  quantization: 'f16' | 'i8';
}

/**
 * Measured on clustered 128-d vectors (bench/search-bench.ts: 1,000 centres, so at 1,000,000 rows
 * clusters of 1,000 near-equal neighbours). The graph, not the int8 order, limited recall there:
 * with connectivity 16 and a build beam of 64 some queries' searches ended in another cluster,
 * missing all of their top 10 (recall@10 0.81 with a search beam of 64, 0.96 even with 512), most
 * likely because the few links between clusters were pruned as the clusters filled. A build beam
 * of 200 and 24 links per node leave no such query: recall@10 0.9945 with a search beam of 64, 0.999 with 96 (0.35 ms p50, 0.55 ms p95) and 1.0
 * with 128. The build takes 3.5 times as long: 645 s against 183 s at 1,000,000 on two cores at load 3–6.
 */
export const DEFAULT_ANN_PARAMS: AnnParams = { connectivity: 24, expansionAdd: 200, expansionSearch: 96, quantization: 'i8' };

/**
 * Candidates asked of the graph for the re-rank: the whole search beam, twice the k wanted, and
 * at least this many. The int8 order among a cluster's close neighbours is noisy (recall@10 0.93
 * without the re-rank on clustered data), the float32 re-rank puts it right (0.9995 at 100,000).
 * Re-ranking only the best 50 by int8 gave the same recall@10 at 1,000,000 as the whole beam; the
 * rest of the beam costs a few microseconds of dot products.
 */
const MIN_CANDIDATES = 64;
/** Rows handed to one usearch `add`: progress is reported, and a cancel takes effect, between them. */
export const ADD_CHUNK = 16_384;
const MAGIC = 'PXUSRCH1';

/** Says which vectors, and which build parameters, an index file belongs to; a different key means the file is stale. */
export function annKey(stamp: string, n: number, dim: number, params: AnnParams): string {
  return `${stamp}|${n}|${dim}|usearch|${params.connectivity}|${params.expansionAdd}|${params.quantization}`;
}

function createIndex(dim: number, params: AnnParams): Index {
  return new Index({
    dimensions: dim,
    metric: MetricKind.Cos,
    quantization: params.quantization === 'i8' ? ScalarKind.I8 : ScalarKind.F16,
    connectivity: params.connectivity,
    expansion_add: params.expansionAdd,
    expansion_search: params.expansionSearch,
    multi: false,
  });
}

/**
 * Builds the graph over [n × dim] unit rows, ADD_CHUNK rows per step (usearch spreads each step
 * over `threads` threads); yields the rows added so far, so the caller reports progress and can
 * stop between steps.
 */
export function* buildSteps(vectors: Float32Array, n: number, dim: number, params: AnnParams, threads: number): Generator<number, Index> {
  const index = createIndex(dim, params);
  const keys = new BigUint64Array(ADD_CHUNK);
  const codes = params.quantization === 'i8' ? new Int8Array(ADD_CHUNK * dim) : null;
  for (let start = 0; start < n; start += ADD_CHUNK) {
    const count = Math.min(ADD_CHUNK, n - start);
    for (let i = 0; i < count; i++) keys[i] = BigInt(start + i);
    if (codes) for (let i = 0; i < count; i++) quantiseRow(vectors, (start + i) * dim, dim, codes, i * dim);
    const rows = codes ? codes.subarray(0, count * dim) : vectors.subarray(start * dim, (start + count) * dim);
    index.add(count === ADD_CHUNK ? keys : keys.subarray(0, count), rows, threads);
    yield start + count;
  }
  return index;
}

export function saveAnn(path: string, index: Index, key: string): void {
  const tmp = `${path}.tmp`;
  try {
    index.save(tmp);
    const json = Buffer.from(JSON.stringify({ key }), 'utf8');
    const tail = Buffer.alloc(12);
    tail.writeUInt32LE(json.length, 0);
    tail.write(MAGIC, 4, 'ascii');
    const fd = openSync(tmp, 'a');
    try {
      writeSync(fd, json);
      writeSync(fd, tail);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/** The key in the trailer of the file at `path`, or null when there is no such file or it is not one of ours. */
function storedKey(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    if (size < 12) return null;
    const tail = Buffer.alloc(12);
    readSync(fd, tail, 0, 12, size - 12);
    if (tail.toString('ascii', 4, 12) !== MAGIC) return null;
    const length = tail.readUInt32LE(0);
    if (length > size - 12 || length > 1_000_000) return null;
    const json = Buffer.alloc(length);
    readSync(fd, json, 0, length, size - 12 - length);
    const parsed = JSON.parse(json.toString('utf8')) as { key?: unknown };
    return typeof parsed.key === 'string' ? parsed.key : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * The graph stored at `path` when it was built for `key` over n rows of `dim`, else null (missing,
 * stale or damaged files, and files of the hand-written HNSW of earlier versions, are built again).
 * Loaded into memory rather than mapped, so the file can be deleted while the run is searched.
 */
export function loadAnn(path: string, key: string, n: number, dim: number, params: AnnParams): Index | null {
  if (storedKey(path) !== key) return null;
  const index = createIndex(dim, params);
  try {
    index.load(path);
  } catch {
    return null;
  }
  return index.size() === n && index.dimensions() === dim ? index : null;
}

/** A built graph over the rows of `matrix`, searched with an exact float32 re-rank of its candidates. */
export class AnnIndex {
  private heap = new TopK(1);
  /** The query's int8 codes, for an index that stores int8. */
  private readonly code: Int8Array | null;
  private readonly beam: number;

  constructor(
    private readonly index: Index,
    readonly matrix: Float32Array,
    readonly n: number,
    readonly dim: number,
    params: Pick<AnnParams, 'quantization' | 'expansionSearch'>,
  ) {
    this.code = params.quantization === 'i8' ? new Int8Array(dim) : null;
    this.beam = params.expansionSearch;
  }

  /** About k of the rows most similar to the unit query, best first, with their float32 dot products. */
  search(query: Float32Array, k: number): { indices: Int32Array; scores: Float32Array } {
    if (query.length !== this.dim) throw new Error(`expected a query of ${this.dim} values, got ${query.length}`);
    const wanted = Math.max(1, Math.min(k, this.n));
    if (this.code) quantiseRow(query, 0, this.dim, this.code, 0);
    // usearch's beam is already max(expansion_search, wanted): taking all of it costs only the re-rank.
    const found = this.index.search(this.code ?? query, Math.min(this.n, Math.max(MIN_CANDIDATES, 2 * wanted, this.beam)), 1);
    if (this.heap.k !== wanted) this.heap = new TopK(wanted);
    const heap = this.heap;
    heap.reset();
    for (let c = 0; c < found.keys.length; c++) {
      const row = Number(found.keys[c]!);
      heap.push(dotRow(this.matrix, row, query, this.dim), row);
    }
    return heap.sorted();
  }
}
