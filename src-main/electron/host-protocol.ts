import type { CallName, CallOutcome, EventName, MediaKind, WireError } from '../contract';

/**
 * Messages between the Electron main process and the core host, the process that owns the database,
 * imports and training: an Electron utility process in the installed app, the user's Node from a
 * checkout (host-selection.ts), with the same messages either way. Keeping the core out of the main
 * process means a crash or an out-of-memory in the core leaves the window alive.
 */
export type HostRequest =
  | { type: 'call'; id: number; name: CallName; request: unknown }
  /** Cancel the work in progress (runs stay resumable), close the database, exit. */
  | { type: 'stop'; id: number }
  | { type: 'media'; id: number; itemId: number; kind: MediaKind }
  /** A data or export URL (see core/data-routes.ts): `path` is the pathname with its query. */
  | { type: 'data'; id: number; method: string; path: string; body: string | null };

export type HostMessage =
  | { type: 'ready' }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'media'; id: number; mime: string; body: Uint8Array }
  | { type: 'data'; id: number; mime: string; filename: string | null; body: Uint8Array }
  | { type: 'error'; id: number; error: WireError }
  | { type: 'event'; name: EventName; payload: unknown };

/** What crosses the ipcMain boundary for a call: errors travel as values so their code survives. */
export type IpcResult = CallOutcome;
