/** A scriptable stand-in for the renderer's Backend, for state tests. */
import type { CallName, EmbedProgress, ImportProgress, IndexProgress, ProjectionProgress, RequestOf, ResponseOf, TrainingProgress } from '../../src-main/contract';
import type { Backend } from '../../src-renderer/src/lib/client';

type Handlers = { [K in CallName]?: (request: RequestOf<K>) => Promise<ResponseOf<K>> | ResponseOf<K> };

export interface FakeBackend {
  backend: Backend;
  /** Every call made, in order. */
  log: { name: CallName; request: unknown }[];
  callsTo(name: CallName): unknown[];
  emitProgress(progress: ImportProgress): void;
  emitTraining(progress: TrainingProgress): void;
  emitProjection(progress: ProjectionProgress): void;
  emitEmbed(progress: EmbedProgress): void;
  emitIndex(progress: IndexProgress): void;
  setConnection(state: Backend['connection']['state']): void;
  handlers: Handlers;
}

export function fakeBackend(handlers: Handlers = {}): FakeBackend {
  const log: FakeBackend['log'] = [];
  const progressListeners = new Set<(p: ImportProgress) => void>();
  const trainingListeners = new Set<(p: TrainingProgress) => void>();
  const projectionListeners = new Set<(p: ProjectionProgress) => void>();
  const embedListeners = new Set<(p: EmbedProgress) => void>();
  const indexListeners = new Set<(p: IndexProgress) => void>();
  const connectionListeners = new Set<() => void>();
  let connection: Backend['connection']['state'] = 'open';
  const calls = new Proxy({} as Backend['calls'], {
    get: (_target, name: string) => async (request: unknown) => {
      log.push({ name: name as CallName, request });
      const handler = fake.handlers[name as CallName] as ((r: unknown) => unknown) | undefined;
      if (!handler) throw new Error(`no fake handler for ${name}`);
      return handler(request);
    },
  });
  const backend: Backend = {
    calls,
    events: {
      on: ((name: string, listener: (p: unknown) => void) => {
        if (name === 'training.progress') {
          const l = listener as (p: TrainingProgress) => void;
          trainingListeners.add(l);
          return () => trainingListeners.delete(l);
        }
        if (name === 'projection.progress') {
          const l = listener as (p: ProjectionProgress) => void;
          projectionListeners.add(l);
          return () => projectionListeners.delete(l);
        }
        if (name === 'embed.progress') {
          const l = listener as (p: EmbedProgress) => void;
          embedListeners.add(l);
          return () => embedListeners.delete(l);
        }
        if (name === 'index.progress') {
          const l = listener as (p: IndexProgress) => void;
          indexListeners.add(l);
          return () => indexListeners.delete(l);
        }
        if (name !== 'import.progress') throw new Error(`unexpected event ${name}`);
        const l = listener as (p: ImportProgress) => void;
        progressListeners.add(l);
        return () => progressListeners.delete(l);
      }) as Backend['events']['on'],
    },
    shell: { kind: 'browser' },
    mediaUrl: (itemId, kind) => `/media/${kind}/${itemId}`,
    connection: {
      get state() {
        return connection;
      },
      onChange(listener) {
        connectionListeners.add(listener);
        return () => connectionListeners.delete(listener);
      },
    },
  };
  const fake: FakeBackend = {
    backend,
    log,
    handlers,
    callsTo: (name) => log.filter((c) => c.name === name).map((c) => c.request),
    emitProgress: (progress) => {
      for (const l of progressListeners) l(progress);
    },
    emitTraining: (progress) => {
      for (const l of trainingListeners) l(progress);
    },
    emitProjection: (progress) => {
      for (const l of projectionListeners) l(progress);
    },
    emitEmbed: (progress) => {
      for (const l of embedListeners) l(progress);
    },
    emitIndex: (progress) => {
      for (const l of indexListeners) l(progress);
    },
    setConnection: (state) => {
      connection = state;
      for (const l of connectionListeners) l();
    },
  };
  return fake;
}

/** A promise resolved or rejected from outside, to hold a call open. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending promise callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise((r) => setTimeout(r, 0));
}
