import type { ItemMeta, ItemRow, ItemsPage, ItemsQuery, ItemStatus, Modality } from '../../../contract';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../db';

interface ItemRecord {
  id: number;
  dataset_id: number;
  path: string;
  row: number;
  modality: Modality | null;
  format: string | null;
  size: number;
  mtime_ms: number;
  hash: string | null;
  label: string | null;
  status: ItemStatus;
  error: string | null;
  meta: string;
  content: string | null;
  generation: number;
}

/** One file or table row to write, as the importer produces it. */
export interface ItemInput {
  datasetId: number;
  path: string;
  /** 0 for a whole file, else the 1-based data row of a csv/tsv/jsonl file. */
  row: number;
  modality: Modality | null;
  format: string | null;
  size: number;
  mtimeMs: number;
  hash: string | null;
  label: string | null;
  status: ItemStatus;
  error: string | null;
  meta: ItemMeta;
  content: string | null;
  generation: number;
}

/** What the media and training code needs to find an item's bytes. */
export interface ItemSource {
  id: number;
  datasetId: number;
  path: string;
  row: number;
  modality: Modality | null;
  format: string | null;
  status: ItemStatus;
  content: string | null;
  /** JSON ItemMeta. */
  meta: string;
}

export interface TrainingItem {
  id: number;
  path: string;
  format: string;
  hash: string;
  label: string | null;
  meta: ItemMeta;
}

const toRow = (r: ItemRecord): ItemRow => ({
  id: r.id,
  datasetId: r.dataset_id,
  path: r.path,
  row: r.row === 0 ? null : r.row,
  modality: r.modality,
  label: r.label,
  size: r.size,
  status: r.status,
  error: r.error,
  meta: JSON.parse(r.meta) as ItemMeta,
});

export const MAX_PAGE = 500;

/** All SQL about items. */
export class ItemsRepository {
  private readonly stmts;
  private readonly pageCache = new Map<string, { count: Statement; rows: Statement }>();
  private readonly upsertMany: (items: readonly ItemInput[]) => void;

  constructor(private readonly db: Db) {
    this.stmts = {
      upsert: db.prepare(
        `INSERT INTO items (dataset_id, path, row, modality, format, size, mtime_ms, hash, label, status, error, meta, content, generation)
         VALUES (@datasetId, @path, @row, @modality, @format, @size, @mtimeMs, @hash, @label, @status, @error, @meta, @content, @generation)
         ON CONFLICT (dataset_id, path, row) DO UPDATE SET
           modality = excluded.modality, format = excluded.format, size = excluded.size, mtime_ms = excluded.mtime_ms,
           hash = excluded.hash, label = excluded.label, status = excluded.status, error = excluded.error,
           meta = excluded.meta, content = excluded.content, generation = excluded.generation`,
      ),
      fileState: db.prepare(
        `SELECT size, mtime_ms AS mtimeMs, COUNT(*) AS n, MAX(json_extract(meta, '$.linkTarget')) AS linkTarget FROM items
         WHERE dataset_id = ? AND path = ? GROUP BY size, mtime_ms`,
      ),
      touchPath: db.prepare(`UPDATE items SET generation = ? WHERE dataset_id = ? AND path = ?`),
      countStale: db.prepare(`SELECT COUNT(*) AS n FROM items WHERE dataset_id = ? AND generation < ?`),
      removeStale: db.prepare(`DELETE FROM items WHERE dataset_id = ? AND generation < ?`),
      keysForPath: db.prepare(`SELECT row FROM items WHERE dataset_id = ? AND path = ?`),
      byId: db.prepare(`SELECT * FROM items WHERE id = ?`),
      forTraining: db.prepare(
        `SELECT id, path, format, hash, label, meta FROM items
         WHERE dataset_id = ? AND status = 'ok' AND modality = ? ORDER BY id`,
      ),
      contents: db.prepare(
        `SELECT id, content FROM items WHERE dataset_id = ? AND status = 'ok' AND modality = ? AND content IS NOT NULL`,
      ),
      source: db.prepare(
        `SELECT id, dataset_id AS datasetId, path, row, modality, format, status, content, meta FROM items WHERE id = ?`,
      ),
    };
    this.upsertMany = db.transaction((items: readonly ItemInput[]) => {
      for (const item of items) this.stmts.upsert.run({ ...item, meta: JSON.stringify(item.meta) });
    });
  }

  /** Writes a batch in one transaction: either all of it lands or none. */
  upsertBatch(items: readonly ItemInput[]): void {
    if (items.length > 0) this.upsertMany(items);
  }

  /**
   * The stored state of a file: its size and mtime when every item from it agrees (one item per
   * file, or one per row of a table), else undefined. The label needs no check: it follows from the path.
   */
  fileState(datasetId: number, path: string): { size: number; mtimeMs: number; items: number; linkTarget: string | null } | undefined {
    const rows = this.stmts.fileState.all(datasetId, path) as { size: number; mtimeMs: number; n: number; linkTarget: string | null }[];
    if (rows.length !== 1) return undefined;
    const r = rows[0]!;
    return { size: r.size, mtimeMs: r.mtimeMs, items: r.n, linkTarget: r.linkTarget };
  }

  /** Stamps every item of an unchanged file with the current generation. */
  touchPath(datasetId: number, path: string, generation: number): number {
    return this.stmts.touchPath.run(generation, datasetId, path).changes;
  }

  /** Row numbers already stored for a file (to tell added from updated). */
  rowsForPath(datasetId: number, path: string): Set<number> {
    return new Set((this.stmts.keysForPath.all(datasetId, path) as { row: number }[]).map((r) => r.row));
  }

  /** Removes items not seen by the import of `generation` (their files vanished or lost rows). */
  removeStale(datasetId: number, generation: number): number {
    return this.stmts.removeStale.run(datasetId, generation).changes;
  }

  countStale(datasetId: number, generation: number): number {
    return (this.stmts.countStale.get(datasetId, generation) as { n: number }).n;
  }

  get(id: number): ItemRow | undefined {
    const r = this.stmts.byId.get(id) as ItemRecord | undefined;
    return r && toRow(r);
  }

  /** The good items of one modality, in a stable order, for training and extraction. */
  forTraining(datasetId: number, modality: Modality): TrainingItem[] {
    return (this.stmts.forTraining.all(datasetId, modality) as (Omit<TrainingItem, 'meta'> & { meta: string })[]).map((r) => ({
      ...r,
      meta: JSON.parse(r.meta) as ItemMeta,
    }));
  }

  /** The text stored in the database for the good items of one modality that have it (table rows), by item id. */
  contents(datasetId: number, modality: Modality): Map<number, string> {
    const rows = this.stmts.contents.all(datasetId, modality) as { id: number; content: string }[];
    return new Map(rows.map((r) => [r.id, r.content]));
  }

  source(id: number): ItemSource | undefined {
    return this.stmts.source.get(id) as ItemSource | undefined;
  }

  page(query: ItemsQuery): ItemsPage {
    const where: string[] = ['dataset_id = @datasetId'];
    const params: Record<string, unknown> = { datasetId: query.datasetId };
    if (query.status) {
      where.push('status = @status');
      params.status = query.status;
    }
    if (query.modality) {
      where.push('modality = @modality');
      params.modality = query.modality;
    }
    if (query.label !== undefined) {
      if (query.label === null) where.push('label IS NULL');
      else {
        where.push('label = @label');
        params.label = query.label;
      }
    }
    const limit = Math.max(1, Math.min(MAX_PAGE, query.limit ?? 100));
    const offset = Math.max(0, query.offset ?? 0);
    const stmts = this.pageStatements(where.join(' AND '));
    const total = (stmts.count.get(params) as { n: number }).n;
    const rows = stmts.rows.all({ ...params, limit, offset }) as ItemRecord[];
    return { items: rows.map(toRow), total };
  }

  /** Filters combine in a handful of shapes; each shape is prepared once. */
  private pageStatements(clause: string): { count: Statement; rows: Statement } {
    let stmts = this.pageCache.get(clause);
    if (!stmts) {
      stmts = {
        count: this.db.prepare(`SELECT COUNT(*) AS n FROM items WHERE ${clause}`),
        rows: this.db.prepare(`SELECT * FROM items WHERE ${clause} ORDER BY path, row LIMIT @limit OFFSET @offset`),
      };
      this.pageCache.set(clause, stmts);
    }
    return stmts;
  }
}
