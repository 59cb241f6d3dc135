/**
 * Alignment and uniformity of L2-normalised embeddings (Wang and Isola 2020, "Understanding
 * Contrastive Representation Learning through Alignment and Uniformity on the Hypersphere"):
 *
 *     alignment  = E over positive pairs (x, y) of ‖f(x) − f(y)‖^α          (lower is better; in [0, 2^α])
 *     uniformity = log E over distinct pairs (x, y) of exp(−t ‖f(x) − f(y)‖²)  (lower is better; in [−4t, 0])
 *
 * Rows of norm zero stay zero after normalisation (they are then at distance 1 from every unit row).
 */
import { Rng } from '../ssl/random';
import { assertMatrix, assertPositive, assertPositiveInteger, normalisedRows, type Embeddings } from './checks';
import { dot4Rows } from './kernels';

export interface UniformityOptions {
  /**
   * At most this many points enter the all-pairs average. With more rows, a seeded sample of this
   * many distinct rows is used (all of its pairs): 2,000 points are 1,999,000 pairs, about 0.3 s at
   * dim 128, and the estimate's sampling error is then far below the differences that matter
   * between training runs. Default 2000.
   */
  maxPoints?: number;
  /** Seed of that sample (sfc32 `Rng`). Default 0. */
  seed?: number;
}

/** Mean of ‖z1ᵢ − z2ᵢ‖^α over the n row pairs, after L2-normalising every row. */
export function alignment(z1: Embeddings, z2: Embeddings, n: number, dim: number, alpha = 2): number {
  assertMatrix('alignment z1', z1, n, dim);
  assertMatrix('alignment z2', z2, n, dim);
  assertPositiveInteger('alignment n', n);
  assertPositive('alignment alpha', alpha);
  const a = normalisedRows('alignment z1', z1, n, dim);
  const b = normalisedRows('alignment z2', z2, n, dim);
  let total = 0;
  for (let i = 0; i < n; i++) {
    let sq = 0;
    for (let j = i * dim; j < (i + 1) * dim; j++) {
      const d = a[j]! - b[j]!;
      sq += d * d;
    }
    total += alpha === 2 ? sq : Math.pow(sq, alpha / 2);
  }
  return total / n;
}

/**
 * log of the mean of exp(−t ‖zᵢ − zⱼ‖²) over all pairs i < j of L2-normalised rows, or over the
 * pairs of a seeded sample of `maxPoints` rows when n is larger (see `UniformityOptions`). The mean
 * is accumulated as a running log-sum-exp, so large t cannot underflow.
 */
export function uniformity(z: Embeddings, n: number, dim: number, t = 2, options: UniformityOptions = {}): number {
  assertMatrix('uniformity z', z, n, dim);
  if (n < 2) throw new Error(`uniformity needs at least 2 rows, got ${n}`);
  assertPositive('uniformity t', t);
  const maxPoints = options.maxPoints ?? 2000;
  assertPositiveInteger('uniformity maxPoints', maxPoints);
  if (maxPoints < 2) throw new Error(`uniformity maxPoints must be at least 2, got ${maxPoints}`);

  let points = z;
  let m = n;
  if (n > maxPoints) {
    // Partial Fisher–Yates: the first maxPoints entries of a seeded permutation.
    const rng = new Rng(options.seed ?? 0);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = 0; i < maxPoints; i++) {
      const j = i + rng.int(n - i);
      const tmp = order[i]!;
      order[i] = order[j]!;
      order[j] = tmp;
    }
    const chosen = order.subarray(0, maxPoints).sort();
    const sample = new Float64Array(maxPoints * dim);
    for (let i = 0; i < maxPoints; i++) sample.set(z.subarray(chosen[i]! * dim, (chosen[i]! + 1) * dim), i * dim);
    points = sample;
    m = maxPoints;
  }

  const x = normalisedRows('uniformity z', points, m, dim, 4);
  const rows = x.length / dim;
  const squaredNorm = new Float64Array(rows);
  for (let i = 0; i < m; i++) {
    let sq = 0;
    for (let j = i * dim; j < (i + 1) * dim; j++) sq += x[j]! * x[j]!;
    squaredNorm[i] = sq;
  }
  const block = new Float64Array(4 * rows);
  let logMax = -Infinity; // running log-sum-exp: Σ exp(vᵢ) = exp(logMax) · sum
  let sum = 0;
  for (let a0 = 0; a0 < rows; a0 += 4) {
    // Only the blocks on and right of the diagonal: pairs i < j.
    dot4Rows(x, a0, x, a0, rows, dim, block, rows);
    for (let r = 0; r < 4; r++) {
      const i = a0 + r;
      if (i >= m) break;
      const row = r * rows - a0;
      for (let j = i + 1; j < m; j++) {
        const distance = Math.max(0, squaredNorm[i]! + squaredNorm[j]! - 2 * block[row + j]!);
        const v = -t * distance;
        if (v > logMax) {
          sum = sum * Math.exp(logMax - v) + 1;
          logMax = v;
        } else {
          sum += Math.exp(v - logMax);
        }
      }
    }
  }
  const pairs = (m * (m - 1)) / 2;
  return logMax + Math.log(sum) - Math.log(pairs);
}
