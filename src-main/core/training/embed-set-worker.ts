/** Worker-thread entry for embedding a dataset with a trained run (see embed-set.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import type { EmbedProgress } from '../../contract';
import { storageLayout } from '../paths';
import { openDatabase } from '../storage/db';
import { embedSet } from './embed-set';

export type EmbedSetWorkerMessage = { type: 'progress'; progress: EmbedProgress } | { type: 'done' } | { type: 'error'; message: string };

const { dbPath, setId } = workerData as { dbPath: string; setId: number };
const port = parentPort!;
const controller = new AbortController();
port.on('message', (command: { type: 'cancel' }) => {
  if (command.type === 'cancel') controller.abort();
});
const post = (message: EmbedSetWorkerMessage): void => port.postMessage(message);

const db = openDatabase(dbPath);
try {
  await embedSet(db, storageLayout(dbPath), setId, { signal: controller.signal, onProgress: (progress) => post({ type: 'progress', progress }) });
  post({ type: 'done' });
} catch (error) {
  post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
} finally {
  db.close();
  port.close();
}
