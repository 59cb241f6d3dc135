import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { link, lstat, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { ApiError } from '../contract';
import type { ProjectionPoints } from './storage/repositories/projections';
import type { ItemBrief, VectorsRepository } from './storage/repositories/vectors';

/** One CSV field: quoted when it holds a comma, quote or line break (RFC 4180). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** How an item is named in exports: its path, with `#row` for a row of a csv/tsv/jsonl file. */
export function itemName(path: string, row: number): string {
  return row > 0 ? `${path}#${row}` : path;
}

/**
 * Streams a run's embeddings as CSV — header `path,label,e0,…,e{d-1}`, one row per item — row by
 * row from SQLite, waiting for the writer to drain, so any size exports in constant memory.
 */
export async function writeEmbeddingsCsv(vectors: Pick<VectorsRepository, 'iterateVectors'>, runId: number, dim: number, out: Writable): Promise<number> {
  return writeVectorRowsCsv(vectors.iterateVectors(runId), dim, out);
}

/** The same CSV as writeEmbeddingsCsv, for the given items only (those the run has an embedding of). */
export async function writeSelectedEmbeddingsCsv(vectors: VectorsRepository, runId: number, itemIds: readonly number[], dim: number, out: Writable): Promise<number> {
  return writeVectorRowsCsv(vectors.iterateVectors(runId, itemIds), dim, out);
}

export async function writeVectorRowsCsv(rows: Iterable<{ path: string; row: number; label: string | null; vector: Float32Array }>, dim: number, out: Writable): Promise<number> {
  const header = ['path', 'label', ...Array.from({ length: dim }, (_, i) => `e${i}`)].join(',');
  const lines = new ChunkedWriter(out, header + '\n');
  let count = 0;
  for (const v of rows) {
    let line = `${csvField(itemName(v.path, v.row))},${csvField(v.label ?? '')}`;
    for (let i = 0; i < v.vector.length; i++) line += ',' + formatFloat(v.vector[i]!);
    await lines.write(line + '\n');
    count++;
  }
  await lines.flush();
  return count;
}

/**
 * A projection's coordinates as CSV — header `path,label,x,y` — for the given items (by path, then
 * row, like the embeddings export); items the projection does not cover are left out.
 */
export async function writeCoordinatesCsv(items: Iterable<ItemBrief>, points: ProjectionPoints, out: Writable): Promise<number> {
  const lines = new ChunkedWriter(out, 'path,label,x,y\n');
  let count = 0;
  for (const item of items) {
    const at = indexOfId(points.itemIds, item.itemId);
    if (at < 0) continue;
    const x = formatFloat(points.coords[at * 2]!);
    const y = formatFloat(points.coords[at * 2 + 1]!);
    await lines.write(`${csvField(itemName(item.path, item.row))},${csvField(item.label ?? '')},${x},${y}\n`);
    count++;
  }
  await lines.flush();
  return count;
}

/** One item name per line (`path`, or `path#row` for a table row), for scripts and `xargs`. */
export async function writePathList(items: Iterable<ItemBrief>, out: Writable): Promise<number> {
  const lines = new ChunkedWriter(out, '');
  let count = 0;
  for (const item of items) {
    await lines.write(itemName(item.path, item.row) + '\n');
    count++;
  }
  await lines.flush();
  return count;
}

export interface WriteFileOptions {
  /** Replace an existing file (the CLI's --force, the UI's confirmation). Default: refuse. */
  overwrite?: boolean;
}

/**
 * Writes a file on disk with one of the writers above, safely: the rows go to a temporary file in
 * the same folder (created exclusively, so a planted link is never followed), which is renamed to
 * its final name only once complete, so an interrupted export never leaves a partial file under
 * that name. An existing file is refused unless `overwrite`; a symbolic link at the target is
 * replaced by the file, never written through.
 */
export async function writeFileWith(path: string, write: (out: Writable) => Promise<number>, options: WriteFileOptions = {}): Promise<number> {
  const existing = await lstat(path).catch(() => null);
  if (existing?.isDirectory()) throw new ApiError('bad_request', `${path} is a folder; give the path of a file to write`);
  if (existing && !options.overwrite) {
    const what = existing.isSymbolicLink() ? 'a symbolic link' : 'a file';
    throw new ApiError('conflict', `${path} already exists (${what}); choose another name, or allow overwriting it (pretext export --force)`);
  }
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.part`);
  const out = createWriteStream(temp, { flags: 'wx' });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => {});
  try {
    const rows = await Promise.race([write(out), failed]);
    out.end();
    await Promise.race([once(out, 'close'), failed]);
    if (options.overwrite) await rename(temp, path);
    else {
      // link() fails if the name appeared meanwhile, where rename would silently replace it.
      await link(temp, path);
      await unlink(temp);
    }
    return rows;
  } catch (error) {
    out.destroy();
    await unlink(temp).catch(() => {});
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ApiError('conflict', `${path} appeared while it was being written; nothing was overwritten`);
    }
    throw error;
  }
}

/** The reader of an export went away (a cancelled download): the export stops, and its rows are not sent. */
export class ExportAborted extends Error {
  constructor() {
    super('The export was stopped: its reader went away');
    this.name = 'ExportAborted';
  }
}

/** Waits until `out` can take more data; rejects when it closes or fails first (a client that went away). */
export function drained(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error): void => {
      out.off('drain', onDrain);
      out.off('close', onClose);
      out.off('error', onError);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = (): void => done();
    const onClose = (): void => done(new ExportAborted());
    const onError = (error: Error): void => done(error);
    out.on('drain', onDrain);
    out.on('close', onClose);
    out.on('error', onError);
  });
}

/** Gathers lines into ~64 KB writes and waits for the stream to drain, so exports of any size stay in constant memory. */
class ChunkedWriter {
  constructor(
    private readonly out: Writable,
    private chunk: string,
  ) {}

  async write(text: string): Promise<void> {
    this.chunk += text;
    if (this.chunk.length > 64 * 1024) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.out.destroyed || this.out.writableEnded) throw new ExportAborted();
    if (this.chunk.length === 0) return;
    const text = this.chunk;
    this.chunk = '';
    if (!this.out.write(text)) await drained(this.out);
  }
}

/** Position of `id` in ascending `ids`, or −1. */
function indexOfId(ids: Int32Array, id: number): number {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = ids[mid]!;
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Nine significant digits always read back as the same float32. */
export function formatFloat(x: number): string {
  return String(Number(x.toPrecision(9)));
}

export async function exportEmbeddingsToFile(vectors: VectorsRepository, runId: number, dim: number, path: string, options: WriteFileOptions = {}): Promise<number> {
  return writeFileWith(path, (out) => writeEmbeddingsCsv(vectors, runId, dim, out), options);
}
