import { beforeAll, expect, test } from 'vitest';
import { trainingLengthDefaults } from '../../../src-renderer/src/lib/train-settings';
import { coreCatalogue, coreTrainingDefaults } from '../core-catalogue.mjs';
import { method, param, run, summary } from '../fixtures';
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

const toy = method();
const texty = method({ id: 'texty', name: 'Texty', modalities: ['text'], params: [param('epochs', { type: 'integer', default: 5, min: 1, max: 9 })] });

function withMethods(methods = [toy, texty]) {
  const form = new RunForm();
  form.setCatalogue(methods);
  return form;
}

test('picks the dataset on screen if some method trains it, else the first that has', () => {
  const form = withMethods([toy]);
  form.syncDataset([notes, pets, birds], 3);
  expect(form.datasetId).toBe(3);
  const other = withMethods([toy]);
  other.syncDataset([notes, pets, birds], 1);
  expect(other.datasetId).toBe(2);
  const none = withMethods([toy]);
  none.syncDataset([notes], null);
  expect(none.datasetId).toBeNull();
  // A method for text makes the text dataset trainable.
  const both = withMethods();
  both.syncDataset([notes, pets], 1);
  expect(both.datasetId).toBe(1);
});

test('a chosen dataset stays until it is removed', () => {
  const form = withMethods();
  form.chooseDataset(3);
  form.syncDataset([notes, pets, birds], 2);
  expect(form.datasetId).toBe(3);
  form.syncDataset([notes, pets], 2);
  expect(form.datasetId).toBe(2);
  form.prefer(3);
  form.syncDataset([pets, birds], 2);
  expect(form.datasetId).toBe(3);
});

test('the method is one whose modalities the dataset has; its fields follow it', () => {
  const form = withMethods();
  expect(form.method).toBeNull();
  expect(form.validation.ok).toBe(false);
  form.syncMethod(pets);
  expect(form.methodId).toBe('toy');
  expect(form.fields.main.map((f) => f.name)).toContain('temperature');
  expect(form.methods(pets).map((m) => m.id)).toEqual(['toy']);
  expect(form.methods(notes).map((m) => m.id)).toEqual(['texty']);
  form.syncMethod(notes);
  expect(form.methodId).toBe('texty');
  expect(form.fields.main.map((f) => f.name)).toEqual(['epochs']);
  expect(new RunForm().methods(pets)).toEqual([]);
});

test('validation follows the fields; typed values are sent, the rest left to the core', () => {
  const form = withMethods();
  form.chooseMethod('toy');
  expect(form.validation).toMatchObject({ ok: true, settings: { method: 'toy' } });
  expect(form.changed).toBe(false);
  form.set('epochs', 'two');
  expect(form.validation.ok).toBe(false);
  expect(form.validation.errors.epochs).toBe('Enter a whole number from 1 to 10,000');
  expect(form.changed).toBe(true);
  form.set('epochs', '3');
  form.set('learningRate', '0.001'); // the default, typed on purpose
  form.setBackend('wasm');
  expect(form.validation.settings).toEqual({ method: 'toy', backend: 'wasm', params: { epochs: 3, learningRate: 0.001 } });
  form.reset();
  expect(form.validation.settings).toEqual({ method: 'toy' });
  expect(form.changed).toBe(false);
});

test('a value typed for one method stays for another with the same parameter, checked by its spec', () => {
  const form = withMethods();
  form.chooseMethod('toy');
  form.set('epochs', '12');
  expect(form.validation.ok).toBe(true);
  form.chooseMethod('texty');
  expect(form.validation.errors).toEqual({ epochs: 'Enter a whole number from 1 to 9' });
  form.set('epochs', '8');
  expect(form.validation.settings).toEqual({ method: 'texty', params: { epochs: 8 } });
  form.chooseMethod('toy');
  expect(form.text(form.fields.main[0]!)).toBe('8');
});

test('estimate: steps for a method that trains, none for a baseline', () => {
  const form = withMethods();
  form.chooseMethod('toy');
  form.set('batchSize', '32');
  form.set('epochs', '2');
  expect(form.estimate(pets)).toMatchObject({ stepsPerEpoch: 3, totalSteps: 6, timeBudget: false });
  const baseline = withMethods([method({ id: 'raw', trains: false, params: [param('seed', { type: 'integer', default: 1 })] })]);
  baseline.chooseMethod('raw');
  expect(baseline.estimate(pets)).toBeNull();
});

test('estimate: an empty batch size and epoch count follow the dataset’s size, as the core decides them', () => {
  const form = withMethods();
  form.chooseMethod('toy');
  const demo = summary({ id: 3, name: 'demo: patterns', counts: { image: 450, text: 0, audio: 0 } });
  // The image demo: batches of 64, 7 steps an epoch, 29 epochs for at least 200 steps.
  expect(form.estimate(demo)).toMatchObject({ batchSize: 64, stepsPerEpoch: 7, totalSteps: 203 });
  // The form's copy of the rule is the core's.
  for (const modality of ['image', 'text', 'audio'] as const) {
    for (let n = 1; n <= 5000; n++) expect(trainingLengthDefaults(n, modality)).toEqual(coreTrainingDefaults(n, modality));
  }
  expect(trainingLengthDefaults(9000, 'text').batchSize).toBe(64);
  form.set('epochs', '2');
  expect(form.estimate(demo)).toMatchObject({ stepsPerEpoch: 7, totalSteps: 14 });
  form.set('batchSize', '');
  expect(form.estimate(demo)).toMatchObject({ batchSize: 64 });
});

test('copyFrom takes the run’s method, values (all sent as they were) and backend', () => {
  const form = withMethods();
  form.copyFrom(run({ datasetId: 3, method: 'toy', params: { epochs: 7, batchSize: 64, imageSize: 24, learningRate: 0.001, seed: 4 }, config: { method: 'toy', backend: 'cpu' } }));
  expect(form.datasetId).toBe(3);
  expect(form.methodId).toBe('toy');
  expect(form.backend).toBe('cpu');
  expect(form.values).toEqual({ epochs: '7', batchSize: '64', imageSize: '24', learningRate: '0.001' });
  expect(form.validation.settings).toEqual({ method: 'toy', backend: 'cpu', params: { epochs: 7, batchSize: 64, imageSize: 24, learningRate: 0.001 } });
});

test('with the core’s catalogue: SimCLR on images, the baseline without epochs', () => {
  const form = withMethods(coreCatalogue());
  form.syncMethod(pets);
  expect(form.methodId).toBe('simclr');
  form.set('epochs', '2');
  form.set('batchSize', '32');
  form.set('imageSize', '16');
  expect(form.validation.settings).toEqual({ method: 'simclr', params: { epochs: 2, batchSize: 32, imageSize: 16 } });
  expect(form.estimate(pets)).toMatchObject({ stepsPerEpoch: 3, totalSteps: 6 });
  const baseline = form.methods(pets).find((m) => !m.trains);
  if (baseline) {
    form.chooseMethod(baseline.id);
    expect(form.fields.main.map((f) => f.name)).not.toContain('epochs');
    expect(form.estimate(pets)).toBeNull();
  }
});
