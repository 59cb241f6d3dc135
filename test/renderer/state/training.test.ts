import { beforeAll, describe, expect, test } from 'vitest';
import type { EvaluationPoint, MetricPoint, RunSummary } from '../../../src-main/contract';
import { deferred, fakeBackend, settle } from '../fake-backend';
import { engine, evaluation, method, metrics, run, training } from '../fixtures';
import { loadSvelteModule } from '../load-runes.mjs';
import type * as StateModule from '../../../src-renderer/src/state/training.svelte.ts';

type Module = typeof StateModule;
let TrainingState: Module['TrainingState'];
beforeAll(async () => {
  ({ TrainingState } = await loadSvelteModule<Module>(new URL('../../../src-renderer/src/state/training.svelte.ts', import.meta.url)));
});

function setup(
  list: RunSummary[] = [run({ id: 2 }), run({ id: 1 })],
  points: Record<number, MetricPoint[]> = {},
  evaluations: Record<number, EvaluationPoint[]> = {},
) {
  let runs = list;
  const fake = fakeBackend({
    'engine.info': async () => engine(),
    'methods.list': async () => [method({ id: 'simclr', name: 'SimCLR' })],
    'runs.list': async () => runs,
    'runs.metrics': async ({ runId }) => points[runId] ?? [],
    'runs.evaluations': async ({ runId }) => evaluations[runId] ?? [],
  });
  const state = new TrainingState(fake.backend);
  return { fake, state, setList: (next: RunSummary[]) => (runs = next) };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('start', () => {
  test('loads the engine and the runs, and opens the newest run’s curve', async () => {
    const { state, fake } = setup(undefined, { 2: metrics(1, 6) });
    state.start();
    await settle();
    expect(state.engine?.backend).toBe('wasm');
    expect(state.runs.map((r) => r.id)).toEqual([2, 1]);
    expect(state.loaded).toBe(true);
    expect(state.selectedId).toBe(2);
    expect(fake.callsTo('runs.metrics')).toEqual([{ runId: 2 }]);
    expect(state.curve.points).toBe(6);
    expect(state.curve.loaded).toBe(true);
    expect(fake.callsTo('runs.evaluations')).toEqual([{ runId: 2 }]);
    expect(state.evaluations.runId).toBe(2);
  });

  test('loads the methods into the form; a failure is reported and retried on reconnection', async () => {
    const { state, fake } = setup([]);
    fake.handlers['methods.list'] = async () => {
      throw new Error('Lost the connection to Pretext');
    };
    state.start();
    await settle();
    expect(state.methods).toBeNull();
    expect(state.methodsError).toMatch(/Lost the connection/);
    fake.handlers['methods.list'] = async () => [method({ id: 'simclr', name: 'SimCLR' })];
    state.onReconnect();
    await settle();
    expect(state.methodsError).toBeNull();
    expect(state.methods?.map((m) => m.id)).toEqual(['simclr']);
    expect(state.form.catalogue).toBe(state.methods);
    expect(state.methodInfo('simclr')?.name).toBe('SimCLR');
    expect(state.methodInfo('gone')).toBeNull();
  });

  test('an engine that cannot start is reported, and can be retried', async () => {
    const { state, fake } = setup([]);
    fake.handlers['engine.info'] = async () => {
      throw new Error('No compute backend could be initialised');
    };
    state.start();
    await settle();
    expect(state.engineError).toMatch(/No compute backend/);
    fake.handlers['engine.info'] = async () => engine();
    await state.loadEngine();
    expect(state.engineError).toBeNull();
    expect(state.engine).not.toBeNull();
  });

  test('a failing list is reported', async () => {
    const { state, fake } = setup();
    fake.handlers['runs.list'] = async () => {
      throw new Error('Lost the connection to Pretext');
    };
    state.start();
    await settle();
    expect(state.listError).toBe('Lost the connection to Pretext');
    expect(state.selectedId).toBeNull();
  });
});

describe('live progress', () => {
  test('updates the run, appends to the open curve, and reloads the list once per epoch', async () => {
    const { state, fake, setList } = setup([run({ id: 3, status: 'running', epochsDone: 0, epochs: 2 })]);
    state.start();
    await settle();
    const lists = fake.callsTo('runs.list').length;
    fake.emitTraining(training({ runId: 3, epoch: 1, step: 1, metrics: metrics(1, 1) }));
    fake.emitTraining(training({ runId: 3, epoch: 1, step: 2, metrics: metrics(2, 2) }));
    fake.emitTraining(training({ runId: 3, epoch: 1, step: 3, loss: 4.2, metrics: metrics(3, 3) }));
    await settle();
    expect(fake.callsTo('runs.list').length).toBe(lists + 1);
    expect(state.curve.points).toBe(3);
    expect(state.progressOf(3)?.loss).toBe(4.2);
    // Live progress is kept without its points (they live in the curve).
    expect(state.progressOf(3)?.metrics).toEqual([]);
    expect(state.statusOf(state.runs[0]!)).toBe('running');
    expect(state.activeRunId).toBe(3);

    setList([run({ id: 3, status: 'running', epochsDone: 1, epochs: 2 })]);
    fake.emitTraining(training({ runId: 3, epoch: 2, step: 4, metrics: metrics(4, 4) }));
    await settle();
    expect(fake.callsTo('runs.list').length).toBe(lists + 2);
    expect(state.runs[0]?.epochsDone).toBe(1);
  });

  test('points of another run do not touch the open curve', async () => {
    const { state, fake } = setup([run({ id: 2 }), run({ id: 1 })]);
    state.start();
    await settle();
    fake.emitTraining(training({ runId: 1, metrics: metrics(1, 5) }));
    await settle();
    expect(state.curve.runId).toBe(2);
    expect(state.curve.points).toBe(0);
  });

  test('a run started elsewhere appears in the list', async () => {
    const { state, fake, setList } = setup([]);
    state.start();
    await settle();
    expect(state.selectedId).toBeNull();
    setList([run({ id: 9, status: 'running' })]);
    fake.emitTraining(training({ runId: 9, phase: 'starting' }));
    await settle();
    expect(state.runs.map((r) => r.id)).toEqual([9]);
    expect(state.selectedId).toBe(9);
  });

  test('points arriving while the curve loads are merged, not lost or doubled', async () => {
    const { state, fake } = setup([run({ id: 5, status: 'running' })]);
    const load = deferred<MetricPoint[]>();
    fake.handlers['runs.metrics'] = () => load.promise;
    state.start();
    await settle();
    expect(state.curve.loading).toBe(true);
    fake.emitTraining(training({ runId: 5, metrics: metrics(9, 10) }));
    fake.emitTraining(training({ runId: 5, metrics: metrics(11, 12) }));
    load.resolve(metrics(1, 10)); // the load already saw steps 9 and 10
    await settle();
    expect(state.curve.points).toBe(12);
    expect([...state.curve.buffer.columns()[0]]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  test('a final event shows at once; the list is re-read until it records the end', async () => {
    const { state, fake, setList } = setup([run({ id: 4, status: 'running' })]);
    state.start();
    await settle();
    fake.emitTraining(training({ runId: 4, phase: 'extracting', done: 3, total: 6 }));
    await settle();
    const before = fake.callsTo('runs.list').length;
    fake.emitTraining(training({ runId: 4, phase: 'completed' }));
    await settle();
    // The core has not recorded it yet: the event speaks.
    expect(state.statusOf(state.runs[0]!)).toBe('completed');
    expect(state.activeRunId).toBeNull();
    setList([run({ id: 4, status: 'completed', vectors: 6 })]);
    await wait(200);
    await settle();
    expect(fake.callsTo('runs.list').length).toBeGreaterThanOrEqual(before + 2);
    expect(state.runs[0]?.status).toBe('completed');
    expect(state.progressOf(4)).toBeNull();
  });

  test('a run that ends is announced; one cancelled here is not', async () => {
    const { state, fake } = setup([run({ id: 4, status: 'running', datasetName: 'shapes' }), run({ id: 3, status: 'running' })]);
    state.start();
    await settle();
    fake.emitTraining(training({ runId: 4, phase: 'completed', total: 120 }));
    expect(state.notice).toEqual({ kind: 'success', text: 'Run #4 on shapes completed: 120 embeddings ready to export.', runId: 4 });
    fake.emitTraining(training({ runId: 4, phase: 'failed', message: 'The loss became NaN at step 3' }));
    expect(state.notice?.text).toBe('Run #4 on shapes failed: The loss became NaN at step 3');
    state.dismissNotice();
    fake.handlers['runs.cancel'] = async () => ({ cancelled: true });
    await state.cancel(3);
    fake.emitTraining(training({ runId: 3, phase: 'cancelled' }));
    expect(state.notice).toBeNull();
  });
});

describe('startRun', () => {
  test('starts, shows the new run as starting, and selects it', async () => {
    const { state, fake, setList } = setup([run({ id: 1 })]);
    state.start();
    await settle();
    const created = run({ id: 2, status: 'queued', epochsDone: 0, stepsDone: 0, firstLoss: null, lastLoss: null, vectors: 0 });
    fake.handlers['runs.start'] = async () => created;
    setList([created, run({ id: 1 })]);
    const settings = { method: 'simclr', params: { epochs: 2, batchSize: 32 } };
    const result = await state.startRun(1, settings);
    expect(result?.id).toBe(2);
    expect(fake.callsTo('runs.start')).toEqual([{ datasetId: 1, settings }]);
    expect(state.runs.map((r) => r.id)).toEqual([2, 1]);
    expect(state.selectedId).toBe(2);
    expect(state.progressOf(2)?.phase).toBe('starting');
    expect(state.statusOf(state.runs[0]!)).toBe('running');
    expect(state.starting).toBe(false);
    await settle();
    expect(state.curve.runId).toBe(2);
  });

  test('a refused start is shown in the form and nothing changes', async () => {
    const { state, fake } = setup([run({ id: 1 })]);
    state.start();
    await settle();
    fake.handlers['runs.start'] = async () => {
      throw Object.assign(new Error('Run #1 is training; wait for it or cancel it first'), { code: 'conflict' });
    };
    expect(await state.startRun(1, {})).toBeNull();
    expect(state.startError).toBe('Run #1 is training; wait for it or cancel it first');
    expect(state.selectedId).toBe(1);
    state.dismissStartError();
    expect(state.startError).toBeNull();
  });

  test('only one start at a time', async () => {
    const { state, fake } = setup([]);
    const pending = deferred<RunSummary>();
    fake.handlers['runs.start'] = () => pending.promise;
    const first = state.startRun(1, {});
    expect(state.starting).toBe(true);
    expect(await state.startRun(1, {})).toBeNull();
    pending.resolve(run({ id: 1, status: 'queued' }));
    await first;
    expect(fake.callsTo('runs.start')).toHaveLength(1);
  });
});

describe('cancel and resume', () => {
  test('cancel waits for the final event', async () => {
    const { state, fake, setList } = setup([run({ id: 3, status: 'running' })]);
    state.start();
    await settle();
    fake.emitTraining(training({ runId: 3 }));
    fake.handlers['runs.cancel'] = async () => ({ cancelled: true });
    await state.cancel(3);
    expect(fake.callsTo('runs.cancel')).toEqual([{ runId: 3 }]);
    expect(state.actions[3]).toBe('cancelling');
    setList([run({ id: 3, status: 'cancelled', resumable: true })]);
    fake.emitTraining(training({ runId: 3, phase: 'cancelled', message: 'Training cancelled' }));
    await settle();
    expect(state.actions[3]).toBeUndefined();
    expect(state.statusOf(state.runs[0]!)).toBe('cancelled');
  });

  test('cancelling a run that already ended just refreshes', async () => {
    const { state, fake } = setup([run({ id: 3, status: 'running' })]);
    fake.handlers['runs.cancel'] = async () => ({ cancelled: false });
    await state.cancel(3);
    expect(state.actions[3]).toBeUndefined();
    expect(fake.callsTo('runs.list').length).toBeGreaterThan(0);
  });

  test('a failing cancel is shown', async () => {
    const { state, fake } = setup();
    fake.handlers['runs.cancel'] = async () => {
      throw new Error('gone');
    };
    await state.cancel(2);
    expect(state.actionError).toBe('Could not cancel the run: gone');
    expect(state.actions[2]).toBeUndefined();
  });

  test('resume shows the run as running at once and keeps following it', async () => {
    const { state, fake } = setup([run({ id: 2, status: 'cancelled', resumable: true }), run({ id: 1 })]);
    state.start();
    await settle();
    fake.handlers['runs.resume'] = async () => run({ id: 2, status: 'cancelled', resumable: true });
    state.select(2);
    await settle();
    const loads = fake.callsTo('runs.evaluations').length;
    await state.resume(2);
    expect(fake.callsTo('runs.resume')).toEqual([{ runId: 2 }]);
    // The core dropped the evaluations after its checkpoint: they are read again.
    expect(fake.callsTo('runs.evaluations').length).toBe(loads + 1);
    expect(state.statusOf(state.runs[0]!)).toBe('running');
    expect(state.actions[2]).toBeUndefined();
  });

  test('a refused resume is shown', async () => {
    const { state, fake } = setup();
    fake.handlers['runs.resume'] = async () => {
      throw new Error('Run #2 has completed; start a new run to train more');
    };
    await state.resume(2);
    expect(state.actionError).toBe('Could not resume the run: Run #2 has completed; start a new run to train more');
  });
});

describe('remove', () => {
  test('removes the run and selects the next one', async () => {
    const { state, fake, setList } = setup([run({ id: 3 }), run({ id: 2 }), run({ id: 1 })]);
    state.start();
    await settle();
    state.select(2);
    fake.handlers['runs.remove'] = async () => ({ removed: true });
    setList([run({ id: 3 }), run({ id: 1 })]);
    expect(await state.remove(2)).toBe(true);
    expect(fake.callsTo('runs.remove')).toEqual([{ runId: 2 }]);
    expect(state.runs.map((r) => r.id)).toEqual([3, 1]);
    expect(state.selectedId).toBe(1);
  });

  test('removing the only run leaves nothing selected', async () => {
    const { state, fake, setList } = setup([run({ id: 1 })]);
    state.start();
    await settle();
    fake.handlers['runs.remove'] = async () => ({ removed: true });
    setList([]);
    await state.remove(1);
    expect(state.selectedId).toBeNull();
    expect(state.curve.runId).toBeNull();
  });

  test('a refused removal is shown and nothing changes', async () => {
    const { state, fake } = setup();
    state.start();
    await settle();
    fake.handlers['runs.remove'] = async () => {
      throw new Error('Run #2 is training; cancel it first');
    };
    expect(await state.remove(2)).toBe(false);
    expect(state.actionError).toBe('Could not remove the run: Run #2 is training; cancel it first');
    expect(state.runs).toHaveLength(2);
    state.dismissActionError();
    expect(state.actionError).toBeNull();
  });
});

describe('exportCsv (Electron)', () => {
  test('writes to the path and says where', async () => {
    const { state, fake } = setup();
    fake.handlers['runs.exportCsv'] = async ({ path }) => ({ path: path.replace('~', '/home/me'), rows: 120 });
    const result = await state.exportCsv(2, ' ~/pretext-run-2.csv ');
    expect(fake.callsTo('runs.exportCsv')).toEqual([{ runId: 2, path: '~/pretext-run-2.csv' }]);
    expect(result).toEqual({ runId: 2, path: '/home/me/pretext-run-2.csv', rows: 120 });
    expect(state.exportResult).toEqual(result);
    expect(state.actions[2]).toBeUndefined();
    await state.exportCsv(2, '~/pretext-run-2-lightly.csv', false, 'lightly');
    expect(fake.callsTo('runs.exportCsv')[1]).toEqual({ runId: 2, path: '~/pretext-run-2-lightly.csv', format: 'lightly' });
  });

  test('an empty path or a failure is explained', async () => {
    const { state, fake } = setup();
    expect(await state.exportCsv(2, '  ')).toBeNull();
    expect(state.exportError).toMatch(/Type the path/);
    fake.handlers['runs.exportCsv'] = async () => {
      throw new Error('EACCES: permission denied');
    };
    await state.exportCsv(2, '/root/x.csv');
    expect(state.exportError).toBe('Could not export the CSV: EACCES: permission denied');
    expect(state.exportResult).toBeNull();
    expect(state.actionError).toBeNull();
    state.dismissExportResult();
    expect(state.exportError).toBeNull();
  });
});

test('a reconnection reloads the list and the curve, and forgets runs that ended meanwhile', async () => {
  const { state, fake, setList } = setup([run({ id: 2, status: 'running' })], { 2: metrics(1, 4) });
  state.start();
  await settle();
  fake.emitTraining(training({ runId: 2, step: 5, metrics: metrics(5, 5) }));
  await settle();
  expect(state.activeRunId).toBe(2);
  setList([run({ id: 2, status: 'completed' })]);
  const metricCalls = fake.callsTo('runs.metrics').length;
  state.onReconnect();
  await settle();
  expect(state.progressOf(2)).toBeNull();
  expect(state.activeRunId).toBeNull();
  expect(fake.callsTo('runs.metrics').length).toBe(metricCalls + 1);
});

test('selecting a run opens its curve; selecting it again does not reload', async () => {
  const { state, fake } = setup(undefined, { 1: metrics(1, 3) });
  state.start();
  await settle();
  state.select(1);
  await settle();
  expect(state.curve.runId).toBe(1);
  expect(state.curve.points).toBe(3);
  const calls = fake.callsTo('runs.metrics').length;
  state.select(1);
  await settle();
  expect(fake.callsTo('runs.metrics').length).toBe(calls);
  expect(state.selected?.id).toBe(1);
});

describe('evaluations', () => {
  test('opening a run loads its evaluations; live ones are appended, others’ ignored, and kept off `live`', async () => {
    const stored = [evaluation(0), evaluation(1)];
    const { state, fake } = setup([run({ id: 2, status: 'running' }), run({ id: 1 })], {}, { 2: stored });
    state.start();
    await settle();
    expect(state.evaluations.points).toEqual(stored);
    fake.emitTraining(training({ runId: 2, phase: 'evaluating', epoch: 2, evaluations: [evaluation(2)] }));
    fake.emitTraining(training({ runId: 1, phase: 'evaluating', evaluations: [evaluation(5)] }));
    expect(state.evaluations.points.map((e) => e.epoch)).toEqual([0, 1, 2]);
    expect(state.progressOf(2)?.evaluations).toEqual([]);
    expect(state.progressOf(2)?.phase).toBe('evaluating');
    fake.emitTraining(training({ runId: 2, phase: 'evaluating', epoch: 2, evaluations: [evaluation(2, { final: true, knn: 0.9 })] }));
    expect(state.evaluations.latest).toMatchObject({ final: true, knn: 0.9 });
  });

  test('selecting another run opens its evaluations; none selected closes them', async () => {
    const { state, fake } = setup(undefined, {}, { 1: [evaluation(0, { final: true })] });
    state.start();
    await settle();
    state.select(1);
    await settle();
    expect(state.evaluations.runId).toBe(1);
    expect(state.evaluations.points).toHaveLength(1);
    expect(fake.callsTo('runs.evaluations')).toEqual([{ runId: 2 }, { runId: 1 }]);
    state.select(null);
    expect(state.evaluations.runId).toBeNull();
    expect(state.evaluations.points).toEqual([]);
  });

  test('a reconnection reloads them', async () => {
    const { state, fake } = setup();
    state.start();
    await settle();
    const loads = fake.callsTo('runs.evaluations').length;
    state.onReconnect();
    await settle();
    expect(fake.callsTo('runs.evaluations').length).toBe(loads + 1);
  });
});
