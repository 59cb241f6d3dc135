import { beforeAll, expect, test } from 'vitest';
import type { VectorSetSummary } from '../../../src-main/contract';
import type * as StateModule from '../../../src-renderer/src/state/embed-folder.svelte.ts';
import { fakeBackend } from '../fake-backend';
import { loadSvelteModule } from '../load-runes.mjs';

let EmbedFolderState: typeof StateModule.EmbedFolderState;
beforeAll(async () => {
  ({ EmbedFolderState } = await loadSvelteModule<typeof StateModule>(new URL('../../../src-renderer/src/state/embed-folder.svelte.ts', import.meta.url)));
});

const set = (over: Partial<VectorSetSummary> = {}): VectorSetSummary => ({
  id: 5,
  runId: 2,
  datasetId: 9,
  datasetName: 'new-images',
  root: '/data/new-images',
  status: 'completed',
  dim: 128,
  vectors: 2,
  skipped: [],
  error: null,
  createdAt: '2026-12-01T12:00:00Z',
  finishedAt: '2026-12-01T12:00:05Z',
  ...over,
});

test('embeds a typed folder with the run, says what happened, and lists the run’s sets', async () => {
  const fake = fakeBackend({
    'runs.vectorSets': () => [set()],
    'runs.embed': () => set({ skipped: [{ path: 'broken.png', reason: 'corrupt or truncated PNG' }] }),
  });
  const state = new EmbedFolderState(fake.backend, 2);
  fake.emitEmbed({ runId: 3, setId: 1, phase: 'embedding', done: 1, total: 9, message: null });
  expect(state.progress).toBeNull(); // another run's
  fake.emitEmbed({ runId: 2, setId: 5, phase: 'embedding', done: 1, total: 2, message: null });
  expect(state.progress).toMatchObject({ done: 1, total: 2 });
  expect(await state.embed()).toBeNull();
  expect(state.error).toBe('Type the path of a folder to embed with this run.');
  state.path = ' /data/new-images ';
  const result = await state.embed();
  expect(result?.id).toBe(5);
  expect(fake.callsTo('runs.embed')).toEqual([{ runId: 2, path: '/data/new-images' }]);
  expect(state.outcome).toBe('Embedded 2 items of "new-images"; 1 file could not be read (broken.png: corrupt or truncated PNG). Files the import skipped are listed in that dataset.');
  expect(state.sets.map((s) => s.id)).toEqual([5]);
  expect(state.busy).toBe(false);
  state.dispose();
});

test('says why an embedding failed', async () => {
  const fake = fakeBackend({ 'runs.embed': () => Promise.reject(new Error('Run #2 is running; embed with a run that completed training')) });
  const state = new EmbedFolderState(fake.backend, 2);
  state.path = '/x';
  await state.embed();
  expect(state.error).toBe('Could not embed the folder: Run #2 is running; embed with a run that completed training');
  state.dispose();
});
