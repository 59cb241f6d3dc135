/**
 * UMAP (McInnes, Healy and Melville 2018) through umap-js, on Float32Array embeddings.
 *
 * umap-js works on arrays of number arrays and its sparse matrices are Maps keyed by strings, so
 * its time and memory grow fast: measured on this project's 2-core bench machine, 30,000 points
 * take under a minute and 60,000 about two and a half minutes and 4 GB. Above FIT_LIMIT points we
 * therefore fit on a seeded sample and place the rest with umap-js's `transform`, in batches, and
 * the caller reports the sample size (`fittedOn`) so the UI can say so.
 *
 * Everything random goes through one seeded generator handed to umap-js (`random`), so the same
 * seed and data give the same coordinates. Embeddings wider than PCA_DIM are first reduced with
 * PCA, as umap-learn recommends; rows are converted to number arrays only when umap-js needs them.
 */
import { UMAP } from 'umap-js';
import { Rng } from '../ssl/random';
import { fitPca, projectPca, type PcaModel } from './pca';

export interface UmapSettings {
  neighbors: number;
  minDist: number;
  seed: number;
  /** Fit on a sample above this many points (default FIT_LIMIT; tests lower it). */
  fitLimit?: number;
}

export type UmapPhase = 'pca' | 'fitting' | 'placing';

export interface UmapHooks {
  /** Called often (every epoch, every few thousand distances); throttling is the caller's. */
  onProgress?: (phase: UmapPhase, done: number, total: number, message: string | null) => void;
  /** Throws to stop (cancellation); called between epochs and inside umap-js's distance function. */
  check?: () => void;
  /** Lets other work run (e.g. a cancel message) between epochs. */
  yieldNow?: () => Promise<void>;
}

export interface UmapResult {
  /** [n × 2] */
  coords: Float32Array;
  /** Points UMAP was fitted on when it was fitted on a sample; null when on all. */
  fittedOn: number | null;
  /** PCA components the data was reduced to first; null when it was not. */
  pcaComponents: number | null;
}

/** Points fitted directly; above this, a seeded sample of this size is fitted and the rest placed. */
export const FIT_LIMIT = 50_000;
/** Width above which the embedding is reduced with PCA first. */
export const PCA_DIM = 50;
/**
 * Points placed per `transform` call. umap-js runs 100 optimisation epochs for batches up to 10,000
 * rows (30 above); 5,000 keeps each call's sparse matrices small and its cancel checks frequent.
 */
const TRANSFORM_BATCH = 5_000;
const DISTANCE_CHECK_EVERY = 1 << 14;

export async function runUmap(data: Float32Array, n: number, dim: number, settings: UmapSettings, hooks: UmapHooks = {}): Promise<UmapResult> {
  if (n < 3) throw new Error(`UMAP needs at least 3 points, this run has ${n}`);
  const check = hooks.check ?? (() => {});
  const progress = hooks.onProgress ?? (() => {});
  const rng = new Rng(settings.seed);
  const random = (): number => rng.next();
  const neighbors = Math.min(settings.neighbors, n - 1);

  let pca: PcaModel | null = null;
  if (dim > PCA_DIM) {
    // Fewer points than PCA_DIM span fewer directions: keep one component per point at most.
    const components = pcaComponentsFor(n, dim);
    progress('pca', 0, 1, `Reducing ${dim} dimensions to ${components} with PCA`);
    pca = fitPca(data, n, dim, components, { seed: settings.seed, check });
    progress('pca', 1, 1, null);
  }
  const width = pca ? pca.k : dim;
  const rowsOf = (indices: ArrayLike<number>): number[][] => {
    const out: number[][] = new Array(indices.length);
    const scratch = new Float32Array(width);
    for (let r = 0; r < indices.length; r++) {
      const row = data.subarray(indices[r]! * dim, (indices[r]! + 1) * dim);
      out[r] = Array.from(pca ? projectPca(row, 1, pca, scratch) : row);
    }
    return out;
  };

  // The fit sample: every point, or a seeded sample in index order (so neighbouring rows stay close in memory).
  const fitLimit = settings.fitLimit ?? FIT_LIMIT;
  const fitted = n > fitLimit ? sampleIndices(n, fitLimit, rng) : null;
  const fitIndices = fitted ?? identityIndices(n);

  let distances = 0;
  let phase: UmapPhase = 'fitting';
  let phaseDone = 0;
  let phaseTotal = 0;
  let message: string | null = null;
  const distanceFn = (x: number[], y: number[]): number => {
    if (++distances % DISTANCE_CHECK_EVERY === 0) {
      check();
      progress(phase, phaseDone, phaseTotal, message);
    }
    let sum = 0;
    for (let i = 0; i < x.length; i++) {
      const d = x[i]! - y[i]!;
      sum += d * d;
    }
    return Math.sqrt(sum);
  };

  const umap = new UMAP({ nNeighbors: neighbors, minDist: settings.minDist, nComponents: 2, random, distanceFn });
  message = `Finding the ${neighbors} nearest neighbours of ${fitIndices.length.toLocaleString('en')} points`;
  progress(phase, 0, 0, message);
  const epochs = umap.initializeFit(rowsOf(fitIndices));
  message = null;
  phaseTotal = epochs;
  for (let epoch = 0; epoch < epochs; epoch++) {
    check();
    umap.step();
    phaseDone = epoch + 1;
    progress(phase, phaseDone, epochs, null);
    await hooks.yieldNow?.();
  }

  const coords = new Float32Array(n * 2);
  const embedding = umap.getEmbedding();
  for (let r = 0; r < fitIndices.length; r++) {
    coords[fitIndices[r]! * 2] = embedding[r]![0]!;
    coords[fitIndices[r]! * 2 + 1] = embedding[r]![1]!;
  }

  if (fitted) {
    const rest = complement(n, fitted);
    phase = 'placing';
    phaseDone = 0;
    phaseTotal = rest.length;
    message = `Placing ${rest.length.toLocaleString('en')} more points on the map fitted on ${fitted.length.toLocaleString('en')}`;
    progress(phase, 0, rest.length, message);
    for (let start = 0; start < rest.length; ) {
      // umap-js's transform moves the fitted points too when a batch is exactly as long as the fit
      // sample (it compares lengths to decide); one row less keeps the fitted map fixed.
      let end = Math.min(rest.length, start + TRANSFORM_BATCH);
      if (end - start === fitted.length) end--;
      const batch = rest.subarray(start, end);
      const placed = umap.transform(rowsOf(batch));
      for (let r = 0; r < batch.length; r++) {
        coords[batch[r]! * 2] = placed[r]![0]!;
        coords[batch[r]! * 2 + 1] = placed[r]![1]!;
      }
      start = end;
      phaseDone = start;
      progress(phase, start, rest.length, message);
      check();
      await hooks.yieldNow?.();
    }
  }
  return { coords, fittedOn: fitted ? fitted.length : null, pcaComponents: pca ? pca.k : null };
}

/** The PCA components UMAP's input is reduced to: PCA_DIM, or fewer when there are fewer points or dimensions. */
export function pcaComponentsFor(n: number, dim: number): number {
  return Math.min(PCA_DIM, n, dim);
}

/** `count` distinct indices of 0..n−1 drawn with the generator (partial Fisher–Yates), ascending. */
export function sampleIndices(n: number, count: number, rng: Rng): Int32Array {
  const all = identityIndices(n);
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(n - i);
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.slice(0, count).sort();
}

function identityIndices(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** Indices of 0..n−1 not in the ascending `taken`. */
function complement(n: number, taken: Int32Array): Int32Array {
  const out = new Int32Array(n - taken.length);
  let t = 0;
  let o = 0;
  for (let i = 0; i < n; i++) {
    if (t < taken.length && taken[t] === i) t++;
    else out[o++] = i;
  }
  return out;
}
