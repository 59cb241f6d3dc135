import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

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
