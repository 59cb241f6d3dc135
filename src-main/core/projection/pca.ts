/**
 * Principal component analysis on Float32Array matrices, for the "PCA" map and for reducing wide
 * embeddings before UMAP (as umap-learn's documentation recommends for speed and noise).
 *
 * The covariance matrix (dim × dim, float64) is accumulated in one pass over the rows after a pass
 * for the mean, so the data is never copied or centred in place. Its top eigenvectors come from the
 * cyclic Jacobi method when the matrix is small enough to diagonalise whole (exact, and
 * deterministic by construction), else from randomized subspace iteration (Halko, Martinsson and
 * Tropp 2011, Algorithm 4.4, with a Rayleigh–Ritz step) started from a seeded Gaussian matrix, so
 * the same seed and data give the same components.
 */
import { Rng } from '../ssl/random';

export interface PcaModel {
  dim: number;
  /** Components kept, in order of decreasing variance. */
  k: number;
  /** [dim] */
  mean: Float64Array;
  /** [k × dim], each row a unit vector; the sign makes the largest-magnitude entry positive. */
  components: Float32Array;
  /** [k] variance along each component (eigenvalues of the covariance). */
  variances: Float64Array;
}

export interface PcaOptions {
  /** Seeds the random start of subspace iteration. Default 1. */
  seed?: number;
  /** Called every few thousand rows; throw from it to stop (cancellation). */
  check?: () => void;
}

/** Covariance matrices up to this width are diagonalised whole with Jacobi (256³ is well under a second). */
const JACOBI_MAX_DIM = 256;
/** Extra directions iterated beside the k wanted ones, so the k-th converges (Halko et al. §4.2). */
const OVERSAMPLE = 10;
const POWER_ITERATIONS = 12;
const CHECK_EVERY_ROWS = 4096;
/** Rows per covariance block (a divisor of CHECK_EVERY_ROWS). */
const COV_BLOCK = 64;

export function fitPca(data: Float32Array, n: number, dim: number, k: number, options: PcaOptions = {}): PcaModel {
  if (data.length < n * dim) throw new Error(`expected [${n}, ${dim}] data (${n * dim} values), got ${data.length} values`);
  if (n < 2) throw new Error(`PCA needs at least 2 rows, got ${n}`);
  if (!Number.isInteger(k) || k < 1 || k > dim) throw new Error(`PCA components must be an integer in 1..${dim}, got ${k}`);
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    if (i % CHECK_EVERY_ROWS === 0) options.check?.();
    const o = i * dim;
    for (let j = 0; j < dim; j++) mean[j]! += data[o + j]!;
  }
  for (let j = 0; j < dim; j++) mean[j]! /= n;

  // Upper triangle of Σ (x − μ)(x − μ)ᵀ, a block of rows at a time: the block is centred and
  // transposed so each (a, b) entry is one contiguous dot product kept in a register, instead of
  // a read-modify-write of the covariance per multiply, four columns at a time (about twice as fast in V8).
  const cov = new Float64Array(dim * dim);
  const block = new Float64Array(dim * COV_BLOCK); // [dim × COV_BLOCK], column r = centred row r
  for (let start = 0; start < n; start += COV_BLOCK) {
    if (start % CHECK_EVERY_ROWS === 0) options.check?.();
    const rows = Math.min(COV_BLOCK, n - start);
    for (let r = 0; r < rows; r++) {
      const o = (start + r) * dim;
      for (let j = 0; j < dim; j++) block[j * COV_BLOCK + r] = data[o + j]! - mean[j]!;
    }
    for (let a = 0; a < dim; a++) {
      const pa = a * COV_BLOCK;
      let b = a;
      // Four columns per pass share each load of column a.
      for (; b + 3 < dim; b += 4) {
        const p0 = b * COV_BLOCK;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let r = 0; r < rows; r++) {
          const x = block[pa + r]!;
          s0 += x * block[p0 + r]!;
          s1 += x * block[p0 + COV_BLOCK + r]!;
          s2 += x * block[p0 + 2 * COV_BLOCK + r]!;
          s3 += x * block[p0 + 3 * COV_BLOCK + r]!;
        }
        const c = a * dim + b;
        cov[c]! += s0;
        cov[c + 1]! += s1;
        cov[c + 2]! += s2;
        cov[c + 3]! += s3;
      }
      for (; b < dim; b++) {
        const pb = b * COV_BLOCK;
        let sum = 0;
        for (let r = 0; r < rows; r++) sum += block[pa + r]! * block[pb + r]!;
        cov[a * dim + b]! += sum;
      }
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const v = cov[a * dim + b]! / (n - 1);
      cov[a * dim + b] = v;
      cov[b * dim + a] = v;
    }
  }
  const { vectors, values } = topEigenvectors(cov, dim, k, options.seed ?? 1);
  return { dim, k, mean, components: vectors, variances: values };
}

/** Scores of every row on the model's components: [n × k], into `out` when given. */
export function projectPca(data: Float32Array, n: number, model: PcaModel, out?: Float32Array, check?: () => void): Float32Array {
  const { dim, k, components, mean } = model;
  const result = out ?? new Float32Array(n * k);
  if (result.length < n * k) throw new Error(`expected an output of ${n * k} values, got ${result.length}`);
  // x·w − μ·w: the mean is subtracted once per component instead of once per value.
  const offset = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += mean[j]! * components[c * dim + j]!;
    offset[c] = s;
  }
  for (let i = 0; i < n; i++) {
    if (check && i % CHECK_EVERY_ROWS === 0) check();
    const o = i * dim;
    for (let c = 0; c < k; c++) {
      const w = c * dim;
      let s = 0;
      for (let j = 0; j < dim; j++) s += data[o + j]! * components[w + j]!;
      result[i * k + c] = s - offset[c]!;
    }
  }
  return result;
}

/** The k eigenvectors of a symmetric matrix with the largest eigenvalues, as rows, and those eigenvalues. */
export function topEigenvectors(matrix: Float64Array, dim: number, k: number, seed: number): { vectors: Float32Array; values: Float64Array } {
  const l = Math.min(dim, k + OVERSAMPLE);
  let basis: Float64Array; // [dim × m] columns spanning the wanted subspace
  let m: number;
  if (dim <= JACOBI_MAX_DIM || l >= dim) {
    basis = identity(dim);
    m = dim;
  } else {
    m = l;
    const rng = new Rng(seed);
    let q: Float64Array = new Float64Array(dim * m);
    for (let i = 0; i < q.length; i++) q[i] = gaussian(rng);
    orthonormaliseColumns(q, dim, m);
    for (let it = 0; it < POWER_ITERATIONS; it++) {
      q = multiply(matrix, dim, q, m);
      orthonormaliseColumns(q, dim, m);
    }
    basis = q;
  }
  // Rayleigh–Ritz: B = Qᵀ A Q is small (m × m); its eigenvectors rotate Q onto A's.
  const aq = multiply(matrix, dim, basis, m);
  const small = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = a; b < m; b++) {
      let s = 0;
      for (let r = 0; r < dim; r++) s += basis[r * m + a]! * aq[r * m + b]!;
      small[a * m + b] = s;
      small[b * m + a] = s;
    }
  }
  const { values, vectors: w } = jacobiEigen(small, m);
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => values[b]! - values[a]! || a - b);
  const out = new Float32Array(k * dim);
  const outValues = new Float64Array(k);
  const column = new Float64Array(dim);
  for (let c = 0; c < k; c++) {
    const e = order[c]!;
    outValues[c] = Math.max(0, values[e]!);
    let norm = 0;
    let biggest = 0;
    for (let r = 0; r < dim; r++) {
      let s = 0;
      for (let t = 0; t < m; t++) s += basis[r * m + t]! * w[t * m + e]!;
      column[r] = s;
      norm += s * s;
      if (Math.abs(s) > Math.abs(biggest)) biggest = s;
    }
    const scale = (biggest < 0 ? -1 : 1) / Math.sqrt(norm || 1);
    for (let r = 0; r < dim; r++) out[c * dim + r] = column[r]! * scale;
  }
  return { vectors: out, values: outValues };
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations (Golub and Van Loan,
 * Algorithm 8.5.3, with Rutishauser's stable rotation formulas). Returns eigenvalues and the
 * eigenvectors as the columns of `vectors` ([m × m], row-major). The input is not modified.
 */
export function jacobiEigen(input: Float64Array, m: number, maxSweeps = 60): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(input);
  const v = identity(m);
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < m; p++) {
      diag += a[p * m + p]! * a[p * m + p]!;
      for (let q = p + 1; q < m; q++) off += a[p * m + q]! * a[p * m + q]!;
    }
    if (off <= 1e-30 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < m - 1; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = a[p * m + q]!;
        if (apq === 0) continue;
        const app = a[p * m + p]!;
        const aqq = a[q * m + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < m; r++) {
          const arp = a[r * m + p]!;
          const arq = a[r * m + q]!;
          a[r * m + p] = c * arp - s * arq;
          a[r * m + q] = s * arp + c * arq;
        }
        for (let r = 0; r < m; r++) {
          const apr = a[p * m + r]!;
          const aqr = a[q * m + r]!;
          a[p * m + r] = c * apr - s * aqr;
          a[q * m + r] = s * apr + c * aqr;
        }
        for (let r = 0; r < m; r++) {
          const vrp = v[r * m + p]!;
          const vrq = v[r * m + q]!;
          v[r * m + p] = c * vrp - s * vrq;
          v[r * m + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const values = new Float64Array(m);
  for (let i = 0; i < m; i++) values[i] = a[i * m + i]!;
  return { values, vectors: v };
}

function identity(m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) out[i * m + i] = 1;
  return out;
}

/** A [dim × dim] · Q [dim × m] → [dim × m]. */
function multiply(a: Float64Array, dim: number, q: Float64Array, m: number): Float64Array {
  const out = new Float64Array(dim * m);
  for (let r = 0; r < dim; r++) {
    for (let t = 0; t < dim; t++) {
      const art = a[r * dim + t]!;
      if (art === 0) continue;
      for (let c = 0; c < m; c++) out[r * m + c]! += art * q[t * m + c]!;
    }
  }
  return out;
}

/** Modified Gram–Schmidt, twice ("twice is enough", Giraud et al. 2005), on the columns of [rows × m]. */
function orthonormaliseColumns(q: Float64Array, rows: number, m: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let c = 0; c < m; c++) {
      for (let p = 0; p < c; p++) {
        let dot = 0;
        for (let r = 0; r < rows; r++) dot += q[r * m + c]! * q[r * m + p]!;
        for (let r = 0; r < rows; r++) q[r * m + c]! -= dot * q[r * m + p]!;
      }
      let norm = 0;
      for (let r = 0; r < rows; r++) norm += q[r * m + c]! * q[r * m + c]!;
      norm = Math.sqrt(norm);
      // A column that vanished (rank-deficient data) is replaced by a unit vector; its eigenvalue is 0.
      if (norm < 1e-300) {
        for (let r = 0; r < rows; r++) q[r * m + c] = r === c ? 1 : 0;
        continue;
      }
      for (let r = 0; r < rows; r++) q[r * m + c]! /= norm;
    }
  }
}

/** Standard normal draw (Box–Muller). */
function gaussian(rng: Rng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
