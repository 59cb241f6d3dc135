/**
 * What the installed app ships from node_modules, found by walking the production dependencies as
 * they are installed (not as a list kept by hand), so a new native dependency cannot be forgotten:
 * test/scripts/packaging.test.ts checks every file found here against electron-builder.ts.
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';

export interface InstalledPackage {
  name: string;
  version: string;
  /** Real path of the package's folder. */
  dir: string;
  /** The package builds native code with node-gyp (it has a binding.gyp), as better-sqlite3 does. */
  nodeGyp: boolean;
}

interface Manifest {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

const readManifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;

/** Where Node would find `name` from a module in `fromDir`: the nearest node_modules up to `root`. */
function resolvePackageDir(name: string, fromDir: string, root: string): string | null {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dir === root || dirname(dir) === dir) return null;
  }
}

/**
 * Every package the app needs at run time, from `root`'s `dependencies` and `optionalDependencies`
 * down: each package's dependencies, its optional ones where installed (platform builds such as
 * `@img/sharp-linux-x64`), and its peers. A missing required dependency is an error: the app would
 * not start.
 */
export function productionPackages(root: string): InstalledPackage[] {
  const rootManifest = readManifest(root);
  const found = new Map<string, InstalledPackage>();
  const queue: { name: string; from: string; optional: boolean; wantedBy: string }[] = [];
  const enqueue = (manifest: Manifest, from: string, wantedBy: string) => {
    for (const name of Object.keys(manifest.dependencies ?? {})) queue.push({ name, from, optional: false, wantedBy });
    for (const name of Object.keys(manifest.optionalDependencies ?? {})) queue.push({ name, from, optional: true, wantedBy });
    for (const name of Object.keys(manifest.peerDependencies ?? {})) {
      queue.push({ name, from, optional: manifest.peerDependenciesMeta?.[name]?.optional === true, wantedBy });
    }
  };
  enqueue(rootManifest, root, rootManifest.name ?? 'the app');
  for (let next = queue.shift(); next; next = queue.shift()) {
    const dir = resolvePackageDir(next.name, next.from, root);
    if (dir === null) {
      if (next.optional) continue;
      throw new Error(`${next.name}, a dependency of ${next.wantedBy}, is not installed: run npm ci`);
    }
    if (found.has(dir)) continue;
    const manifest = readManifest(dir);
    found.set(dir, {
      name: next.name,
      version: manifest.version ?? '',
      dir,
      nodeGyp: existsSync(join(dir, 'binding.gyp')),
    });
    enqueue(manifest, dir, next.name);
  }
  return [...found.values()].sort((a, b) => a.dir.localeCompare(b.dir));
}

const NATIVE_LIBRARY = /\.(node|dll|dylib|so)$|\.so(\.\d+)+$/;

/**
 * The files of a package that cannot be read from inside an asar archive and must be unpacked:
 * native addons (`.node`), the shared libraries they load (`.so`, `.dylib`, `.dll`, as sharp's
 * libvips), WebAssembly binaries, and the Emscripten glue beside each binary (`X.js` and the pthread
 * worker script `X.worker.js` next to `X.wasm`), which worker threads load with plain `fs`
 * (see src-main/core/engine/wasm/node-threaded-wasm.ts). Nested packages are packages of their own.
 */
export function filesLoadedFromDisk(pkg: InstalledPackage): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    const entries = readdirSync(dir, { withFileTypes: true });
    const names = new Set(entries.map((e) => e.name));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path);
        continue;
      }
      if (!entry.isFile() && !entry.isSymbolicLink()) continue;
      if (NATIVE_LIBRARY.test(entry.name)) files.push(path);
      if (entry.name.endsWith('.wasm')) {
        files.push(path);
        const stem = basename(entry.name, '.wasm');
        for (const glue of [`${stem}.js`, `${stem}.worker.js`]) if (names.has(glue)) files.push(join(dir, glue));
      }
    }
  };
  walk(pkg.dir);
  return files.sort();
}

/** `file` as electron-builder matches it: relative to the app folder, with forward slashes. */
export function appRelative(root: string, file: string): string {
  return relative(realpathSync(root), file).split(sep).join('/');
}
