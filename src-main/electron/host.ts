import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { CallName, EventName, MediaKind, WireError } from '../contract';
import type { HostMessage, HostRequest } from './host-protocol';

interface Pending {
  resolve: (message: HostMessage) => void;
  reject: (error: Error) => void;
}

/** The Electron side of the core host: starts it, restarts it if it dies, and matches replies to requests. */
export class CoreHost extends EventEmitter<{ event: [EventName, unknown]; crashed: [string] }> {
  private child: ChildProcess | null = null;
  private ready: Promise<void> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private stopping = false;

  constructor(
    private readonly script: string,
    private readonly nodePath: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    super();
  }

  start(): Promise<void> {
    const child = fork(this.script, [], {
      execPath: this.nodePath,
      env: this.env,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child = child;
    this.ready = new Promise<void>((resolve, reject) => {
      child.once('error', (error) =>
        reject(new Error(`Cannot start the Pretext core with ${this.nodePath}: ${error.message}. Set PRETEXT_NODE to a Node 20+ binary.`)),
      );
      child.on('message', (message: HostMessage) => {
        if (message.type === 'ready') return resolve();
        if (message.type === 'event') return void this.emit('event', message.name, message.payload);
        const waiting = this.pending.get(message.id);
        if (!waiting) return;
        this.pending.delete(message.id);
        waiting.resolve(message);
      });
      child.once('exit', (code, signal) => {
        const reason = signal ? `signal ${signal}` : `exit code ${code}`;
        reject(new Error(`The Pretext core stopped while starting (${reason})`));
        for (const waiting of this.pending.values()) waiting.reject(new Error(`The Pretext core stopped (${reason})`));
        this.pending.clear();
        if (!this.stopping) {
          this.emit('crashed', reason);
          void this.start();
        }
      });
    });
    return this.ready;
  }

  private async send(request: Omit<HostRequest, 'id'> & { type: HostRequest['type'] }): Promise<HostMessage> {
    await this.ready;
    const id = this.nextId++;
    return new Promise<HostMessage>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child!.send({ ...request, id } as HostRequest);
    });
  }

  async call(name: CallName, request: unknown): Promise<{ ok: true; value: unknown } | { ok: false; error: WireError }> {
    const reply = await this.send({ type: 'call', name, request } as Omit<HostRequest, 'id'>);
    if (reply.type === 'result') return { ok: true, value: reply.value };
    if (reply.type === 'error') return { ok: false, error: reply.error };
    return { ok: false, error: { code: 'internal', message: `unexpected reply ${reply.type}` } };
  }

  async media(itemId: number, kind: MediaKind): Promise<{ mime: string; body: Uint8Array } | { error: WireError }> {
    const reply = await this.send({ type: 'media', itemId, kind } as Omit<HostRequest, 'id'>);
    if (reply.type === 'media') return { mime: reply.mime, body: reply.body };
    if (reply.type === 'error') return { error: reply.error };
    return { error: { code: 'internal', message: `unexpected reply ${reply.type}` } };
  }

  /** A data or export URL answered by the core (see core/data-routes.ts). */
  async data(method: string, path: string, body: string | null): Promise<{ mime: string; filename: string | null; body: Uint8Array } | { error: WireError }> {
    const reply = await this.send({ type: 'data', method, path, body } as Omit<HostRequest, 'id'>);
    if (reply.type === 'data') return { mime: reply.mime, filename: reply.filename, body: reply.body };
    if (reply.type === 'error') return { error: reply.error };
    return { error: { code: 'internal', message: `unexpected reply ${reply.type}` } };
  }

  stop(): void {
    this.stopping = true;
    this.child?.disconnect();
  }
}
