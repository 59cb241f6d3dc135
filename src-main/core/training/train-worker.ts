/**
 * Worker-thread entry for one training run: its own database connection and its own tfjs, so the
 * process serving the window or the API never computes a gradient.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { storageLayout } from '../paths';
import { openDatabase } from '../storage/db';
import type { TrainWorkerCommand, TrainWorkerMessage } from '../jobs/train-job';
import { TrainingCancelled, trainRun } from './train-loop';

const { dbPath, runId, resume } = workerData as { dbPath: string; runId: number; resume: boolean };
const port = parentPort!;
const controller = new AbortController();
port.on('message', (command: TrainWorkerCommand) => {
  if (command.type === 'cancel') controller.abort();
});
const post = (message: TrainWorkerMessage): void => port.postMessage(message);

const db = openDatabase(dbPath);
try {
  await trainRun(db, runId, { resume, layout: storageLayout(dbPath) }, { signal: controller.signal, onProgress: (progress) => post({ type: 'progress', progress }) });
  post({ type: 'done' });
} catch (error) {
  post({
    type: error instanceof TrainingCancelled ? 'cancelled' : 'error',
    message: error instanceof Error ? error.message : String(error),
  });
} finally {
  db.close();
  port.close();
}
