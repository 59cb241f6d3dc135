import type { RunPreview } from '../../../contract';
import type { Db } from '../db';

interface PreviewDbRow {
  run_id: number;
  epoch: number;
  step: number;
  path: string;
  rows: string;
  item_ids: string;
  cell: number;
  gap: number;
  width: number;
  height: number;
  bytes: number;
  created_at: string;
}

/** A preview strip as stored: its description and its file (relative to the database's folder). */
export interface PreviewRecord {
  runId: number;
  epoch: number;
  step: number;
  path: string;
  rows: string[];
  itemIds: number[];
  cell: number;
  gap: number;
  width: number;
  height: number;
  bytes: number;
}

/** All SQL about run previews (the strips of reconstructions a run draws after each epoch). */
export class PreviewsRepository {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      upsert: db.prepare(
        `INSERT OR REPLACE INTO run_previews (run_id, epoch, step, path, rows, item_ids, cell, gap, width, height, bytes, created_at)
         VALUES (@runId, @epoch, @step, @path, @rows, @itemIds, @cell, @gap, @width, @height, @bytes, @createdAt)`,
      ),
      byRun: db.prepare(`SELECT * FROM run_previews WHERE run_id = ? ORDER BY epoch`),
      one: db.prepare(`SELECT * FROM run_previews WHERE run_id = ? AND epoch = ?`),
      after: db.prepare(`SELECT * FROM run_previews WHERE run_id = ? AND epoch > ? ORDER BY epoch`),
      removeAfter: db.prepare(`DELETE FROM run_previews WHERE run_id = ? AND epoch > ?`),
      // Paths and labels of the items shown, in the order given (a JSON array of item ids).
      items: db.prepare(
        `SELECT i.id AS itemId, i.path, i.label FROM json_each(?) j JOIN items i ON i.id = j.value ORDER BY j.key`,
      ),
    };
  }

  save(record: PreviewRecord): void {
    this.stmts.upsert.run({ ...record, rows: JSON.stringify(record.rows), itemIds: JSON.stringify(record.itemIds), createdAt: new Date().toISOString() });
  }

  list(runId: number): RunPreview[] {
    return (this.stmts.byRun.all(runId) as PreviewDbRow[]).map((r) => this.toPreview(r));
  }

  /** The stored record of one epoch's strip, or undefined. */
  get(runId: number, epoch: number): PreviewRecord | undefined {
    const row = this.stmts.one.get(runId, epoch) as PreviewDbRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** Forgets the strips drawn after `epoch` (a resumed run draws them again); returns their records, for their files. */
  removeAfter(runId: number, epoch: number): PreviewRecord[] {
    const removed = (this.stmts.after.all(runId, epoch) as PreviewDbRow[]).map(toRecord);
    this.stmts.removeAfter.run(runId, epoch);
    return removed;
  }

  private toPreview(r: PreviewDbRow): RunPreview {
    return {
      runId: r.run_id,
      epoch: r.epoch,
      step: r.step,
      rows: JSON.parse(r.rows) as string[],
      items: this.stmts.items.all(r.item_ids) as RunPreview['items'],
      cell: r.cell,
      gap: r.gap,
      width: r.width,
      height: r.height,
      createdAt: r.created_at,
    };
  }
}

const toRecord = (r: PreviewDbRow): PreviewRecord => ({
  runId: r.run_id,
  epoch: r.epoch,
  step: r.step,
  path: r.path,
  rows: JSON.parse(r.rows) as string[],
  itemIds: JSON.parse(r.item_ids) as number[],
  cell: r.cell,
  gap: r.gap,
  width: r.width,
  height: r.height,
  bytes: r.bytes,
});
