import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrations as allMigrations, type Migration } from './migrations';

export type Db = Database.Database;

export class NewerDatabaseError extends Error {
  constructor(
    readonly path: string,
    readonly found: number,
    readonly supported: number,
  ) {
    super(
      `The database ${path} was written by a newer version of Pretext (schema ${found}; this version knows up to ${supported}). ` +
        'Update Pretext, or open a different database with --db.',
    );
    this.name = 'NewerDatabaseError';
  }
}

export interface OpenOptions {
  /** Open without applying migrations (for read-only helpers); still refuses newer databases. */
  migrate?: boolean;
  readonly?: boolean;
  migrations?: readonly Migration[];
}

/**
 * Opens (creating if needed) a Pretext database: WAL, foreign keys, pending migrations in one
 * immediate transaction. Safe when several processes open the same file at once: the busy timeout
 * is set first, a database from a newer version is refused before anything is written to it, and
 * migrations re-read `user_version` under the write lock, so two openers serialise and the second
 * finds nothing left to do.
 */
export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const migrations = options.migrations ?? allMigrations;
  if (path !== ':memory:' && !options.readonly) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const latest = migrations.at(-1)?.version ?? 0;
    const current = schemaVersion(db);
    if (current > latest) throw new NewerDatabaseError(path, current, latest);
    if (!options.readonly) setWal(db);
    db.pragma('foreign_keys = ON');
    if (!options.readonly) db.pragma('synchronous = NORMAL');
    if (options.migrate !== false && !options.readonly) migrate(db, migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** How long a statement waits for another process's write lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * Switches to WAL. Changing the journal mode needs a moment of exclusive access, and SQLite does
 * not call the busy handler for it, so a second process opening the file at the same instant gets
 * SQLITE_BUSY; it retries for up to the busy timeout.
 */
function setWal(db: Db): void {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
      sleepSync(Math.min(5 * 2 ** attempt, 100));
    }
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies every migration newer than `user_version`, all in one IMMEDIATE transaction that
 * re-reads the version once it holds the write lock: another process may have migrated between
 * our first look and the lock.
 */
export function migrate(db: Db, migrations: readonly Migration[] = allMigrations): number[] {
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version <= migrations[i - 1]!.version) {
      throw new Error(`migrations out of order: ${migrations[i - 1]!.version} then ${migrations[i]!.version}`);
    }
  }
  if (migrations.every((m) => m.version <= schemaVersion(db))) return [];
  return db
    .transaction(() => {
      const current = schemaVersion(db);
      const latest = migrations.at(-1)?.version ?? 0;
      if (current > latest) throw new NewerDatabaseError(db.name, current, latest);
      const pending = migrations.filter((m) => m.version > current);
      for (const m of pending) {
        if (typeof m.up === 'string') db.exec(m.up);
        else m.up(db);
        db.pragma(`user_version = ${m.version}`);
      }
      return pending.map((m) => m.version);
    })
    .immediate();
}
