/**
 * Truncated SVD of a sparse matrix by randomized subspace iteration, for latent semantic analysis
 * of TF-IDF rows (the TF-IDF baseline): Halko, Martinsson and Tropp (2011), "Finding Structure with
 * Randomness", Algorithm 4.4 (randomized subspace iteration) followed by Algorithm 5.1 (direct SVD
 * of the small matrix B = QᵀA), as scikit-learn's `TruncatedSVD(algorithm='randomized')` does.
 * No centring (a TF-IDF matrix is sparse, and its mean is part of what it says).
 *
 * Written here rather than taken from a package: the npm packages with an SVD (ml-matrix, svd-js)
 * decompose dense matrices whole, and a TF-IDF matrix of 10,000 texts by 40,000 n-grams is 3 GB
 * dense; only products with the sparse rows are needed, plus small dense eigenproblems, for which
 * the Jacobi solver of ./pca is reused.
 */
import { Rng } from '../ssl/random';
import { jacobiEigen } from './pca';

/** Compressed sparse rows: row r's entries are indices/values[indptr[r] .. indptr[r+1]). */
export interface CsrMatrix {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: Float64Array;
}

export interface TruncatedSvd {
  k: number;
  /** [k] in decreasing order. */
  singularValues: Float64Array;
  /** [k × cols] right singular vectors Vᵀ, as rows; the sign makes each row's largest-magnitude entry positive. */
  components: Float32Array;
}

export interface TruncatedSvdOptions {
  /** Extra directions iterated beside the k wanted ones (Halko et al. §4.2; scikit-learn's n_oversamples). Default 10. */
  oversample?: number;
  /** Power iterations q (scikit-learn's TruncatedSVD default n_iter=5). Default 5. */
  iterations?: number;
  /** Seeds the Gaussian test matrix. Default 1. */
  seed?: number;
  /** Called between iterations; throw from it to stop (cancellation). */
  check?: () => void;
}

/** Y = A·Ω: [rows × l] from A [rows × cols] sparse and Ω [cols × l] dense, row-major. */
function multiplyRight(a: CsrMatrix, omega: Float64Array, l: number): Float64Array {
  const out = new Float64Array(a.rows * l);
  for (let r = 0; r < a.rows; r++) {
    const o = r * l;
    for (let p = a.indptr[r]!; p < a.indptr[r + 1]!; p++) {
      const v = a.values[p]!;
      const w = a.indices[p]! * l;
      for (let c = 0; c < l; c++) out[o + c]! += v * omega[w + c]!;
    }
  }
  return out;
}

/** Z = Aᵀ·Q: [cols × l] from A [rows × cols] sparse and Q [rows × l] dense. */
function multiplyTransposed(a: CsrMatrix, q: Float64Array, l: number): Float64Array {
  const out = new Float64Array(a.cols * l);
  for (let r = 0; r < a.rows; r++) {
    const o = r * l;
    for (let p = a.indptr[r]!; p < a.indptr[r + 1]!; p++) {
      const v = a.values[p]!;
      const w = a.indices[p]! * l;
      for (let c = 0; c < l; c++) out[w + c]! += v * q[o + c]!;
    }
  }
  return out;
}

/** Gram matrix YᵀY [l × l] of Y [n × l]. */
function gram(y: Float64Array, n: number, l: number): Float64Array {
  const g = new Float64Array(l * l);
  for (let r = 0; r < n; r++) {
    const o = r * l;
    for (let a = 0; a < l; a++) {
      const ya = y[o + a]!;
      if (ya === 0) continue;
      const ga = a * l;
      for (let b = a; b < l; b++) g[ga + b]! += ya * y[o + b]!;
    }
  }
  for (let a = 0; a < l; a++) for (let b = a + 1; b < l; b++) g[b * l + a] = g[a * l + b]!;
  return g;
}

/**
 * Replaces the columns of Y [n × l] with an orthonormal basis of their span, through the Gram
 * matrix: Q = Y W Λ^(−1/2) with YᵀY = W Λ Wᵀ. Twice makes the basis orthonormal to working
 * precision (as CholeskyQR2, Fukaya et al. 2014), and it stays stable where a column is nearly
 * dependent: directions with λ below 1e−12·λ_max are dropped to zero, they carry nothing the
 * others do not. Between power iterations one pass is enough: it only has to keep the columns
 * from collapsing onto the top direction (scikit-learn uses an LU factorisation there).
 */
function orthonormalise(y: Float64Array, n: number, l: number, passes: number): void {
  const row = new Float64Array(l);
  for (let pass = 0; pass < passes; pass++) {
    const { values, vectors } = jacobiEigen(gram(y, n, l), l);
    const top = Math.max(...values, 0);
    const transform = new Float64Array(l * l); // W Λ^(−1/2)
    for (let c = 0; c < l; c++) {
      const lambda = values[c]!;
      if (!(lambda > 1e-12 * top)) continue;
      const scale = 1 / Math.sqrt(lambda);
      for (let a = 0; a < l; a++) transform[a * l + c] = vectors[a * l + c]! * scale;
    }
    for (let r = 0; r < n; r++) {
      const o = r * l;
      row.fill(0);
      for (let a = 0; a < l; a++) {
        const ya = y[o + a]!;
        if (ya === 0) continue;
        const ta = a * l;
        for (let c = 0; c < l; c++) row[c]! += ya * transform[ta + c]!;
      }
      y.set(row, o);
    }
  }
}

/** Standard normal draw (Box–Muller). */
function gaussian(rng: Rng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * The k largest singular values of A and their right singular vectors. Deterministic for a seed.
 * k may not exceed min(rows, cols); directions beyond A's rank come back with singular value 0.
 */
export function truncatedSvd(a: CsrMatrix, k: number, options: TruncatedSvdOptions = {}): TruncatedSvd {
  const maxK = Math.min(a.rows, a.cols);
  if (!Number.isInteger(k) || k < 1 || k > maxK) throw new RangeError(`truncated SVD of a ${a.rows} × ${a.cols} matrix: k must be an integer in 1..${maxK}, got ${k}`);
  if (a.indptr.length !== a.rows + 1) throw new Error(`CSR indptr has ${a.indptr.length} entries, expected rows + 1 = ${a.rows + 1}`);
  const l = Math.min(maxK, k + (options.oversample ?? 10));
  const iterations = options.iterations ?? 5;
  const rng = new Rng(options.seed ?? 1);

  const omega = new Float64Array(a.cols * l);
  for (let i = 0; i < omega.length; i++) omega[i] = gaussian(rng);
  // Q spans the range of (A Aᵀ)^q A Ω, normalised after every product with A Aᵀ: Algorithm 4.4
  // normalises after Aᵀ too, but in float64 one normalisation per A Aᵀ keeps the condition
  // number at (σ₁/σ_l)², harmless for TF-IDF spectra, and the cols-side basis (the n-gram count
  // by l) is the larger and slower one to orthonormalise.
  const q = multiplyRight(a, omega, l); // [rows × l]
  orthonormalise(q, a.rows, l, 1);
  for (let it = 0; it < iterations; it++) {
    options.check?.();
    q.set(multiplyRight(a, multiplyTransposed(a, q, l), l)); // A Aᵀ Q [rows × l]
    orthonormalise(q, a.rows, l, it === iterations - 1 ? 2 : 1);
  }
  if (iterations === 0) orthonormalise(q, a.rows, l, 1);
  options.check?.();
  // B = QᵀA [l × cols]; its SVD from the eigenvectors of B Bᵀ = (AᵀQ)ᵀ(AᵀQ) [l × l]: B = U Σ Vᵀ, V = Bᵀ U Σ⁻¹.
  const bt = multiplyTransposed(a, q, l); // Bᵀ [cols × l]
  const { values, vectors: u } = jacobiEigen(gram(bt, a.cols, l), l);
  const order = Array.from({ length: l }, (_, i) => i).sort((x, y) => values[y]! - values[x]! || x - y);
  const singularValues = new Float64Array(k);
  const components = new Float32Array(k * a.cols);
  const column = new Float64Array(a.cols);
  for (let c = 0; c < k; c++) {
    const e = order[c]!;
    const sigma = Math.sqrt(Math.max(0, values[e]!));
    singularValues[c] = sigma;
    if (sigma <= 1e-12 * Math.sqrt(Math.max(values[order[0]!]!, 0))) continue; // beyond the rank: left at zero
    let biggest = 0;
    for (let j = 0; j < a.cols; j++) {
      let s = 0;
      const o = j * l;
      for (let t = 0; t < l; t++) s += bt[o + t]! * u[t * l + e]!;
      column[j] = s / sigma;
      if (Math.abs(column[j]!) > Math.abs(biggest)) biggest = column[j]!;
    }
    const sign = biggest < 0 ? -1 : 1;
    for (let j = 0; j < a.cols; j++) components[c * a.cols + j] = sign * column[j]!;
  }
  return { k, singularValues, components };
}
