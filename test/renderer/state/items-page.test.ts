import { beforeAll, expect, test } from 'vitest';
import type { ItemsPage as ItemsPageResult, ItemsQuery } from '../../../src-main/contract';
import { deferred, fakeBackend } from '../fake-backend';
import { item } from '../fixtures';
import { loadSvelteModule } from '../load-runes.mjs';
import type * as StateModule from '../../../src-renderer/src/state/items-page.svelte.ts';

type Module = typeof StateModule;
let ItemsPage: Module['ItemsPage'];
beforeAll(async () => {
  ({ ItemsPage } = await loadSvelteModule<Module>(new URL('../../../src-renderer/src/state/items-page.svelte.ts', import.meta.url)));
});

/** A dataset of `total` rows served in pages. */
const serve = (total: number) => async (q: ItemsQuery): Promise<ItemsPageResult> => {
  const offset = q.offset ?? 0;
  const count = Math.max(0, Math.min(q.limit ?? 100, total - offset));
  return { items: Array.from({ length: count }, (_, i) => item(offset + i + 1)), total };
};

test('loads the first page with only the filters in use', async () => {
  const fake = fakeBackend({ 'datasets.items': serve(213) });
  const page = new ItemsPage(fake.backend, 4, 'ok', 60);
  await page.load();
  expect(fake.callsTo('datasets.items')).toEqual([{ datasetId: 4, status: 'ok', offset: 0, limit: 60 }]);
  expect(page.items).toHaveLength(60);
  expect(page.total).toBe(213);
  expect(page.loaded).toBe(true);
  expect(page.page.text).toBe('1–60 of 213');
  expect(page.filtered).toBe(false);
});

test('pages forward and back, and stops at the ends', async () => {
  const fake = fakeBackend({ 'datasets.items': serve(130) });
  const page = new ItemsPage(fake.backend, 1, 'ok', 60);
  await page.load();
  await page.prev();
  expect(fake.callsTo('datasets.items')).toHaveLength(1);
  await page.next();
  await page.next();
  expect(page.page.text).toBe('121–130 of 130');
  await page.next();
  expect(fake.callsTo('datasets.items')).toHaveLength(3);
  await page.prev();
  expect(page.offset).toBe(60);
});

test('filters go back to the first page; a null label selects unlabelled items', async () => {
  const fake = fakeBackend({ 'datasets.items': serve(130) });
  const page = new ItemsPage(fake.backend, 1, 'ok', 60);
  await page.load();
  await page.next();
  await page.setModality('audio');
  expect(fake.callsTo('datasets.items').at(-1)).toEqual({ datasetId: 1, status: 'ok', modality: 'audio', offset: 0, limit: 60 });
  await page.setLabel(null);
  expect(fake.callsTo('datasets.items').at(-1)).toEqual({
    datasetId: 1,
    status: 'ok',
    modality: 'audio',
    label: null,
    offset: 0,
    limit: 60,
  });
  expect(page.filtered).toBe(true);
  await page.clearFilters();
  expect(fake.callsTo('datasets.items').at(-1)).toEqual({ datasetId: 1, status: 'ok', offset: 0, limit: 60 });
});

test('when rows went away the page falls back to the last one', async () => {
  let total = 200;
  const fake = fakeBackend({ 'datasets.items': (q) => serve(total)(q) });
  const page = new ItemsPage(fake.backend, 1, 'ok', 60);
  page.offset = 180;
  await page.load();
  expect(page.items).toHaveLength(20);
  total = 70;
  await page.reload();
  expect(page.offset).toBe(60);
  expect(page.items).toHaveLength(10);
  expect(page.page.text).toBe('61–70 of 70');
});

test('an older answer never replaces a newer one', async () => {
  const slow = deferred<ItemsPageResult>();
  let calls = 0;
  const fake = fakeBackend({
    'datasets.items': (q) => (++calls === 1 ? slow.promise : serve(5)(q)),
  });
  const page = new ItemsPage(fake.backend, 1, 'ok', 60);
  const first = page.load();
  await page.setModality('text');
  slow.resolve({ items: [item(99)], total: 1 });
  await first;
  expect(page.total).toBe(5);
  expect(page.items.map((i) => i.id)).not.toContain(99);
  expect(page.loading).toBe(false);
});

test('errors are kept for the view, and a reload clears them', async () => {
  const fake = fakeBackend({
    'datasets.items': async () => {
      throw new Error('No dataset with id 1');
    },
  });
  const page = new ItemsPage(fake.backend, 1, 'skipped', 100);
  await page.load();
  expect(page.error).toBe('No dataset with id 1');
  expect(page.loading).toBe(false);
  fake.handlers['datasets.items'] = serve(3);
  await page.reload();
  expect(page.error).toBeNull();
  expect(fake.callsTo('datasets.items').at(-1)).toMatchObject({ status: 'skipped', limit: 100 });
});
