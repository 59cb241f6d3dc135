/**
 * UMAP's fuzzy simplicial set (McInnes, Healy and Melville 2018, §3.1 and Algorithm 1–3): from each
 * point's k nearest neighbours, a membership strength per directed edge, then the fuzzy union
 * A + Aᵀ − A∘Aᵀ, as umap-learn 0.5's `fuzzy_simplicial_set` computes it (`smooth_knn_dist` with
 * local connectivity 1 and bandwidth 1, `compute_membership_strengths`, set_op_mix_ratio 1).
 * Everything is typed arrays: the graph of 60,000 points with 15 neighbours is about 1.3 million
 * edges, which umap-js keeps in string-keyed Maps.
 */

/** Each point's neighbours, nearest first, the point itself excluded: row i is [i·k, (i+1)·k). */
export interface KnnGraph {
  n: number;
  /** Neighbours per row. */
  k: number;
  /** [n × k] */
  indices: Int32Array;
  /** [n × k] euclidean distances, ascending in each row. */
  distances: Float32Array;
}

/** The symmetric fuzzy graph as edges in row-major order (head ascending, then tail), both directions listed. */
export interface FuzzyGraph {
  n: number;
  heads: Int32Array;
  tails: Int32Array;
  weights: Float32Array;
}

const SMOOTH_K_TOLERANCE = 1e-5;
const MIN_K_DIST_SCALE = 1e-3;
const SMOOTH_K_ITERATIONS = 64;

/**
 * Per point, ρ (the distance to its nearest neighbour at a positive distance) and σ such that
 * Σ_j exp(−(d_j − ρ)/σ) over its neighbours equals log2(k + 1) (umap-learn's `smooth_knn_dist`,
 * whose rows hold the point itself first, so its k + 1 columns are our k plus one).
 */
export function smoothKnnDistances(knn: KnnGraph): { sigmas: Float64Array; rhos: Float64Array } {
  const { n, k, distances } = knn;
  const target = Math.log2(k + 1);
  const sigmas = new Float64Array(n);
  const rhos = new Float64Array(n);
  let meanAll = 0;
  for (let i = 0; i < distances.length; i++) meanAll += distances[i]!;
  // umap-learn's mean runs over the self column (zeros) too.
  meanAll /= n * (k + 1);
  for (let i = 0; i < n; i++) {
    const row = i * k;
    let rho = 0;
    let rowMean = 0;
    for (let j = 0; j < k; j++) {
      const d = distances[row + j]!;
      rowMean += d;
      if (rho === 0 && d > 0) rho = d;
    }
    rowMean /= k + 1;
    let lo = 0;
    let hi = Infinity;
    let mid = 1;
    for (let iteration = 0; iteration < SMOOTH_K_ITERATIONS; iteration++) {
      let sum = 0;
      for (let j = 0; j < k; j++) {
        const d = distances[row + j]! - rho;
        sum += d > 0 ? Math.exp(-(d / mid)) : 1;
      }
      if (Math.abs(sum - target) < SMOOTH_K_TOLERANCE) break;
      if (sum > target) {
        hi = mid;
        mid = (lo + hi) / 2;
      } else {
        lo = mid;
        mid = hi === Infinity ? mid * 2 : (lo + hi) / 2;
      }
    }
    const floor = MIN_K_DIST_SCALE * (rho > 0 ? rowMean : meanAll);
    sigmas[i] = mid < floor ? floor : mid;
    rhos[i] = rho;
  }
  return { sigmas, rhos };
}

/** The fuzzy union of the directed membership strengths, as symmetric row-major edges. */
export function fuzzySimplicialSet(knn: KnnGraph): FuzzyGraph {
  const { n, k, indices, distances } = knn;
  const { sigmas, rhos } = smoothKnnDistances(knn);

  // A in compressed rows, each row's columns ascending (k is small: insertion sort).
  const cols = new Int32Array(n * k);
  const vals = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const row = i * k;
    for (let j = 0; j < k; j++) {
      const d = distances[row + j]! - rhos[i]!;
      const w = d <= 0 || sigmas[i] === 0 ? 1 : Math.exp(-(d / sigmas[i]!));
      const c = indices[row + j]!;
      let p = row + j;
      while (p > row && cols[p - 1]! > c) {
        cols[p] = cols[p - 1]!;
        vals[p] = vals[p - 1]!;
        p--;
      }
      cols[p] = c;
      vals[p] = w;
    }
  }

  // Aᵀ by counting sort on the column; visiting rows in order leaves each transposed row ascending.
  const tStart = new Int32Array(n + 1);
  for (let p = 0; p < cols.length; p++) tStart[cols[p]! + 1]!++;
  for (let i = 0; i < n; i++) tStart[i + 1]! += tStart[i]!;
  const tFill = tStart.slice(0, n);
  const tCols = new Int32Array(n * k);
  const tVals = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let p = i * k; p < (i + 1) * k; p++) {
      const q = tFill[cols[p]!]!++;
      tCols[q] = i;
      tVals[q] = vals[p]!;
    }
  }

  // Merge each row of A with the same row of Aᵀ: w = a + b − a·b where both hold the edge.
  const capacity = 2 * n * k;
  const heads = new Int32Array(capacity);
  const tails = new Int32Array(capacity);
  const weights = new Float32Array(capacity);
  let e = 0;
  for (let i = 0; i < n; i++) {
    let p = i * k;
    const pEnd = p + k;
    let q = tStart[i]!;
    const qEnd = tStart[i + 1]!;
    while (p < pEnd || q < qEnd) {
      const cp = p < pEnd ? cols[p]! : n;
      const cq = q < qEnd ? tCols[q]! : n;
      let w: number;
      let c: number;
      if (cp === cq) {
        w = vals[p]! + tVals[q]! - vals[p]! * tVals[q]!;
        c = cp;
        p++;
        q++;
      } else if (cp < cq) {
        w = vals[p]!;
        c = cp;
        p++;
      } else {
        w = tVals[q]!;
        c = cq;
        q++;
      }
      if (w > 0 && c !== i) {
        heads[e] = i;
        tails[e] = c;
        weights[e] = w;
        e++;
      }
    }
  }
  return { n, heads: heads.slice(0, e), tails: tails.slice(0, e), weights: weights.slice(0, e) };
}
