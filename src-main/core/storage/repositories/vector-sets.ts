import type { VectorSetSummary } from '../../../contract';
import type { Db } from '../db';
import { readMatrixSteps, type LoadMatrixOptions, type VectorMatrix } from './vectors';

interface SetRow {
  id: number;
  run_id: number;
  dataset_id: number;
  dataset_name: string;
  root: string;
  status: VectorSetSummary['status'];
  dim: number;
  skipped: string;
  error: string | null;
  created_at: string;
  finished_at: string | null;
  vectors: number;
}

const toSummary = (r: SetRow): VectorSetSummary => ({
  id: r.id,
  runId: r.run_id,
  datasetId: r.dataset_id,
  datasetName: r.dataset_name,
  root: r.root,
  status: r.status,
  dim: r.dim,
  vectors: r.vectors,
  skipped: JSON.parse(r.skipped) as { path: string; reason: string }[],
  error: r.error,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});

const SELECT = `SELECT s.*, d.name AS dataset_name, d.root,
  (SELECT COUNT(*) FROM set_vectors v WHERE v.set_id = s.id) AS vectors
  FROM vector_sets s JOIN datasets d ON d.id = s.dataset_id`;

/** Items per chunk of an export read (see VectorsRepository.iterateVectors for why chunks). */
const CHUNK = 1000;

/** All SQL about vector sets: a run's embeddings of another dataset. */
export class VectorSetsRepository {
  private readonly stmts;
  private readonly insert: (setId: number, rows: readonly { itemId: number; vector: Float32Array }[]) => void;

  constructor(db: Db) {
    this.stmts = {
      create: db.prepare(`INSERT INTO vector_sets (run_id, dataset_id, status, dim, created_at) VALUES (?, ?, 'running', ?, ?)`),
      get: db.prepare(`${SELECT} WHERE s.id = ?`),
      byRun: db.prepare(`${SELECT} WHERE s.run_id = ? ORDER BY s.id`),
      finish: db.prepare(`UPDATE vector_sets SET status = ?, skipped = ?, error = ?, finished_at = ? WHERE id = ?`),
      vector: db.prepare(`INSERT OR REPLACE INTO set_vectors (set_id, item_id, vector) VALUES (?, ?, ?)`),
      page: db.prepare(
        `SELECT i.id AS itemId, i.path, i.row, i.label, i.modality, v.vector FROM set_vectors v JOIN items i ON i.id = v.item_id
         WHERE v.set_id = ? AND (i.path, i.row) > (?, ?) ORDER BY i.path, i.row LIMIT ?`,
      ),
      remove: db.prepare(`DELETE FROM vector_sets WHERE id = ?`),
      count: db.prepare(`SELECT COUNT(*) FROM set_vectors WHERE set_id = ?`).pluck(),
      stamp: db.prepare(`SELECT status, finished_at AS finishedAt, (SELECT COUNT(*) FROM set_vectors v WHERE v.set_id = s.id) AS n FROM vector_sets s WHERE id = ?`),
      matrixChunk: db.prepare(`SELECT item_id, vector FROM set_vectors WHERE set_id = ? AND item_id > ? ORDER BY item_id LIMIT ?`).raw(true),
      vectorOf: db.prepare(`SELECT s.dim, v.vector FROM set_vectors v JOIN vector_sets s ON s.id = v.set_id WHERE v.set_id = ? AND v.item_id = ?`),
      itemInSet: db.prepare(
        `SELECT i.id FROM vector_sets s JOIN items i ON i.dataset_id = s.dataset_id
         JOIN set_vectors v ON v.set_id = s.id AND v.item_id = i.id
         WHERE s.id = ? AND i.path = ? AND i.row = ?`,
      ).pluck(),
    };
    this.insert = db.transaction((setId: number, rows: readonly { itemId: number; vector: Float32Array }[]) => {
      for (const r of rows) this.stmts.vector.run(setId, r.itemId, Buffer.from(r.vector.buffer, r.vector.byteOffset, r.vector.byteLength));
    });
  }

  create(runId: number, datasetId: number, dim: number): number {
    return Number(this.stmts.create.run(runId, datasetId, dim, new Date().toISOString()).lastInsertRowid);
  }

  get(id: number): VectorSetSummary | undefined {
    const r = this.stmts.get.get(id) as SetRow | undefined;
    return r && toSummary(r);
  }

  list(runId: number): VectorSetSummary[] {
    return (this.stmts.byRun.all(runId) as SetRow[]).map(toSummary);
  }

  addVectors(setId: number, rows: readonly { itemId: number; vector: Float32Array }[]): void {
    if (rows.length > 0) this.insert(setId, rows);
  }

  finish(id: number, status: Exclude<VectorSetSummary['status'], 'running'>, skipped: { path: string; reason: string }[], error: string | null = null): void {
    this.stmts.finish.run(status, JSON.stringify(skipped), error, new Date().toISOString(), id);
  }

  remove(id: number): boolean {
    return this.stmts.remove.run(id).changes > 0;
  }

  /** What identifies a set's stored vectors: they change while it is embedded, and when a re-import of its folder drops items. */
  stamp(id: number): string | undefined {
    const r = this.stmts.stamp.get(id) as { status: string; finishedAt: string | null; n: number } | undefined;
    return r && `${r.status}|${r.finishedAt ?? ''}|${r.n}`;
  }

  /** Every vector of the set as one matrix, rows by ascending item id, read in chunks (see VectorsRepository.loadMatrixSteps). */
  *loadMatrixSteps(id: number, options: LoadMatrixOptions = {}): Generator<number, VectorMatrix> {
    const set = this.get(id);
    const count = this.stmts.count.get(id) as number;
    if (!set || count === 0) throw new Error(`Vector set #${id} has no vectors`);
    return yield* readMatrixSteps(count, set.dim, (after, limit) => this.stmts.matrixChunk.all(id, after, limit) as [number, Buffer][], options, `Vector set #${id}`);
  }

  /** The set's vector of one item, or undefined when the item has none in it. */
  vector(id: number, itemId: number): Float32Array | undefined {
    const r = this.stmts.vectorOf.get(id, itemId) as { dim: number; vector: Buffer } | undefined;
    if (!r) return undefined;
    const copy = new Float32Array(r.dim);
    new Uint8Array(copy.buffer).set(r.vector.subarray(0, r.dim * 4));
    return copy;
  }

  /** The item of the set's dataset at `path` (and table `row`, 0 for a whole file) that has a vector in the set. */
  findItem(id: number, path: string, row: number): number | undefined {
    return this.stmts.itemInSet.get(id, path, row) as number | undefined;
  }

  /** The set's vectors with their items, by path then row, read in keyset-paged chunks (no statement held open). */
  *iterateVectors(setId: number, dim: number): Generator<{ itemId: number; path: string; row: number; label: string | null; vector: Float32Array }> {
    let after: [string, number] = ['', -1];
    for (;;) {
      const rows = this.stmts.page.all(setId, after[0], after[1], CHUNK) as { itemId: number; path: string; row: number; label: string | null; vector: Buffer }[];
      for (const r of rows) {
        const vector = new Float32Array(dim);
        new Uint8Array(vector.buffer).set(r.vector.subarray(0, dim * 4));
        yield { itemId: r.itemId, path: r.path, row: r.row, label: r.label, vector };
      }
      if (rows.length < CHUNK) return;
      const last = rows.at(-1)!;
      after = [last.path, last.row];
    }
  }
}
