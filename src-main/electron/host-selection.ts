/**
 * Where the window's core host runs: decided here, and nowhere else.
 *
 * - The installed app runs it as an Electron utility process, on Electron's own Node, with the
 *   native modules electron-builder rebuilt for Electron's ABI when it packaged the app: nothing
 *   else has to be on the machine.
 * - From a checkout (`npm start`, `npm run dev`) node_modules were built by npm for the user's Node
 *   (better-sqlite3 is built against Node's V8 headers, not N-API, so Electron cannot load it), so
 *   the core is forked with that Node: PRETEXT_NODE, else the first `node` on PATH.
 *
 * This module must not import `electron`: main.ts passes `app.isPackaged` in, and the tests pass
 * whatever machine they describe.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { posix, win32 } from 'node:path';
import type { CoreRuntime } from '../contract';

/** The environment variable that hands the choice's reason to the core host, for app.info. */
export const CORE_HOST_REASON_ENV = 'PRETEXT_CORE_HOST_REASON';

export type CoreHostChoice =
  | { host: 'utility-process'; reason: string }
  | { host: 'node'; nodePath: string; reason: string };

export interface HostSituation {
  /** Electron's `app.isPackaged`: true in an installed app, false when Electron runs a checkout. */
  packaged: boolean;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** The folder a relative PRETEXT_NODE is taken from (default: the current directory). */
  cwd?: string;
  /** Whether `path` is a file this process may execute (default: asks the file system). */
  isExecutable?: (path: string) => boolean;
}

/** Thrown when a checkout's window has no Node to run its core with; the message says what to do. */
export class NoNodeForCoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoNodeForCoreError';
  }
}

const NODE_NEEDED =
  'Pretext run from a checkout starts its core with Node, because npm built its native modules (better-sqlite3) for Node, not for Electron';
const WHAT_TO_DO = 'Install Node.js 20.19+ or 22.12+, or set PRETEXT_NODE to the path of a Node binary. The installed app needs neither.';

export function chooseCoreHost(situation: HostSituation): CoreHostChoice {
  if (situation.packaged) {
    return {
      host: 'utility-process',
      reason: "installed app: the core runs on Electron's own runtime, with native modules rebuilt for Electron when the app was packaged",
    };
  }
  const isExecutable = situation.isExecutable ?? isExecutableFile;
  const explicit = situation.env.PRETEXT_NODE?.trim();
  if (explicit) {
    const nodePath = looksLikePath(explicit, situation.platform)
      ? pathsOf(situation.platform).resolve(situation.cwd ?? process.cwd(), explicit)
      : findOnPath(explicit, situation, isExecutable);
    if (nodePath === null || !isExecutable(nodePath)) {
      throw new NoNodeForCoreError(`${NODE_NEEDED}, and PRETEXT_NODE=${explicit} is not an executable file. ${WHAT_TO_DO}`);
    }
    return { host: 'node', nodePath, reason: `run from a checkout: the core runs on the Node in PRETEXT_NODE (${nodePath}), which npm built the native modules for` };
  }
  const nodePath = findOnPath(situation.platform === 'win32' ? 'node.exe' : 'node', situation, isExecutable);
  if (nodePath === null) {
    throw new NoNodeForCoreError(`${NODE_NEEDED}, and no \`node\` was found on PATH. ${WHAT_TO_DO}`);
  }
  return { host: 'node', nodePath, reason: `run from a checkout: the core runs on the node on PATH (${nodePath}), which npm built the native modules for` };
}

/** How a core process describes itself in app.info: what it runs on, and why it runs there. */
export function describeCoreRuntime(host: CoreRuntime['host'], reason: string, versions: NodeJS.ProcessVersions = process.versions): CoreRuntime {
  const runtime = versions.electron ? `Electron ${versions.electron} (Node ${versions.node})` : `Node ${versions.node}`;
  return { host, runtime, reason };
}

const pathsOf = (platform: NodeJS.Platform) => (platform === 'win32' ? win32 : posix);

function looksLikePath(value: string, platform: NodeJS.Platform): boolean {
  return pathsOf(platform).isAbsolute(value) || value.includes('/') || (platform === 'win32' && value.includes('\\'));
}

/** The first executable `name` in the PATH directories, as the platform's shell would find it. */
function findOnPath(name: string, situation: HostSituation, isExecutable: (path: string) => boolean): string | null {
  const windows = situation.platform === 'win32';
  // Windows environment names are case-insensitive (Path, PATH); a copied env object is not.
  const pathValue = windows
    ? Object.entries(situation.env).find(([key]) => key.toUpperCase() === 'PATH')?.[1]
    : situation.env.PATH;
  const file = windows && !/\.exe$/i.test(name) ? `${name}.exe` : name;
  for (const entry of (pathValue ?? '').split(windows ? ';' : ':')) {
    // Windows PATH entries may be quoted.
    const dir = windows ? entry.replace(/^"(.*)"$/, '$1') : entry;
    if (!dir) continue;
    const full = pathsOf(situation.platform).join(dir, file);
    if (isExecutable(full)) return full;
  }
  return null;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
