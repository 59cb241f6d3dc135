/**
 * Worker-thread entry that runs one folder import with its own database connection, so decoding and
 * SQLite writes never block the process that serves the window or the API.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ApiError, type ImportOptions } from '../../contract';
import { openDatabase } from '../storage/db';
import { errorMessage, importFolder } from './import';
import type { ImportWorkerMessage, ImportWorkerCommand } from '../jobs/import-job';

const { dbPath, options } = workerData as { dbPath: string; options: ImportOptions };
const port = parentPort!;
const controller = new AbortController();
port.on('message', (command: ImportWorkerCommand) => {
  if (command.type === 'cancel') controller.abort();
});

const post = (message: ImportWorkerMessage): void => port.postMessage(message);
const db = openDatabase(dbPath);
try {
  const report = await importFolder(db, options, {
    signal: controller.signal,
    onProgress: (progress) => post({ type: 'progress', progress }),
  });
  post({ type: 'done', report });
} catch (error) {
  post({
    type: 'error',
    error: { code: error instanceof ApiError ? error.code : 'internal', message: errorMessage(error) },
  });
} finally {
  db.close();
  port.close();
}
