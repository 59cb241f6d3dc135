/**
 * k-means on the map's 2-D coordinates, for "colour by cluster". Lloyd's algorithm (Lloyd 1982) after
 * k-means++ seeding (Arthur & Vassilvitskii 2007) drawn from a seeded generator, so the same points,
 * k and seed always give the same clusters. Runs in the points worker; pure, tested in test/renderer.
 */

/** Mulberry32: a small, fast 32-bit generator; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface KMeansOptions {
  seed?: number;
  /** Lloyd iterations at most (default 30); stops earlier when no point changes cluster. */
  maxIterations?: number;
  /** Points the seeding looks at (default 20,000): k-means++ is O(n·k) per centre. */
  seedingSample?: number;
}

export interface KMeansResult {
  /** Cluster of each point, 0 = the largest cluster. */
  assignments: Int32Array; // [n]
  centroids: Float64Array; // [k * 2]
  sizes: Int32Array; // [k]
  iterations: number;
}

export const MAX_CLUSTERS = 40;

export function kmeans2d(x: Float32Array, y: Float32Array, k: number, options: KMeansOptions = {}): KMeansResult {
  const n = x.length;
  if (y.length !== n) throw new Error(`expected x and y of the same length, got ${n} and ${y.length}`);
  if (!Number.isInteger(k) || k < 1 || k > MAX_CLUSTERS) throw new Error(`expected 1 ≤ k ≤ ${MAX_CLUSTERS}, got ${k}`);
  const clusters = Math.min(k, Math.max(1, n));
  const random = mulberry32(options.seed ?? 1);
  const maxIterations = options.maxIterations ?? 30;
  const centroids = seedCentroids(x, y, clusters, random, options.seedingSample ?? 20_000);
  const assignments = new Int32Array(n);
  const sums = new Float64Array(clusters * 2);
  const counts = new Int32Array(clusters);
  let iterations = 0;
  for (let iter = 0; iter < maxIterations; iter++) {
    iterations = iter + 1;
    let changed = 0;
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const px = x[i]!;
      const py = y[i]!;
      let best = 0;
      let bestDist = Infinity;
      for (let c = 0; c < clusters; c++) {
        const dx = px - centroids[2 * c]!;
        const dy = py - centroids[2 * c + 1]!;
        const d = dx * dx + dy * dy;
        if (d < bestDist) {
          bestDist = d;
          best = c;
        }
      }
      if (iter === 0 || assignments[i] !== best) changed++;
      assignments[i] = best;
      sums[2 * best] = sums[2 * best]! + px;
      sums[2 * best + 1] = sums[2 * best + 1]! + py;
      counts[best] = counts[best]! + 1;
    }
    // An empty cluster keeps its centre: deterministic, and rare after k-means++ seeding.
    for (let c = 0; c < clusters; c++) {
      if (counts[c]! === 0) continue;
      centroids[2 * c] = sums[2 * c]! / counts[c]!;
      centroids[2 * c + 1] = sums[2 * c + 1]! / counts[c]!;
    }
    if (changed === 0) break;
  }
  return relabelBySize(assignments, centroids, counts, clusters, iterations);
}

/** k-means++ on an evenly strided sample: each next centre is drawn with probability ∝ D². */
function seedCentroids(x: Float32Array, y: Float32Array, k: number, random: () => number, sampleSize: number): Float64Array {
  const n = x.length;
  const centroids = new Float64Array(k * 2);
  if (n === 0) return centroids;
  const stride = Math.max(1, Math.floor(n / Math.max(1, sampleSize)));
  const sample: number[] = [];
  for (let i = 0; i < n; i += stride) sample.push(i);
  const d2 = new Float64Array(sample.length).fill(Infinity);
  let chosen = sample[Math.floor(random() * sample.length)]!;
  for (let c = 0; c < k; c++) {
    if (c > 0) {
      let total = 0;
      for (let s = 0; s < sample.length; s++) total += d2[s]!;
      if (total === 0) {
        chosen = sample[Math.floor(random() * sample.length)]!;
      } else {
        let target = random() * total;
        let s = 0;
        for (; s < sample.length - 1; s++) {
          target -= d2[s]!;
          if (target <= 0) break;
        }
        chosen = sample[s]!;
      }
    }
    const cx = x[chosen]!;
    const cy = y[chosen]!;
    centroids[2 * c] = cx;
    centroids[2 * c + 1] = cy;
    for (let s = 0; s < sample.length; s++) {
      const dx = x[sample[s]!]! - cx;
      const dy = y[sample[s]!]! - cy;
      const d = dx * dx + dy * dy;
      if (d < d2[s]!) d2[s] = d;
    }
  }
  return centroids;
}

/** Renumbers clusters by size (largest first, ties by centre), so the legend reads the same each time. */
function relabelBySize(assignments: Int32Array, centroids: Float64Array, counts: Int32Array, k: number, iterations: number): KMeansResult {
  const rank = Array.from({ length: k }, (_, c) => c).sort(
    (a, b) => counts[b]! - counts[a]! || centroids[2 * a]! - centroids[2 * b]! || centroids[2 * a + 1]! - centroids[2 * b + 1]!,
  );
  const newOf = new Int32Array(k);
  rank.forEach((old, i) => (newOf[old] = i));
  const sizes = new Int32Array(k);
  const sorted = new Float64Array(k * 2);
  for (let i = 0; i < k; i++) {
    const old = rank[i]!;
    sizes[i] = counts[old]!;
    sorted[2 * i] = centroids[2 * old]!;
    sorted[2 * i + 1] = centroids[2 * old + 1]!;
  }
  for (let i = 0; i < assignments.length; i++) assignments[i] = newOf[assignments[i]!]!;
  return { assignments, centroids: sorted, sizes, iterations };
}

/** A sensible default number of clusters: the number of labels when there are several, else 8. */
export function defaultClusterCount(labels: number): number {
  return labels >= 2 ? Math.min(labels, MAX_CLUSTERS) : 8;
}
