/**
 * Worker-thread entry that embeds uploaded files with a run's encoder, so decoding an image and a
 * forward pass never run on the thread serving the API. It lives as long as the core and keeps the
 * last models it loaded.
 */
import { parentPort } from 'node:worker_threads';
import { initBackend } from '../engine/backend';
import type { EmbedWorkerMessage, EmbedWorkerRequest } from '../jobs/embed-job';
import { RunEmbedder, UndecodableFileError } from './embedder';

const port = parentPort!;
let backend: Promise<unknown> | null = null;
// One thread: a single image's forward pass gains nothing from more, and the other core stays free.
const embedder = new RunEmbedder(() => (backend ??= initBackend(undefined, { threads: 1 })));

port.on('message', (request: EmbedWorkerRequest) => {
  void (async () => {
    let reply: EmbedWorkerMessage;
    try {
      const vector = await embedder.embed(request.setup, request.bytes, request.format);
      reply = { type: 'result', id: request.id, vector };
    } catch (error) {
      reply = {
        type: 'error',
        id: request.id,
        undecodable: error instanceof UndecodableFileError,
        message: error instanceof Error ? error.message : String(error),
      };
    }
    port.postMessage(reply);
  })();
});
