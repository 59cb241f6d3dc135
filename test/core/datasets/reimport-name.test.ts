import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { checkPath } from '../../../src-main/core/app';
import { importFolder } from '../../../src-main/core/datasets/import';
import { openDatabase, type Db } from '../../../src-main/core/storage/db';
import { DatasetsRepository } from '../../../src-main/core/storage/repositories/datasets';

let root: string;
let folder: string;
let db: Db;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'pretext-reimport-'));
  folder = join(root, 'shapes');
  mkdirSync(folder);
  writeFileSync(join(folder, 'note.txt'), 'A circle on a blue background.');
  db = openDatabase(':memory:');
});
afterEach(() => {
  db.close();
  rmSync(root, { recursive: true, force: true });
});

const names = (): string[] => new DatasetsRepository(db).list().map((d) => d.name);

test('a re-import without a name keeps the name given before', async () => {
  const first = await importFolder(db, { path: folder, name: 'demo: shapes' });
  expect(first.dataset.name).toBe('demo: shapes');
  const again = await importFolder(db, { path: folder });
  expect(again.datasetId).toBe(first.datasetId);
  expect(again.dataset.name).toBe('demo: shapes');
  // A blank name is no name.
  expect((await importFolder(db, { path: folder, name: '  ' })).dataset.name).toBe('demo: shapes');
  expect(names()).toEqual(['demo: shapes']);
});

test('a re-import with a new name renames the dataset', async () => {
  await importFolder(db, { path: folder, name: 'demo: shapes' });
  expect((await importFolder(db, { path: folder, name: 'my shapes' })).dataset.name).toBe('my shapes');
  expect((await importFolder(db, { path: folder })).dataset.name).toBe('my shapes');
});

test('a first import without a name takes the folder name', async () => {
  expect((await importFolder(db, { path: folder })).dataset.name).toBe('shapes');
});

test('a relative path is the same folder as its absolute path: same dataset, same name', async () => {
  const first = await importFolder(db, { path: folder, name: 'demo: shapes' });
  const rel = relative(process.cwd(), folder);
  const check = await checkPath(rel);
  expect(check).toMatchObject({ ok: true, kind: 'directory', resolved: folder });
  const again = await importFolder(db, { path: rel });
  expect(again.datasetId).toBe(first.datasetId);
  expect(again.dataset.root).toBe(folder);
  expect(again.dataset.name).toBe('demo: shapes');
});
