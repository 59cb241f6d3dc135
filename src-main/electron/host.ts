import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { CallName, EventName, MediaKind, WireError } from '../contract';
import type { HostMessage, HostRequest } from './host-protocol';

interface Pending {
  resolve: (message: HostMessage) => void;
  reject: (error: Error) => void;
}

/** What a started core host process tells the window. */
export interface HostListener {
  message(message: HostMessage): void;
  /** The process could not be started at all. */
  failedToStart(error: Error): void;
  /** The process ended; `reason` reads like "exit code 1", "signal SIGKILL" or "oom". */
  exit(reason: string): void;
}

/** A started core host process, however it was started. */
export interface HostChild {
  send(message: HostRequest): void;
  kill(): void;
}

/** Starts a core host process (a utility process of the installed app, or the user's Node from a checkout). */
export type HostLauncher = (listener: HostListener) => HostChild;

/** How long the core gets to close its database after `stop` before it is killed. */
const STOP_GRACE_MS = 5_000;

/** The core host forked with a Node binary: how a checkout runs it (see host-selection.ts). */
export function forkWithNode(script: string, nodePath: string, env: NodeJS.ProcessEnv): HostLauncher {
  return (listener) => {
    const child = fork(script, [], {
      execPath: nodePath,
      env,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let spawned = false;
    child.once('spawn', () => (spawned = true));
    child.on('error', (error) => {
      if (!spawned) {
        listener.failedToStart(new Error(`Cannot start the Pretext core with ${nodePath}: ${error.message}. Set PRETEXT_NODE to a Node 20.19+ binary.`));
      } else {
        // A message to a core that has just exited: its exit is reported on its own.
        console.error(`Pretext core: ${error.message}`);
      }
    });
    child.on('message', (message: HostMessage) => listener.message(message));
    child.once('exit', (code, signal) => listener.exit(signal ? `signal ${signal}` : `exit code ${code}`));
    return {
      send: (message) => void child.send(message),
      kill: () => void child.kill('SIGKILL'),
    };
  };
}

/** The Electron side of the core host: starts it, restarts it if it dies, and matches replies to requests. */
export class CoreHost extends EventEmitter<{
  event: [EventName, unknown];
  /** The core died after it had started; `restarting` is false when starting it again failed too. */
  crashed: [reason: string, restarting: boolean];
}> {
  private child: HostChild | null = null;
  private ready: Promise<void> | null = null;
  private exited: Promise<void> = Promise.resolve();
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private stopping = false;

  constructor(private readonly launch: HostLauncher) {
    super();
  }

  start(): Promise<void> {
    let markExited = () => {};
    this.exited = new Promise<void>((resolve) => (markExited = resolve));
    let started = false;
    this.ready = new Promise<void>((resolve, reject) => {
      const listener: HostListener = {
        failedToStart: (error) => {
          reject(error);
          markExited();
        },
        message: (message) => {
          if (message.type === 'ready') {
            started = true;
            return resolve();
          }
          if (message.type === 'event') return void this.emit('event', message.name, message.payload);
          const waiting = this.pending.get(message.id);
          if (!waiting) return;
          this.pending.delete(message.id);
          waiting.resolve(message);
        },
        exit: (reason) => {
          markExited();
          reject(new Error(`The Pretext core stopped while starting (${reason})`));
          for (const waiting of this.pending.values()) waiting.reject(new Error(`The Pretext core stopped (${reason})`));
          this.pending.clear();
          // A core that dies while starting is reported by start()'s promise, and not restarted in a loop.
          if (this.stopping || !started) return;
          this.emit('crashed', reason, true);
          this.start().catch((error: Error) => this.emit('crashed', error.message, false));
        },
      };
      try {
        this.child = this.launch(listener);
      } catch (error) {
        listener.failedToStart(error instanceof Error ? error : new Error(String(error)));
      }
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

  /** Whether `stop` has been called: the core is closing or closed and will not be restarted. */
  get stopped(): boolean {
    return this.stopping;
  }

  /**
   * Asks the core to mark its work interrupted and close the database, and resolves when it has
   * exited (killing it if it has not within a few seconds).
   */
  async stop(): Promise<void> {
    if (this.stopping) return this.exited;
    this.stopping = true;
    const child = this.child;
    if (!child) return;
    try {
      child.send({ type: 'stop', id: this.nextId++ });
    } catch {
      child.kill(); // it is already gone or cannot be told
    }
    const timer = setTimeout(() => child.kill(), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }
}
