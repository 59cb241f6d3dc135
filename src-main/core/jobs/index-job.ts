import { Worker } from 'node:worker_threads';
import type { HnswGraph, HnswParams } from '../search/hnsw';

export interface IndexWorkerInput {
  /** [n × dim] unit rows in a SharedArrayBuffer: the worker reads the searching thread's copy. */
  vectors: Float32Array;
  n: number;
  dim: number;
  params: HnswParams;
  /** Where to store the built graph, and the key that says which vectors it belongs to. */
  file: string;
  key: string;
}

export type IndexWorkerMessage =
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; graph: HnswGraph; saveError: string | null }
  | { type: 'error'; message: string };

export interface IndexJob {
  readonly done: Promise<HnswGraph>;
  cancel(): void;
}

/** Builds an HNSW graph in `index-worker.js`; the graph's arrays are moved back, not copied. */
export function startIndexWorker(workerFile: string, input: IndexWorkerInput, onProgress?: (done: number, total: number) => void): IndexJob {
  const worker = new Worker(workerFile, { workerData: input });
  // An index build must never keep a CLI or a closing core alive.
  worker.unref();
  let settled = false;
  const done = new Promise<HnswGraph>((resolve, reject) => {
    worker.on('message', (message: IndexWorkerMessage) => {
      if (message.type === 'progress') onProgress?.(message.done, message.total);
      else if (message.type === 'done') {
        settled = true;
        if (message.saveError) console.warn(`pretext: the search index was built but not saved (${message.saveError}); it will be built again next time`);
        resolve(message.graph);
      } else {
        settled = true;
        reject(new Error(message.message));
      }
    });
    worker.on('error', (error) => {
      settled = true;
      reject(new Error(`The index worker crashed: ${error.message}`));
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`The index worker stopped (exit code ${code})`));
    });
  });
  return { done, cancel: () => void worker.terminate() };
}
