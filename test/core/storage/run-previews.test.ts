/** Migration 0070 (run previews) and its repository. */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../../src-main/core/storage/db';
import { migrations } from '../../../src-main/core/storage/migrations';
import { PreviewsRepository, type PreviewRecord } from '../../../src-main/core/storage/repositories/previews';

const record = (epoch: number, over: Partial<PreviewRecord> = {}): PreviewRecord => ({
  runId: 1,
  epoch,
  step: epoch * 7,
  path: `pretext.db-files/previews/run-1/epoch-${epoch}.png`,
  rows: ['Original', 'Reconstruction'],
  itemIds: [8, 7],
  cell: 64,
  gap: 2,
  width: 130,
  height: 130,
  bytes: 900,
  ...over,
});

function withRun(db: Database.Database): void {
  const now = new Date().toISOString();
  db.prepare(`INSERT INTO datasets (id, name, root, status, created_at, updated_at) VALUES (1, 'd', '/x', 'ready', ?, ?)`).run(now, now);
  const item = db.prepare(`INSERT INTO items (id, dataset_id, path, label, size, mtime_ms, status, generation) VALUES (?, 1, ?, ?, 1, 0, 'ok', 1)`);
  item.run(7, 'dots/a.png', 'dots');
  item.run(8, 'stripes/b.png', 'stripes');
  db.prepare(`INSERT INTO runs (id, dataset_id, method, config, seed, status, created_at) VALUES (1, 1, 'vae', '{}', 0, 'running', ?)`).run(now);
}

describe('migration 0070: run previews', () => {
  it('upgrades a version-60 database with a STRICT table, one strip per run and epoch, dropped with its run', () => {
    const db = new Database(':memory:');
    migrate(db, migrations.filter((m) => m.version <= 60));
    withRun(db);
    expect(migrate(db, migrations.filter((m) => m.version <= 70))).toEqual([70]);
    expect(db.prepare(`SELECT strict FROM pragma_table_list WHERE name = 'run_previews'`).get()).toEqual({ strict: 1 });
    const insert = db.prepare(
      `INSERT INTO run_previews (run_id, epoch, step, path, rows, item_ids, cell, gap, width, height, bytes, created_at)
       VALUES (1, ?, 7, 'p.png', '[]', '[]', ?, 2, 10, 10, 100, 'now')`,
    );
    insert.run(1, 64);
    expect(() => insert.run(1, 64)).toThrow(/UNIQUE|PRIMARY KEY/);
    expect(() => insert.run(2, 'big')).toThrow(/cannot store TEXT value in INTEGER column/);
    db.pragma('foreign_keys = ON');
    db.prepare(`DELETE FROM runs WHERE id = 1`).run();
    expect(db.prepare(`SELECT COUNT(*) AS n FROM run_previews`).get()).toEqual({ n: 0 });
  });
});

describe('PreviewsRepository', () => {
  it('lists a run’s strips by epoch with the items in column order, replaces an epoch’s strip, and forgets later ones', () => {
    const db = openDatabase(':memory:');
    withRun(db);
    const previews = new PreviewsRepository(db);
    previews.save(record(2));
    previews.save(record(1));
    previews.save(record(1, { step: 8 }));
    const listed = previews.list(1);
    expect(listed.map((p) => [p.epoch, p.step])).toEqual([
      [1, 8],
      [2, 14],
    ]);
    expect(listed[0]).toMatchObject({
      runId: 1,
      rows: ['Original', 'Reconstruction'],
      items: [
        { itemId: 8, path: 'stripes/b.png', label: 'stripes' },
        { itemId: 7, path: 'dots/a.png', label: 'dots' },
      ],
      cell: 64,
      gap: 2,
      width: 130,
    });
    expect(previews.get(1, 2)?.path).toBe('pretext.db-files/previews/run-1/epoch-2.png');
    expect(previews.get(1, 3)).toBeUndefined();
    expect(previews.removeAfter(1, 1).map((p) => p.epoch)).toEqual([2]);
    expect(previews.list(1).map((p) => p.epoch)).toEqual([1]);
    db.close();
  });
});
