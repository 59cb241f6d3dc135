/**
 * Worker-thread entry that builds a run's HNSW graph (minutes at a million vectors) and saves it,
 * while the core keeps answering searches exactly in the meantime.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { IndexWorkerInput, IndexWorkerMessage } from '../jobs/index-job';
import { HnswIndex } from './hnsw';
import { saveHnsw } from './hnsw-file';

const { vectors, n, dim, params, file, key } = workerData as IndexWorkerInput;
const port = parentPort!;
const post = (message: IndexWorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

try {
  let last = 0;
  const index = HnswIndex.build(vectors, n, dim, params, (done, total) => {
    const now = performance.now();
    if (now - last < 1000) return;
    last = now;
    post({ type: 'progress', done, total });
  });
  const { graph } = index;
  let saveError: string | null = null;
  try {
    saveHnsw(file, graph, key);
  } catch (error) {
    saveError = (error as Error).message;
  }
  const arrays = [graph.levels, graph.upperStart, graph.links0, graph.count0, graph.linksUp, graph.countUp];
  post({ type: 'done', graph, saveError }, arrays.map((a) => a.buffer as ArrayBuffer));
} catch (error) {
  post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
} finally {
  port.close();
}
