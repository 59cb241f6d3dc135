import { beforeAll, expect, test } from 'vitest';
import type { ProjectionSummary, SearchResult } from '../../../src-main/contract';
import { encodePoints } from '../../../src-renderer/src/lib/points';
import { inlineCompute } from '../../../src-renderer/src/lib/points-compute';
import { fakeBackend, settle } from '../fake-backend';
import { item, metrics, projection, run } from '../fixtures';
import { loadSvelteModule } from '../load-runes.mjs';
import type * as StateModule from '../../../src-renderer/src/state/explore.svelte.ts';

type Module = typeof StateModule;
let ExploreState: Module['ExploreState'];
beforeAll(async () => {
  ({ ExploreState } = await loadSvelteModule<Module>(new URL('../../../src-renderer/src/state/explore.svelte.ts', import.meta.url)));
});

const pointsFile = (): ArrayBuffer => encodePoints([11, 12, 13, 14], [0, 0, 0.1, 0, 5, 5, 5.1, 5], [0, 0, 1, 1], ['cats', 'dogs']);

function setup(projections: Record<number, ProjectionSummary[]>) {
  const fake = fakeBackend({
    'projections.list': ({ runId }) => projections[runId] ?? [],
    'runs.metrics': () => metrics(1, 4),
    'items.get': ({ itemId }) => item(itemId),
    'search.similarToItem': ({ itemId }): SearchResult => ({
      results: [{ itemId, path: `cats/${itemId}.jpg`, row: null, label: 'cats', modality: 'image', similarity: 1 }],
      strategy: 'exact',
      milliseconds: 1,
    }),
  });
  const explore = new ExploreState(fake.backend, { compute: inlineCompute, fetchPoints: async () => pointsFile() });
  explore.start();
  return { fake, explore };
}

test('Explore opens on the newest run that has a map when the newest has none', async () => {
  const { explore } = setup({ 1: [projection({ id: 3, runId: 1 })] });
  explore.syncRuns([run({ id: 2, projections: 0 }), run({ id: 1, projections: 1 })]);
  await settle();
  expect(explore.runId).toBe(1);
  expect(explore.projectionId).toBe(3);
  expect(explore.map.count).toBe(4);
});

test('with no map anywhere it opens on the newest run, and a run chosen on the Train tab wins', async () => {
  const { explore } = setup({});
  explore.syncRuns([run({ id: 1 }), run({ id: 2 })]);
  await settle();
  expect(explore.runId).toBe(2);
  const other = setup({ 1: [projection({ id: 3, runId: 1 })] }).explore;
  other.prefer(2);
  other.syncRuns([run({ id: 2 }), run({ id: 1, projections: 1 })]);
  await settle();
  expect(other.runId).toBe(2);
});

test('compared with a run that has a map while the main run has none, the compared map keeps its own label colours', async () => {
  const { explore } = setup({ 1: [projection({ id: 3, runId: 1 })] });
  explore.syncRuns([run({ id: 2 }), run({ id: 1, projections: 1 })]);
  await settle();
  await explore.selectRun(2);
  await settle();
  expect(explore.projectionId).toBeNull();
  expect(explore.colors).toBeNull();
  await explore.setCompareRun(1);
  await settle();
  expect(explore.compareMap.count).toBe(4);
  // Not all grey: cats and dogs in two colours.
  expect(Array.from(explore.compareColors!.categories)).toEqual([0, 0, 1, 1]);
  expect(new Set(explore.compareColors!.palette.slice(0, 2)).size).toBe(2);
});

test('compared with a run that has no map: computing it there shows it', async () => {
  const { explore, fake } = setup({ 1: [projection({ id: 3, runId: 1 })] });
  explore.syncRuns([run({ id: 2 }), run({ id: 1, projections: 1 })]);
  await settle();
  await explore.setCompareRun(2);
  await settle();
  expect(explore.compareLoaded).toBe(true);
  expect(explore.compareProjection).toBeNull();
  fake.handlers['projections.compute'] = ({ runId, settings }) => projection({ id: 8, runId, settings: { neighbors: 15, minDist: 0.1, seed: 1, ...settings } });
  await explore.computeCompare();
  await settle();
  // The main map's settings, for the compared run.
  expect(fake.callsTo('projections.compute')).toEqual([{ runId: 2, settings: { method: 'umap', seed: 1, neighbors: 15, minDist: 0.1 } }]);
  expect(explore.compareProjection?.id).toBe(8);
  expect(explore.compareMap.count).toBe(4);
  expect(explore.alignment).not.toBeNull();
});

test('a click on a point hides its card and searches its neighbours', async () => {
  const { explore, fake } = setup({ 1: [projection({ id: 3, runId: 1 })] });
  explore.syncRuns([run({ id: 1, projections: 1 })]);
  await settle();
  explore.hoverPoint('primary', 1);
  expect(explore.hover.target).toMatchObject({ index: 1, itemId: 12 });
  await explore.pickPoint(1);
  expect(explore.hover.target).toBeNull();
  expect(fake.callsTo('search.similarToItem')).toEqual([{ runId: 1, itemId: 12, k: explore.search.k }]);
});
