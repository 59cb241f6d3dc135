import type { Database } from 'better-sqlite3';

/** One numbered schema step. `version` is stored in `PRAGMA user_version` once applied. */
export interface Migration {
  version: number;
  name: string;
  /** SQL run as one script, or a function for steps that need code. */
  up: string | ((db: Database) => void);
}
