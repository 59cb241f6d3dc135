/**
 * How a map asks for its heavy work: one `PointsCompute` per map, backed by a dedicated worker in the
 * app, or by the same engine in-process in tests. Requests are numbered and answered in any order.
 */
import { PointsEngine, type ClusterResult, type DisagreementResult, type PreparedPoints } from './points-engine';

export type PointsRequest =
  | { kind: 'prepare'; buffer: ArrayBuffer }
  | { kind: 'clusters'; k: number; seed: number }
  | { kind: 'disagreement'; k: number }
  | { kind: 'polygon'; vertices: Float64Array }
  | { kind: 'align'; otherItemIds: Int32Array };

export type PointsReply<R extends PointsRequest> = R extends { kind: 'prepare' }
  ? PreparedPoints
  : R extends { kind: 'clusters' }
    ? ClusterResult
    : R extends { kind: 'disagreement' }
      ? DisagreementResult
      : R extends { kind: 'polygon' }
        ? Uint32Array
        : Int32Array;

export type WorkerMessage = { id: number; request: PointsRequest };
export type WorkerAnswer = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export interface PointsCompute {
  prepare(buffer: ArrayBuffer): Promise<PreparedPoints>;
  clusters(k: number, seed: number): Promise<ClusterResult>;
  disagreement(k: number): Promise<DisagreementResult>;
  /** Points inside a polygon of map coordinates [x0, y0, x1, y1, …]. */
  polygon(vertices: Float64Array): Promise<Uint32Array>;
  /** For each point of this map, the index of the same item in the map whose ids are given. */
  align(otherItemIds: Int32Array): Promise<Int32Array>;
  dispose(): void;
}

/** Runs one request on an engine (the worker's message handler and the in-process compute share it). */
export function runRequest(engine: PointsEngine, request: PointsRequest): unknown {
  switch (request.kind) {
    case 'prepare':
      return engine.prepare(request.buffer);
    case 'clusters':
      return engine.clusters(request.k, request.seed);
    case 'disagreement':
      return engine.disagreement(request.k);
    case 'polygon':
      return engine.polygon(request.vertices);
    case 'align':
      return engine.align(request.otherItemIds);
  }
}

/** The same engine on this thread: for tests, and for a shell without module workers. */
export function inlineCompute(): PointsCompute {
  const engine = new PointsEngine();
  const run = <R extends PointsRequest>(request: R): Promise<PointsReply<R>> =>
    new Promise((resolve, reject) => {
      try {
        resolve(runRequest(engine, request) as PointsReply<R>);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  return {
    prepare: (buffer) => run({ kind: 'prepare', buffer }),
    clusters: (k, seed) => run({ kind: 'clusters', k, seed }),
    disagreement: (k) => run({ kind: 'disagreement', k }),
    polygon: (vertices) => run({ kind: 'polygon', vertices }),
    align: (otherItemIds) => run({ kind: 'align', otherItemIds }),
    dispose: () => {},
  };
}

/** The minimal Worker surface the client uses, so it can be driven by a stand-in. */
export interface WorkerLike {
  postMessage(message: WorkerMessage, options?: { transfer?: Transferable[] }): void;
  terminate(): void;
  onmessage: ((event: MessageEvent<WorkerAnswer>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
}

/** A compute backed by a worker running `points.worker.ts`. Buffers sent are transferred. */
export function workerCompute(worker: WorkerLike): PointsCompute {
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  worker.onmessage = (event) => {
    const answer = event.data;
    const waiting = pending.get(answer.id);
    if (!waiting) return;
    pending.delete(answer.id);
    if (answer.ok) waiting.resolve(answer.result);
    else waiting.reject(new Error(answer.error));
  };
  worker.onerror = (event) => {
    const error = new Error(event.message || 'The points worker stopped');
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
  };
  const send = <R extends PointsRequest>(request: R, transfer: Transferable[] = []): Promise<PointsReply<R>> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ id, request }, { transfer });
    });
  return {
    prepare: (buffer) => send({ kind: 'prepare', buffer }, [buffer]),
    clusters: (k, seed) => send({ kind: 'clusters', k, seed }),
    disagreement: (k) => send({ kind: 'disagreement', k }),
    polygon: (vertices) => send({ kind: 'polygon', vertices }),
    align: (otherItemIds) => send({ kind: 'align', otherItemIds }, [otherItemIds.buffer as ArrayBuffer]),
    dispose: () => {
      worker.terminate();
      for (const waiting of pending.values()) waiting.reject(new Error('The map was closed'));
      pending.clear();
    },
  };
}

/** A compute in a new module worker (bundled by Vite as its own same-origin file, allowed by the CSP). */
export function createPointsCompute(): PointsCompute {
  if (typeof Worker === 'undefined') return inlineCompute();
  try {
    const worker = new Worker(new URL('../workers/points.worker.ts', import.meta.url), { type: 'module', name: 'pretext-points' });
    return workerCompute(worker as unknown as WorkerLike);
  } catch {
    // A shell that refuses module workers still shows the map, computing on this thread.
    return inlineCompute();
  }
}
