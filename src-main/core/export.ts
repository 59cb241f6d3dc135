import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { RunsRepository } from './storage/repositories/runs';

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
  const header = ['path', 'label', ...Array.from({ length: dim }, (_, i) => `e${i}`)].join(',');
  let rows = 0;
  let chunk = header + '\n';
  for (const v of runs.iterateVectors(runId)) {
    let line = `${csvField(itemName(v.path, v.row))},${csvField(v.label ?? '')}`;
    for (let i = 0; i < v.vector.length; i++) line += ',' + formatFloat(v.vector[i]!);
    chunk += line + '\n';
    rows++;
    if (chunk.length > 64 * 1024) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  if (chunk.length > 0 && !out.write(chunk)) await once(out, 'drain');
  return rows;
}

/** Nine significant digits always read back as the same float32. */
function formatFloat(x: number): string {
  return String(Number(x.toPrecision(9)));
}

export async function exportEmbeddingsToFile(runs: RunsRepository, runId: number, dim: number, path: string): Promise<number> {
  const out = createWriteStream(path);
  const rows = await writeEmbeddingsCsv(runs, runId, dim, out);
  out.end();
  await once(out, 'finish');
  return rows;
}
