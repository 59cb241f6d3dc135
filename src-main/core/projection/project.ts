/**
 * One projection of a run's embeddings to 2-D, start to finish: load the vectors, reduce them (PCA,
 * or UMAP with its PCA pre-reduction), store the coordinates. Runs in the projection worker, or on
 * the calling thread when the core has no worker folder (tests).
 */
import type { ProjectionPhase, ProjectionProgress, ProjectionSettings } from '../../contract';
import type { Db } from '../storage/db';
import { ProjectionsRepository, type ProjectionRecord } from '../storage/repositories/projections';
import { VectorsRepository } from '../storage/repositories/vectors';
import { fitPca, projectPca } from './pca';
import { runUmap } from './umap';

export interface ProjectionHooks {
  onProgress?: (progress: ProjectionProgress) => void;
  /** True once the user asked to stop; read between steps (UMAP's epochs and neighbour-search batches). */
  isCancelled?: () => boolean;
}

export class ProjectionCancelled extends Error {
  constructor() {
    super('Projection cancelled');
    this.name = 'ProjectionCancelled';
  }
}

const PROGRESS_INTERVAL_MS = 100;

export async function computeProjection(
  db: Db,
  runId: number,
  settings: Required<ProjectionSettings>,
  hooks: ProjectionHooks = {},
): Promise<ProjectionRecord> {
  const started = performance.now();
  let last = 0;
  let phase: ProjectionPhase = 'starting';
  const emit = (next: ProjectionPhase, done: number, total: number, message: string | null, force = false): void => {
    const now = performance.now();
    // Throttled to ~10 Hz, but a phase's first and last report always go out.
    if (!force && next === phase && now - last < PROGRESS_INTERVAL_MS && !(total > 0 && done === total)) return;
    phase = next;
    last = now;
    hooks.onProgress?.({ runId, phase, done, total, message });
  };
  const check = (): void => {
    if (hooks.isCancelled?.()) throw new ProjectionCancelled();
  };
  let lastYield = performance.now();
  const yieldNow = async (): Promise<void> => {
    if (performance.now() - lastYield < PROGRESS_INTERVAL_MS) return;
    await new Promise((r) => setImmediate(r));
    lastYield = performance.now();
  };

  try {
    emit('starting', 0, 0, null, true);
    emit('loading', 0, 0, 'Reading the embeddings', true);
    const { itemIds, vectors, dim } = new VectorsRepository(db).loadMatrix(runId, {
      onProgress: (done, total) => emit('loading', done, total, null),
    });
    const n = itemIds.length;
    check();

    let coords: Float32Array;
    let fittedOn: number | null = null;
    let pcaComponents: number | null = null;
    if (settings.method === 'pca') {
      if (n < 2) throw new Error(`PCA needs at least 2 points, this run has ${n}`);
      emit('pca', 0, 2, `Principal components of ${n.toLocaleString('en')} × ${dim} embeddings`, true);
      const model = fitPca(vectors, n, dim, 2, { seed: settings.seed, check });
      emit('pca', 1, 2, null, true);
      coords = projectPca(vectors, n, model, undefined, check);
      emit('pca', 2, 2, null, true);
    } else {
      const result = await runUmap(
        vectors,
        n,
        dim,
        settings,
        {
          check,
          yieldNow,
          // Phase changes and the first report of a new step (with its message) always go out.
          onProgress: (p, done, total, message) => emit(p, done, total, message, p !== phase || (message !== null && done === 0)),
        },
      );
      ({ coords, fittedOn, pcaComponents } = result);
    }
    check();
    emit('saving', 0, 1, null, true);
    // UMAP cannot use more neighbours than there are other points; the stored settings say what was used.
    const used = settings.method === 'umap' ? { ...settings, neighbors: Math.min(settings.neighbors, n - 1) } : settings;
    const record = new ProjectionsRepository(db).insert({
      runId,
      method: settings.method,
      settings: used,
      itemIds,
      coords,
      fittedOn,
      pcaComponents,
      seconds: (performance.now() - started) / 1000,
    });
    emit('done', 1, 1, null, true);
    return record;
  } catch (error) {
    const cancelled = error instanceof ProjectionCancelled;
    emit(cancelled ? 'cancelled' : 'failed', 0, 0, (error as Error).message, true);
    throw error;
  }
}
