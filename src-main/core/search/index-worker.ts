/**
 * Worker-thread entry that builds a run's usearch index (minutes at a million vectors) and saves it
 * beside the database, while the core keeps answering searches exactly in the meantime. Progress
 * goes out at most every 100 ms; the core cancels by terminating the worker, which takes effect
 * when the current chunk of rows is added.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { IndexWorkerInput, IndexWorkerMessage } from '../jobs/index-job';
import { buildSteps, saveAnn } from './ann-index';

const { vectors, n, dim, params, threads, file, key } = workerData as IndexWorkerInput;
const port = parentPort!;
const post = (message: IndexWorkerMessage): void => port.postMessage(message);

try {
  let last = 0;
  let reported = -1;
  const steps = buildSteps(vectors, n, dim, params, threads);
  let step = steps.next();
  while (!step.done) {
    const now = performance.now();
    if (now - last >= 100) {
      last = now;
      reported = step.value;
      post({ type: 'progress', done: step.value, total: n });
    }
    step = steps.next();
  }
  if (reported !== n) post({ type: 'progress', done: n, total: n });
  saveAnn(file, step.value, key);
  post({ type: 'done' });
} catch (error) {
  post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
} finally {
  port.close();
}
