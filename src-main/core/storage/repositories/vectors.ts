import type { Modality } from '../../../contract';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../db';

/** A run's embeddings as one matrix: row i is the vector of `itemIds[i]`; item ids ascend. */
export interface VectorMatrix {
  itemIds: Int32Array;
  /** [n × dim] float32, row-major. */
  vectors: Float32Array;
  dim: number;
}

/** What a search result or an export row names about an item. */
export interface ItemBrief {
  itemId: number;
  path: string;
  /** 0 for a whole file, else the 1-based data row. */
  row: number;
  label: string | null;
  modality: Modality | null;
}

export interface LoadMatrixOptions {
  /** Allocate the matrix in a SharedArrayBuffer, so a worker can read it without a copy. */
  shared?: boolean;
  onProgress?: (done: number, total: number) => void;
}

const INT32_MAX = 2 ** 31 - 1;
/** Rows per read while loading a matrix: 50,000 × 128-d is 25 MB of BLOBs at a time. */
const MATRIX_CHUNK = 50_000;

/**
 * The one place that reads and writes the vectors table: a run's embeddings written by extraction;
 * whole matrices read in one pass (no per-row objects) for the Explore screen and search; items of
 * a run by id or by path; chunked reads for exports.
 */
export class VectorsRepository {
  private readonly stmts;
  private readonly insertMany: (runId: number, rows: readonly { itemId: number; vector: Float32Array }[]) => void;

  constructor(db: Db) {
    this.stmts = {
      insert: db.prepare(`INSERT OR REPLACE INTO vectors (run_id, item_id, dim, vector) VALUES (?, ?, ?, ?)`),
      clear: db.prepare(`DELETE FROM vectors WHERE run_id = ?`),
      shape: db.prepare(`SELECT COUNT(*) AS n, MIN(dim) AS minDim, MAX(dim) AS maxDim FROM vectors WHERE run_id = ?`),
      matrixChunk: db.prepare(`SELECT item_id, vector FROM vectors WHERE run_id = ? AND item_id > ? ORDER BY item_id LIMIT ?`).raw(true),
      runStamp: db.prepare(`SELECT status, finished_at AS finishedAt, embedding_dim AS dim FROM runs WHERE id = ?`),
      vector: db.prepare(`SELECT dim, vector FROM vectors WHERE run_id = ? AND item_id = ?`),
      labels: db.prepare(
        `SELECT v.item_id, i.label FROM vectors v JOIN items i ON i.id = v.item_id WHERE v.run_id = ? ORDER BY v.item_id`,
      ).raw(true),
      brief: db.prepare(`SELECT id AS itemId, path, row, label, modality FROM items WHERE id = ?`),
      itemInRun: db.prepare(
        `SELECT i.id FROM runs r JOIN items i ON i.dataset_id = r.dataset_id
         JOIN vectors v ON v.run_id = r.id AND v.item_id = i.id
         WHERE r.id = ? AND i.path = ? AND i.row = ?`,
      ),
      orderedIds: db.prepare(
        `SELECT i.id FROM vectors v JOIN items i ON i.id = v.item_id WHERE v.run_id = ? ORDER BY i.path, i.row`,
      ).pluck(),
      orderedSelectedIds: db.prepare(
        `SELECT i.id FROM vectors v JOIN items i ON i.id = v.item_id
         WHERE v.run_id = ? AND v.item_id IN (SELECT value FROM json_each(?)) ORDER BY i.path, i.row`,
      ).pluck(),
      chunkVectors: db.prepare(
        `SELECT i.id AS itemId, i.path, i.row, i.label, i.modality, v.dim, v.vector
         FROM vectors v JOIN items i ON i.id = v.item_id
         WHERE v.run_id = ? AND v.item_id IN (SELECT value FROM json_each(?))`,
      ),
      chunkItems: db.prepare(
        `SELECT i.id AS itemId, i.path, i.row, i.label, i.modality
         FROM vectors v JOIN items i ON i.id = v.item_id
         WHERE v.run_id = ? AND v.item_id IN (SELECT value FROM json_each(?))`,
      ),
    };
    this.insertMany = db.transaction((runId: number, rows: readonly { itemId: number; vector: Float32Array }[]) => {
      for (const r of rows) {
        this.stmts.insert.run(runId, r.itemId, r.vector.length, Buffer.from(r.vector.buffer, r.vector.byteOffset, r.vector.byteLength));
      }
    });
  }

  /** Stores embeddings of a run (replacing any of the same items), in one transaction. */
  add(runId: number, rows: readonly { itemId: number; vector: Float32Array }[]): void {
    if (rows.length > 0) this.insertMany(runId, rows);
  }

  /** Removes every embedding of a run (before it extracts them again). */
  clear(runId: number): void {
    this.stmts.clear.run(runId);
  }

  /** How many vectors a run has and their width (null when it has none). Mixed widths are refused. */
  shape(runId: number): { count: number; dim: number | null } {
    const r = this.stmts.shape.get(runId) as { n: number; minDim: number | null; maxDim: number | null };
    if (r.minDim !== r.maxDim) throw new Error(`Run #${runId} has vectors of different widths (${r.minDim} and ${r.maxDim})`);
    return { count: r.n, dim: r.maxDim };
  }

  /**
   * Every vector of a run, read straight into one preallocated Float32Array (a million 128-d vectors
   * are 512 MB: no intermediate arrays of rows).
   */
  loadMatrix(runId: number, options: LoadMatrixOptions = {}): VectorMatrix {
    const steps = this.loadMatrixSteps(runId, options);
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
    }
  }

  /**
   * loadMatrix in chunks of item ids (keyset pagination), yielding between them so a caller on a
   * busy thread can let other work run: a statement cannot stay open across such a pause.
   */
  *loadMatrixSteps(runId: number, options: LoadMatrixOptions = {}): Generator<number, VectorMatrix> {
    const { count, dim } = this.shape(runId);
    if (count === 0 || dim === null) throw new Error(`Run #${runId} has no embeddings yet`);
    return yield* readMatrixSteps(count, dim, (after, limit) => this.stmts.matrixChunk.all(runId, after, limit) as [number, Buffer][], options, `Run #${runId}`);
  }

  /** What identifies a run's stored vectors: they only change when the run extracts them again. */
  stamp(runId: number): string | undefined {
    const r = this.stmts.runStamp.get(runId) as { status: string; finishedAt: string | null; dim: number | null } | undefined;
    return r && `${r.status}|${r.finishedAt ?? ''}|${r.dim ?? ''}`;
  }

  vector(runId: number, itemId: number): Float32Array | undefined {
    const r = this.stmts.vector.get(runId, itemId) as { dim: number; vector: Buffer } | undefined;
    if (!r) return undefined;
    const copy = new Float32Array(r.dim);
    new Uint8Array(copy.buffer).set(r.vector.subarray(0, r.dim * 4));
    return copy;
  }

  /** The label of every item with a vector in the run, in item-id order. */
  *labels(runId: number): Generator<[itemId: number, label: string | null]> {
    yield* this.stmts.labels.iterate(runId) as Iterable<[number, string | null]>;
  }

  brief(itemId: number): ItemBrief | undefined {
    return this.stmts.brief.get(itemId) as ItemBrief | undefined;
  }

  /** The item of the run's dataset at `path` (and table `row`, 0 for a whole file) that has a vector in the run. */
  findItem(runId: number, path: string, row: number): number | undefined {
    return (this.stmts.itemInRun.get(runId, path, row) as { id: number } | undefined)?.id;
  }

  /**
   * The run's vectors with their items, by path then row (the export order); only `itemIds` when
   * given. Read in chunks, each statement run to completion: a consumer may await between rows (a
   * download waiting for its client) without keeping a statement open, which would leave the
   * connection busy for every other call, and several such reads can run at once.
   */
  *iterateVectors(runId: number, itemIds?: readonly number[]): Generator<VectorRow> {
    for (const rows of this.chunks<VectorDbRow>(this.stmts.chunkVectors, runId, itemIds)) {
      for (const r of rows) {
        const vector = new Float32Array(r.dim);
        new Uint8Array(vector.buffer).set(r.vector.subarray(0, r.dim * 4));
        yield { itemId: r.itemId, path: r.path, row: r.row, label: r.label, modality: r.modality, vector };
      }
    }
  }

  /** The run's items with a vector, by path then row; only `itemIds` when given. Chunked like iterateVectors. */
  *iterateItems(runId: number, itemIds?: readonly number[]): Generator<ItemBrief> {
    for (const rows of this.chunks<ItemBrief>(this.stmts.chunkItems, runId, itemIds)) yield* rows;
  }

  /** Rows of `chunk` for the run's ordered item ids, EXPORT_CHUNK ids at a time, in that order. */
  private *chunks<T extends { itemId: number }>(chunk: Statement, runId: number, itemIds?: readonly number[]): Generator<T[]> {
    const ids = (itemIds === undefined ? this.stmts.orderedIds.all(runId) : this.stmts.orderedSelectedIds.all(runId, JSON.stringify(itemIds))) as number[];
    for (let start = 0; start < ids.length; start += EXPORT_CHUNK) {
      const slice = ids.slice(start, start + EXPORT_CHUNK);
      const byId = new Map<number, T>();
      for (const r of chunk.all(runId, JSON.stringify(slice)) as T[]) byId.set(r.itemId, r);
      // Items deleted since the ids were read (a re-import) are left out.
      yield slice.map((id) => byId.get(id)).filter((r): r is T => r !== undefined);
    }
  }
}

/**
 * Reads `count` vectors of `dim` into one preallocated matrix, in chunks of ascending item ids that
 * `chunk(afterItemId, limit)` returns as raw [itemId, blob] rows, yielding after each chunk.
 * `owner` names whose vectors they are in messages ("Run #3", "Vector set #2").
 */
export function* readMatrixSteps(
  count: number,
  dim: number,
  chunk: (afterItemId: number, limit: number) => [number, Buffer][],
  options: LoadMatrixOptions,
  owner: string,
): Generator<number, VectorMatrix> {
  const bytes = count * dim * 4;
  const vectors = new Float32Array(options.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  const itemIds = new Int32Array(options.shared ? new SharedArrayBuffer(count * 4) : new ArrayBuffer(count * 4));
  const bytesView = new Uint8Array(vectors.buffer);
  let i = 0;
  let after = -1;
  while (i < count) {
    const rows = chunk(after, Math.min(MATRIX_CHUNK, count - i));
    if (rows.length === 0) break;
    for (const [itemId, blob] of rows) {
      if (itemId > INT32_MAX) throw new Error(`item id ${itemId} does not fit the 32-bit ids of the explorer`);
      itemIds[i] = itemId;
      bytesView.set(blob.subarray(0, dim * 4), i * dim * 4);
      i++;
      after = itemId;
    }
    options.onProgress?.(i, count);
    if (i < count) yield i;
  }
  if (i < count) throw new Error(`${owner} lost vectors while they were read (${i} of ${count}); try again`);
  return { itemIds, vectors, dim };
}

/** A stored vector with what an export row names about its item. */
export interface VectorRow extends ItemBrief {
  vector: Float32Array;
}

interface VectorDbRow extends ItemBrief {
  dim: number;
  vector: Buffer;
}

/** Items per chunk of an export read: 1,000 × 128-d is half a megabyte. */
const EXPORT_CHUNK = 1000;
