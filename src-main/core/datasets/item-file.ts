import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { ApiError } from '../../contract';

/** Where an item's file is, as the database knows it. */
export interface ItemFileRef {
  /** The dataset's folder, as imported. */
  root: string;
  /** The item's path relative to it. */
  path: string;
  /** The real path the file resolved to through a symbolic link at import time (ItemMeta.linkTarget), if it did. */
  linkTarget?: string | undefined;
}

const inside = (folder: string, path: string): boolean => {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

/**
 * Reads an item's file, checking at read time where its path leads now: the real path (all links
 * resolved) must lie inside the dataset's real folder, or be the very file a link led to when the
 * folder was imported. A file replaced by a link to somewhere else after the import (a system
 * file, another user's data) is refused, so the media route never serves what was not imported.
 * The final open refuses a link (O_NOFOLLOW), so the file cannot be swapped for one in between.
 */
export async function readItemFile(ref: ItemFileRef): Promise<Buffer> {
  const abs = resolve(ref.root, ref.path);
  if (!inside(ref.root, abs)) throw new ApiError('bad_request', `${ref.path} is outside the dataset folder`);
  let real: string;
  try {
    real = await realpath(abs);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new ApiError('not_found', `${abs} no longer exists; re-import the folder`);
    throw new ApiError('internal', `Cannot read ${abs}: ${(error as Error).message}`);
  }
  const allowed = ref.linkTarget !== undefined ? real === ref.linkTarget : inside(await realpath(ref.root).catch(() => ref.root), real);
  if (!allowed) {
    throw new ApiError('bad_request', `${abs} now leads outside the dataset folder (to ${real}); re-import the folder if this is intended`);
  }
  let handle;
  try {
    handle = await open(real, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new ApiError('bad_request', `${abs} was replaced by a symbolic link while it was being read`);
    if (code === 'ENOENT') throw new ApiError('not_found', `${abs} no longer exists; re-import the folder`);
    throw new ApiError('internal', `Cannot read ${abs}: ${(error as Error).message}`);
  }
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
