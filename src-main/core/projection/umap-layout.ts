/**
 * UMAP's layout optimisation (McInnes, Healy and Melville 2018, §3.2 and Appendix C): stochastic
 * gradient descent on the fuzzy cross-entropy, each edge sampled in proportion to its weight and
 * pulled together, with `negativeSampleRate` random points pushed away per sample. This follows
 * umap-learn 0.5's `optimize_layout_euclidean` (the per-edge sampling schedule, the gradient clip
 * at 4, the linearly decaying learning rate, the 0.001 in the repulsion), so maps match
 * umap-learn's in quality; it differs in applying a sample's repulsions together (see `runEpoch`)
 * and in reading a·d^2b + 1 from a table (see TABLE_STEPS_PER_UNIT).
 *
 * Written here rather than through umap-js, whose optimiser keeps the embedding as arrays of number
 * arrays, the graph in string-keyed Maps and allocates per epoch (60,000 points took about 2.5 min
 * and 4 GB there). Here all state lives in typed arrays allocated once, an epoch allocates
 * nothing, and the embedding is 2-D so the inner loops are written out for two coordinates.
 */
import { Rng } from '../ssl/random';
import type { FuzzyGraph } from './fuzzy-graph';

export interface LayoutOptions {
  /** Optimisation epochs (umap-learn: 500 up to 10,000 points, 200 above). */
  epochs: number;
  /** UMAP's min_dist: how tightly points pack on the map. */
  minDist: number;
  /** Repulsive samples per positive sample (umap-learn's default 5). */
  negativeSampleRate?: number;
  /** Seeds the negative sampling. */
  seed: number;
}

/**
 * The repulsive samples, five per positive one, need a·d^2b + 1 at random pairs; Math.pow is most
 * of their cost, so it is read from a table over the distance d instead, linearly interpolated at
 * 1/256 spacing up to d = 64 (map coordinates span about 30), and computed beyond. Measured over
 * min_dist 0–1: relative error under 6e-5, under 2e-5 beyond d = 0.05. The attractive samples,
 * which need d^2b / d² = (table − 1) / (a·d²), read it from d = 0.25 on (relative error under 5e-5
 * at min_dist 0.1, 4e-4 at min_dist 1) and compute it below, where dividing by a small d² would
 * magnify the table's error.
 */
const TABLE_STEPS_PER_UNIT = 256;
const TABLE_RADIUS = 64;
const ATTRACTIVE_TABLE_FROM = 0.25 * TABLE_STEPS_PER_UNIT;

/** umap-learn's epoch count for n points. */
export function defaultEpochs(n: number): number {
  return n <= 10_000 ? 500 : 200;
}

/**
 * a and b of the map's similarity curve 1 / (1 + a·d^2b), least-squares fitted to the target curve
 * (1 below min_dist, exp(−(d − min_dist)/spread) above) on 300 points of [0, 3·spread], as
 * umap-learn's `find_ab_params` fits with scipy's curve_fit (Levenberg–Marquardt from a = b = 1).
 */
export function findAbParams(minDist: number, spread = 1): { a: number; b: number } {
  const xs = new Float64Array(300);
  const ys = new Float64Array(300);
  for (let i = 0; i < 300; i++) {
    const x = (3 * spread * i) / 299;
    xs[i] = x;
    ys[i] = x < minDist ? 1 : Math.exp(-(x - minDist) / spread);
  }
  const residual = (a: number, b: number): number => {
    let sum = 0;
    for (let i = 0; i < 300; i++) sum += (1 / (1 + a * xs[i]! ** (2 * b)) - ys[i]!) ** 2;
    return sum;
  };
  let a = 1;
  let b = 1;
  let lambda = 1e-3;
  let cost = residual(a, b);
  for (let iteration = 0; iteration < 200; iteration++) {
    // Normal equations JᵀJ·δ = −Jᵀr of the 2-parameter model.
    let jaa = 0;
    let jab = 0;
    let jbb = 0;
    let ga = 0;
    let gb = 0;
    for (let i = 0; i < 300; i++) {
      const x = xs[i]!;
      if (x === 0) continue; // f = 1 whatever a and b are
      const p = x ** (2 * b);
      const f = 1 / (1 + a * p);
      const r = f - ys[i]!;
      const da = -p * f * f;
      const db = -a * p * 2 * Math.log(x) * f * f;
      jaa += da * da;
      jab += da * db;
      jbb += db * db;
      ga += da * r;
      gb += db * r;
    }
    const maa = jaa * (1 + lambda);
    const mbb = jbb * (1 + lambda);
    const det = maa * mbb - jab * jab;
    const stepA = -(mbb * ga - jab * gb) / det;
    const stepB = -(maa * gb - jab * ga) / det;
    const next = residual(a + stepA, b + stepB);
    if (next < cost) {
      const converged = cost - next < 1e-15 * Math.max(1, cost);
      a += stepA;
      b += stepB;
      cost = next;
      lambda /= 10;
      if (converged) break;
    } else {
      lambda *= 10;
      if (lambda > 1e12) break;
    }
  }
  return { a, b };
}

/**
 * The optimiser's state for one fit: the embedding (updated in place) and each edge's schedule.
 * `runEpoch` runs one epoch; the caller loops over epochs to report progress and check for
 * cancellation in between.
 */
export class UmapLayout {
  readonly epochs: number;
  /** [n × 2], updated in place by each epoch. */
  readonly embedding: Float32Array;
  private readonly heads: Int32Array;
  private readonly tails: Int32Array;
  private readonly epochsPerSample: Float64Array;
  private readonly epochOfNextSample: Float64Array;
  private readonly epochsPerNegativeSample: Float64Array;
  private readonly epochOfNextNegativeSample: Float64Array;
  private readonly a: number;
  private readonly b: number;
  private readonly n: number;
  /** a·r^2b + 1 at r = i / TABLE_STEPS_PER_UNIT, for the repulsive samples (see `runEpoch`). */
  private readonly curve: Float64Array;
  private rngState: number;

  /**
   * `graph`'s edges below max weight / epochs are dropped (they would never be sampled), as
   * umap-learn's `simplicial_set_embedding` does; `initial` is the starting [n × 2] layout (copied).
   */
  constructor(graph: FuzzyGraph, initial: Float32Array, options: LayoutOptions) {
    this.n = graph.n;
    this.epochs = options.epochs;
    this.embedding = Float32Array.from(initial);
    ({ a: this.a, b: this.b } = findAbParams(options.minDist));
    let maxWeight = 0;
    for (let e = 0; e < graph.weights.length; e++) if (graph.weights[e]! > maxWeight) maxWeight = graph.weights[e]!;
    const threshold = maxWeight / options.epochs;
    let kept = 0;
    for (let e = 0; e < graph.weights.length; e++) if (graph.weights[e]! >= threshold) kept++;
    this.heads = new Int32Array(kept);
    this.tails = new Int32Array(kept);
    this.epochsPerSample = new Float64Array(kept);
    const negativeRate = options.negativeSampleRate ?? 5;
    for (let e = 0, o = 0; e < graph.weights.length; e++) {
      const w = graph.weights[e]!;
      if (w < threshold) continue;
      this.heads[o] = graph.heads[e]!;
      this.tails[o] = graph.tails[e]!;
      this.epochsPerSample[o] = maxWeight / w;
      o++;
    }
    this.epochOfNextSample = Float64Array.from(this.epochsPerSample);
    this.epochsPerNegativeSample = this.epochsPerSample.map((x) => x / negativeRate);
    this.epochOfNextNegativeSample = Float64Array.from(this.epochsPerNegativeSample);
    this.curve = new Float64Array(TABLE_RADIUS * TABLE_STEPS_PER_UNIT + 2);
    for (let i = 0; i < this.curve.length; i++) this.curve[i] = this.a * Math.pow(i / TABLE_STEPS_PER_UNIT, 2 * this.b) + 1;
    // xorshift32 (Marsaglia 2003) for the negative samples, inlined in the loop; its state must not be 0.
    this.rngState = new Rng(options.seed).nextUint32() | 1;
  }

  /** Edges sampled by the optimiser (the graph's, less those too weak to be sampled). */
  get edges(): number {
    return this.heads.length;
  }

  /** One epoch (0-based `epoch`) of umap-learn's `optimize_layout_euclidean` inner loop. */
  runEpoch(epoch: number): void {
    const { heads, tails, epochsPerSample, epochOfNextSample, epochsPerNegativeSample, epochOfNextNegativeSample, embedding: y, a, b } = this;
    const alpha = 1 - epoch / this.epochs;
    const twoAB = 2 * a * b;
    const repulsion = 2 * b; // 2·γ·b with γ = 1
    // x·toIndex maps a 32-bit unsigned draw to 0..n−1 without a division.
    const toIndex = this.n / 4294967296;
    const curve = this.curve;
    const curveEnd = TABLE_RADIUS * TABLE_STEPS_PER_UNIT;
    let state = this.rngState;
    const edges = heads.length;
    for (let e = 0; e < edges; e++) {
      if (epochOfNextSample[e]! > epoch) continue;
      const j = heads[e]! * 2;
      const k = tails[e]! * 2;
      let cx = y[j]!;
      let cy = y[j + 1]!;
      let dx = cx - y[k]!;
      let dy = cy - y[k + 1]!;
      let d2 = dx * dx + dy * dy;
      if (d2 > 0) {
        // −2ab·d^(2(b−1)) / (a·d^2b + 1), with d^(2(b−1)) = d^2b / d² = (h − 1) / (a·d²).
        const r = Math.sqrt(d2) * TABLE_STEPS_PER_UNIT;
        let h: number;
        if (r >= ATTRACTIVE_TABLE_FROM && r < curveEnd) {
          const i = r | 0;
          h = curve[i]! + (r - i) * (curve[i + 1]! - curve[i]!);
        } else {
          h = a * Math.pow(d2, b) + 1;
        }
        const coeff = (-twoAB * (h - 1)) / (a * d2 * h);
        let gx = coeff * dx;
        let gy = coeff * dy;
        gx = gx > 4 ? 4 : gx < -4 ? -4 : gx;
        gy = gy > 4 ? 4 : gy < -4 ? -4 : gy;
        cx += gx * alpha;
        cy += gy * alpha;
        y[k] = y[k]! - gx * alpha;
        y[k + 1] = y[k + 1]! - gy * alpha;
      }
      epochOfNextSample[e] = epochOfNextSample[e]! + epochsPerSample[e]!;

      const perNegative = epochsPerNegativeSample[e]!;
      const negatives = Math.trunc((epoch - epochOfNextNegativeSample[e]!) / perNegative);
      // The repulsions of one sample are all taken at the point's position after its attraction
      // and applied together, where umap-learn moves the point after each: a step of at most
      // 4·alpha per repulsion either way, but five independent computations instead of a chain in
      // which each waits for the last (a square root, a division), which is most of their time.
      let sumX = 0;
      let sumY = 0;
      for (let p = 0; p < negatives; p++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        const m = ((state >>> 0) * toIndex) << 1;
        if (m === j) continue;
        dx = cx - y[m]!;
        dy = cy - y[m + 1]!;
        d2 = dx * dx + dy * dy;
        if (d2 > 0) {
          const r = Math.sqrt(d2) * TABLE_STEPS_PER_UNIT;
          let h: number;
          if (r < curveEnd) {
            const i = r | 0;
            h = curve[i]! + (r - i) * (curve[i + 1]! - curve[i]!);
          } else {
            h = a * Math.pow(d2, b) + 1;
          }
          const coeff = repulsion / ((0.001 + d2) * h);
          const gx = coeff * dx;
          const gy = coeff * dy;
          sumX += gx > 4 ? 4 : gx < -4 ? -4 : gx;
          sumY += gy > 4 ? 4 : gy < -4 ? -4 : gy;
        } else {
          // A point exactly on another is pushed off it by the clip value, as umap-learn does.
          sumX += 4;
          sumY += 4;
        }
      }
      cx += sumX * alpha;
      cy += sumY * alpha;
      epochOfNextNegativeSample[e] = epochOfNextNegativeSample[e]! + negatives * perNegative;
      y[j] = cx;
      y[j + 1] = cy;
    }
    this.rngState = state;
  }
}
