import { createHash } from 'node:crypto';
import { open, readFile, realpath, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { ApiError, MAX_IGNORED_LISTED, type IgnoredEntry, type ImportOptions, type ImportProgress, type ImportReport, type ItemMeta } from '../../contract';
import { cannot } from '../errors';
import type { Db } from '../storage/db';
import { DatasetsRepository } from '../storage/repositories/datasets';
import { ItemsRepository, type ItemInput } from '../storage/repositories/items';
import { detectFormat, EXTENSION_FORMAT, extensionOf, type FileFormat } from './detect';
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
/** How many files, read or being read, may wait for an earlier one still being read (each holds its item, not its bytes). */
const WRITE_WINDOW = 64;
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
 * time and written in batches, so memory stays bounded for any folder size. Items are written in the
 * walk's order (paths in order, a table's rows in file order) however the concurrent reads finish, so
 * every fresh import of a folder numbers its items alike. A bad file never stops the import; it is
 * recorded with its reason. Items already written stay written if the import fails or is cancelled;
 * items whose files disappeared are removed only once a walk completes.
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

    const reads = new OrderedReads((file) => {
      for (const input of file.items) record(input, file.existingRows.has(input.row));
      counters.filesDone++;
      progress('importing');
    });
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
      const ctx = { datasetId, generation, textColumn };
      if (isTablePath(entry.relPath)) {
        // A table can hold millions of rows, so it is not held back behind other files: it is read
        // alone once the files before it are written, its rows going straight to the database.
        await reads.drain();
        await readEntry(entry, linkTarget, ctx, (input) => record(input, existingRows.has(input.row)));
        counters.filesDone++;
        progress('importing');
        continue;
      }
      reads.start((emit) => readEntry(entry, linkTarget, ctx, emit), existingRows);
      await reads.makeRoom(CONCURRENCY, WRITE_WINDOW);
    }
    await reads.drain();
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

/** A file read in the background, with the items it gave and the rows already stored for its path. */
interface FileRead {
  items: ItemInput[];
  existingRows: Set<number>;
  settled: Promise<void>;
  done: boolean;
  failure: { error: unknown } | null;
}

/**
 * Files read concurrently but written in the order they were started (the walk's order: paths in
 * order), whichever read finishes first. Decoding runs concurrently, so without this the items of
 * one folder would get their ids, and so their training and extraction order, in a different order
 * on every import. Only the importer's own calls write, never a read's callback, so a write that
 * fails (or a read that throws) fails the import.
 */
class OrderedReads {
  /** Files started and not yet written, in the order they were started. */
  private readonly queue: FileRead[] = [];
  private readonly reading = new Set<Promise<void>>();

  constructor(private readonly write: (file: FileRead) => void) {}

  start(read: (emit: (input: ItemInput) => void) => Promise<void>, existingRows: Set<number>): void {
    const items: ItemInput[] = [];
    const file: FileRead = {
      items,
      existingRows,
      done: false,
      failure: null,
      settled: read((input) => items.push(input))
        .catch((error: unknown) => {
          file.failure = { error };
        })
        .finally(() => {
          file.done = true;
          this.reading.delete(file.settled);
        }),
    };
    this.reading.add(file.settled);
    this.queue.push(file);
  }

  /** Writes what is ready, then waits until fewer than `reading` files are being read and fewer than `waiting` are unwritten. */
  async makeRoom(reading: number, waiting: number): Promise<void> {
    this.writeReady();
    while (this.reading.size >= reading || this.queue.length >= waiting) {
      await (this.queue.length >= waiting ? this.queue[0]!.settled : Promise.race(this.reading));
      this.writeReady();
    }
  }

  /** Waits for every file started and writes them all. */
  async drain(): Promise<void> {
    await Promise.all(this.queue.map((file) => file.settled));
    this.writeReady();
  }

  /** Writes the files read so far that have no unread file before them. */
  private writeReady(): void {
    while (this.queue[0]?.done) {
      const file = this.queue.shift()!;
      if (file.failure) throw file.failure.error;
      this.write(file);
    }
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

/** Whether detectFormat reads a file with this name as a table (when its content is text). */
function isTablePath(path: string): boolean {
  const format = EXTENSION_FORMAT[extensionOf(path)];
  return format !== undefined && TABLE_FORMATS.has(format);
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
