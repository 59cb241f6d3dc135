import { beforeAll, expect, test } from 'vitest';
import type { SearchResult } from '../../../src-main/contract';
import { deferred, fakeBackend } from '../fake-backend';
import { loadSvelteModule } from '../load-runes.mjs';
import type * as StateModule from '../../../src-renderer/src/state/similar-search.svelte.ts';

type Module = typeof StateModule;
let SimilarSearch: Module['SimilarSearch'];
beforeAll(async () => {
  ({ SimilarSearch } = await loadSvelteModule<Module>(new URL('../../../src-renderer/src/state/similar-search.svelte.ts', import.meta.url)));
});

const answer = (itemId: number, similarity = 1): SearchResult => ({
  results: [{ itemId, path: `a/${itemId}.png`, row: null, label: 'a', modality: 'image', similarity }],
  strategy: 'exact',
  milliseconds: 3,
});

test('a dropped file travels as base64 with its name and k', async () => {
  const fake = fakeBackend({ 'search.similarToFile': () => answer(9, 0.97) });
  const search = new SimilarSearch(fake.backend);
  await search.byFile(4, new File([new Uint8Array([1, 2, 3])], 'query.png', { type: 'image/png' }), 'image');
  expect(fake.callsTo('search.similarToFile')).toEqual([{ runId: 4, fileName: 'query.png', base64: 'AQID', k: 12 }]);
  expect(search.query).toMatchObject({ kind: 'file', fileName: 'query.png' });
  expect(search.results[0]!.similarity).toBe(0.97);
  expect(search.strategy).toBe('exact');
});

test('a file of another modality is refused before any call', async () => {
  const fake = fakeBackend();
  const search = new SimilarSearch(fake.backend);
  await search.byFile(4, new File(['hello'], 'notes.txt', { type: 'text/plain' }), 'image');
  expect(search.error).toMatch(/trained on images/);
  expect(fake.log).toEqual([]);
});

test('only the latest query’s answer is shown; k re-runs the query', async () => {
  const slow = deferred<SearchResult>();
  const fake = fakeBackend({ 'search.similarToItem': ({ itemId }) => (itemId === 1 ? slow.promise : answer(itemId)) });
  const search = new SimilarSearch(fake.backend);
  const first = search.byItem(4, 1);
  await search.byItem(4, 2);
  slow.resolve(answer(1));
  await first;
  expect(search.results[0]!.itemId).toBe(2);
  expect(search.loading).toBe(false);
  await search.setK(24);
  expect(fake.callsTo('search.similarToItem').at(-1)).toEqual({ runId: 4, itemId: 2, k: 24 });
});

test('a failed search shows the core’s message; clear empties everything', async () => {
  const fake = fakeBackend({ 'search.similarToItem': () => Promise.reject(new Error('Run #4 has no embeddings')) });
  const search = new SimilarSearch(fake.backend);
  await search.byItem(4, 1);
  expect(search.error).toBe('Run #4 has no embeddings');
  expect(search.results).toEqual([]);
  search.clear();
  expect(search.query).toBeNull();
  expect(search.error).toBeNull();
});

test('follows the core’s index builds: the one the next query searches, until it is done', async () => {
  const fake = fakeBackend({ 'runs.vectorSets': () => [] });
  const search = new SimilarSearch(fake.backend);
  const off = search.followIndexBuilds();
  expect(search.indexBuildFor(4)).toBeNull();
  fake.emitIndex({ runId: 4, setId: null, done: 16_384, total: 1_000_000 });
  fake.emitIndex({ runId: 4, setId: 2, done: 10, total: 300_000 });
  expect(search.indexBuildFor(4)).toEqual({ runId: 4, setId: null, done: 16_384, total: 1_000_000 });
  expect(search.indexBuildFor(5)).toBeNull();
  expect(search.indexBuildFor(null)).toBeNull();
  search.target = 2;
  expect(search.indexBuildFor(4)?.total).toBe(300_000);
  search.target = null;
  fake.emitIndex({ runId: 4, setId: null, done: 1_000_000, total: 1_000_000 });
  expect(search.indexBuildFor(4)).toBeNull();
  off();
  fake.emitIndex({ runId: 4, setId: null, done: 1, total: 10 });
  expect(search.indexBuildFor(4)).toBeNull();
});
