import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importFolder } from '../../src-main/core/datasets/import';
import { MediaService } from '../../src-main/core/media';
import { openDatabase, type Db } from '../../src-main/core/storage/db';
import { DatasetsRepository } from '../../src-main/core/storage/repositories/datasets';
import { ItemsRepository } from '../../src-main/core/storage/repositories/items';

/** The media route reads files at request time: where a path leads then is checked, not trusted. */
let dir: string;
let db: Db;
let media: MediaService;
let items: ItemsRepository;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-media-'));
  db = openDatabase(join(dir, 'media.db'));
  items = new ItemsRepository(db);
  media = new MediaService(new DatasetsRepository(db), items);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const idOf = (datasetId: number, path: string): number =>
  (db.prepare(`SELECT id FROM items WHERE dataset_id = ? AND path = ?`).get(datasetId, path) as { id: number }).id;

describe('media behind symbolic links', () => {
  it('refuses a file replaced after import by a link to something outside the dataset', async () => {
    const root = join(dir, 'notes');
    mkdirSync(root);
    writeFileSync(join(root, 'a.txt'), 'hello');
    const secret = join(dir, 'secret.txt');
    writeFileSync(secret, 'top secret');
    const { datasetId } = await importFolder(db, { path: root });
    const id = idOf(datasetId, 'a.txt');
    expect(Buffer.from((await media.get(id, 'text')).body).toString()).toBe('hello');

    unlinkSync(join(root, 'a.txt'));
    symlinkSync(secret, join(root, 'a.txt'));
    await expect(media.get(id, 'text')).rejects.toMatchObject({ code: 'bad_request', message: expect.stringMatching(/now leads outside the dataset folder/) });
  });

  it('serves a file a link led to at import, and refuses once the link leads elsewhere', async () => {
    const root = join(dir, 'linked');
    const photos = join(dir, 'elsewhere');
    mkdirSync(root);
    mkdirSync(photos);
    writeFileSync(join(photos, 'b.txt'), 'linked in');
    writeFileSync(join(dir, 'other.txt'), 'not imported');
    symlinkSync(photos, join(root, 'shelf')); // a folder linked in, as people do with media libraries
    const { datasetId } = await importFolder(db, { path: root });
    const id = idOf(datasetId, 'shelf/b.txt');
    expect(Buffer.from((await media.get(id, 'text')).body).toString()).toBe('linked in');

    unlinkSync(join(photos, 'b.txt'));
    symlinkSync(join(dir, 'other.txt'), join(photos, 'b.txt'));
    await expect(media.get(id, 'text')).rejects.toMatchObject({ code: 'bad_request' });
    // Re-importing records where the link leads now, and the file is served again.
    await importFolder(db, { path: root });
    expect(Buffer.from((await media.get(idOf(datasetId, 'shelf/b.txt'), 'text')).body).toString()).toBe('not imported');
  });

  it('says when the file is gone', async () => {
    const root = join(dir, 'gone');
    mkdirSync(root);
    writeFileSync(join(root, 'c.txt'), 'bye');
    const { datasetId } = await importFolder(db, { path: root });
    unlinkSync(join(root, 'c.txt'));
    await expect(media.get(idOf(datasetId, 'c.txt'), 'text')).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/no longer exists; re-import/) });
  });
});

describe('import report', () => {
  it('lists every entry passed over with its reason', async () => {
    const root = join(dir, 'mixed');
    mkdirSync(join(root, 'cats'), { recursive: true });
    writeFileSync(join(root, 'cats', 'a.txt'), 'a');
    writeFileSync(join(root, '.hidden'), 'h');
    symlinkSync('..', join(root, 'cats', 'up'));
    symlinkSync('nowhere', join(root, 'broken.txt'));
    const report = await importFolder(db, { path: root });
    expect(report.ignored).toBe(3);
    expect(report.ignoredEntries).toEqual([
      { path: '.hidden', reason: 'hidden file' },
      { path: 'broken.txt', reason: 'broken symbolic link (ENOENT: its target does not exist)' },
      { path: 'cats/up', reason: 'symbolic link loop (it leads back to the dataset folder itself)' },
    ]);
  });
});
