/**
 * A streaming, depth-first walk of a dataset folder.
 *
 * Memory is bounded by the directory being read and its ancestors (each level holds its own sorted
 * list of names), never by the size of the tree, so a folder of millions of files can be walked.
 * Entries are sorted by name (plain code-unit order, the same on every machine and locale) so that
 * imports and their item order are reproducible.
 *
 * Symbolic links are followed, because people link large media folders into a dataset rather than
 * copying them. Directories are tracked by device and inode, so a link back to an ancestor (a loop)
 * or to a folder already walked (which would import everything twice) is reported and not entered.
 */
import type { Dir, Dirent, Stats } from 'node:fs';
import { lstat, opendir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export interface FileEntry {
  type: 'file';
  absPath: string;
  /** Relative to the root, with forward slashes. */
  relPath: string;
  /** The first path segment when the file is inside a sub-folder of the root, else null. */
  label: string | null;
  size: number;
  mtimeMs: number;
  /** Reached through a symbolic link (the file itself, or a folder on its way). */
  viaLink: boolean;
}

export interface IgnoredEntry {
  type: 'ignored';
  relPath: string;
  reason: string;
}

export interface WalkOptions {
  signal?: AbortSignal;
}

/**
 * Files that operating systems drop into folders. They are not hidden by name on every system,
 * but they are never data.
 */
const SYSTEM_FILES = new Set(['thumbs.db', 'ehthumbs.db', 'desktop.ini', 'icon\r']);

function errorCode(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e?.code ?? (e instanceof Error ? e.message : String(error));
}

function describeError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e?.code) {
    // "EACCES: permission denied, opendir '/x/y'" → "EACCES: permission denied" (the path is known).
    const text = (e.message ?? '').replace(/,\s*\w+\s+'.*'$/, '');
    return text.startsWith(e.code) ? text : `${e.code}: ${text}`;
  }
  return e instanceof Error ? e.message : String(error);
}

function specialKind(s: Stats | Dirent): string | null {
  if (s.isSocket()) return 'socket';
  if (s.isFIFO()) return 'named pipe (FIFO)';
  if (s.isBlockDevice()) return 'block device';
  if (s.isCharacterDevice()) return 'character device';
  return null;
}

interface Walker {
  /** lstat every entry (walkFolder needs size and mtime); countFiles trusts the Dirent type. */
  needStats: boolean;
  sort: boolean;
  signal: AbortSignal | undefined;
  /** dev:ino of every directory entered, with its relative path ('' for the root). */
  visited: Map<string, string>;
}

type Item = FileEntry | IgnoredEntry;

const key = (s: Stats): string => `${s.dev}:${s.ino}`;

/** The names in a directory, or the error that prevented reading it. */
async function readNames(absDir: string, walker: Walker): Promise<Listing> {
  let dir: Dir;
  try {
    dir = await opendir(absDir);
  } catch (error) {
    return { error };
  }
  const names: Dirent[] = [];
  try {
    // Iterating a Dir closes it at the end, on break and on error.
    for await (const dirent of dir) {
      walker.signal?.throwIfAborted();
      names.push(dirent);
    }
  } catch (error) {
    if (walker.signal?.aborted) throw error;
    return { error };
  }
  if (walker.sort) names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { names };
}

type Listing = { names: Dirent[] } | { error: unknown };

async function* walkDir(
  absDir: string,
  relDir: string,
  walker: Walker,
  ancestors: Set<string>,
  listing?: Listing,
  viaLink = false,
): AsyncGenerator<Item> {
  listing ??= await readNames(absDir, walker);
  if ('error' in listing) {
    yield { type: 'ignored', relPath: relDir, reason: `unreadable folder (${describeError(listing.error)})` };
    return;
  }
  for (const dirent of listing.names) {
    walker.signal?.throwIfAborted();
    const name = dirent.name;
    const relPath = relDir === '' ? name : `${relDir}/${name}`;
    const absPath = join(absDir, name);
    if (name.startsWith('.')) {
      yield { type: 'ignored', relPath, reason: dirent.isDirectory() ? 'hidden folder' : 'hidden file' };
      continue;
    }

    // Know what the entry is: the Dirent type when it is trustworthy enough, else lstat.
    let info: Stats | Dirent = dirent;
    const unknownType =
      !dirent.isFile() && !dirent.isDirectory() && !dirent.isSymbolicLink() && specialKind(dirent) === null;
    if (walker.needStats || unknownType || dirent.isDirectory()) {
      try {
        info = await lstat(absPath);
      } catch (error) {
        yield { type: 'ignored', relPath, reason: `cannot read (${describeError(error)})` };
        continue;
      }
    }

    const linked = viaLink || info.isSymbolicLink();
    if (info.isSymbolicLink()) {
      try {
        info = await stat(absPath);
      } catch (error) {
        const code = errorCode(error);
        if (code === 'ENOENT' || code === 'ENOTDIR') {
          yield { type: 'ignored', relPath, reason: `broken symbolic link (${code}: its target does not exist)` };
        } else if (code === 'ELOOP') {
          yield { type: 'ignored', relPath, reason: 'symbolic link loop (ELOOP: the link resolves to itself)' };
        } else {
          yield { type: 'ignored', relPath, reason: `unreadable symbolic link (${describeError(error)})` };
        }
        continue;
      }
    }

    if (info.isDirectory()) {
      const stats = info as Stats;
      const id = key(stats);
      const seenAt = walker.visited.get(id);
      if (seenAt !== undefined) {
        const where = seenAt === '' ? 'the dataset folder itself' : `'${seenAt}'`;
        const reason = ancestors.has(id)
          ? `symbolic link loop (it leads back to ${where})`
          : `folder already scanned as ${where} (reached again through a symbolic link)`;
        yield { type: 'ignored', relPath, reason };
        continue;
      }
      walker.visited.set(id, relPath);
      ancestors.add(id);
      try {
        yield* walkDir(absPath, relPath, walker, ancestors, undefined, linked);
      } finally {
        ancestors.delete(id);
      }
      continue;
    }

    const special = specialKind(info);
    if (special) {
      yield { type: 'ignored', relPath, reason: `not a regular file (${special})` };
      continue;
    }
    if (!info.isFile()) {
      yield { type: 'ignored', relPath, reason: 'not a regular file' };
      continue;
    }
    if (SYSTEM_FILES.has(name.toLowerCase())) {
      yield { type: 'ignored', relPath, reason: 'operating-system metadata file' };
      continue;
    }
    const slash = relPath.indexOf('/');
    const stats = 'size' in info ? (info as Stats) : null;
    yield {
      type: 'file',
      absPath,
      relPath,
      label: slash > 0 ? relPath.slice(0, slash) : null,
      size: stats?.size ?? 0,
      mtimeMs: stats?.mtimeMs ?? 0,
      viaLink: linked,
    };
  }
}

async function rootWalker(
  root: string,
  opts: WalkOptions,
  needStats: boolean,
  sort: boolean,
): Promise<{ root: string; walker: Walker; ancestors: Set<string> }> {
  opts.signal?.throwIfAborted();
  root = resolve(root);
  let rootStats: Stats;
  try {
    rootStats = await stat(root);
  } catch (error) {
    throw new Error(`cannot open the folder ${root} (${describeError(error)})`, { cause: error });
  }
  if (!rootStats.isDirectory()) throw new Error(`${root} is not a folder`);
  const walker: Walker = { needStats, sort, signal: opts.signal, visited: new Map([[key(rootStats), '']]) };
  return { root, walker, ancestors: new Set([key(rootStats)]) };
}

/**
 * Walks `root` depth-first in sorted order, yielding every regular file (symlinks followed) and
 * every entry passed over with the reason. Throws if the root itself cannot be read, and the
 * signal's reason when aborted.
 */
export async function* walkFolder(folder: string, opts: WalkOptions = {}): AsyncGenerator<FileEntry | IgnoredEntry> {
  const { root, walker, ancestors } = await rootWalker(folder, opts, true, true);
  const first = await readNames(root, walker);
  if ('error' in first) throw new Error(`cannot read the folder ${root} (${describeError(first.error)})`, { cause: first.error });
  yield* walkDir(root, '', walker, ancestors, first);
}

/**
 * How many files walkFolder would yield, by the same rules, but cheaper: no sorting, and no
 * stat call for entries whose directory listing already says they are regular files.
 */
export async function countFiles(folder: string, opts: WalkOptions = {}): Promise<number> {
  const { root, walker, ancestors } = await rootWalker(folder, opts, false, false);
  const first = await readNames(root, walker);
  if ('error' in first) throw new Error(`cannot read the folder ${root} (${describeError(first.error)})`, { cause: first.error });
  let count = 0;
  for await (const entry of walkDir(root, '', walker, ancestors, first)) if (entry.type === 'file') count++;
  return count;
}
