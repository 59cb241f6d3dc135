import { beforeAll, describe, expect, test } from 'vitest';
import type { AppInfo } from '../../../src-main/contract';
import { deferred, fakeBackend, settle } from '../fake-backend';
import { folder, missing, progress, report, summary } from '../fixtures';
import { loadSvelteModule } from '../load-runes.mjs';
import type * as StateModule from '../../../src-renderer/src/state/datasets.svelte.ts';

type Module = typeof StateModule;
let DatasetsState: Module['DatasetsState'];
beforeAll(async () => {
  ({ DatasetsState } = await loadSvelteModule<Module>(new URL('../../../src-renderer/src/state/datasets.svelte.ts', import.meta.url)));
});

const info: AppInfo = { name: 'Pretext', version: '0.1.0', databasePath: '/tmp/p.db', shell: 'serve', node: '20', platform: 'linux' };

function setup(list = [summary()]) {
  let datasets = list;
  const fake = fakeBackend({
    'app.info': async () => info,
    'datasets.list': async () => datasets,
    'fs.checkPath': async ({ path }) => (path.includes('missing') ? missing(path) : folder(path, path.replace(/^~/, '/home/me'))),
    'datasets.cancelImport': async () => ({ cancelled: true }),
  });
  const state = new DatasetsState(fake.backend);
  return { fake, state, setList: (next: typeof list) => (datasets = next) };
}

describe('start', () => {
  test('loads the app info and the list, and selects the first dataset', async () => {
    const { state } = setup([summary({ id: 3 }), summary({ id: 4, root: '/b' })]);
    state.start();
    await settle();
    expect(state.info?.databasePath).toBe('/tmp/p.db');
    expect(state.datasets.map((d) => d.id)).toEqual([3, 4]);
    expect(state.loaded).toBe(true);
    expect(state.view).toEqual({ kind: 'dataset', id: 3 });
    expect(state.selected?.id).toBe(3);
  });

  test('with no datasets the add-folder panel stays', async () => {
    const { state } = setup([]);
    state.start();
    await settle();
    expect(state.view).toEqual({ kind: 'add' });
    expect(state.selected).toBeNull();
  });

  test('a failing list is reported, and a retry clears it', async () => {
    const { state, fake } = setup();
    fake.handlers['datasets.list'] = async () => {
      throw new Error('Lost the connection to Pretext');
    };
    state.start();
    await settle();
    expect(state.listError).toBe('Lost the connection to Pretext');
    fake.handlers['datasets.list'] = async () => [summary()];
    await state.refresh();
    expect(state.listError).toBeNull();
    expect(state.datasets).toHaveLength(1);
  });
});

describe('startImport', () => {
  test('resolves the path, imports it, follows progress, then selects the dataset with a summary', async () => {
    const { state, fake, setList } = setup([]);
    state.start();
    await settle();
    const done = deferred<ReturnType<typeof report>>();
    fake.handlers['datasets.import'] = () => done.promise;

    const started = state.startImport('~/pets ', { textColumn: ' body ' });
    await settle();
    expect(fake.callsTo('fs.checkPath')).toEqual([{ path: '~/pets' }]);
    expect(fake.callsTo('datasets.import')).toEqual([{ path: '/home/me/pets', textColumn: 'body' }]);
    expect(state.active).toMatchObject({ root: '/home/me/pets', reimport: false, started: true, progress: null });

    const listCalls = fake.callsTo('datasets.list').length;
    setList([summary({ id: 7, root: '/home/me/pets', status: 'importing', total: 0 })]);
    fake.emitProgress(progress({ datasetId: 7, root: '/home/me/pets', phase: 'counting' }));
    fake.emitProgress(progress({ datasetId: 7, root: '/home/me/pets', filesDone: 2, filesTotal: 4 }));
    fake.emitProgress(progress({ datasetId: 7, root: '/home/me/pets', filesDone: 3, filesTotal: 4 }));
    await settle();
    // The new dataset appears in the list once, not once per event.
    expect(fake.callsTo('datasets.list').length).toBe(listCalls + 1);
    expect(state.datasets[0]?.id).toBe(7);
    expect(state.active?.progress?.filesDone).toBe(3);
    expect(state.active?.datasetId).toBe(7);
    expect(state.progressFor(state.datasets[0]!)?.filesDone).toBe(3);

    const finished = summary({ id: 7, root: '/home/me/pets', total: 21, skipped: 4 });
    setList([finished]);
    fake.emitProgress(progress({ datasetId: 7, root: '/home/me/pets', phase: 'done' }));
    done.resolve(report(finished, { added: 21, skipped: 4 }));
    const result = await started;
    await settle();
    expect(result?.datasetId).toBe(7);
    expect(state.active).toBeNull();
    expect(state.view).toEqual({ kind: 'dataset', id: 7 });
    expect(state.notice).toEqual({ kind: 'success', text: 'Imported 21 items, 4 skipped in 0.8 s', datasetId: 7 });
    expect(state.selected?.total).toBe(21);
    expect(state.progressByRoot).toEqual({});
  });

  test('a re-import of a known root says what changed', async () => {
    const { state, fake } = setup([summary()]);
    state.start();
    await settle();
    fake.handlers['datasets.import'] = async () => report(summary(), { added: 1, updated: 2, removed: 3, unchanged: 4, skipped: 1 });
    await state.reimport(summary());
    expect(fake.callsTo('datasets.import')).toEqual([{ path: '/data/pets' }]);
    expect(state.notice?.text).toBe('Re-imported: 1 added, 2 updated, 3 removed, 4 unchanged, 1 skipped in 0.8 s');
  });

  test('a path that is not a folder is explained and nothing is imported', async () => {
    const { state, fake } = setup([]);
    fake.handlers['datasets.import'] = async () => {
      throw new Error('should not be called');
    };
    expect(await state.startImport('/missing/folder')).toBeNull();
    expect(state.importError).toEqual({ message: 'No such folder: /missing/folder', root: '/missing/folder', origin: 'add' });
    expect(fake.callsTo('datasets.import')).toEqual([]);
    expect(state.active).toBeNull();
  });

  test('an empty path is refused', async () => {
    const { state, fake } = setup([]);
    expect(await state.startImport('   ')).toBeNull();
    expect(state.importError?.message).toMatch(/path of a folder/);
    expect(fake.log).toEqual([]);
  });

  test('a failed import shows the error message where it was started, and refreshes the list', async () => {
    const { state, fake } = setup([summary()]);
    fake.handlers['datasets.import'] = async () => {
      throw new Error("EACCES: permission denied, open '/data/pets/secret.png'");
    };
    expect(await state.startImport('/data/pets', {}, 'dataset')).toBeNull();
    expect(state.importError).toEqual({
      message: "EACCES: permission denied, open '/data/pets/secret.png'",
      root: '/data/pets',
      origin: 'dataset',
    });
    expect(state.active).toBeNull();
    expect(fake.callsTo('datasets.list').length).toBeGreaterThan(0);
    state.dismissImportError();
    expect(state.importError).toBeNull();
  });

  test('a lost connection explains that the import may go on', async () => {
    const { state, fake } = setup([]);
    fake.handlers['datasets.import'] = async () => {
      throw Object.assign(new Error('Lost the connection to Pretext'), { code: 'disconnected' });
    };
    await state.startImport('/data/pets');
    expect(state.importError?.message).toMatch(/^Lost the connection to Pretext\. The import may still be running/);
  });

  test('only one import at a time', async () => {
    const { state, fake } = setup([]);
    const done = deferred<ReturnType<typeof report>>();
    fake.handlers['datasets.import'] = () => done.promise;
    const first = state.startImport('/data/pets');
    await settle();
    expect(await state.startImport('/data/other')).toBeNull();
    expect(fake.callsTo('datasets.import')).toHaveLength(1);
    done.resolve(report(summary()));
    await first;
  });
});

describe('cancelImport', () => {
  test('cancels by resolved root and reports a cancellation as a notice, not an error', async () => {
    const { state, fake } = setup([]);
    const done = deferred<ReturnType<typeof report>>();
    fake.handlers['datasets.import'] = () => done.promise;
    const started = state.startImport('~/pets');
    await settle();
    await state.cancelImport();
    expect(fake.callsTo('datasets.cancelImport')).toEqual([{ root: '/home/me/pets' }]);
    expect(state.active?.cancelling).toBe(true);
    done.reject(new Error('Import cancelled; the files read so far were kept.'));
    await started;
    expect(state.importError).toBeNull();
    expect(state.notice).toEqual({ kind: 'info', text: 'Import cancelled; the files read so far were kept.', datasetId: null });
    expect(state.active).toBeNull();
  });

  test('cancelling while the path is being checked never starts the import', async () => {
    const { state, fake } = setup([]);
    const check = deferred<ReturnType<typeof folder>>();
    fake.handlers['fs.checkPath'] = () => check.promise;
    fake.handlers['datasets.import'] = async () => report(summary());
    const started = state.startImport('/data/pets');
    await settle();
    await state.cancelImport();
    check.resolve(folder('/data/pets'));
    expect(await started).toBeNull();
    expect(fake.callsTo('datasets.import')).toEqual([]);
    expect(fake.callsTo('datasets.cancelImport')).toEqual([]);
    expect(state.notice?.kind).toBe('info');
  });

  test('a failing cancel is shown', async () => {
    const { state, fake } = setup([]);
    const done = deferred<ReturnType<typeof report>>();
    fake.handlers['datasets.import'] = () => done.promise;
    fake.handlers['datasets.cancelImport'] = async () => {
      throw new Error('gone');
    };
    const started = state.startImport('/data/pets');
    await settle();
    await state.cancelImport();
    expect(state.importError?.message).toBe('Could not cancel: gone');
    expect(state.active?.cancelling).toBe(false);
    done.resolve(report(summary()));
    await started;
  });
});

describe('imports from elsewhere', () => {
  test('progress of another window shows per root, and the list reloads when it starts and ends', async () => {
    const { state, fake } = setup([summary()]);
    state.start();
    await settle();
    const before = fake.callsTo('datasets.list').length;
    fake.emitProgress(progress({ phase: 'counting' }));
    fake.emitProgress(progress({ filesDone: 2 }));
    await settle();
    expect(fake.callsTo('datasets.list').length).toBe(before + 1);
    expect(state.progressFor(summary())?.filesDone).toBe(2);
    expect(state.isImporting(summary())).toBe(false);
    fake.emitProgress(progress({ phase: 'done' }));
    await settle();
    expect(fake.callsTo('datasets.list').length).toBe(before + 2);
    expect(state.progressFor(summary())).toBeNull();
  });

  test('refreshes asked for while one runs are merged into one more', async () => {
    const { state, fake } = setup([summary()]);
    const first = deferred<ReturnType<typeof summary>[]>();
    let calls = 0;
    fake.handlers['datasets.list'] = () => (++calls === 1 ? first.promise : Promise.resolve([summary({ name: 'renamed' })]));
    const a = state.refresh();
    const b = state.refresh();
    const c = state.refresh();
    first.resolve([summary()]);
    await Promise.all([a, b, c]);
    expect(calls).toBe(2);
    expect(state.datasets[0]?.name).toBe('renamed');
  });

  test('a reconnection reloads the list and the info', async () => {
    const { state, fake } = setup([summary()]);
    state.onReconnect();
    await settle();
    expect(fake.callsTo('datasets.list')).toHaveLength(1);
    expect(fake.callsTo('app.info')).toHaveLength(1);
  });
});

describe('remove', () => {
  test('removes from the list, selects the next dataset and says the files stay', async () => {
    const { state, fake, setList } = setup([summary({ id: 1 }), summary({ id: 2, name: 'birds', root: '/b' })]);
    state.start();
    await settle();
    fake.handlers['datasets.remove'] = async () => ({ removed: true });
    setList([summary({ id: 2, name: 'birds', root: '/b' })]);
    expect(await state.remove(1)).toBe(true);
    expect(fake.callsTo('datasets.remove')).toEqual([{ datasetId: 1 }]);
    expect(state.datasets.map((d) => d.id)).toEqual([2]);
    expect(state.view).toEqual({ kind: 'dataset', id: 2 });
    expect(state.notice?.text).toBe('pets was removed from Pretext. Its files were not touched.');
  });

  test('removing the last dataset shows the add-folder panel', async () => {
    const { state, fake, setList } = setup([summary()]);
    state.start();
    await settle();
    fake.handlers['datasets.remove'] = async () => ({ removed: true });
    setList([]);
    await state.remove(1);
    expect(state.view).toEqual({ kind: 'add' });
  });

  test('a refused removal is shown and nothing changes', async () => {
    const { state, fake } = setup([summary()]);
    state.start();
    await settle();
    fake.handlers['datasets.remove'] = async () => {
      throw new Error('/data/pets is being imported; cancel the import first');
    };
    expect(await state.remove(1)).toBe(false);
    expect(state.actionError).toBe('Could not remove the dataset: /data/pets is being imported; cancel the import first');
    expect(state.datasets).toHaveLength(1);
    state.dismissActionError();
    expect(state.actionError).toBeNull();
  });
});

test('select and showAddFolder switch the main view', () => {
  const { state } = setup();
  state.select(5);
  expect(state.selectedId).toBe(5);
  state.showAddFolder();
  expect(state.view).toEqual({ kind: 'add' });
  expect(state.selectedId).toBeNull();
});
