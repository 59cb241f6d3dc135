import { Worker } from 'node:worker_threads';
import type { AnnParams } from '../search/ann-index';

export interface IndexWorkerInput {
  /** [n × dim] unit rows in a SharedArrayBuffer: the worker reads the searching thread's copy. */
  vectors: Float32Array;
  n: number;
  dim: number;
  params: AnnParams;
  /** Threads usearch may use for the build. */
  threads: number;
  /** Where to store the built index, and the key that says which vectors it belongs to. */
  file: string;
  key: string;
}

export type IndexWorkerMessage = { type: 'progress'; done: number; total: number } | { type: 'done' } | { type: 'error'; message: string };

export interface IndexJob {
  /** Settles once the index is saved at `file`, where the searching thread loads it. */
  readonly done: Promise<void>;
  cancel(): void;
}

/** Builds and saves a usearch index in `index-worker.js`; a cancel stops it between two chunks of rows. */
export function startIndexWorker(workerFile: string, input: IndexWorkerInput, onProgress?: (done: number, total: number) => void): IndexJob {
  const worker = new Worker(workerFile, { workerData: input });
  // An index build must never keep a CLI or a closing core alive.
  worker.unref();
  let settled = false;
  const done = new Promise<void>((resolve, reject) => {
    worker.on('message', (message: IndexWorkerMessage) => {
      if (message.type === 'progress') onProgress?.(message.done, message.total);
      else if (message.type === 'done') {
        settled = true;
        resolve();
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
