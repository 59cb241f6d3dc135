import type {
  ApiClient,
  CallName,
  CallOutcome,
  EventName,
  EventSource,
  MediaKind,
  PayloadOf,
  PreloadBridge,
  ShellCapabilities,
  Unsubscribe,
  WireMessage,
  WireRequest,
} from '../../../src-main/contract';
import { mediaUrl } from './routes';

/** Everything the UI needs from whichever shell it runs in. */
export interface Backend {
  calls: ApiClient;
  events: EventSource;
  shell: ShellCapabilities;
  /** Same-origin URL of an item's thumbnail, audio or text, in both shells. */
  mediaUrl(itemId: number, kind: MediaKind): string;
  /** Connection state for a status light; Electron is always connected. */
  connection: { readonly state: 'connecting' | 'open' | 'closed'; onChange(listener: () => void): Unsubscribe };
}

declare global {
  interface Window {
    pretext?: PreloadBridge;
  }
}


export function connect(): Backend {
  return window.pretext ? electronBackend(window.pretext) : socketBackend();
}

/** The typed client over one invoke function: a failed outcome becomes a CallError with its code. */
export function clientOver(invoke: (name: CallName, request: unknown) => Promise<CallOutcome>): ApiClient {
  return new Proxy({} as ApiClient, {
    get: (_target, name) => async (request: unknown) => {
      const outcome = await invoke(name as CallName, request ?? null);
      if (outcome.ok) return outcome.value;
      throw new CallError(outcome.error.code, outcome.error.message);
    },
  });
}

function electronBackend(bridge: PreloadBridge): Backend {
  return {
    calls: clientOver(bridge.invoke),
    events: { on: bridge.on },
    shell: { kind: 'electron', pickFolder: bridge.pickFolder, pathForFile: bridge.pathForFile },
    mediaUrl,
    connection: { state: 'open', onChange: () => () => {} },
  };
}

export class CallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CallError';
  }
}

/**
 * The `pretext serve` transport: one WebSocket to /api, calls matched to replies by id, events fanned
 * out by name, and reconnection with back-off when the server restarts.
 */
function socketBackend(): Backend {
  const token = new URL(location.href).searchParams.get('token');
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  let socket: WebSocket | null = null;
  let state: Backend['connection']['state'] = 'connecting';
  let nextId = 1;
  let retryMs = 250;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const queue: string[] = [];
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const stateListeners = new Set<() => void>();

  const setState = (next: typeof state): void => {
    state = next;
    for (const l of stateListeners) l();
  };

  const open = (): void => {
    setState('connecting');
    const ws = new WebSocket(wsUrl);
    socket = ws;
    ws.onopen = () => {
      retryMs = 250;
      setState('open');
      for (const message of queue.splice(0)) ws.send(message);
    };
    ws.onmessage = (event: MessageEvent<string>) => {
      const message = JSON.parse(event.data) as WireMessage;
      if (message.type === 'event') {
        for (const l of listeners.get(message.name) ?? []) l(message.payload);
        return;
      }
      const waiting = pending.get(message.id);
      if (!waiting) return;
      pending.delete(message.id);
      if (message.type === 'result') waiting.resolve(message.response);
      else waiting.reject(new CallError(message.error.code, message.error.message));
    };
    ws.onclose = () => {
      socket = null;
      setState('closed');
      for (const waiting of pending.values()) waiting.reject(new CallError('disconnected', 'Lost the connection to Pretext'));
      pending.clear();
      setTimeout(open, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
  };
  open();

  const invoke = (name: CallName, request: unknown): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      const text = JSON.stringify({ type: 'call', id, name, request: request ?? null } satisfies WireRequest);
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(text);
      else queue.push(text);
    });

  const calls = new Proxy({} as ApiClient, {
    get: (_target, name) => (request: unknown) => invoke(name as CallName, request),
  });

  return {
    calls,
    events: {
      on<K extends EventName>(name: K, listener: (payload: PayloadOf<K>) => void): Unsubscribe {
        let set = listeners.get(name);
        if (!set) listeners.set(name, (set = new Set()));
        const l = listener as (payload: unknown) => void;
        set.add(l);
        return () => set.delete(l);
      },
    },
    shell: { kind: 'browser' },
    mediaUrl,
    connection: {
      get state() {
        return state;
      },
      onChange(listener) {
        stateListeners.add(listener);
        return () => stateListeners.delete(listener);
      },
    },
  };
}
