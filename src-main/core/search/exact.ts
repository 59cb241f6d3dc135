/**
 * Exact cosine search: rows are normalised once to unit length, so cosine similarity is a dot
 * product, and a query is one pass of dot products over the matrix feeding a top-k heap. At
 * 100,000 × 128 that is 12.8 M multiply-adds, about 10 ms in V8.
 */
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
