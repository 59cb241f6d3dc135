import { Worker } from 'node:worker_threads';
import type { ProjectionProgress, ProjectionSettings } from '../../contract';
import type { ProjectionRecord } from '../storage/repositories/projections';

export type ProjectionWorkerMessage =
  | { type: 'progress'; progress: ProjectionProgress }
  | { type: 'done'; projection: ProjectionRecord }
  | { type: 'cancelled'; message: string }
  | { type: 'error'; message: string };

export interface ProjectionWorkerInput {
  dbPath: string;
  runId: number;
  settings: Required<ProjectionSettings>;
  /** Int32Array(1) over a SharedArrayBuffer: 1 = cancel. Read synchronously inside UMAP's loops (between neighbour-search batches and epochs). */
  cancelFlag: Int32Array;
}

export type ProjectionOutcome = { status: 'completed'; projection: ProjectionRecord } | { status: 'cancelled' | 'failed'; message: string };

export interface ProjectionJob {
  readonly runId: number;
  readonly done: Promise<ProjectionOutcome>;
  cancel(): void;
}

/**
 * How long a cancelled worker may take to notice. The flag is read between epochs and between
 * batches of the neighbour search, but a few steps (the fuzzy graph, the PCA start) have no hook; after this
 * the worker is terminated, which is always safe: the projection is written in one transaction at the end.
 */
const CANCEL_GRACE_MS = 1500;

/** Runs `projection-worker.js` for one projection; the outcome never rejects. */
export function startProjectionWorker(
  workerFile: string,
  input: Omit<ProjectionWorkerInput, 'cancelFlag'>,
  onProgress: (progress: ProjectionProgress) => void,
): ProjectionJob {
  const cancelFlag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(workerFile, {
    workerData: { ...input, cancelFlag } satisfies ProjectionWorkerInput,
    resourceLimits: { maxOldGenerationSizeMb: 8192 },
  });
  let outcome: ProjectionOutcome | null = null;
  let cancelRequested = false;
  let reportedEnd = false;
  const done = new Promise<ProjectionOutcome>((resolve) => {
    worker.on('message', (message: ProjectionWorkerMessage) => {
      if (message.type === 'progress') {
        if (message.progress.phase === 'done' || message.progress.phase === 'failed' || message.progress.phase === 'cancelled') reportedEnd = true;
        onProgress(message.progress);
        return;
      }
      outcome =
        message.type === 'done'
          ? { status: 'completed', projection: message.projection }
          : { status: message.type === 'cancelled' ? 'cancelled' : 'failed', message: message.message };
    });
    worker.on('error', (error) => {
      outcome ??= { status: 'failed', message: `The projection worker crashed: ${error.message}` };
    });
    worker.on('exit', (code) => {
      const final: ProjectionOutcome =
        outcome ??
        (cancelRequested
          ? { status: 'cancelled', message: 'Projection cancelled' }
          : { status: 'failed', message: `The projection worker stopped unexpectedly (exit code ${code})` });
      // A terminated or crashed worker could not say how it ended; say it for it.
      if (!reportedEnd && final.status !== 'completed') {
        onProgress({ runId: input.runId, phase: final.status, done: 0, total: 0, message: final.message });
      }
      resolve(final);
    });
  });
  return {
    runId: input.runId,
    done,
    cancel: () => {
      if (cancelRequested) return;
      cancelRequested = true;
      Atomics.store(cancelFlag, 0, 1);
      setTimeout(() => void worker.terminate(), CANCEL_GRACE_MS).unref();
    },
  };
}
