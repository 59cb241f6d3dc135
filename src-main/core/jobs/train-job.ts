import { Worker } from 'node:worker_threads';
import type { TrainingProgress } from '../../contract';

export type TrainWorkerCommand = { type: 'cancel' };
export type TrainWorkerMessage =
  | { type: 'progress'; progress: TrainingProgress }
  | { type: 'done' }
  | { type: 'cancelled'; message: string }
  | { type: 'error'; message: string };

export type TrainOutcome = { status: 'completed' } | { status: 'cancelled' | 'failed'; message: string };

export interface TrainJob {
  readonly runId: number;
  readonly done: Promise<TrainOutcome>;
  cancel(): void;
}

/** Runs `train-worker.js` for one run; the outcome never rejects, a crash is a 'failed' outcome with its reason. */
export function startTrainWorker(
  workerFile: string,
  input: { dbPath: string; runId: number; resume: boolean },
  onProgress: (progress: TrainingProgress) => void,
): TrainJob {
  const worker = new Worker(workerFile, { workerData: input, resourceLimits: { maxOldGenerationSizeMb: 8192 } });
  let outcome: TrainOutcome | null = null;
  const done = new Promise<TrainOutcome>((resolve) => {
    worker.on('message', (message: TrainWorkerMessage) => {
      if (message.type === 'progress') return onProgress(message.progress);
      outcome =
        message.type === 'done'
          ? { status: 'completed' }
          : { status: message.type === 'cancelled' ? 'cancelled' : 'failed', message: message.message };
    });
    worker.on('error', (error) => {
      outcome ??= { status: 'failed', message: `The training worker crashed: ${error.message}` };
    });
    worker.on('exit', (code) => {
      resolve(outcome ?? { status: 'failed', message: `The training worker stopped unexpectedly (exit code ${code})` });
    });
  });
  return { runId: input.runId, done, cancel: () => worker.postMessage({ type: 'cancel' } satisfies TrainWorkerCommand) };
}
