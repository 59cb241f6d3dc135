import { Worker } from 'node:worker_threads';
import { ApiError, type ImportOptions, type ImportProgress, type ImportReport, type WireError } from '../../contract';

export type ImportWorkerCommand = { type: 'cancel' };
export type ImportWorkerMessage =
  | { type: 'progress'; progress: ImportProgress }
  | { type: 'done'; report: ImportReport }
  | { type: 'error'; error: WireError };

export interface ImportJob {
  readonly root: string;
  readonly done: Promise<ImportReport>;
  cancel(): void;
}

/** Starts `import-worker.js` (built next to the entry files in `workerDir`) for one folder. */
export function startImportWorker(
  workerFile: string,
  dbPath: string,
  options: ImportOptions,
  onProgress: (progress: ImportProgress) => void,
): ImportJob {
  const worker = new Worker(workerFile, { workerData: { dbPath, options } });
  let settled = false;
  const done = new Promise<ImportReport>((resolve, reject) => {
    worker.on('message', (message: ImportWorkerMessage) => {
      if (message.type === 'progress') onProgress(message.progress);
      else if (message.type === 'done') {
        settled = true;
        resolve(message.report);
      } else {
        settled = true;
        reject(new ApiError(message.error.code as ApiError['code'], message.error.message));
      }
    });
    worker.on('error', (error) => {
      settled = true;
      reject(new ApiError('internal', `The import worker crashed: ${error.message}`));
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new ApiError('internal', `The import worker stopped unexpectedly (exit code ${code})`));
    });
  });
  return {
    root: options.path,
    done,
    cancel: () => worker.postMessage({ type: 'cancel' } satisfies ImportWorkerCommand),
  };
}
