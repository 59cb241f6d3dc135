/**
 * What `pretext serve` remembers between starts, so its URL stays the same (as Jupyter keeps its
 * settings in a config file): the port it last served on and, when asked to keep one, its token.
 * One small JSON file per database, in the database's own files folder (`pretext.db-files/serve.json`),
 * written with mode 0600 since it may hold the token; the token still guards every request, and the
 * cookie stays an HMAC of it bound to the port (auth.ts), so a stable URL weakens neither.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { storageLayout } from '../core/paths';
import { newToken } from './auth';

export interface ServeConfig {
  /** The port to serve on when --port is not given. */
  port?: number;
  /** The token to use when --token is not given (kept only with --keep-token). */
  token?: string;
}

/** Tokens given with --token: long enough to guess at no better than chance, and safe in a URL unescaped. */
export const TOKEN_PATTERN = /^[A-Za-z0-9._~-]{16,256}$/;

export function serveConfigPath(dbPath: string): string {
  return join(storageLayout(dbPath).filesDir, 'serve.json');
}

/** The remembered settings; none when the file does not exist. A file that is not ours is an error naming it. */
export function readServeConfig(path: string): ServeConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not valid JSON; fix it or delete it (it only remembers the port and token of pretext serve)`);
  }
  const { port, token } = (parsed ?? {}) as Record<string, unknown>;
  const config: ServeConfig = {};
  if (port !== undefined) {
    if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) throw new Error(`${path}: port must be an integer in 1..65535, got ${JSON.stringify(port)}`);
    config.port = port as number;
  }
  if (token !== undefined) {
    if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) throw new Error(`${path}: token must be 16 to 256 characters of A-Z a-z 0-9 . _ ~ -`);
    config.token = token;
    // A token others can read is no secret: tighten the file rather than trust it as it is.
    if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  }
  return config;
}

/** Writes the settings atomically (a temporary file renamed over the old one), readable by the owner only. */
export function writeServeConfig(path: string, config: ServeConfig): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.part`);
  try {
    writeFileSync(temp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    renameSync(temp, path);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // never written
    }
    throw error;
  }
}

export interface ServeFlags {
  /** --port (0: any free port). */
  port?: number;
  /** --token */
  token?: string;
  /** --keep-token: remember the token (given, remembered or new) for the next starts. */
  keepToken?: boolean;
  /** --new-token: forget the remembered token; this start gets a new one. */
  newToken?: boolean;
}

export interface ServePlan {
  port: number;
  /** Whether the port was asked for (--port): then a busy port is an error, not a reason to pick another. */
  portGiven: boolean;
  token: string;
  /** What to remember once the server listens, given the port it got. */
  remember(port: number): ServeConfig;
}

/**
 * This start's port and token from the flags and the remembered settings: --port wins and is
 * remembered, else the remembered port, else any free one (remembered once known). --token wins,
 * else the kept token, else a new random one per start; --keep-token keeps the one used, --new-token
 * forgets the kept one.
 */
export function planServe(stored: ServeConfig, flags: ServeFlags): ServePlan {
  if (flags.token !== undefined && !TOKEN_PATTERN.test(flags.token)) {
    throw new Error('--token must be 16 to 256 characters of A-Z a-z 0-9 . _ ~ - (it goes into the URL as it is)');
  }
  if (flags.token !== undefined && flags.newToken) throw new Error('--token and --new-token are exclusive');
  const kept = flags.newToken ? undefined : stored.token;
  const token = flags.token ?? kept ?? newToken();
  // A one-off --token leaves the kept one kept; --new-token forgets it (and with --keep-token, rotates it).
  const remembered = flags.keepToken ? token : kept;
  const portGiven = flags.port !== undefined;
  const port = flags.port ?? stored.port ?? 0;
  return {
    port,
    portGiven,
    token,
    remember: (actual) => ({
      // A remembered port that was busy this time (another one was picked) stays remembered.
      port: portGiven || stored.port === undefined ? actual : stored.port,
      ...(remembered !== undefined ? { token: remembered } : {}),
    }),
  };
}
