import { createHash } from 'node:crypto';
import { open, readFile, realpath, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { ApiError, MAX_IGNORED_LISTED, type IgnoredEntry, type ImportOptions, type ImportProgress, type ImportReport, type ItemMeta } from '../../contract';
import { cannot } from '../errors';
import type { Db } from '../storage/db';
import { DatasetsRepository } from '../storage/repositories/datasets';
import { ItemsRepository, type ItemInput } from '../storage/repositories/items';
import { detectFormat, type FileFormat } from './detect';
import { probeAudio } from './decode-audio';
import { probeImage } from './decode-image';
import { decodeUtf8, textMeta } from './decode-text';
import { countFiles, walkFolder, type FileEntry } from './scan';
import { readRows } from './tabular';

/** Files larger than this are recorded as skipped instead of being read into memory. */
export const MAX_FILE_BYTES: Record<'image' | 'audio' | 'text', number> = {
  image: 256 * 1024 * 1024,
  audio: 512 * 1024 * 1024,
  text: 64 * 1024 * 1024,
};
/** How many items are written per transaction. */
const BATCH_SIZE = 500;
/** How many files are decoded at once (sharp and the audio decoders work off the JS thread). */
const CONCURRENCY = 4;
/** Progress events at about 10 Hz. */
const PROGRESS_INTERVAL_MS = 100;
/** Bytes read to detect a file's type. */
const HEAD_BYTES = 64;

const TABLE_FORMATS = new Set<FileFormat>(['csv', 'tsv', 'jsonl']);

export interface ImportHooks {
  onProgress?: (progress: ImportProgress) => void;
  signal?: AbortSignal;
}

interface Counters {
  added: number;
  updated: number;
  unchanged: number;
  skipped: number;
  ignored: number;
  filesDone: number;
  itemsDone: number;
}

/**
 * Imports (or re-imports) a folder into the database, streaming: files are walked one directory at a
 * time and written in batches, so memory stays bounded for any folder size. A bad file never stops
 * the import; it is recorded with its reason. Items already written stay written if the import fails
 * or is cancelled; items whose files disappeared are removed only once a walk completes.
 */
export async function importFolder(db: Db, options: ImportOptions, hooks: ImportHooks = {}): Promise<ImportReport> {
  const started = performance.now();
  const root = resolve(options.path);
  const rootStat = await stat(root).catch((error: NodeJS.ErrnoException) => {
    throw new ApiError('bad_request', error.code === 'ENOENT' ? `Cannot open ${root}: no such folder.` : cannot('open', root, error));
  });
  if (!rootStat.isDirectory()) throw new ApiError('bad_request', `${root} is a file, not a folder`);

  const datasets = new DatasetsRepository(db);
  const items = new ItemsRepository(db);
  const textColumn = options.textColumn?.trim() || null;
  let dataset = datasets.findByRoot(root);
  // A re-import keeps the dataset's name (given earlier with --name, or the demo's) unless a new one is given.
  const name = options.name?.trim() || dataset?.name || basename(root) || root;
  dataset ??= datasets.create({ name, root, textColumn });
  const datasetId = dataset.id;
  // A changed text column changes every table row, so table files must be read again.
  const textColumnChanged = dataset.textColumn !== textColumn;
  const generation = datasets.startImport(datasetId, name, textColumn);

  const counters: Counters = { added: 0, updated: 0, unchanged: 0, skipped: 0, ignored: 0, filesDone: 0, itemsDone: 0 };
  const ignoredEntries: IgnoredEntry[] = [];
  let filesTotal = 0;
  let current: string | null = null;
  let lastProgress = 0;
  const progress = (phase: ImportProgress['phase'], force = false, message: string | null = null): void => {
    const now = performance.now();
    if (!force && now - lastProgress < PROGRESS_INTERVAL_MS) return;
    lastProgress = now;
    hooks.onProgress?.({
      datasetId,
      root,
      phase,
      filesDone: counters.filesDone,
      filesTotal,
      itemsDone: counters.itemsDone,
      skipped: counters.skipped,
      current,
      message,
    });
  };

  const pending: ItemInput[] = [];
  const flush = (): void => {
    items.upsertBatch(pending);
    pending.length = 0;
  };
  const record = (input: ItemInput, existed: boolean): void => {
    pending.push(input);
    counters.itemsDone++;
    if (input.status === 'skipped') counters.skipped++;
    else if (existed) counters.updated++;
    else counters.added++;
    if (pending.length >= BATCH_SIZE) flush();
  };

  try {
    progress('counting', true);
    filesTotal = await countFiles(root, { signal: hooks.signal });
    progress('importing', true);

    const inFlight = new Set<Promise<void>>();
    for await (const entry of walkFolder(root, { signal: hooks.signal })) {
      hooks.signal?.throwIfAborted();
      if (entry.type === 'ignored') {
        counters.ignored++;
        if (ignoredEntries.length < MAX_IGNORED_LISTED) ignoredEntries.push({ path: entry.relPath, reason: entry.reason });
        continue;
      }
      current = entry.relPath;
      // Reads check later that the path still leads where it led now (see item-file.ts).
      const linkTarget = entry.viaLink ? await realpath(entry.absPath).catch(() => null) : null;
      const state = items.fileState(datasetId, entry.relPath);
      const unchanged =
        state !== undefined &&
        state.size === entry.size &&
        state.mtimeMs === Math.trunc(entry.mtimeMs) &&
        !(textColumnChanged && isTablePath(entry.relPath)) &&
        // A file reached through a link is read again when the link now leads elsewhere.
        state.linkTarget === linkTarget;
      if (unchanged) {
        counters.unchanged += items.touchPath(datasetId, entry.relPath, generation);
        counters.itemsDone += state.items;
        counters.filesDone++;
        progress('importing');
        continue;
      }
      const existingRows = state === undefined ? new Set<number>() : items.rowsForPath(datasetId, entry.relPath);
      const task = readEntry(entry, linkTarget, { datasetId, generation, textColumn }, (input) =>
        record(input, existingRows.has(input.row)),
      ).finally(() => {
        inFlight.delete(task);
        counters.filesDone++;
        progress('importing');
      });
      inFlight.add(task);
      if (inFlight.size >= CONCURRENCY) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    flush();

    current = null;
    progress('finishing', true);
    const removed = items.removeStale(datasetId, generation);
    datasets.setStatus(datasetId, 'ready');
    const report: ImportReport = {
      datasetId,
      added: counters.added,
      updated: counters.updated,
      removed,
      unchanged: counters.unchanged,
      skipped: counters.skipped,
      ignored: counters.ignored,
      ignoredEntries,
      seconds: (performance.now() - started) / 1000,
      dataset: datasets.summary(datasetId)!,
    };
    progress('done', true);
    return report;
  } catch (error) {
    flush();
    const cancelled = hooks.signal?.aborted ?? false;
    const message = cancelled ? 'Import cancelled; the files read so far were kept.' : errorMessage(error);
    datasets.setStatus(datasetId, 'failed', message);
    progress('failed', true, message);
    if (cancelled) throw new ApiError('cancelled', message);
    throw error instanceof ApiError ? error : new ApiError('internal', message);
  }
}

interface ReadContext {
  datasetId: number;
  generation: number;
  textColumn: string | null;
}

/** Reads one file and emits its item(s): one for a media or text file, one per row of a table. */
async function readEntry(entry: FileEntry, linkTarget: string | null, ctx: ReadContext, emit: (input: ItemInput) => void): Promise<void> {
  const base = {
    datasetId: ctx.datasetId,
    path: entry.relPath,
    row: 0,
    size: entry.size,
    mtimeMs: Math.trunc(entry.mtimeMs),
    label: entry.label,
    generation: ctx.generation,
    content: null,
  };
  const skip = (reason: string, format: string | null = null, modality: ItemInput['modality'] = null): void =>
    emit({ ...base, modality, format, hash: null, status: 'skipped', error: reason, meta: {} });

  let head: Uint8Array;
  try {
    head = await readHead(entry.absPath);
  } catch (error) {
    return skip(`cannot read file: ${errorMessage(error)}`);
  }
  const detection = detectFormat(entry.relPath, head);
  if (detection.kind === 'unsupported') return skip(detection.reason);
  const { format, modality } = detection;
  const baseMeta: ItemMeta = { format, ...(detection.note ? { note: detection.note } : {}) };
  if (linkTarget !== null) baseMeta.linkTarget = linkTarget;

  if (TABLE_FORMATS.has(format)) {
    return readTable(entry, format as 'csv' | 'tsv' | 'jsonl', ctx, base, baseMeta, emit);
  }
  const limit = MAX_FILE_BYTES[modality];
  if (entry.size > limit) {
    return skip(`file too large (${formatBytes(entry.size)}; the limit for ${modality} is ${formatBytes(limit)})`, format, modality);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(entry.absPath);
  } catch (error) {
    return skip(`cannot read file: ${errorMessage(error)}`, format, modality);
  }
  const hash = createHash('sha256').update(bytes).digest('hex');
  const ok = (meta: ItemMeta): void =>
    emit({ ...base, modality, format, hash, status: 'ok', error: null, meta: { ...baseMeta, ...meta } });

  if (modality === 'image') {
    const probe = await probeImage(bytes, format);
    if (!probe.ok) return skip(probe.reason, format, modality);
    return ok({ width: probe.width, height: probe.height, channels: probe.channels });
  }
  if (modality === 'audio') {
    const probe = await probeAudio(bytes, format);
    if (!probe.ok) return skip(probe.reason, format, modality);
    return ok({ durationSec: probe.durationSec, sampleRate: probe.sampleRate, audioChannels: probe.channels });
  }
  const text = decodeUtf8(bytes);
  if (!text.ok) return skip(text.reason, format, modality);
  return ok(textMeta(text.text));
}

async function readTable(
  entry: FileEntry,
  format: 'csv' | 'tsv' | 'jsonl',
  ctx: ReadContext,
  base: Omit<ItemInput, 'modality' | 'format' | 'hash' | 'status' | 'error' | 'meta'>,
  baseMeta: ItemMeta,
  emit: (input: ItemInput) => void,
): Promise<void> {
  let rows = 0;
  try {
    for await (const row of readRows(entry.absPath, format, { textColumn: ctx.textColumn ?? undefined })) {
      rows++;
      const label = row.label ?? entry.label;
      if (row.error !== null || row.text === null) {
        emit({ ...base, row: row.row, label, modality: 'text', format, hash: null, status: 'skipped', error: row.error ?? 'no text', meta: {} });
        continue;
      }
      const hash = createHash('sha256').update(row.text).digest('hex');
      emit({
        ...base,
        row: row.row,
        label,
        modality: 'text',
        format,
        hash,
        status: 'ok',
        error: null,
        meta: { ...baseMeta, ...textMeta(row.text) },
        content: row.text,
      });
    }
    if (rows === 0) {
      emit({ ...base, modality: 'text', format, hash: null, status: 'skipped', error: `no data rows in this ${format} file`, meta: {} });
    }
  } catch (error) {
    // A whole-file failure (unreadable, wrong encoding, missing column): one skipped item for the file.
    emit({ ...base, modality: 'text', format, hash: null, status: 'skipped', error: errorMessage(error), meta: {} });
  }
}

async function readHead(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function isTablePath(path: string): boolean {
  return /\.(csv|tsv|jsonl|ndjson)$/i.test(path);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}
