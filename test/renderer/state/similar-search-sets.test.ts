import { beforeAll, expect, test } from 'vitest';
import type { SearchResult, VectorSetSummary } from '../../../src-main/contract';
import { fakeBackend } from '../fake-backend';
import { loadSvelteModule } from '../load-runes.mjs';
import type * as StateModule from '../../../src-renderer/src/state/similar-search.svelte.ts';

type Module = typeof StateModule;
let SimilarSearch: Module['SimilarSearch'];
beforeAll(async () => {
  ({ SimilarSearch } = await loadSvelteModule<Module>(new URL('../../../src-renderer/src/state/similar-search.svelte.ts', import.meta.url)));
});

const vectorSet = (id: number, status: VectorSetSummary['status'] = 'completed', vectors = 6): VectorSetSummary => ({
  id, runId: 4, datasetId: 10 + id, datasetName: `new-${id}`, root: `/data/new-${id}`, status, dim: 8, vectors, skipped: [], error: null, createdAt: '', finishedAt: null,
});
const set2 = { id: 2, datasetId: 12, datasetName: 'new-2', root: '/data/new-2' };
const answer = (itemId: number, set?: SearchResult['set']): SearchResult => ({
  results: [{ itemId, path: `p/${itemId}.png`, row: null, label: null, modality: 'image', similarity: 0.9 }],
  strategy: 'exact',
  milliseconds: 1,
  ...(set ? { set } : {}),
});

test("lists the run's finished vector sets; a chosen set is searched, again for the query on screen, and named by the answer", async () => {
  const fake = fakeBackend({
    'runs.vectorSets': () => [vectorSet(2), vectorSet(3, 'running'), vectorSet(5, 'completed', 0)],
    'search.similarToItem': ({ itemId, setId }) => answer(itemId, setId === 2 ? set2 : undefined),
  });
  const search = new SimilarSearch(fake.backend);
  await search.loadSets(4);
  expect(search.sets.map((s) => s.id)).toEqual([2]);
  await search.byItem(4, 7);
  expect(search.resultSet).toBeNull();
  await search.setTarget(2);
  expect(fake.callsTo('search.similarToItem')).toEqual([
    { runId: 4, itemId: 7, k: 12 },
    { runId: 4, itemId: 7, k: 12, setId: 2 },
  ]);
  expect(search.resultSet).toEqual(set2);
  expect(search.target).toBe(2);
});

test("a result of a set searches the run's own items with it; a dropped file goes to the set chosen", async () => {
  const fake = fakeBackend({
    'runs.vectorSets': () => [vectorSet(2)],
    'search.similarToItem': ({ itemId, setId }) => answer(itemId, setId === 2 ? set2 : undefined),
    'search.similarToFile': () => answer(1, set2),
  });
  const search = new SimilarSearch(fake.backend);
  await search.loadSets(4);
  await search.setTarget(2);
  await search.byFile(4, new File([new Uint8Array([1])], 'q.png', { type: 'image/png' }), 'image');
  expect(fake.callsTo('search.similarToFile')).toEqual([{ runId: 4, fileName: 'q.png', base64: 'AQ==', k: 12, setId: 2 }]);
  await search.byItemOfSet(4, 31, 2);
  expect(fake.callsTo('search.similarToItem').at(-1)).toEqual({ runId: 4, itemId: 31, k: 12, itemSetId: 2 });
  expect(search.target).toBeNull();
  expect(search.query).toMatchObject({ kind: 'item', itemId: 31, fromSet: 2 });
  expect(search.resultSet).toBeNull();
});

test('a set preferred from the run view is chosen once listed; another run without it falls back to its own items', async () => {
  const fake = fakeBackend({ 'runs.vectorSets': ({ runId }) => (runId === 4 ? [vectorSet(2)] : []) });
  const search = new SimilarSearch(fake.backend);
  search.preferTarget(2);
  await search.loadSets(4);
  expect(search.target).toBe(2);
  await search.loadSets(8);
  expect(search.sets).toEqual([]);
  expect(search.target).toBeNull();
});
