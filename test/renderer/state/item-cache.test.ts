import { beforeAll, expect, test } from 'vitest';
import type { ItemRow } from '../../../src-main/contract';
import { deferred, fakeBackend } from '../fake-backend';
import { item } from '../fixtures';
import { loadSvelteModule } from '../load-runes.mjs';
import type * as StateModule from '../../../src-renderer/src/state/item-cache.svelte.ts';

type Module = typeof StateModule;
let ItemCache: Module['ItemCache'];
beforeAll(async () => {
  ({ ItemCache } = await loadSvelteModule<Module>(new URL('../../../src-renderer/src/state/item-cache.svelte.ts', import.meta.url)));
});

test('concurrent loads of one item share a call; later ones come from the cache', async () => {
  const reply = deferred<ItemRow>();
  const fake = fakeBackend({ 'items.get': () => reply.promise });
  const cache = new ItemCache(fake.backend);
  const a = cache.load(3);
  const b = cache.load(3);
  reply.resolve(item(3));
  expect((await a)?.id).toBe(3);
  expect((await b)?.id).toBe(3);
  expect(await cache.load(3)).toEqual(item(3));
  expect(fake.callsTo('items.get')).toEqual([{ itemId: 3 }]);
  expect(cache.get(3)?.id).toBe(3);
});

test('the least recently used item is dropped past the capacity', async () => {
  const fake = fakeBackend({ 'items.get': ({ itemId }) => item(itemId) });
  const cache = new ItemCache(fake.backend, 2);
  await cache.load(1);
  await cache.load(2);
  await cache.load(1);
  await cache.load(3);
  expect(cache.get(2)).toBeUndefined();
  expect(cache.get(1)?.id).toBe(1);
  expect(cache.size).toBe(2);
});

test('a failed load resolves with null and keeps the reason', async () => {
  const fake = fakeBackend({ 'items.get': () => Promise.reject(new Error('No item 8')) });
  const cache = new ItemCache(fake.backend);
  expect(await cache.load(8)).toBeNull();
  expect(cache.errorOf(8)).toBe('No item 8');
});
