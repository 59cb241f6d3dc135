/**
 * Child process for the concurrent-open test: waits until the given instant, so that every child
 * opens the database at the same moment, then opens it (migrating if needed) and says how it went.
 */
import { openDatabase, schemaVersion } from '../../../src-main/core/storage/db';

const [path, at] = process.argv.slice(2);
const wait = Number(at) - Date.now();
if (wait > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait);
try {
  const db = openDatabase(path!);
  const version = schemaVersion(db);
  db.prepare(`INSERT INTO datasets (name, root, status, created_at, updated_at) VALUES ('d', ?, 'ready', 'now', 'now')`).run(`/root-${process.pid}`);
  db.close();
  console.log(JSON.stringify({ ok: true, version }));
} catch (error) {
  console.log(JSON.stringify({ ok: false, message: (error as Error).message }));
}
