import type { Backend } from '../lib/client';

export type ConnectionStatus = Backend['connection']['state'];

/** The backend's connection state as reactive state, for the status light in serve mode. */
export class ConnectionState {
  status = $state<ConnectionStatus>('connecting');
  readonly #backend: Backend;
  #unsubscribe: (() => void) | null = null;

  constructor(backend: Backend) {
    this.#backend = backend;
    this.status = backend.connection.state;
  }

  /** Follows the connection; `onReconnect` runs each time it opens again after being lost. */
  start(onReconnect: () => void): () => void {
    let wasLost = false;
    this.#unsubscribe = this.#backend.connection.onChange(() => {
      const next = this.#backend.connection.state;
      if (next === 'closed') wasLost = true;
      if (next === 'open' && wasLost) {
        wasLost = false;
        onReconnect();
      }
      this.status = next;
    });
    return () => this.stop();
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  get label(): string {
    switch (this.status) {
      case 'open':
        return 'Connected to the Pretext server';
      case 'connecting':
        return 'Connecting to the Pretext server…';
      case 'closed':
        return 'Disconnected from the Pretext server; retrying';
    }
  }
}
