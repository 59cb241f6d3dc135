import type { DatasetStatus, DatasetSummary, LabelCount, Modality } from '../../../contract';
import type { Db } from '../db';

interface DatasetRecord {
  id: number;
  name: string;
  root: string;
  status: DatasetStatus;
  text_column: string | null;
  generation: number;
  error: string | null;
  created_at: string;
  updated_at: string;
}

export interface DatasetRow {
  id: number;
  name: string;
  root: string;
  status: DatasetStatus;
  textColumn: string | null;
  generation: number;
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

const toRow = (r: DatasetRecord): DatasetRow => ({
  id: r.id,
  name: r.name,
  root: r.root,
  status: r.status,
  textColumn: r.text_column,
  generation: r.generation,
  error: r.error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const now = (): string => new Date().toISOString();

export const IMPORT_INTERRUPTED_MESSAGE = 'The Pretext process importing this folder stopped; re-import to finish it (the files read so far were kept)';

/** All SQL about datasets. Statements are prepared once per connection. */
export class DatasetsRepository {
  private readonly stmts;

  constructor(private readonly db: Db) {
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO datasets (name, root, status, text_column, generation, created_at, updated_at)
         VALUES (@name, @root, 'importing', @textColumn, 0, @now, @now)`,
      ),
      byId: db.prepare(`SELECT * FROM datasets WHERE id = ?`),
      byRoot: db.prepare(`SELECT * FROM datasets WHERE root = ?`),
      all: db.prepare(`SELECT * FROM datasets ORDER BY id`),
      setStatus: db.prepare(`UPDATE datasets SET status = ?, error = ?, updated_at = ? WHERE id = ?`),
      startImport: db.prepare(
        `UPDATE datasets SET status = 'importing', error = NULL, generation = generation + 1,
           text_column = ?, name = ?, updated_at = ? WHERE id = ? RETURNING generation`,
      ),
      remove: db.prepare(`DELETE FROM datasets WHERE id = ?`),
      markInterrupted: db.prepare(`UPDATE datasets SET status = 'failed', error = ?, updated_at = ? WHERE id = ? AND status = 'importing'`),
      importing: db.prepare(`SELECT * FROM datasets WHERE status = 'importing'`),
      countsByModality: db.prepare(
        `SELECT modality, COUNT(*) AS n FROM items WHERE dataset_id = ? AND status = 'ok' GROUP BY modality`,
      ),
      skipped: db.prepare(`SELECT COUNT(*) AS n FROM items WHERE dataset_id = ? AND status = 'skipped'`),
      labels: db.prepare(
        `SELECT label, COUNT(*) AS n FROM items WHERE dataset_id = ? AND status = 'ok'
         GROUP BY label ORDER BY label IS NULL, label`,
      ),
    };
  }

  create(input: { name: string; root: string; textColumn: string | null }): DatasetRow {
    const info = this.stmts.insert.run({ ...input, now: now() });
    return this.get(Number(info.lastInsertRowid))!;
  }

  get(id: number): DatasetRow | undefined {
    const r = this.stmts.byId.get(id) as DatasetRecord | undefined;
    return r && toRow(r);
  }

  findByRoot(root: string): DatasetRow | undefined {
    const r = this.stmts.byRoot.get(root) as DatasetRecord | undefined;
    return r && toRow(r);
  }

  list(): DatasetRow[] {
    return (this.stmts.all.all() as DatasetRecord[]).map(toRow);
  }

  /** Marks the dataset as importing and returns the new generation number stamped on every item seen. */
  startImport(id: number, name: string, textColumn: string | null): number {
    const r = this.stmts.startImport.get(textColumn, name, now(), id) as { generation: number };
    return r.generation;
  }

  setStatus(id: number, status: DatasetStatus, error: string | null = null): void {
    this.stmts.setStatus.run(status, error, now(), id);
  }

  /** An import whose process died or was stopped can only be re-run; say so. */
  markInterruptedImport(id: number, message = IMPORT_INTERRUPTED_MESSAGE): boolean {
    return this.stmts.markInterrupted.run(message, now(), id).changes > 0;
  }

  /** Datasets marked 'importing' (live, or left so by a process that died). */
  importing(): DatasetRow[] {
    return (this.stmts.importing.all() as DatasetRecord[]).map(toRow);
  }

  remove(id: number): boolean {
    return this.stmts.remove.run(id).changes > 0;
  }

  summary(id: number): DatasetSummary | undefined {
    const d = this.get(id);
    if (!d) return undefined;
    const counts: Record<Modality, number> = { image: 0, text: 0, audio: 0 };
    let total = 0;
    for (const r of this.stmts.countsByModality.all(id) as { modality: Modality | null; n: number }[]) {
      if (r.modality) counts[r.modality] = r.n;
      total += r.n;
    }
    const labels: LabelCount[] = (this.stmts.labels.all(id) as { label: string | null; n: number }[]).map((r) => ({
      label: r.label,
      count: r.n,
    }));
    const skipped = (this.stmts.skipped.get(id) as { n: number }).n;
    return {
      id: d.id,
      name: d.name,
      root: d.root,
      status: d.status,
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
      counts,
      total,
      skipped,
      labels,
      error: d.error,
    };
  }
}
