import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src-main/core/storage/db';
import { DatasetsRepository } from '../../../src-main/core/storage/repositories/datasets';
import { ItemsRepository, type ItemInput } from '../../../src-main/core/storage/repositories/items';

function setup() {
  const db = openDatabase(':memory:');
  const datasets = new DatasetsRepository(db);
  const items = new ItemsRepository(db);
  const d = datasets.create({ name: 'pets', root: '/data/pets', textColumn: null });
  const generation = datasets.startImport(d.id, 'pets', null);
  const item = (over: Partial<ItemInput>): ItemInput => ({
    datasetId: d.id,
    path: 'cats/a.png',
    row: 0,
    modality: 'image',
    format: 'png',
    size: 100,
    mtimeMs: 1,
    hash: 'h',
    label: 'cats',
    status: 'ok',
    error: null,
    meta: { width: 2, height: 2 },
    content: null,
    generation,
    ...over,
  });
  return { db, datasets, items, d, generation, item };
}

describe('DatasetsRepository', () => {
  it('summarises counts per modality, labels and skipped items', () => {
    const { datasets, items, d, item } = setup();
    items.upsertBatch([
      item({ path: 'cats/a.png' }),
      item({ path: 'cats/b.png' }),
      item({ path: 'dogs/c.png', label: 'dogs' }),
      item({ path: 'notes.txt', modality: 'text', label: null }),
      item({ path: 'bad.png', status: 'skipped', error: 'truncated', label: null }),
    ]);
    const s = datasets.summary(d.id)!;
    expect(s.counts).toEqual({ image: 3, text: 1, audio: 0 });
    expect(s.total).toBe(4);
    expect(s.skipped).toBe(1);
    expect(s.labels).toEqual([
      { label: 'cats', count: 2 },
      { label: 'dogs', count: 1 },
      { label: null, count: 1 },
    ]);
  });

  it('marks imports left running by a dead process as failed, with a way out', () => {
    const { datasets, d } = setup();
    expect(datasets.get(d.id)?.status).toBe('importing');
    expect(datasets.importing().map((x) => x.id)).toEqual([d.id]);
    expect(datasets.markInterruptedImport(d.id)).toBe(true);
    expect(datasets.get(d.id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/re-import/) });
    expect(datasets.markInterruptedImport(d.id)).toBe(false);
    expect(datasets.importing()).toEqual([]);
  });

  it('bumps the generation on every import and finds datasets by root', () => {
    const { datasets, d, generation } = setup();
    expect(datasets.startImport(d.id, 'pets', null)).toBe(generation + 1);
    expect(datasets.findByRoot('/data/pets')?.id).toBe(d.id);
    expect(datasets.findByRoot('/elsewhere')).toBeUndefined();
  });
});

describe('ItemsRepository', () => {
  it('upserts by (dataset, path, row) instead of duplicating', () => {
    const { items, d, item } = setup();
    items.upsertBatch([item({ size: 100 })]);
    items.upsertBatch([item({ size: 200 })]);
    const page = items.page({ datasetId: d.id });
    expect(page.total).toBe(1);
    expect(page.items[0]!.size).toBe(200);
  });

  it('removes only items not stamped by the current generation', () => {
    const { items, datasets, d, item, generation } = setup();
    items.upsertBatch([item({ path: 'keep.png' }), item({ path: 'gone.png' })]);
    const next = datasets.startImport(d.id, 'pets', null);
    expect(items.touchPath(d.id, 'keep.png', next)).toBe(1);
    expect(items.countStale(d.id, next)).toBe(1);
    expect(items.removeStale(d.id, next)).toBe(1);
    expect(items.page({ datasetId: d.id }).items.map((i) => i.path)).toEqual(['keep.png']);
    expect(generation).toBeLessThan(next);
  });

  it('reports a file state only when every item of the file agrees', () => {
    const { items, d, item } = setup();
    items.upsertBatch([
      item({ path: 't.csv', row: 1, modality: 'text', size: 50, mtimeMs: 7, label: 'x' }),
      item({ path: 't.csv', row: 2, modality: 'text', size: 50, mtimeMs: 7, label: 'y' }),
    ]);
    expect(items.fileState(d.id, 't.csv')).toEqual({ size: 50, mtimeMs: 7, items: 2, linkTarget: null });
    expect(items.fileState(d.id, 'missing.csv')).toBeUndefined();
    expect(items.rowsForPath(d.id, 't.csv')).toEqual(new Set([1, 2]));
  });

  it('filters and pages, capping the page size', () => {
    const { items, d, item } = setup();
    const batch = Array.from({ length: 700 }, (_, i) =>
      item({ path: `x/${String(i).padStart(4, '0')}.png`, label: i % 2 ? 'odd' : 'even', status: i % 7 === 0 ? 'skipped' : 'ok' }),
    );
    items.upsertBatch(batch);
    const all = items.page({ datasetId: d.id, limit: 10_000 });
    expect(all.total).toBe(700);
    expect(all.items).toHaveLength(500);
    const odd = items.page({ datasetId: d.id, label: 'odd', status: 'ok', offset: 5, limit: 3 });
    expect(odd.items.every((i) => i.label === 'odd' && i.status === 'ok')).toBe(true);
    // odd and not a multiple of 7: 1, 3, 5, 9, 11, 13, … so offset 5 starts at 13
    expect(odd.items.map((i) => i.path)).toEqual(['x/0013.png', 'x/0015.png', 'x/0017.png']);
    expect(items.page({ datasetId: d.id, label: null }).total).toBe(0);
    expect(items.page({ datasetId: d.id, status: 'skipped' }).total).toBe(100);
  });
});
