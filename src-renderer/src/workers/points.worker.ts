/**
 * One map's worker: decodes points, builds indexes, computes clusters and kNN disagreement, off the UI
 * thread. Results are transferred back (their buffers move, nothing is copied).
 */
import { runRequest, type WorkerAnswer, type WorkerMessage } from '../lib/points-compute';
import { PointsEngine, transferables } from '../lib/points-engine';

const engine = new PointsEngine();

self.onmessage = (event: MessageEvent<WorkerMessage>) => {
  const { id, request } = event.data;
  let answer: WorkerAnswer;
  let transfer: ArrayBuffer[] = [];
  try {
    const result = runRequest(engine, request);
    answer = { id, ok: true, result };
    transfer = transferables(result);
  } catch (error) {
    answer = { id, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  self.postMessage(answer, { transfer });
};
