/**
 * Worker-thread entry for one projection: its own database connection, so the thread serving the
 * window or the API never runs UMAP. Cancellation arrives through a shared flag rather than a
 * message, because UMAP's long synchronous steps (neighbour-search batches, epochs) return to the event
 * loop only now and then.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ProjectionWorkerInput, ProjectionWorkerMessage } from '../jobs/projection-job';
import { openDatabase } from '../storage/db';
import { computeProjection, ProjectionCancelled } from './project';

const { dbPath, runId, settings, cancelFlag } = workerData as ProjectionWorkerInput;
const port = parentPort!;
const post = (message: ProjectionWorkerMessage): void => port.postMessage(message);

const db = openDatabase(dbPath);
try {
  const projection = await computeProjection(db, runId, settings, {
    onProgress: (progress) => post({ type: 'progress', progress }),
    isCancelled: () => Atomics.load(cancelFlag, 0) === 1,
  });
  post({ type: 'done', projection });
} catch (error) {
  post({
    type: error instanceof ProjectionCancelled ? 'cancelled' : 'error',
    message: error instanceof Error ? error.message : String(error),
  });
} finally {
  db.close();
  port.close();
}
