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

/** Opens (creating if needed) a Pretext database: WAL, foreign keys, pending migrations in one transaction. */
export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const migrations = options.migrations ?? allMigrations;
  if (path !== ':memory:' && !options.readonly) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  try {
    if (!options.readonly) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    if (!options.readonly) db.pragma('synchronous = NORMAL');
    const latest = migrations.at(-1)?.version ?? 0;
    const current = schemaVersion(db);
    if (current > latest) throw new NewerDatabaseError(path, current, latest);
    if (options.migrate !== false && !options.readonly) migrate(db, migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies every migration newer than `user_version`, all in one transaction. */
export function migrate(db: Db, migrations: readonly Migration[] = allMigrations): number[] {
  const current = schemaVersion(db);
  const pending = migrations.filter((m) => m.version > current);
  if (pending.length === 0) return [];
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version <= migrations[i - 1]!.version) {
      throw new Error(`migrations out of order: ${migrations[i - 1]!.version} then ${migrations[i]!.version}`);
    }
  }
  db.transaction(() => {
    for (const m of pending) {
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }
  })();
  return pending.map((m) => m.version);
}
