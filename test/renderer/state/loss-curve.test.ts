import { beforeAll, expect, test } from 'vitest';
import type { MetricPoint } from '../../../src-main/contract';
import { deferred, fakeBackend, settle } from '../fake-backend';
import { metrics } from '../fixtures';
import { loadSvelteModule } from '../load-runes.mjs';
import type * as StateModule from '../../../src-renderer/src/state/loss-curve.svelte.ts';

type Module = typeof StateModule;
let LossCurve: Module['LossCurve'];
beforeAll(async () => {
  ({ LossCurve } = await loadSvelteModule<Module>(new URL('../../../src-renderer/src/state/loss-curve.svelte.ts', import.meta.url)));
});

function setup(points: Record<number, MetricPoint[]> = {}) {
  const fake = fakeBackend({ 'runs.metrics': async ({ runId }) => points[runId] ?? [] });
  return { fake, curve: new LossCurve(fake.backend) };
}

test('open loads every stored step and bumps the version', async () => {
  const { curve, fake } = setup({ 3: metrics(1, 40) });
  const v0 = curve.version;
  await curve.open(3);
  expect(fake.callsTo('runs.metrics')).toEqual([{ runId: 3 }]);
  expect(curve.points).toBe(40);
  expect(curve.loaded).toBe(true);
  expect(curve.loading).toBe(false);
  expect(curve.version).toBeGreaterThan(v0);
});

test('a slow reply for a run no longer open is dropped', async () => {
  const { curve, fake } = setup();
  const slow = deferred<MetricPoint[]>();
  fake.handlers['runs.metrics'] = ({ runId }) => (runId === 1 ? slow.promise : metrics(1, 2));
  const first = curve.open(1);
  await curve.open(2);
  slow.resolve(metrics(1, 50));
  await first;
  expect(curve.runId).toBe(2);
  expect(curve.points).toBe(2);
});

test('live points append; points of other runs are ignored', async () => {
  const { curve } = setup({ 1: metrics(1, 3) });
  await curve.open(1);
  const v = curve.version;
  curve.push(1, metrics(4, 5));
  curve.push(2, metrics(1, 9));
  curve.push(1, []);
  expect(curve.points).toBe(5);
  expect(curve.version).toBe(v + 1);
});

test('a failed load keeps the live points and offers a retry', async () => {
  const { curve, fake } = setup();
  const failing = deferred<MetricPoint[]>();
  fake.handlers['runs.metrics'] = () => failing.promise;
  const opened = curve.open(1);
  curve.push(1, metrics(7, 8));
  failing.reject(new Error('Lost the connection to Pretext'));
  await opened;
  expect(curve.error).toBe('Lost the connection to Pretext');
  expect(curve.points).toBe(2);
  fake.handlers['runs.metrics'] = async () => metrics(1, 8);
  await curve.reload();
  expect(curve.error).toBeNull();
  expect(curve.points).toBe(8);
});

test('smoothing changes the line and is clamped', async () => {
  const { curve } = setup({ 1: metrics(1, 10) });
  await curve.open(1);
  curve.setSmoothing(0);
  expect([...curve.buffer.columns()[2]]).toEqual([...curve.buffer.columns()[1]]);
  curve.setSmoothing(5);
  expect(curve.smoothing).toBe(0.999);
});

test('close forgets the run', async () => {
  const { curve } = setup({ 1: metrics(1, 10) });
  await curve.open(1);
  curve.close();
  expect(curve.runId).toBeNull();
  expect(curve.points).toBe(0);
  await settle();
  curve.push(1, metrics(11, 12));
  expect(curve.points).toBe(0);
});
