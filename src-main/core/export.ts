import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { ProjectionPoints } from './storage/repositories/projections';
import type { RunsRepository } from './storage/repositories/runs';
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
export async function writeEmbeddingsCsv(runs: RunsRepository, runId: number, dim: number, out: Writable): Promise<number> {
  return writeVectorRowsCsv(runs.iterateVectors(runId), dim, out);
}

/** The same CSV as writeEmbeddingsCsv, for the given items only (those the run has an embedding of). */
export async function writeSelectedEmbeddingsCsv(vectors: VectorsRepository, runId: number, itemIds: readonly number[], dim: number, out: Writable): Promise<number> {
  return writeVectorRowsCsv(vectors.iterateSelectedVectors(runId, itemIds), dim, out);
}

async function writeVectorRowsCsv(rows: Iterable<{ path: string; row: number; label: string | null; vector: Float32Array }>, dim: number, out: Writable): Promise<number> {
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

/** Writes to a file on disk with one of the writers above, and waits until it is on disk. */
export async function writeFileWith(path: string, write: (out: Writable) => Promise<number>): Promise<number> {
  const out = createWriteStream(path);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  const rows = await Promise.race([write(out), failed]);
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
  return rows;
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
    if (this.chunk.length === 0) return;
    const text = this.chunk;
    this.chunk = '';
    if (!this.out.write(text)) await once(this.out, 'drain');
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
function formatFloat(x: number): string {
  return String(Number(x.toPrecision(9)));
}

export async function exportEmbeddingsToFile(runs: RunsRepository, runId: number, dim: number, path: string): Promise<number> {
  return writeFileWith(path, (out) => writeEmbeddingsCsv(runs, runId, dim, out));
}
