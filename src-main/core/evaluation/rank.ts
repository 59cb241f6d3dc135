/**
 * Effective rank (Roy and Vetterli 2007, "The effective rank: a measure of effective
 * dimensionality"): with σ₁ … σ_d the singular values of the centred n × d embedding matrix and
 * pᵢ = σᵢ / Σσ, erank = exp(−Σ pᵢ log pᵢ). It is 1 when every row lies on one line through the
 * mean and d when the spread is equal in all d directions; dimensional collapse drives it down.
 *
 * The singular values come from the eigenvalues λᵢ of the d × d covariance (σᵢ ∝ √λᵢ), which are
 * found by Householder tridiagonalisation and the implicit QL method (Golub and Van Loan §8.3;
 * Numerical Recipes `tred2`/`tqli`, eigenvalues only): (4/3)d³ operations, under 0.2 s at d = 512.
 */
import { assertMatrix, normalisedRows, type Embeddings } from './checks';
import { dot4Rows } from './kernels';

/**
 * Effective rank of the centred rows of z. Returns 0 when the rows are all equal (the total variance
 * is below 1e-12 of the mean squared row norm, i.e. they differ by less than one part in a million):
 * a matrix of rank 0, where the entropy is undefined.
 */
export function effectiveRank(z: Embeddings, n: number, dim: number): number {
  assertMatrix('effectiveRank z', z, n, dim);
  if (n < 1) throw new Error('effectiveRank needs at least one row, got 0');
  // Wider than tall (raw pixels of a few hundred images: 12,288 columns), the n × n Gram matrix of
  // the centred rows has the same non-zero eigenvalues as the d × d covariance, at a fraction of the
  // cost: (4/3)n³ instead of (4/3)d³ operations and n² instead of d² memory.
  const { matrix: covariance, meanSquaredNorm, size } = secondMoments(z, n, dim);
  let trace = 0;
  for (let i = 0; i < size; i++) trace += covariance[i * size + i]!;
  if (!(trace > 1e-12 * meanSquaredNorm)) return 0;
  const values = symmetricEigenvalues(covariance, size);
  // Eigenvalues at rounding level (the rank of n centred rows is at most n − 1) are zeros, not
  // directions: their square roots (1e-8 of the largest) would otherwise add to the entropy.
  for (let i = 0; i < size; i++) if (values[i]! < 1e-14 * trace) values[i] = 0;
  let total = 0;
  for (let i = 0; i < size; i++) total += Math.sqrt(Math.max(0, values[i]!));
  let entropy = 0;
  for (let i = 0; i < size; i++) {
    const p = Math.sqrt(Math.max(0, values[i]!)) / total;
    if (p > 0) entropy -= p * Math.log(p);
  }
  return Math.exp(entropy);
}

/**
 * Mean over the dim columns of the (population) variance of the L2-normalised rows. Rows spread
 * evenly over the unit sphere give about 1/dim; rows that all point the same way give 0.
 */
export function meanVariance(z: Embeddings, n: number, dim: number): number {
  assertMatrix('meanVariance z', z, n, dim);
  if (n < 1) throw new Error('meanVariance needs at least one row, got 0');
  const x = normalisedRows('meanVariance z', z, n, dim);
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j]! += x[i * dim + j]!;
  for (let j = 0; j < dim; j++) mean[j]! /= n;
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) {
      const d = x[i * dim + j]! - mean[j]!;
      total += d * d;
    }
  }
  return total / n / dim;
}

/**
 * Second moments (divided by n) of the centred rows Xc, in float64: the dim × dim covariance XcᵀXc
 * when there are at least as many rows as columns, else the n × n Gram matrix XcXcᵀ, which has the
 * same non-zero eigenvalues at a fraction of the cost. Each entry is a dot product of two rows of a
 * copy (transposed, for the covariance), so the 4 × 4 kernel does the work.
 */
export function secondMoments(z: Embeddings, n: number, dim: number): { matrix: Float64Array; size: number; meanSquaredNorm: number } {
  const mean = new Float64Array(dim);
  let squared = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) {
      const v = z[i * dim + j]!;
      if (!Number.isFinite(v)) throw new Error(`effectiveRank z has a non-finite value (${v}) at row ${i}, column ${j}`);
      mean[j]! += v;
      squared += v * v;
    }
  }
  for (let j = 0; j < dim; j++) mean[j]! /= n;
  const gram = dim > n;
  const size = gram ? n : dim; // rows of the copy, each `length` long
  const length = gram ? dim : n;
  const padded = Math.ceil(size / 4) * 4;
  const copy = new Float64Array(padded * length);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) copy[gram ? i * dim + j : j * n + i] = z[i * dim + j]! - mean[j]!;
  }
  const block = new Float64Array(4 * padded);
  const matrix = new Float64Array(size * size);
  for (let a0 = 0; a0 < padded; a0 += 4) {
    dot4Rows(copy, a0, copy, a0, padded, length, block, padded);
    for (let r = 0; r < 4 && a0 + r < size; r++) {
      const a = a0 + r;
      for (let b = a; b < size; b++) {
        const v = block[r * padded + b - a0]! / n;
        matrix[a * size + b] = v;
        matrix[b * size + a] = v;
      }
    }
  }
  return { matrix, size, meanSquaredNorm: squared / n };
}

/**
 * Eigenvalues of a symmetric dim × dim matrix (row-major; the input is not modified), in
 * descending order.
 */
export function symmetricEigenvalues(matrix: Float64Array, dim: number): Float64Array {
  assertMatrix('symmetricEigenvalues matrix', matrix, dim, dim);
  const a = Float64Array.from(matrix);
  const d = new Float64Array(dim);
  const e = new Float64Array(dim);
  tridiagonalise(a, dim, d, e);
  tridiagonalQl(d, e, dim);
  return d.sort().reverse();
}

/** Householder reduction to tridiagonal form: diagonal into d, sub-diagonal into e[1..]. Destroys a. */
function tridiagonalise(a: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let i = n - 1; i > 0; i--) {
    const l = i - 1;
    const ri = i * n;
    if (l > 0) {
      let scale = 0;
      for (let k = 0; k <= l; k++) scale += Math.abs(a[ri + k]!);
      if (scale === 0) {
        e[i] = a[ri + l]!;
        continue;
      }
      let h = 0;
      for (let k = 0; k <= l; k++) {
        a[ri + k]! /= scale;
        h += a[ri + k]! * a[ri + k]!;
      }
      let f = a[ri + l]!;
      let g = f >= 0 ? -Math.sqrt(h) : Math.sqrt(h);
      e[i] = scale * g;
      h -= f * g;
      a[ri + l] = f - g;
      f = 0;
      for (let j = 0; j <= l; j++) {
        const rj = j * n;
        g = 0;
        for (let k = 0; k <= j; k++) g += a[rj + k]! * a[ri + k]!;
        for (let k = j + 1; k <= l; k++) g += a[k * n + j]! * a[ri + k]!;
        e[j] = g / h;
        f += e[j]! * a[ri + j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j <= l; j++) {
        const rj = j * n;
        f = a[ri + j]!;
        g = e[j] = e[j]! - hh * f;
        for (let k = 0; k <= j; k++) a[rj + k]! -= f * e[k]! + g * a[ri + k]!;
      }
    } else {
      e[i] = a[ri + l]!;
    }
  }
  e[0] = 0;
  for (let i = 0; i < n; i++) d[i] = a[i * n + i]!;
}

/** Implicit QL with Wilkinson shifts on the tridiagonal (d, e); eigenvalues left in d. */
function tridiagonalQl(d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  for (let l = 0; l < n; l++) {
    let iterations = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]!) + Math.abs(d[m + 1]!);
        if (Math.abs(e[m]!) <= Number.EPSILON * dd) break;
      }
      if (m === l) break;
      if (++iterations > 60) throw new Error(`symmetricEigenvalues: QL did not converge for eigenvalue ${l} of ${n}`);
      let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
      let r = Math.hypot(g, 1);
      g = d[m]! - d[l]! + e[l]! / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      for (; i >= l; i--) {
        const f = s * e[i]!;
        const b = c * e[i]!;
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1]! -= p;
          e[m] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1]! - p;
        r = (d[i]! - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
      }
      if (r === 0 && i >= l) continue;
      d[l]! -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
}
