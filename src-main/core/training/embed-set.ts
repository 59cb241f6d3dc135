/**
 * Embeds another dataset with a trained run: the run's stored method, parameters and input spec,
 * its latest checkpoint, and the same extraction path as the run's own items. The vectors are stored
 * as a vector set of the run; items that cannot be read are listed with the reason, never fatal.
 */
import type { EmbedProgress } from '../../contract';
import { dataFor } from '../data';
import { initBackend } from '../engine/backend';
import type { StorageLayout } from '../paths';
import { createMethod, getMethod } from '../ssl/methods';
import type { Db } from '../storage/db';
import { RunsRepository } from '../storage/repositories/runs';
import { VectorSetsRepository } from '../storage/repositories/vector-sets';
import { loadCheckpoint } from './checkpoint';
import { embedItems } from './extract';
import { runConfigOf, runParamsOf } from './params';

export interface EmbedSetHooks {
  signal?: AbortSignal;
  onProgress?: (progress: EmbedProgress) => void;
}

export class EmbedCancelled extends Error {
  constructor() {
    super('Embedding cancelled; the vectors written so far were removed.');
    this.name = 'EmbedCancelled';
  }
}

export async function embedSet(db: Db, layout: StorageLayout, setId: number, hooks: EmbedSetHooks = {}): Promise<void> {
  const sets = new VectorSetsRepository(db);
  const set = sets.get(setId);
  if (!set) throw new Error(`No vector set ${setId}`);
  const runs = new RunsRepository(db);
  const run = runs.get(set.runId);
  if (!run) throw new Error(`No run ${set.runId}`);
  let last = 0;
  const progress = (phase: EmbedProgress['phase'], done: number, total: number, message: string | null = null, force = false): void => {
    const now = performance.now();
    if (!force && now - last < 100) return;
    last = now;
    hooks.onProgress?.({ runId: run.id, setId, phase, done, total, message });
  };
  try {
    const config = runConfigOf(run.config);
    const spec = config.inputSpec;
    if (!spec) throw new Error(`Run #${run.id} has not trained yet, so it has no encoder to embed with`);
    const checkpoint = runs.latestCheckpoint(run.id);
    if (!checkpoint) throw new Error(`Run #${run.id} has no checkpoint to embed with`);
    const params = runParamsOf(config);
    await initBackend(config.backend, { threads: typeof params.threads === 'number' && params.threads > 0 ? params.threads : undefined });
    progress('preparing', 0, 0, 'Decoding', true);
    const module = dataFor(spec.modality);
    const data = await module.load(db, set.datasetId, spec, {
      cacheDir: layout.cacheDir,
      signal: hooks.signal,
      onProgress: (done, total) => progress('preparing', done, total),
    });
    const method = createMethod(getMethod(config.method), { spec, params, seed: typeof params.seed === 'number' ? params.seed : run.seed });
    try {
      loadCheckpoint(layout.resolveStored(checkpoint.path), method.stateVariables());
      const n = data.itemIds.length;
      const dim = method.embeddingDim;
      await embedItems(method, module, data, null, {
        check: () => {
          if (hooks.signal?.aborted) throw new EmbedCancelled();
        },
        onBatch: (start, count, values) => {
          sets.addVectors(setId, Array.from({ length: count }, (_, i) => ({ itemId: data.itemIds[start + i]!, vector: values.slice(i * dim, (i + 1) * dim) })));
          progress('embedding', start + count, n);
        },
      });
      sets.finish(setId, 'completed', data.failures);
      progress('completed', n, n, null, true);
    } finally {
      method.dispose();
    }
  } catch (error) {
    const cancelled = error instanceof EmbedCancelled || hooks.signal?.aborted === true;
    const message = cancelled ? new EmbedCancelled().message : (error as Error).message;
    sets.finish(setId, cancelled ? 'cancelled' : 'failed', [], message);
    progress(cancelled ? 'cancelled' : 'failed', 0, 0, message, true);
    throw cancelled ? new EmbedCancelled() : error;
  }
}
