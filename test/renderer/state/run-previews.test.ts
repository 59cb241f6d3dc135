import { beforeAll, expect, test } from 'vitest';
import type { RunPreview, TrainingProgress } from '../../../src-main/contract';
import type * as StateModule from '../../../src-renderer/src/state/run-previews.svelte.ts';
import { fakeBackend } from '../fake-backend';
import { loadSvelteModule } from '../load-runes.mjs';

let RunPreviews: typeof StateModule.RunPreviews;
beforeAll(async () => {
  ({ RunPreviews } = await loadSvelteModule<typeof StateModule>(new URL('../../../src-renderer/src/state/run-previews.svelte.ts', import.meta.url)));
});

const preview = (epoch: number): RunPreview => ({
  runId: 2,
  epoch,
  step: epoch * 7,
  rows: ['Original', 'Reconstruction'],
  items: [{ itemId: 4, path: 'dots/a.png', label: 'dots' }],
  cell: 64,
  gap: 2,
  width: 64,
  height: 130,
  createdAt: '2026-12-01T12:00:00Z',
});

const progress = (over: Partial<TrainingProgress>): TrainingProgress => ({
  runId: 2, datasetId: 1, phase: 'training', epoch: 1, epochs: 2, step: 1, totalSteps: 14, loss: 1, learningRate: 1e-3, examplesPerSec: 10,
  etaSec: 5, done: 0, total: 0, backend: 'wasm', message: null, metrics: [], evaluations: [], ...over,
});

const settle = () => new Promise((r) => setTimeout(r, 0));

test('reloads when the run moves to another epoch or phase, and shows the newest strip unless another epoch is chosen', async () => {
  let stored = [preview(1)];
  const fake = fakeBackend({ 'runs.previews': () => stored });
  const state = new RunPreviews(fake.backend, 2);
  await state.load();
  expect(state.shown?.epoch).toBe(1);

  fake.emitTraining(progress({ epoch: 2, step: 8 }));
  fake.emitTraining(progress({ epoch: 2, step: 9 })); // same epoch and phase: no reload
  fake.emitTraining(progress({ runId: 3, epoch: 5 })); // another run's
  await settle();
  expect(fake.callsTo('runs.previews')).toHaveLength(2);

  stored = [preview(1), preview(2)];
  fake.emitTraining(progress({ epoch: 2, phase: 'extracting' }));
  await settle();
  expect(state.shown?.epoch).toBe(2);
  state.picked = 1;
  expect(state.shown?.epoch).toBe(1);
  state.picked = null;
  expect(state.shown?.epoch).toBe(2);
  state.dispose();
});

test('says why the strips could not be read', async () => {
  const fake = fakeBackend({ 'runs.previews': () => Promise.reject(new Error('No run with id 2')) });
  const state = new RunPreviews(fake.backend, 2);
  await state.load();
  expect(state.error).toBe('Could not load the reconstructions: No run with id 2');
  expect(state.shown).toBeNull();
  state.dispose();
});
