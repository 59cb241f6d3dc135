import { beforeAll, expect, test } from 'vitest';
import type { AppInfo, Modality } from '../../../src-main/contract';
import { deferred, fakeBackend, settle } from '../fake-backend';
import { method, summary } from '../fixtures';
import { loadSvelteModule } from '../load-runes.mjs';
import type * as DatasetsModule from '../../../src-renderer/src/state/datasets.svelte.ts';
import type * as TrainingModule from '../../../src-renderer/src/state/training.svelte.ts';

let DatasetsState: (typeof DatasetsModule)['DatasetsState'];
let TrainingState: (typeof TrainingModule)['TrainingState'];
beforeAll(async () => {
  ({ DatasetsState } = await loadSvelteModule<typeof DatasetsModule>(new URL('../../../src-renderer/src/state/datasets.svelte.ts', import.meta.url)));
  ({ TrainingState } = await loadSvelteModule<typeof TrainingModule>(new URL('../../../src-renderer/src/state/training.svelte.ts', import.meta.url)));
});

const info: AppInfo = { name: 'Pretext', version: '0.1.0', databasePath: '/tmp/p.db', shell: 'serve', node: '20', platform: 'linux' };
// The demo's order: the text demo comes first by name.
const demos = [
  summary({ id: 1, name: 'demo: sentences', root: '/demo/sentences', counts: { image: 0, text: 90, audio: 0 }, total: 90 }),
  summary({ id: 2, name: 'demo: shapes', root: '/demo/shapes', counts: { image: 120, text: 0, audio: 0 }, total: 120 }),
  summary({ id: 3, name: 'demo: tones', root: '/demo/tones', counts: { image: 0, text: 0, audio: 30 }, total: 30 }),
];

function setup() {
  const fake = fakeBackend({ 'app.info': async () => info, 'datasets.list': async () => demos });
  return { fake, state: new DatasetsState(fake.backend) };
}

test('the app opens on a dataset that can be trained, not on the first of the list', async () => {
  const { state } = setup();
  state.start({ trainable: Promise.resolve<Modality[]>(['image']) });
  await settle();
  expect(state.view).toEqual({ kind: 'dataset', id: 2 });
});

test('when text methods land, the same rule opens the first dataset again', async () => {
  const { state } = setup();
  state.start({ trainable: Promise.resolve<Modality[]>(['image', 'text']) });
  await settle();
  expect(state.view).toEqual({ kind: 'dataset', id: 1 });
});

test('it waits for the methods, and never replaces what the user chose meanwhile', async () => {
  const { state } = setup();
  const methods = deferred<Modality[]>();
  state.start({ trainable: methods.promise });
  await settle();
  expect(state.view).toEqual({ kind: 'add' });
  state.select(3);
  methods.resolve(['image']);
  await settle();
  expect(state.view).toEqual({ kind: 'dataset', id: 3 });
});

test('without the methods (the call failed) it opens on the first dataset with images', async () => {
  const { state } = setup();
  state.start({ trainable: Promise.reject(new Error('gone')) });
  await settle();
  expect(state.view).toEqual({ kind: 'dataset', id: 2 });
});

test("the training state's methods can be awaited, loaded once", async () => {
  const list = [method({ id: 'simclr', modalities: ['image'] })];
  const fake = fakeBackend({ 'methods.list': async () => list, 'engine.info': async () => { throw new Error('not needed'); }, 'runs.list': async () => [] });
  const training = new TrainingState(fake.backend);
  training.start();
  const [a, b] = await Promise.all([training.whenMethods(), training.whenMethods()]);
  expect(a).toEqual(list);
  expect(b).toEqual(list);
  expect(fake.callsTo('methods.list')).toHaveLength(1);
  fake.handlers['methods.list'] = async () => {
    throw new Error('gone');
  };
  const failing = new TrainingState(fake.backend);
  expect(await failing.whenMethods()).toBeNull();
  expect(failing.methodsError).toBe('gone');
});
