import { beforeAll, expect, test } from 'vitest';
import { engine, run, summary } from '../fixtures';
import { loadSvelteModule } from '../load-runes.mjs';
import type * as StateModule from '../../../src-renderer/src/state/run-form.svelte.ts';

type Module = typeof StateModule;
let RunForm: Module['RunForm'];
beforeAll(async () => {
  ({ RunForm } = await loadSvelteModule<Module>(new URL('../../../src-renderer/src/state/run-form.svelte.ts', import.meta.url)));
});

const notes = summary({ id: 1, name: 'notes', counts: { image: 0, text: 4, audio: 0 } });
const pets = summary({ id: 2, name: 'pets', counts: { image: 120, text: 0, audio: 0 } });
const birds = summary({ id: 3, name: 'birds', root: '/b' });

test('picks the dataset on screen if it has images, else the first that has', () => {
  const form = new RunForm();
  form.syncDataset([notes, pets, birds], 3);
  expect(form.datasetId).toBe(3);
  const other = new RunForm();
  other.syncDataset([notes, pets, birds], 1);
  expect(other.datasetId).toBe(2);
  const none = new RunForm();
  none.syncDataset([notes], null);
  expect(none.datasetId).toBeNull();
});

test('a chosen dataset stays until it is removed', () => {
  const form = new RunForm();
  form.chooseDataset(3);
  form.syncDataset([notes, pets, birds], 2);
  expect(form.datasetId).toBe(3);
  form.syncDataset([notes, pets], 2);
  expect(form.datasetId).toBe(2);
  form.prefer(3);
  form.syncDataset([pets, birds], 2);
  expect(form.datasetId).toBe(3);
});

test('validation follows the fields', () => {
  const form = new RunForm();
  expect(form.validation.ok).toBe(true);
  form.set('epochs', 'two');
  expect(form.validation.ok).toBe(false);
  expect(form.validation.errors.epochs).toMatch(/whole number/);
  expect(form.changed).toBe(true);
  form.reset();
  expect(form.validation.ok).toBe(true);
  expect(form.changed).toBe(false);
});

test('the method is one that can train the dataset', () => {
  const form = new RunForm();
  form.set('method', 'gone');
  form.syncMethod(engine(), pets);
  expect(form.values.method).toBe('simclr');
  expect(form.methods(engine(), notes)).toEqual([]);
  expect(form.methods(null, pets)).toEqual([]);
});

test('estimate and copyFrom', () => {
  const form = new RunForm();
  form.set('batchSize', '32');
  form.set('epochs', '2');
  expect(form.estimate(pets)).toMatchObject({ stepsPerEpoch: 3, totalSteps: 6 });
  form.copyFrom(run({ datasetId: 3, config: { epochs: 7, batchSize: 64, imageSize: 24, learningRate: 0.0005 } }));
  expect(form.datasetId).toBe(3);
  expect(form.values).toMatchObject({ epochs: '7', batchSize: '64', imageSize: '24', learningRate: '0.0005' });
});
