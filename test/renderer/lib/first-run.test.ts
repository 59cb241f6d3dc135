import { expect, test } from 'vitest';
import { datasetToTrain, firstSteps, openingDatasetId, trainBlocker } from '../../../src-renderer/src/lib/first-run';
import { run, summary } from '../fixtures';

const sentences = summary({ id: 1, name: 'demo: sentences', counts: { image: 0, text: 90, audio: 0 }, total: 90 });
const shapes = summary({ id: 2, name: 'demo: shapes', counts: { image: 120, text: 0, audio: 0 }, total: 120 });
const tones = summary({ id: 3, name: 'demo: tones', counts: { image: 0, text: 0, audio: 30 }, total: 30 });

test('the reason a dataset cannot train names what training needs and what it has, from the methods’ modalities', () => {
  expect(trainBlocker(sentences, ['image'], false)).toBe('Training needs images; no method trains text yet.');
  expect(trainBlocker(summary({ counts: { image: 0, text: 3, audio: 2 } }), ['image'], false)).toBe('Training needs images; no method trains text or audio yet.');
  expect(trainBlocker(tones, ['image', 'text'], false)).toBe('Training needs images or text; no method trains audio yet.');
  expect(trainBlocker(summary({ counts: { image: 0, text: 0, audio: 0 }, total: 0 }), ['image'], false)).toBe('Nothing to train on: no item of this folder imported.');
  expect(trainBlocker(shapes, ['image'], true)).toBe('Training can start once the import has finished.');
});

test('the reason disappears once a method trains the modality', () => {
  expect(trainBlocker(shapes, ['image'], false)).toBeNull();
  expect(trainBlocker(sentences, ['image', 'text'], false)).toBeNull();
  expect(trainBlocker(summary({ counts: { image: 1, text: 5, audio: 0 } }), ['image'], false)).toBeNull();
});

test('the app opens on the first dataset a method can train, else the first one', () => {
  expect(openingDatasetId([sentences, shapes, tones], ['image'])).toBe(2);
  expect(openingDatasetId([sentences, shapes, tones], ['text'])).toBe(1);
  expect(openingDatasetId([sentences, tones], ['image'])).toBe(1);
  expect(openingDatasetId([{ ...shapes, status: 'importing' }, summary({ id: 4 })], ['image'])).toBe(4);
  expect(openingDatasetId([], ['image'])).toBeNull();
});

test('the Train step trains the dataset on screen when it can, else the first that can', () => {
  const other = summary({ id: 5, name: 'pets' });
  expect(datasetToTrain([sentences, shapes, other], ['image'], 5)?.id).toBe(5);
  expect(datasetToTrain([sentences, shapes, other], ['image'], 1)?.id).toBe(2);
  expect(datasetToTrain([sentences, tones], ['image'], 1)).toBeNull();
});

test('the three steps: add a folder, train, explore; the first not done is current', () => {
  const none = firstSteps([], []);
  expect(none.steps.map((s) => [s.number, s.title, s.done])).toEqual([
    [1, 'Add a folder', false],
    [2, 'Train', false],
    [3, 'Explore', false],
  ]);
  expect(none.current).toBe('add');

  const imported = firstSteps([sentences, shapes, tones], []);
  expect(imported.current).toBe('train');
  expect(imported.steps[0]).toMatchObject({ done: true, text: '3 datasets imported.' });

  // A run without embeddings (queued, failed early) does not count as trained.
  expect(firstSteps([shapes], [run({ vectors: 0 })]).current).toBe('train');
  const trained = firstSteps([shapes], [run({ id: 1, vectors: 120, projections: 0 })]);
  expect(trained.current).toBe('explore');
  expect(trained.steps[1]).toMatchObject({ done: true, text: '1 run with embeddings.' });

  const mapped = firstSteps([shapes], [run({ id: 2, vectors: 120, projections: 0 }), run({ id: 1, vectors: 120, projections: 1 })]);
  expect(mapped.current).toBeNull();
  expect(mapped.steps.map((s) => s.text)).toEqual(['1 dataset imported.', '2 runs with embeddings.', '1 run mapped.']);
});
