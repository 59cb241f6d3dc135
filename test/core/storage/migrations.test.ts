import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, NewerDatabaseError, openDatabase, schemaVersion } from '../../../src-main/core/storage/db';
import { migrations } from '../../../src-main/core/storage/migrations';

const dirs: string[] = [];
const tempDb = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'pretext-db-'));
  dirs.push(dir);
  return join(dir, 'test.db');
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('openDatabase', () => {
  it('creates a new database at the latest schema version with WAL and foreign keys on', () => {
    const path = tempDb();
    const db = openDatabase(path);
    expect(schemaVersion(db)).toBe(migrations.at(-1)!.version);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });

  it('is idempotent: reopening applies nothing', () => {
    const path = tempDb();
    openDatabase(path).close();
    const db = openDatabase(path);
    expect(migrate(db)).toEqual([]);
    db.close();
  });

  it('refuses a database written by a newer version, naming both versions', () => {
    const path = tempDb();
    const raw = new Database(path);
    raw.pragma('user_version = 9999');
    raw.close();
    expect(() => openDatabase(path)).toThrow(NewerDatabaseError);
    expect(() => openDatabase(path)).toThrow(`schema 9999; this version knows up to ${migrations.at(-1)!.version}`);
  });

  it('applies pending migrations in one transaction: a failing step leaves the old version', () => {
    const db = new Database(':memory:');
    const broken = [
      { version: 1, name: 'ok', up: 'CREATE TABLE a (x INTEGER) STRICT;' },
      { version: 2, name: 'bad', up: 'CREATE TABLE b (x NOPE_TYPE) STRICT;' },
    ];
    expect(() => migrate(db, broken)).toThrow();
    expect(schemaVersion(db)).toBe(0);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'a'`).get()).toBeUndefined();
  });

  it('rejects migrations listed out of order', () => {
    const db = new Database(':memory:');
    const bad = [
      { version: 2, name: 'b', up: 'SELECT 1;' },
      { version: 1, name: 'a', up: 'SELECT 1;' },
    ];
    expect(() => migrate(db, bad)).toThrow(/out of order/);
  });
});

describe('migration 0010: datasets and items', () => {
  it('makes STRICT tables that reject wrong types and bad statuses', () => {
    const db = openDatabase(':memory:');
    const strict = db.prepare(`SELECT name, strict FROM pragma_table_list WHERE name IN ('datasets', 'items')`).all();
    expect(strict).toEqual(
      expect.arrayContaining([
        { name: 'datasets', strict: 1 },
        { name: 'items', strict: 1 },
      ]),
    );
    const now = new Date().toISOString();
    db.prepare(`INSERT INTO datasets (name, root, status, created_at, updated_at) VALUES ('d', '/x', 'ready', ?, ?)`).run(now, now);
    expect(() =>
      db.prepare(`INSERT INTO datasets (name, root, status, created_at, updated_at) VALUES ('e', '/y', 'weird', ?, ?)`).run(now, now),
    ).toThrow(/CHECK constraint/);
    expect(() =>
      db
        .prepare(`INSERT INTO items (dataset_id, path, size, mtime_ms, status, generation) VALUES (1, 'a.png', 'big', 0, 'ok', 1)`)
        .run(),
    ).toThrow(/cannot store TEXT value in INTEGER column/);
    db.close();
  });

  it('deletes items with their dataset and keeps (dataset, path, row) unique', () => {
    const db = openDatabase(':memory:');
    const now = new Date().toISOString();
    db.prepare(`INSERT INTO datasets (id, name, root, status, created_at, updated_at) VALUES (1, 'd', '/x', 'ready', ?, ?)`).run(now, now);
    const insert = db.prepare(
      `INSERT INTO items (dataset_id, path, row, size, mtime_ms, status, generation) VALUES (1, 'a.csv', ?, 1, 0, 'ok', 1)`,
    );
    insert.run(1);
    insert.run(2);
    expect(() => insert.run(1)).toThrow(/UNIQUE/);
    db.prepare(`DELETE FROM datasets WHERE id = 1`).run();
    expect(db.prepare(`SELECT COUNT(*) AS n FROM items`).get()).toEqual({ n: 0 });
    db.close();
  });
});

describe('migration 0020: runs, metrics, checkpoints, vectors', () => {
  it('upgrades a version-10 database that already holds data, keeping it', () => {
    const db = new Database(':memory:');
    migrate(db, migrations.filter((m) => m.version <= 10));
    const now = new Date().toISOString();
    db.prepare(`INSERT INTO datasets (id, name, root, status, created_at, updated_at) VALUES (1, 'd', '/x', 'ready', ?, ?)`).run(now, now);
    db.prepare(`INSERT INTO items (id, dataset_id, path, size, mtime_ms, status, generation) VALUES (7, 1, 'a.png', 1, 0, 'ok', 1)`).run();
    expect(migrate(db, migrations.filter((m) => m.version <= 20))).toEqual([20]);
    expect(db.prepare(`SELECT COUNT(*) AS n FROM items`).get()).toEqual({ n: 1 });
    db.prepare(
      `INSERT INTO runs (id, dataset_id, method, config, seed, status, created_at) VALUES (1, 1, 'simclr', '{}', 0, 'running', ?)`,
    ).run(now);
    db.prepare(`INSERT INTO vectors (run_id, item_id, dim, vector) VALUES (1, 7, 2, ?)`).run(Buffer.from(new Float32Array([1, 2]).buffer));
    db.prepare(`INSERT INTO metrics (run_id, step, epoch, loss, lr, images_per_sec, elapsed_sec) VALUES (1, 1, 1, 2.5, 0.001, 100, 0.5)`).run();
    expect(() => db.prepare(`UPDATE runs SET status = 'exploded' WHERE id = 1`).run()).toThrow(/CHECK/);
    // Removing an item removes its vectors; removing the dataset removes its runs and everything under them.
    db.pragma('foreign_keys = ON');
    db.prepare(`DELETE FROM items WHERE id = 7`).run();
    expect(db.prepare(`SELECT COUNT(*) AS n FROM vectors`).get()).toEqual({ n: 0 });
    db.prepare(`DELETE FROM datasets WHERE id = 1`).run();
    expect(db.prepare(`SELECT COUNT(*) AS n FROM metrics`).get()).toEqual({ n: 0 });
  });
});

describe('migration 0030: projections', () => {
  it('upgrades a version-20 database, stores points as BLOBs in a STRICT table, and drops them with their run', () => {
    const db = new Database(':memory:');
    migrate(db, migrations.filter((m) => m.version <= 20));
    const now = new Date().toISOString();
    db.prepare(`INSERT INTO datasets (id, name, root, status, created_at, updated_at) VALUES (1, 'd', '/x', 'ready', ?, ?)`).run(now, now);
    db.prepare(`INSERT INTO runs (id, dataset_id, method, config, seed, status, created_at) VALUES (1, 1, 'simclr', '{}', 0, 'completed', ?)`).run(now);
    expect(migrate(db, migrations.filter((m) => m.version <= 30))).toEqual([30]);
    expect(db.prepare(`SELECT strict FROM pragma_table_list WHERE name = 'projections'`).get()).toEqual({ strict: 1 });
    const insert = db.prepare(
      `INSERT INTO projections (run_id, method, settings, points, item_ids, coords, fitted_on, pca_components, seconds, created_at)
       VALUES (1, ?, '{}', 1, ?, ?, NULL, 50, ?, ?)`,
    );
    insert.run('umap', Buffer.from(new Int32Array([7]).buffer), Buffer.from(new Float32Array([0.5, -1]).buffer), 1.5, now);
    expect(() => insert.run('tsne', Buffer.alloc(4), Buffer.alloc(8), 1, now)).toThrow(/CHECK/);
    expect(() => insert.run('pca', Buffer.alloc(4), Buffer.alloc(8), 'slow', now)).toThrow(/cannot store TEXT value in REAL column/);
    db.pragma('foreign_keys = ON');
    db.prepare(`DELETE FROM runs WHERE id = 1`).run();
    expect(db.prepare(`SELECT COUNT(*) AS n FROM projections`).get()).toEqual({ n: 0 });
  });
});

describe('migration 0040: leases', () => {
  it('upgrades a version-30 database with a STRICT leases table keyed by resource', () => {
    const db = new Database(':memory:');
    migrate(db, migrations.filter((m) => m.version <= 30));
    expect(migrate(db, migrations.filter((m) => m.version <= 40))).toEqual([40]);
    expect(db.prepare(`SELECT strict FROM pragma_table_list WHERE name = 'leases'`).get()).toEqual({ strict: 1 });
    const put = db.prepare(`INSERT INTO leases (resource, owner, pid, host, acquired_at, heartbeat_ms) VALUES (?, 'o', 1, 'h', 'now', ?)`);
    put.run('run:1', 5);
    expect(() => put.run('run:1', 6)).toThrow(/UNIQUE/);
    expect(() => put.run('run:2', 'soon')).toThrow(/cannot store TEXT value in INTEGER column/);
  });
});

describe('several processes opening one new database', () => {
  it('serialise their migrations: every opener succeeds at the latest version', async () => {
    const { spawn } = await import('node:child_process');
    const child = join(__dirname, 'open-db-child.ts');
    for (let trial = 0; trial < 3; trial++) {
      const path = tempDb();
      const at = Date.now() + 2500; // after every child has started
      const results = await Promise.all(
        Array.from({ length: 4 }, () =>
          new Promise<string>((resolve) => {
            const p = spawn(process.execPath, ['--import', 'tsx', child, path, String(at)]);
            let out = '';
            p.stdout.on('data', (d: Buffer) => (out += d.toString()));
            p.stderr.on('data', (d: Buffer) => (out += d.toString()));
            p.on('exit', () => resolve(out.trim()));
          }),
        ),
      );
      for (const r of results) expect(JSON.parse(r.split('\n').at(-1)!), r).toEqual({ ok: true, version: migrations.at(-1)!.version });
      const db = openDatabase(path);
      expect((db.prepare(`SELECT COUNT(*) AS n FROM datasets`).get() as { n: number }).n).toBe(4);
      db.close();
    }
  });

  it('refuse a newer database before changing anything in it (journal mode included)', () => {
    const path = tempDb();
    const raw = new Database(path);
    raw.pragma('user_version = 9999');
    expect(raw.pragma('journal_mode', { simple: true })).toBe('delete');
    raw.close();
    expect(() => openDatabase(path)).toThrow(NewerDatabaseError);
    const again = new Database(path);
    expect(again.pragma('journal_mode', { simple: true })).toBe('delete');
    again.close();
  });
});
