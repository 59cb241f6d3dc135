/**
 * The core host: forked by the Electron main process with the system's Node (see host-protocol.ts).
 * It must not import `electron`.
 */
import { dirname } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ApiError, isCallName } from '../contract';
import { createCore } from '../core/app';
import { resolveDbPath } from '../core/paths';
import type { HostMessage, HostRequest } from './host-protocol';

if (!process.send) {
  console.error('core-host.js is started by the Pretext window; use `pretext serve` or `pretext start` instead.');
  process.exit(2);
}

const send = (message: HostMessage): void => {
  process.send!(message);
};
const core = createCore({
  dbPath: resolveDbPath(undefined),
  shell: 'electron',
  workerDir: dirname(fileURLToPath(import.meta.url)),
});
core.events.onAny((name, payload) => send({ type: 'event', name, payload }));

const toWireError = (error: unknown) => ({
  code: error instanceof ApiError ? error.code : 'internal',
  message: error instanceof Error ? error.message : String(error),
});

process.on('message', (message: HostRequest) => {
  void (async () => {
    try {
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

process.on('disconnect', () => {
  void core.close().finally(() => process.exit(0));
});
send({ type: 'ready' });
