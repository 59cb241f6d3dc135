/**
 * Exact cosine search: rows are normalised once to unit length, so cosine similarity is a dot
 * product. `exactSearch` is the plain pass of dot products feeding a top-k heap (about 16 ms per
 * 100,000 × 128 in V8); `ExactIndex` gets the same answers at the memory-bandwidth limit by
 * scanning an int8 copy of the rows with usearch's SIMD kernels (a quarter of the bytes), then
 * re-ranking the best candidates with exact float32 dot products. A bound on the int8 error proves
 * the re-ranked top k is the float32 top k; when it cannot, the query falls back to the full pass.
 */
import { exactSearch as usearchExact, MetricKind } from 'usearch';
import { TopK } from './topk';

/** Scales each row of [n × dim] to unit length in place (zero rows stay zero: similar to nothing). */
export function normaliseRows(matrix: Float32Array, n: number, dim: number): Float32Array {
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    let s = 0;
    for (let j = 0; j < dim; j++) s += matrix[o + j]! * matrix[o + j]!;
    if (s === 0) continue;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < dim; j++) matrix[o + j]! *= inv;
  }
  return matrix;
}

export function normalised(vector: Float32Array): Float32Array {
  return normaliseRows(Float32Array.from(vector), 1, vector.length);
}

/** Dot product of row `row` of `matrix` with `query` (both `dim` wide). Four accumulators let V8 pipeline. */
export function dotRow(matrix: Float32Array, row: number, query: Float32Array, dim: number): number {
  const o = row * dim;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < dim; j += 4) {
    s0 += matrix[o + j]! * query[j]!;
    s1 += matrix[o + j + 1]! * query[j + 1]!;
    s2 += matrix[o + j + 2]! * query[j + 2]!;
    s3 += matrix[o + j + 3]! * query[j + 3]!;
  }
  for (; j < dim; j++) s0 += matrix[o + j]! * query[j]!;
  return s0 + s1 + s2 + s3;
}

/** The k rows of the normalised matrix most similar to the normalised query, best first. */
export function exactSearch(matrix: Float32Array, n: number, dim: number, query: Float32Array, k: number, heap = new TopK(Math.max(1, Math.min(k, n)))): { indices: Int32Array; scores: Float32Array } {
  if (query.length !== dim) throw new Error(`expected a query of ${dim} values, got ${query.length}`);
  heap.reset();
  for (let i = 0; i < n; i++) {
    const s = dotRow(matrix, i, query, dim);
    if (s >= heap.threshold) heap.push(s, i);
  }
  return heap.sorted();
}

/**
 * Candidates the int8 scan hands to the float32 re-rank: at least this many, or 4k. At 1,000,000
 * clustered or random 128-d rows the bound below holds for every query tried with 256.
 */
const MIN_CANDIDATES = 256;
/** Below this many rows the plain pass is as fast as the scan and needs no int8 copy. */
const MIN_QUANTISED_ROWS = 4096;
/**
 * Slack for the float arithmetic of usearch's int8 cosine (its integer sums are exact; the
 * reciprocal square root may be an approximation good to about 4e-4).
 */
const KERNEL_SLACK = 2e-3;

/**
 * Quantises unit row `x` to int8 with its own scale (its largest value becomes ±127; cosine does
 * not see the scale). Returns ||x̂/||x̂|| − x||, the row's error once both are unit vectors: the
 * int8 cosine of two rows differs from their float32 dot product by at most the sum of their errors.
 */
export function quantiseRow(x: Float32Array, from: number, dim: number, out: Int8Array, at: number): number {
  let largest = 0;
  for (let j = 0; j < dim; j++) largest = Math.max(largest, Math.abs(x[from + j]!));
  if (largest === 0) {
    out.fill(0, at, at + dim);
    // A zero row's int8 cosine is 0 (usearch's convention), its true score too.
    return 0;
  }
  const scale = 127 / largest;
  let norm = 0;
  for (let j = 0; j < dim; j++) {
    const code = Math.round(x[from + j]! * scale);
    out[at + j] = code;
    norm += code * code;
  }
  const inv = 1 / Math.sqrt(norm);
  let error = 0;
  for (let j = 0; j < dim; j++) {
    const d = out[at + j]! * inv - x[from + j]!;
    error += d * d;
  }
  return Math.sqrt(error);
}

/** Exact cosine top-k over [n × dim] unit rows, through an int8 scan and a float32 re-rank (see the file comment). */
export class ExactIndex {
  /** [n × dim] int8 codes, in an ordinary ArrayBuffer at offset 0 (usearch reads the buffer from its start). */
  private codes: Int8Array | null;
  /** The largest row error (see quantiseRow) among the rows quantised so far. */
  private maxRowError = 0;
  private quantised = 0;
  private heap = new TopK(1);
  /** Searches that could not prove the int8 candidates complete and took the full pass (tests, bench). */
  fullPasses = 0;

  constructor(
    readonly matrix: Float32Array,
    readonly n: number,
    readonly dim: number,
    private readonly threads = 1,
  ) {
    this.codes = n >= MIN_QUANTISED_ROWS ? new Int8Array(n * dim) : null;
    if (!this.codes) this.quantised = n;
  }

  /** The index with every row quantised (the loader quantises in steps with `quantiseNext` instead). */
  static of(matrix: Float32Array, n: number, dim: number, threads = 1): ExactIndex {
    const index = new ExactIndex(matrix, n, dim, threads);
    index.quantiseNext(n);
    return index;
  }

  /** Quantises up to `rows` more rows; true once all are done. Searches before then take the full pass. */
  quantiseNext(rows = 65_536): boolean {
    if (!this.codes) return true;
    const end = Math.min(this.n, this.quantised + rows);
    for (let i = this.quantised; i < end; i++) {
      this.maxRowError = Math.max(this.maxRowError, quantiseRow(this.matrix, i * this.dim, this.dim, this.codes, i * this.dim));
    }
    this.quantised = end;
    return end === this.n;
  }

  /** Frees the int8 codes (an index answers instead); later searches take the full pass. */
  release(): void {
    this.codes = null;
    this.quantised = this.n;
  }

  /** The k rows most similar to the unit query, best first, with their float32 dot products (ties go to the smaller row). */
  search(query: Float32Array, k: number): { indices: Int32Array; scores: Float32Array } {
    const { n, dim } = this;
    if (query.length !== dim) throw new Error(`expected a query of ${dim} values, got ${query.length}`);
    const wanted = Math.max(1, Math.min(k, n));
    if (!this.codes || this.quantised < n) return this.fullPass(query, wanted);
    const candidates = Math.min(n, Math.max(MIN_CANDIDATES, 4 * wanted));
    // A fresh array: usearch's exact search ignores a view's byte offset.
    const code = new Int8Array(dim);
    const queryError = quantiseRow(query, 0, dim, code, 0);
    if (code.every((c) => c === 0)) return this.fullPass(query, wanted);
    const found = usearchExact(this.codes, code, dim, candidates, MetricKind.Cos, this.threads);
    const heap = this.heapOf(wanted);
    for (let c = 0; c < found.keys.length; c++) {
      const row = Number(found.keys[c]!);
      heap.push(dotRow(this.matrix, row, query, dim), row);
    }
    if (candidates < n) {
      // Every row left out has an int8 cosine of at most the last candidate's, so a float32 dot
      // product of at most that plus both errors: below the k-th kept score, it cannot belong.
      const lastCandidate = 1 - found.distances[found.keys.length - 1]!;
      const bound = lastCandidate + queryError + this.maxRowError + KERNEL_SLACK;
      if (heap.size < wanted || !(heap.threshold > bound)) return this.fullPass(query, wanted);
    }
    return heap.sorted();
  }

  private fullPass(query: Float32Array, wanted: number): { indices: Int32Array; scores: Float32Array } {
    if (this.codes && this.quantised === this.n) this.fullPasses++;
    return exactSearch(this.matrix, this.n, this.dim, query, wanted, this.heapOf(wanted));
  }

  private heapOf(k: number): TopK {
    if (this.heap.k !== k) this.heap = new TopK(k);
    this.heap.reset();
    return this.heap;
  }
}
