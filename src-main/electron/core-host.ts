/**
 * The core host: forked by the Electron main process with the system's Node (see host-protocol.ts).
 * It must not import `electron`.
 */
import { dirname } from 'node:path';
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
