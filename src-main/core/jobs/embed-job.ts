import { Worker } from 'node:worker_threads';
import type { FileFormat } from '../datasets/detect';
import { UndecodableFileError, type EmbedSetup } from '../search/embedder';

export type EmbedWorkerRequest = { id: number; setup: EmbedSetup; bytes: Uint8Array; format: FileFormat };
export type EmbedWorkerMessage =
  | { type: 'result'; id: number; vector: Float32Array }
  | { type: 'error'; id: number; undecodable: boolean; message: string };

/** Anything that turns a file into a run's embedding: the worker client below, or an RunEmbedder inline. */
export interface FileEmbedder {
  embed(setup: EmbedSetup, bytes: Uint8Array, format: FileFormat): Promise<Float32Array>;
  close(): Promise<void>;
}

/**
 * Talks to `embed-worker.js`, started on first use and again after a crash. The worker holds the
 * process open only while a request is pending, so a CLI that searched once can still exit.
 */
export class EmbedWorkerClient implements FileEmbedder {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: Float32Array) => void; reject: (e: Error) => void }>();

  constructor(private readonly workerFile: string) {}

  embed(setup: EmbedSetup, bytes: Uint8Array, format: FileFormat): Promise<Float32Array> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<Float32Array>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, setup, bytes, format } satisfies EmbedWorkerRequest);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerFile);
    this.worker = worker;
    const settle = (id: number, action: (p: { resolve: (v: Float32Array) => void; reject: (e: Error) => void }) => void): void => {
      const waiting = this.pending.get(id);
      if (!waiting) return;
      this.pending.delete(id);
      action(waiting);
      if (this.pending.size === 0) worker.unref();
    };
    worker.on('message', (message: EmbedWorkerMessage) => {
      if (message.type === 'result') settle(message.id, (p) => p.resolve(message.vector));
      else settle(message.id, (p) => p.reject(message.undecodable ? new UndecodableFileError(message.message) : new Error(message.message)));
    });
    const fail = (reason: string): void => {
      if (this.worker === worker) this.worker = null;
      for (const [id] of this.pending) settle(id, (p) => p.reject(new Error(reason)));
    };
    worker.on('error', (error) => fail(`The embedding worker crashed: ${error.message}`));
    worker.on('exit', (code) => fail(`The embedding worker stopped (exit code ${code})`));
    worker.unref();
    return worker;
  }
}
