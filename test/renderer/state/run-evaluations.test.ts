import { beforeAll, expect, test } from 'vitest';
import type { EvaluationPoint } from '../../../src-main/contract';
import { deferred, fakeBackend } from '../fake-backend';
import { evaluation } from '../fixtures';
import { loadSvelteModule } from '../load-runes.mjs';
import type * as StateModule from '../../../src-renderer/src/state/run-evaluations.svelte.ts';

type Module = typeof StateModule;
let RunEvaluations: Module['RunEvaluations'];
beforeAll(async () => {
  ({ RunEvaluations } = await loadSvelteModule<Module>(new URL('../../../src-renderer/src/state/run-evaluations.svelte.ts', import.meta.url)));
});

function setup(stored: Record<number, EvaluationPoint[]> = {}) {
  const fake = fakeBackend({ 'runs.evaluations': async ({ runId }) => stored[runId] ?? [] });
  return { fake, evaluations: new RunEvaluations(fake.backend) };
}

test('open loads the stored evaluations; latest and series follow', async () => {
  const { evaluations, fake } = setup({ 3: [evaluation(0), evaluation(1), evaluation(2, { final: true, knn: 0.9, linear: 0.8 })] });
  await evaluations.open(3);
  expect(fake.callsTo('runs.evaluations')).toEqual([{ runId: 3 }]);
  expect(evaluations.loaded).toBe(true);
  expect(evaluations.loading).toBe(false);
  expect(evaluations.points).toHaveLength(3);
  expect(evaluations.latest).toMatchObject({ epoch: 2, final: true, knn: 0.9 });
  expect(evaluations.series.epochs).toEqual([0, 1, 2]);
  expect(evaluations.series.finalIndex).toBe(2);
});

test('live evaluations append; those of other runs are ignored', async () => {
  const { evaluations } = setup({ 1: [evaluation(0)] });
  await evaluations.open(1);
  evaluations.push(1, [evaluation(1)]);
  evaluations.push(2, [evaluation(7)]);
  evaluations.push(1, []);
  evaluations.push(1, undefined);
  expect(evaluations.points.map((e) => e.epoch)).toEqual([0, 1]);
});

test('evaluations arriving while the load runs are merged after it, not lost or doubled', async () => {
  const { evaluations, fake } = setup();
  const load = deferred<EvaluationPoint[]>();
  fake.handlers['runs.evaluations'] = () => load.promise;
  const opened = evaluations.open(1);
  evaluations.push(1, [evaluation(1), evaluation(2)]);
  load.resolve([evaluation(0), evaluation(1)]);
  await opened;
  expect(evaluations.points.map((e) => e.epoch)).toEqual([0, 1, 2]);
});

test('a slow reply for a run no longer open is dropped', async () => {
  const { evaluations, fake } = setup();
  const slow = deferred<EvaluationPoint[]>();
  fake.handlers['runs.evaluations'] = ({ runId }) => (runId === 1 ? slow.promise : [evaluation(0)]);
  const first = evaluations.open(1);
  await evaluations.open(2);
  slow.resolve([evaluation(0), evaluation(1), evaluation(2)]);
  await first;
  expect(evaluations.runId).toBe(2);
  expect(evaluations.points).toHaveLength(1);
});

test('a failed load keeps the live evaluations and offers a retry; reload replaces (a resume drops some)', async () => {
  const { evaluations, fake } = setup();
  const failing = deferred<EvaluationPoint[]>();
  fake.handlers['runs.evaluations'] = () => failing.promise;
  const opened = evaluations.open(1);
  evaluations.push(1, [evaluation(3)]);
  failing.reject(new Error('Lost the connection to Pretext'));
  await opened;
  expect(evaluations.error).toBe('Lost the connection to Pretext');
  expect(evaluations.points.map((e) => e.epoch)).toEqual([3]);
  fake.handlers['runs.evaluations'] = async () => [evaluation(0), evaluation(1)];
  await evaluations.reload();
  expect(evaluations.error).toBeNull();
  expect(evaluations.points.map((e) => e.epoch)).toEqual([0, 1]);
});

test('close forgets the run', async () => {
  const { evaluations } = setup({ 1: [evaluation(0)] });
  await evaluations.open(1);
  evaluations.close();
  expect(evaluations.runId).toBeNull();
  expect(evaluations.points).toEqual([]);
  expect(evaluations.latest).toBeNull();
  evaluations.push(1, [evaluation(1)]);
  expect(evaluations.points).toEqual([]);
  await evaluations.reload();
});
