import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';

/** The per-user data folder: where the default database and (later) checkpoints live. */
export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.PRETEXT_HOME) return resolve(env.PRETEXT_HOME);
  const home = env.HOME ?? homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Pretext');
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Pretext');
  return join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'pretext');
}

/** `--db` wins, then `PRETEXT_DB`, then `pretext.db` in the user data folder. */
export function resolveDbPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.PRETEXT_DB) return resolve(env.PRETEXT_DB);
  return join(userDataDir(env), 'pretext.db');
}

/** The installed package's root (the folder with Pretext's package.json), found upwards from `fromDir`. */
export function packageRoot(fromDir: string): string {
  let dir = resolve(fromDir);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
      if (name === 'pretext') return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Cannot find Pretext's package.json above ${fromDir}`);
    dir = parent;
  }
}

/**
 * Where one database keeps its files: checkpoints, the decoded-image cache and search indexes live
 * in a folder named after the database file (`pretext.db` → `pretext.db-files/`), so two databases
 * in the same folder never share or overwrite each other's files. Paths stored in the database are
 * relative to the database's folder (so older databases, whose files sit beside them, still resolve).
 */
export interface StorageLayout {
  dbDir: string;
  filesDir: string;
  checkpointDir(runId: number): string;
  /** Checkpoint folders of runs written before the per-database folder (removed with the run). */
  legacyCheckpointDir(runId: number): string;
  /** The run's preview strips (reconstructions after each epoch), removed with the run. */
  previewDir(runId: number): string;
  cacheDir: string;
  indexDir: string;
  /** A path stored in the database → an absolute path. */
  resolveStored(stored: string): string;
  /** An absolute path → the form stored in the database. */
  toStored(abs: string): string;
}

export function storageLayout(dbPath: string): StorageLayout {
  const abs = resolve(dbPath);
  const dbDir = dirname(abs);
  const filesDir = join(dbDir, `${basename(abs)}-files`);
  return {
    dbDir,
    filesDir,
    checkpointDir: (runId) => join(filesDir, 'checkpoints', `run-${runId}`),
    legacyCheckpointDir: (runId) => join(dbDir, 'checkpoints', `run-${runId}`),
    previewDir: (runId) => join(filesDir, 'previews', `run-${runId}`),
    cacheDir: join(filesDir, 'cache'),
    indexDir: join(filesDir, 'indexes'),
    resolveStored: (stored) => resolve(dbDir, stored),
    toStored: (path) => relative(dbDir, path),
  };
}
