import { beforeAll, expect, test, vi } from 'vitest';
import type { ProjectionSummary, SearchResult, SimilarItem } from '../../../src-main/contract';
import { encodePoints } from '../../../src-renderer/src/lib/points';
import { inlineCompute } from '../../../src-renderer/src/lib/points-compute';
import { deferred, fakeBackend, settle } from '../fake-backend';
import { item, metrics, projection, run, summary } from '../fixtures';
import { loadSvelteModule } from '../load-runes.mjs';
import type * as StateModule from '../../../src-renderer/src/state/explore.svelte.ts';

type Module = typeof StateModule;
let ExploreState: Module['ExploreState'];
beforeAll(async () => {
  ({ ExploreState } = await loadSvelteModule<Module>(new URL('../../../src-renderer/src/state/explore.svelte.ts', import.meta.url)));
});

/** Six items: cats at the left, dogs at the right, one unlabelled dog-side item. */
const IDS = [11, 12, 13, 14, 15, 16];
function pointsFile(ids = IDS, shift = 0): ArrayBuffer {
  const xy = [0, 0, 0.1, 0, 0, 0.1, 5 + shift, 5, 5.1 + shift, 5, 5 + shift, 5.1];
  return encodePoints(ids, xy, [0, 0, 0, 1, 1, -1], ['cats', 'dogs']);
}

function setup(options: { projections?: Record<number, ProjectionSummary[]>; files?: Record<number, ArrayBuffer> } = {}) {
  const projections = options.projections ?? { 1: [projection({ id: 3 }), projection({ id: 2, settings: { method: 'umap', seed: 9, neighbors: 15, minDist: 0.1 } })] };
  const files = options.files ?? { 2: pointsFile(), 3: pointsFile(), 7: pointsFile([16, 15, 14, 13, 12, 99], 1) };
  const fetched: string[] = [];
  const downloads: { url: string; init: RequestInit; fallback: string }[] = [];
  const fake = fakeBackend({
    'projections.list': ({ runId }) => projections[runId] ?? [],
    'runs.metrics': () => metrics(1, 4),
    'items.get': ({ itemId }) => item(itemId),
    'search.similarToItem': ({ itemId, k }): SearchResult => ({
      results: (
        [
          { itemId, path: `cats/${itemId}.jpg`, row: null, label: 'cats', modality: 'image', similarity: 1 },
          { itemId: 14, path: 'dogs/14.jpg', row: null, label: 'dogs', modality: 'image', similarity: 0.5 },
          { itemId: 404, path: 'gone.jpg', row: null, label: null, modality: 'image', similarity: 0.1 },
        ] satisfies SimilarItem[]
      ).slice(0, k),
      strategy: 'exact',
      milliseconds: 2,
    }),
  });
  const explore = new ExploreState(fake.backend, {
    compute: inlineCompute,
    fetchPoints: async (url) => {
      fetched.push(url);
      const id = Number(/projection=(\d+)/.exec(url)![1]);
      const file = files[id];
      if (!file) throw new Error(`No projection ${id}`);
      return file.slice(0);
    },
    download: async (url, init, fallback) => {
      downloads.push({ url, init, fallback });
      return { fileName: fallback, bytes: 10 };
    },
  });
  const stop = explore.start();
  return { fake, explore, fetched, downloads, stop };
}

const runs = [run({ id: 1 }), run({ id: 2, vectors: 0, embeddingDim: null, status: 'failed' }), run({ id: 5, datasetId: 2 })];

test('the newest run with embeddings is shown, with its newest projection', async () => {
  const { explore, fetched, fake } = setup({ projections: { 5: [], 1: [projection({ id: 3 }), projection({ id: 2 })] } });
  explore.syncRuns(runs);
  expect(explore.runs.map((r) => r.id)).toEqual([5, 1]);
  await settle();
  expect(explore.runId).toBe(5);
  expect(explore.projectionsLoaded).toBe(true);
  expect(explore.projectionId).toBeNull();
  expect(fetched).toEqual([]);

  await explore.selectRun(1);
  await settle();
  expect(fake.callsTo('projections.list')).toEqual([{ runId: 5 }, { runId: 1 }]);
  expect(explore.projectionId).toBe(3);
  expect(fetched).toEqual(['/data/run/1/points.bin?projection=3']);
  expect(explore.map.status).toBe('ready');
  expect(explore.map.count).toBe(6);
  expect(explore.legend!.map((e) => [e.label, e.count])).toEqual([
    ['cats', 3],
    ['dogs', 2],
    ['(no label)', 1],
  ]);
  expect(explore.colors!.palette).toHaveLength(3);
  expect(explore.clusterK).toBe(2);
});

test('a run preferred from the Train tab is selected when the runs arrive', async () => {
  const { explore } = setup();
  explore.prefer(1);
  explore.syncRuns(runs);
  await settle();
  expect(explore.runId).toBe(1);
  explore.syncRuns(runs);
  await settle();
  expect(explore.runId).toBe(1);
});

test('compute sends the form, follows progress, then shows the new projection', async () => {
  const { explore, fake } = setup();
  explore.syncRuns([run({ id: 1 })]);
  await settle();
  const reply = deferred<ProjectionSummary>();
  fake.handlers['projections.compute'] = () => reply.promise;
  explore.setFormField('method', 'pca');
  explore.setFormField('seed', '4');
  const done = explore.compute();
  expect(fake.callsTo('projections.compute')).toEqual([{ runId: 1, settings: { method: 'pca', seed: 4 } }]);
  expect(explore.computing).toMatchObject({ runId: 1, progress: null });
  fake.emitProjection({ runId: 2, phase: 'fitting', done: 1, total: 2, message: null });
  expect(explore.computing!.progress).toBeNull();
  fake.emitProjection({ runId: 1, phase: 'pca', done: 1, total: 2, message: null });
  expect(explore.computing!.progress).toMatchObject({ phase: 'pca', done: 1 });
  expect(await explore.compute()).toBeNull(); // one at a time
  reply.resolve(projection({ id: 7, method: 'pca', settings: { method: 'pca', seed: 4, neighbors: 15, minDist: 0.1 } }));
  await done;
  await settle();
  expect(explore.computing).toBeNull();
  expect(explore.projections.map((p) => p.id)).toEqual([7, 3, 2]);
  expect(explore.projectionId).toBe(7);
  expect(explore.map.projectionId).toBe(7);
  expect(explore.map.count).toBe(6);
});

test('a bad form field is reported without a call', async () => {
  const { explore, fake } = setup();
  explore.syncRuns([run({ id: 1 })]);
  await settle();
  explore.setFormField('neighbors', '1');
  expect(await explore.compute()).toBeNull();
  expect(explore.formError).toMatchObject({ field: 'neighbors' });
  expect(fake.callsTo('projections.compute')).toEqual([]);
  explore.setFormField('neighbors', '20');
  expect(explore.formError).toBeNull();
});

test('cancel asks the core; the cancelled compute is a notice, not an error', async () => {
  const { explore, fake } = setup();
  explore.syncRuns([run({ id: 1 })]);
  await settle();
  const reply = deferred<ProjectionSummary>();
  fake.handlers['projections.compute'] = () => reply.promise;
  fake.handlers['projections.cancel'] = () => ({ cancelled: true });
  const done = explore.compute();
  await explore.cancelCompute();
  expect(fake.callsTo('projections.cancel')).toEqual([{ runId: 1 }]);
  expect(explore.cancelling).toBe(true);
  reply.reject(Object.assign(new Error('Projection cancelled'), { code: 'cancelled' }));
  await done;
  expect(explore.computing).toBeNull();
  expect(explore.cancelling).toBe(false);
  expect(explore.computeError).toBeNull();
  expect(explore.computeNotice).toMatch(/cancelled/);
  expect(explore.projectionId).toBe(3);
});

test('a failed compute says why', async () => {
  const { explore, fake } = setup();
  explore.syncRuns([run({ id: 1 })]);
  await settle();
  fake.handlers['projections.compute'] = () => Promise.reject(new Error('Run #1 has no embeddings'));
  await explore.compute();
  expect(explore.computeError).toBe('Could not compute the projection: Run #1 has no embeddings');
});

test('legend toggles become a filter, and hidden points leave the selection', async () => {
  const { explore } = setup();
  explore.syncRuns([run({ id: 1 })]);
  await settle();
  expect(explore.filter).toBeNull();
  explore.setSelection([0, 3, 5]);
  explore.toggleLegend(1);
  expect(explore.legend!.find((e) => e.label === 'dogs')!.hidden).toBe(true);
  expect(explore.filter).toEqual([0, 1, 2, 5]);
  expect([...explore.selection]).toEqual([0, 5]);
  explore.soloLegend(2);
  expect(explore.filter).toEqual([5]);
  explore.showAllLegend();
  expect(explore.filter).toBeNull();
});

test('colour by cluster and by disagreement compute in the map’s worker', async () => {
  const { explore } = setup();
  explore.syncRuns([run({ id: 1 })]);
  await settle();
  explore.setColorBy('cluster');
  expect(explore.colorsBusy).toBe(true);
  await settle();
  expect(explore.colorsBusy).toBe(false);
  const clusters = explore.colors!;
  expect(clusters.palette).toHaveLength(3);
  expect(new Set(clusters.categories.subarray(0, 3)).size).toBe(1);
  expect(explore.legend!.map((e) => e.label)).toEqual(['cluster-1', 'cluster-2']);
  explore.toggleLegend(0);
  expect(explore.filter).toHaveLength(3);

  explore.setKnnK(2);
  explore.setColorBy('disagreement');
  await settle();
  expect(explore.legend).toBeNull();
  expect(explore.filter).toBeNull();
  const d = explore.map.disagreement!;
  expect(d.scores[0]).toBe(0);
  expect(Number.isNaN(d.scores[5]!)).toBe(true);
  expect(explore.colors!.categories[5]).toBe(explore.colors!.palette.length - 1);

  explore.setColorBy('cluster');
  expect(explore.filter).toHaveLength(3); // the cluster toggles are kept per mode
});

test('browser export of the selection posts its item ids', async () => {
  const { explore, downloads } = setup();
  explore.syncRuns([run({ id: 1 })]);
  await settle();
  explore.setSelection([4, 0, 3]);
  expect(explore.selectionCount).toBe(3);
  await explore.downloadSelection('embeddings');
  await explore.downloadSelection('coordinates');
  expect(downloads.map((d) => d.url)).toEqual(['/export/run/1/selection?kind=embeddings', '/export/run/1/selection?kind=coordinates&projection=3']);
  expect(downloads[0]!.init).toMatchObject({ method: 'POST', body: '{"itemIds":[11,14,15]}' });
  expect(downloads[0]!.fallback).toBe('pretext-run-1-selection-embeddings.csv');
  expect(explore.exportOutcome).toMatchObject({ tone: 'success', text: expect.stringMatching(/3 items/) });
});

test('Electron exports write files through the core', async () => {
  const { explore, fake } = setup();
  explore.syncRuns([run({ id: 1 })]);
  await settle();
  fake.handlers['exports.selection'] = ({ path, itemIds }) => ({ path: path.replace('~', '/home/me'), rows: itemIds.length });
  fake.handlers['runs.exportCsv'] = ({ path }) => ({ path, rows: 6 });
  explore.setSelection([1, 2]);
  await explore.exportSelectionTo('paths', '~/sel.txt');
  expect(fake.callsTo('exports.selection')).toEqual([{ runId: 1, itemIds: [12, 13], kind: 'paths', projectionId: 3, path: '~/sel.txt' }]);
  expect(explore.exportOutcome).toEqual({ tone: 'success', text: 'Wrote 2 rows to /home/me/sel.txt' });
  await explore.exportAllTo('coordinates', '/tmp/c.csv');
  expect(fake.callsTo('exports.selection')[1]).toMatchObject({ kind: 'coordinates', itemIds: IDS });
  await explore.exportAllTo('embeddings', '/tmp/e.csv');
  expect(fake.callsTo('runs.exportCsv')).toEqual([{ runId: 1, path: '/tmp/e.csv' }]);
  // Replacing an existing file is asked for explicitly (the dialog's checkbox).
  await explore.exportAllTo('embeddings', '/tmp/e.csv', true);
  expect(fake.callsTo('runs.exportCsv')[1]).toEqual({ runId: 1, path: '/tmp/e.csv', overwrite: true });
  // The format chosen beside the button travels with the call.
  await explore.exportAllTo('embeddings', '/tmp/e.npy', false, 'npy');
  expect(fake.callsTo('runs.exportCsv')[2]).toEqual({ runId: 1, path: '/tmp/e.npy', format: 'npy' });
  fake.handlers['exports.selection'] = () => Promise.reject(new Error('EACCES'));
  await explore.exportSelectionTo('paths', '/root/x');
  expect(explore.exportOutcome).toEqual({ tone: 'error', text: 'Could not export: EACCES' });
});

test('clicking a point searches its neighbours; results map back to points', async () => {
  const { explore, fake } = setup();
  explore.syncRuns([run({ id: 1 })]);
  await settle();
  await explore.searchPoint(1);
  expect(fake.callsTo('search.similarToItem')).toEqual([{ runId: 1, itemId: 12, k: 12 }]);
  expect(explore.search.results.map((r) => r.similarity)).toEqual([1, 0.5, 0.1]);
  expect(explore.searchIndices).toEqual([1, 3]);
});

test('hover loads the item once the pointer rests, from a cache after that', async () => {
  vi.useFakeTimers();
  try {
    const { explore, fake } = setup();
    explore.syncRuns([run({ id: 1 })]);
    await vi.runAllTimersAsync();
    explore.hoverPoint('primary', 0);
    explore.hoverPoint('primary', 1);
    expect(explore.hover.target).toEqual({ map: 'primary', index: 1, itemId: 12 });
    await vi.advanceTimersByTimeAsync(200);
    expect(fake.callsTo('items.get')).toEqual([{ itemId: 12 }]);
    expect(explore.hover.item?.id).toBe(12);
    explore.hoverPoint('primary', null);
    expect(explore.hover.target).toBeNull();
    explore.hoverPoint('primary', 1);
    await vi.advanceTimersByTimeAsync(200);
    expect(fake.callsTo('items.get')).toHaveLength(1);
    expect(explore.hover.item?.id).toBe(12);
  } finally {
    vi.useRealTimers();
  }
});

test('compare: the second run shows the projection made alike, linked item by item', async () => {
  const { explore, fake } = setup({
    projections: {
      1: [projection({ id: 3 })],
      4: [projection({ id: 8, runId: 4, settings: { method: 'umap', seed: 2, neighbors: 15, minDist: 0.1 } }), projection({ id: 7, runId: 4 })],
    },
  });
  const all = [run({ id: 1 }), run({ id: 4 }), run({ id: 5, datasetId: 2 })];
  explore.syncRuns(all);
  await explore.selectRun(1);
  await settle();
  expect(explore.compareCandidates.map((r) => r.id)).toEqual([4]);
  await explore.setCompareRun(4);
  await settle();
  expect(fake.callsTo('runs.metrics')).toContainEqual({ runId: 4 });
  expect(explore.compareProjection!.id).toBe(7);
  expect(explore.compareMap.count).toBe(6);
  // Compare file ids: [16, 15, 14, 13, 12, 99]; main: [11..16].
  expect([...explore.alignment!.toPrimary]).toEqual([5, 4, 3, 2, 1, -1]);
  expect(explore.alignment!.fromPrimary[0]).toBe(-1);
  explore.hoverPoint('primary', 3);
  expect(explore.linkedHover('compare')).toBe(2);
  expect(explore.linkedHover('primary')).toBeNull();
  explore.hoverPoint('compare', 0);
  expect(explore.linkedHover('primary')).toBe(5);
  // Colours follow the main map item by item; item 99 is not on it, so it is grey like the unlabelled.
  const colors = explore.compareColors!;
  expect([...colors.categories]).toEqual([2, 1, 1, 0, 0, 2]);
  explore.setSelection([0, 1, 4]);
  expect([...explore.compareSelection]).toEqual([4, 1]);
  explore.setSelectionFromCompare([5, 0]);
  expect([...explore.selection]).toEqual([5]);
  await explore.setCompareRun(null);
  expect(explore.compareMap.status).toBe('empty');
  expect(explore.alignment).toBeNull();
});

test('a compared run without projections can get one made like the main map', async () => {
  const { explore, fake } = setup({ projections: { 1: [projection({ id: 3 })], 4: [] }, files: { 3: pointsFile(), 9: pointsFile() } });
  explore.syncRuns([run({ id: 1 }), run({ id: 4 })]);
  await explore.selectRun(1);
  await settle();
  await explore.setCompareRun(4);
  expect(explore.compareProjection).toBeNull();
  fake.handlers['projections.compute'] = ({ runId, settings }) => projection({ id: 9, runId, settings: { ...projection().settings, ...settings } });
  await explore.computeCompare();
  await settle();
  expect(fake.callsTo('projections.compute')).toEqual([{ runId: 4, settings: { method: 'umap', seed: 1, neighbors: 15, minDist: 0.1 } }]);
  expect(explore.compareMap.projectionId).toBe(9);
  expect(explore.alignment).not.toBeNull();
});

test('a map that fails to load says why and can be retried', async () => {
  const { explore } = setup({ files: {} });
  explore.syncRuns([run({ id: 1 })]);
  await settle();
  expect(explore.map.status).toBe('error');
  expect(explore.map.error).toBe('Could not load the map: No projection 3');
});

test('switching runs drops the old run’s late points', async () => {
  const { explore } = setup({ projections: { 1: [projection({ id: 3 })], 6: [projection({ id: 2, runId: 6 })] } });
  explore.syncRuns([run({ id: 1 }), run({ id: 6 })]);
  const first = explore.selectRun(1);
  await explore.selectRun(6);
  await first;
  await settle();
  expect(explore.runId).toBe(6);
  expect(explore.map.runId).toBe(6);
  expect(explore.map.projectionId).toBe(2);
});

test('the dataset gives the modality a dropped file must have', async () => {
  const { explore } = setup();
  explore.syncDatasets([summary({ id: 1, counts: { image: 0, text: 9, audio: 1 } })]);
  explore.syncRuns([run({ id: 1 })]);
  expect(explore.modality).toBe('text');
});
