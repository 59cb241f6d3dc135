/**
 * The core host: started by the Electron main process as a utility process (the installed app) or
 * forked with the user's Node (a checkout); see host-selection.ts and host-protocol.ts. It must not
 * import `electron`: a utility process reaches its parent through `process.parentPort`.
 */
import { dirname } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ApiError, isCallName } from '../contract';
import { createCore } from '../core/app';
import { resolveDbPath } from '../core/paths';
import type { HostMessage, HostRequest } from './host-protocol';
import { CORE_HOST_REASON_ENV, describeCoreRuntime } from './host-selection';

/** The part of Electron's `process.parentPort` a utility process uses. */
interface ParentPort {
  on(event: 'message', listener: (event: { data: HostRequest }) => void): void;
  postMessage(message: HostMessage): void;
}
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

if (!parentPort && !process.send) {
  console.error('core-host.js is started by the Pretext window; use `pretext serve` or `pretext start` instead.');
  process.exit(2);
}

const send = (message: HostMessage): void => {
  if (parentPort) parentPort.postMessage(message);
  else process.send!(message);
};
const onRequest = (handle: (message: HostRequest) => void): void => {
  if (parentPort) parentPort.on('message', (event) => handle(event.data));
  else process.on('message', handle);
};
const core = createCore({
  dbPath: resolveDbPath(undefined),
  shell: 'electron',
  workerDir: dirname(fileURLToPath(import.meta.url)),
  runtime: describeCoreRuntime(parentPort ? 'utility-process' : 'node', process.env[CORE_HOST_REASON_ENV] ?? 'started by the Pretext window'),
});
core.events.onAny((name, payload) => send({ type: 'event', name, payload }));

const toWireError = (error: unknown) => ({
  code: error instanceof ApiError ? error.code : 'internal',
  message: error instanceof Error ? error.message : String(error),
});

let closing: Promise<void> | null = null;
const closeAndExit = (): Promise<void> => (closing ??= core.close().finally(() => process.exit(0)));

onRequest((message) => {
  void (async () => {
    try {
      if (message.type === 'stop') return void (await closeAndExit());
      if (message.type === 'media') {
        const { mime, body } = await core.media.get(message.itemId, message.kind);
        send({ type: 'media', id: message.id, mime, body });
        return;
      }
      if (message.type === 'data') {
        const url = new URL(message.path, 'http://app');
        const route = core.dataRoute(url.pathname, url.searchParams);
        if (!route) throw new ApiError('not_found', `Nothing at ${url.pathname}`);
        if (route.method !== message.method) throw new ApiError('bad_request', `Use ${route.method} for ${url.pathname}`);
        const response = core.dataResponse(route, message.body);
        // The window gets the whole body in one message; exports of every embedding go to a file through runs.exportCsv instead.
        const chunks: Buffer[] = [];
        const sink = new Writable({
          write(chunk: Buffer | string, _encoding, callback) {
            chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
            callback();
          },
        });
        await response.write(sink);
        send({ type: 'data', id: message.id, mime: response.mime, filename: response.filename, body: Buffer.concat(chunks) });
        return;
      }
      if (!isCallName(message.name)) throw new ApiError('bad_request', `Unknown call ${String(message.name)}`);
      const handler = core.handlers[message.name] as (request: unknown) => Promise<unknown>;
      send({ type: 'result', id: message.id, value: (await handler(message.request)) ?? null });
    } catch (error) {
      send({ type: 'error', id: message.id, error: toWireError(error) });
    }
  })();
});

// A forked core whose window went away without a word (a utility process ends with its app).
process.on('disconnect', () => void closeAndExit());
send({ type: 'ready' });
