/**
 * UMAP (McInnes, Healy and Melville 2018) on Float32Array embeddings, every point fitted.
 *
 * The steps are umap-learn 0.5's, each in its own module: the k-nearest-neighbour graph
 * (./nearest-neighbours: exact for small sets, a usearch HNSW index above), the fuzzy simplicial set
 * (./fuzzy-graph), an initial layout, and the SGD layout optimisation (./umap-layout). umap-js,
 * used before, kept its graph in string-keyed Maps and rows as number arrays: 60,000 points took
 * 2.5 minutes and 4 GB, so larger runs were fitted on a sample. Here everything is typed arrays.
 *
 * The initial layout is the first two principal components of the input, scaled to [0, 10] per
 * axis (as umap-learn does with an `init` array), rather than umap-learn's default spectral layout
 * of the graph: it needs no eigensolver on a graph that may fall apart into components, and it
 * keeps the global arrangement that random starts lose (Kobak and Linderman 2021).
 *
 * Everything random is seeded (the initial jitter and the negative sampling; the HNSW index is
 * built from one thread in index order), so the same seed and data give the same coordinates.
 * Embeddings wider than PCA_DIM are first reduced with PCA, as umap-learn recommends.
 */
import { Rng } from '../ssl/random';
import { fuzzySimplicialSet } from './fuzzy-graph';
import { nearestNeighbours } from './nearest-neighbours';
import { fitPca, projectPca } from './pca';
import { defaultEpochs, UmapLayout } from './umap-layout';

export interface UmapSettings {
  neighbors: number;
  minDist: number;
  seed: number;
  /** Exact neighbours up to this many points, an HNSW index above (default EXACT_LIMIT; tests lower it). */
  exactLimit?: number;
}

export type UmapPhase = 'pca' | 'fitting';

export interface UmapHooks {
  /** Called often (every epoch, every batch of neighbour searches); throttling is the caller's. */
  onProgress?: (phase: UmapPhase, done: number, total: number, message: string | null) => void;
  /** Throws to stop (cancellation); called between epochs and between batches of the neighbour search. */
  check?: () => void;
  /** Lets other work run (e.g. a cancel message) between epochs. */
  yieldNow?: () => Promise<void>;
}

export interface UmapResult {
  /** [n × 2] */
  coords: Float32Array;
  /** Points UMAP was fitted on when it was fitted on a sample; null when on all (always, now). */
  fittedOn: number | null;
  /** PCA components the data was reduced to first; null when it was not. */
  pcaComponents: number | null;
}

/** Width above which the embedding is reduced with PCA first. */
export const PCA_DIM = 50;

export async function runUmap(data: Float32Array, n: number, dim: number, settings: UmapSettings, hooks: UmapHooks = {}): Promise<UmapResult> {
  if (n < 3) throw new Error(`UMAP needs at least 3 points, this run has ${n}`);
  const check = hooks.check ?? (() => {});
  const progress = hooks.onProgress ?? (() => {});
  // umap-learn counts the point itself among its n_neighbors.
  const neighbors = Math.min(settings.neighbors, n - 1);

  let input = data;
  let width = dim;
  let pcaComponents: number | null = null;
  if (dim > PCA_DIM) {
    // Fewer points than PCA_DIM span fewer directions: keep one component per point at most.
    const components = pcaComponentsFor(n, dim);
    progress('pca', 0, 1, `Reducing ${dim} dimensions to ${components} with PCA`);
    const pca = fitPca(data, n, dim, components, { seed: settings.seed, check });
    input = projectPca(data, n, pca, undefined, check);
    width = pcaComponents = pca.k;
    progress('pca', 1, 1, null);
  }

  progress('fitting', 0, 0, `Finding the ${neighbors} nearest neighbours of ${n.toLocaleString('en')} points`);
  const knn = await nearestNeighbours(input, n, width, Math.max(1, neighbors - 1), {
    check,
    yieldNow: hooks.yieldNow,
    onProgress: (done, total) => progress('fitting', done, total, null),
  }, settings.exactLimit);
  check();
  const graph = fuzzySimplicialSet(knn);
  check();
  const initial = pcaLayout(input, n, width, settings.seed, check);
  const layout = new UmapLayout(graph, initial, { epochs: defaultEpochs(n), minDist: settings.minDist, seed: settings.seed });
  progress('fitting', 0, layout.epochs, `Optimising the layout of ${n.toLocaleString('en')} points over ${layout.epochs} epochs`);
  for (let epoch = 0; epoch < layout.epochs; epoch++) {
    check();
    layout.runEpoch(epoch);
    progress('fitting', epoch + 1, layout.epochs, null);
    await hooks.yieldNow?.();
  }
  return { coords: layout.embedding, fittedOn: null, pcaComponents };
}

/** The PCA components UMAP's input is reduced to: PCA_DIM, or fewer when there are fewer points or dimensions. */
export function pcaComponentsFor(n: number, dim: number): number {
  return Math.min(PCA_DIM, n, dim);
}

/**
 * The starting layout: the input's first two principal components, each axis scaled to [0, 10]
 * with a little seeded jitter so that duplicate points start apart (umap-learn's rescaling of an
 * initial layout in `simplicial_set_embedding`). One-dimensional input gets a jittered
 * second axis.
 */
export function pcaLayout(data: Float32Array, n: number, dim: number, seed: number, check?: () => void): Float32Array {
  const model = fitPca(data, n, dim, Math.min(2, dim), { seed, check });
  const projected = projectPca(data, n, model, undefined, check);
  const rng = new Rng(seed);
  const out = new Float32Array(n * 2);
  for (let axis = 0; axis < 2; axis++) {
    let lo = Infinity;
    let hi = -Infinity;
    if (axis < model.k) {
      for (let i = 0; i < n; i++) {
        const v = projected[i * model.k + axis]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    const scale = hi > lo ? 10 / (hi - lo) : 0;
    for (let i = 0; i < n; i++) {
      const v = axis < model.k ? (projected[i * model.k + axis]! - lo) * scale : 5;
      out[i * 2 + axis] = v + 1e-4 * (rng.next() - 0.5);
    }
  }
  return out;
}
