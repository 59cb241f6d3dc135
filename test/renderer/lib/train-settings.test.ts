import { describe, expect, test } from 'vitest';
import type { MethodInfo } from '../../../src-main/contract';
import {
  checkField,
  datasetChoices,
  defaultDatasetId,
  defaultValues,
  differsFromDefaults,
  examplesFor,
  fieldText,
  formatBound,
  formatParamValue,
  formFields,
  kebab,
  paramText,
  parseNumber,
  rangeMessage,
  stepsEstimate,
  trainableModalities,
  validateForm,
  valuesFromParams,
} from '../../../src-renderer/src/lib/train-settings';
import { coreCatalogue } from '../core-catalogue.mjs';
import { method, param, summary } from '../fixtures';

const toy = method();

describe('formFields', () => {
  test('one field per parameter, in the method’s order, advanced ones apart', () => {
    const { main, advanced } = formFields(toy);
    expect(main.map((f) => f.name)).toEqual(['epochs', 'batchSize', 'imageSize', 'temperature', 'learningRate']);
    expect(advanced.map((f) => f.name)).toEqual(['headBatchNorm', 'schedule']);
    expect(formFields(null)).toEqual({ main: [], advanced: [] });
  });

  test('the kind follows the type: text for numbers, a checkbox for booleans, a select for choices', () => {
    const { main, advanced } = formFields(toy);
    const byName = Object.fromEntries([...main, ...advanced].map((f) => [f.name, f]));
    expect(byName.epochs).toMatchObject({ kind: 'text', inputMode: 'numeric', testid: 'train-epochs', unit: null, label: 'Epochs' });
    expect(byName.batchSize).toMatchObject({ testid: 'train-batch-size', unit: 'examples' });
    expect(byName.temperature).toMatchObject({ kind: 'text', inputMode: 'decimal' });
    expect(byName.imageSize).toMatchObject({ placeholder: 'Auto', unit: 'px', help: 'The imageSize. Empty = Auto.' });
    expect(byName.headBatchNorm).toMatchObject({ kind: 'checkbox', inputMode: undefined });
    expect(byName.schedule!.options).toEqual([
      { value: 'cosine', label: 'cosine' },
      { value: 'constant', label: 'constant' },
    ]);
  });

  test('kebab', () => {
    expect(kebab('batchSize')).toBe('batch-size');
    expect(kebab('learningRate')).toBe('learning-rate');
    expect(kebab('epochs')).toBe('epochs');
  });
});

describe('field texts', () => {
  test('defaults: the auto value shows as an empty field, booleans as true/false', () => {
    expect(defaultValues(toy.params)).toEqual({
      epochs: '20',
      batchSize: '256',
      imageSize: '',
      temperature: '0.2',
      learningRate: '0.001',
      headBatchNorm: 'true',
      schedule: 'cosine',
    });
    const spec = toy.params[0]!;
    expect(fieldText(spec, {})).toBe('20');
    expect(fieldText(spec, { epochs: '3' })).toBe('3');
    expect(paramText(param('b', { type: 'boolean', default: false }), false)).toBe('false');
  });
});

describe('checkField', () => {
  const epochs = param('epochs', { type: 'integer', min: 1, max: 10_000 });
  const temperature = param('temperature', { min: 0.01, max: 10 });
  const imageSize = param('imageSize', { type: 'integer', min: 8, max: 256, auto: { value: 0, label: 'Auto' } });

  test('numbers in range pass, with spaces and exponents', () => {
    expect(checkField(epochs, ' 2 ')).toEqual({ value: 2, error: null });
    expect(checkField(temperature, '5e-2')).toEqual({ value: 0.05, error: null });
  });

  test('messages name the range', () => {
    expect(checkField(temperature, '20').error).toBe('Enter a number from 0.01 to 10');
    expect(checkField(temperature, 'warm').error).toBe('Enter a number from 0.01 to 10');
    expect(checkField(epochs, '0').error).toBe('Enter a whole number from 1 to 10,000');
    expect(checkField(epochs, '1.5').error).toBe('Enter a whole number from 1 to 10,000');
    expect(checkField(epochs, '').error).toBe('Enter a whole number from 1 to 10,000');
  });

  test('the auto value: empty, the value itself or its name', () => {
    expect(checkField(imageSize, '')).toEqual({ value: 0, error: null });
    expect(checkField(imageSize, '0')).toEqual({ value: 0, error: null });
    expect(checkField(imageSize, ' auto ')).toEqual({ value: 0, error: null });
    expect(checkField(imageSize, '32')).toEqual({ value: 32, error: null });
    expect(checkField(imageSize, '4').error).toBe('Enter a whole number from 8 to 256, or leave it empty for Auto');
  });

  test('booleans and choices', () => {
    const flag = param('flag', { type: 'boolean', default: true });
    expect(checkField(flag, 'false')).toEqual({ value: false, error: null });
    expect(checkField(flag, 'maybe').error).toMatch(/Tick/);
    const choice = param('schedule', { type: 'choice', default: 'cosine', choices: ['cosine', 'constant'] });
    expect(checkField(choice, 'constant')).toEqual({ value: 'constant', error: null });
    expect(checkField(choice, 'step').error).toBe('Choose one of cosine, constant');
  });

  test('ranges open on one side, and tiny bounds', () => {
    expect(rangeMessage(param('a', { min: 0 }))).toBe('Enter a number of at least 0');
    expect(rangeMessage(param('a', { type: 'integer', max: 9 }))).toBe('Enter a whole number of at most 9');
    expect(rangeMessage(param('a'))).toBe('Enter a number');
    expect(rangeMessage(param('lr', { min: 1e-7, max: 10 }))).toBe('Enter a number from 1e-7 to 10');
    expect(formatBound(2 ** 31 - 1)).toBe('2,147,483,647');
    expect(formatBound(0.05)).toBe('0.05');
  });
});

describe('validateForm', () => {
  test('the defaults are valid and send nothing but the method', () => {
    const v = validateForm(toy, {});
    expect(v).toEqual({ ok: true, errors: {}, settings: { method: 'toy' } });
    expect(validateForm(toy, defaultValues(toy.params)).settings).toEqual({ method: 'toy' });
  });

  test('only the values that differ from their defaults are sent, as their types', () => {
    const v = validateForm(toy, { epochs: '2', batchSize: '256', imageSize: '16', learningRate: ' 3e-4 ', headBatchNorm: 'false', schedule: 'constant' });
    expect(v.settings).toEqual({ method: 'toy', params: { epochs: 2, imageSize: 16, learningRate: 3e-4, headBatchNorm: false, schedule: 'constant' } });
  });

  test('explicit values are sent even when equal to the default (a method may choose another from the data)', () => {
    const v = validateForm(toy, { learningRate: '0.001', epochs: '20' }, { explicit: ['learningRate'] });
    expect(v.settings).toEqual({ method: 'toy', params: { learningRate: 0.001 } });
  });

  test('a chosen backend is sent; "" is left out (fastest)', () => {
    expect(validateForm(toy, {}, { backend: 'cpu' }).settings).toEqual({ method: 'toy', backend: 'cpu' });
    expect(validateForm(toy, {}, { backend: '' }).settings).not.toHaveProperty('backend');
  });

  test('each bad field gets its own message, keyed by parameter', () => {
    const v = validateForm(toy, { epochs: '0', batchSize: '1.5', imageSize: '4', temperature: '20', learningRate: 'fast' });
    expect(v.ok).toBe(false);
    expect(v.settings).toBeNull();
    expect(v.errors).toEqual({
      epochs: 'Enter a whole number from 1 to 10,000',
      batchSize: 'Enter a whole number from 2 to 4,096',
      imageSize: 'Enter a whole number from 8 to 256, or leave it empty for Auto',
      temperature: 'Enter a number from 0.01 to 10',
      learningRate: 'Enter a number from 1e-7 to 10',
    });
  });

  test('no method: an error, not settings', () => {
    expect(validateForm(null, {})).toEqual({ ok: false, settings: null, errors: { method: 'Choose a method' } });
  });

  test('values typed for another method’s parameters are ignored', () => {
    expect(validateForm(toy, { pcaDims: 'x' }).ok).toBe(true);
  });
});

describe('with the core’s catalogue', () => {
  const catalogue: MethodInfo[] = coreCatalogue();
  const simclr = catalogue.find((m) => m.id === 'simclr')!;
  const baseline = catalogue.find((m) => !m.trains);

  test('every method’s defaults pass the form’s checks and send no parameter', () => {
    for (const m of catalogue) {
      expect(validateForm(m, defaultValues(m.params)), m.id).toEqual({ ok: true, errors: {}, settings: { method: m.id } });
    }
  });

  test('SimCLR: the loop’s, the data’s and the method’s parameters, with the fields the e2e test fills', () => {
    const { main, advanced } = formFields(simclr);
    const ids = [...main, ...advanced].map((f) => f.testid);
    for (const id of ['train-epochs', 'train-batch-size', 'train-image-size', 'train-seed', 'train-learning-rate', 'train-temperature', 'train-threads']) {
      expect(ids).toContain(id);
    }
    expect(validateForm(simclr, { epochs: '2', batchSize: '32', imageSize: '16' }).settings).toEqual({
      method: 'simclr',
      params: { epochs: 2, batchSize: 32, imageSize: 16 },
    });
    expect(validateForm(simclr, { temperature: '20' }).errors.temperature).toMatch(/^Enter a number from \S+ to \S+$/);
  });

  test('a default that follows the data shows empty, says how, and is left to the method unless typed', () => {
    const lr = formFields(simclr).main.find((f) => f.name === 'learningRate')!;
    expect(lr.spec.fromData).toBe('4e-3 for images under 48 px, else 2e-3; 1e-3 for text');
    expect(lr.placeholder).toBe('From the data');
    expect(lr.help).toMatch(/Empty = from the data: 4e-3 for images under 48 px, else 2e-3; 1e-3 for text\.$/);
    expect(fieldText(lr.spec, {})).toBe('');
    expect(validateForm(simclr, { learningRate: '' }).settings).toEqual({ method: 'simclr' });
    expect(validateForm(simclr, { learningRate: '0.001' }, { explicit: ['learningRate'] }).settings).toEqual({ method: 'simclr', params: { learningRate: 0.001 } });
  });

  test('SimCLR on text shows the text encoder’s and the edits’ settings; on images the crops, not those', () => {
    const names = (modality: 'image' | 'text' | 'audio'): string[] => {
      const { main, advanced } = formFields(simclr, modality);
      return [...main, ...advanced].map((f) => f.name);
    };
    expect(names('text')).toEqual(expect.arrayContaining(['epochs', 'temperature', 'encoder', 'layers', 'width', 'heads', 'dropout', 'pooling', 'synonyms', 'vocabSize']));
    for (const name of ['cropMinScale', 'jitter', 'stemStride', 'imageSize', 'melBands']) expect(names('text')).not.toContain(name);
    expect(names('image')).toEqual(expect.arrayContaining(['cropMinScale', 'jitter', 'stemStride', 'imageSize']));
    for (const name of ['encoder', 'layers', 'synonyms', 'vocabSize', 'melBands']) expect(names('image')).not.toContain(name);
    expect(names('audio')).toEqual(expect.arrayContaining(['stemStride', 'melBands']));
    expect(names('audio')).not.toContain('cropMinScale');
    expect(formFields(simclr, 'text').main.map((f) => f.name)).toContain('encoder');
  });

  test('a baseline takes no epochs', () => {
    expect(baseline).toBeDefined();
    const names = baseline!.params.map((p) => p.name);
    expect(names).not.toContain('epochs');
    expect(names).not.toContain('batchSize');
    expect(validateForm(baseline!, {}).ok).toBe(true);
  });
});

test('valuesFromParams copies a run’s values the method takes; differsFromDefaults', () => {
  const values = valuesFromParams(toy, { epochs: 5, imageSize: 0, headBatchNorm: false, pcaDims: 3, temperature: 99 });
  expect(values).toEqual({ epochs: '5', imageSize: '', headBatchNorm: 'false' });
  expect(differsFromDefaults(toy, values)).toBe(true);
  expect(differsFromDefaults(toy, { epochs: '20', imageSize: '' })).toBe(false);
  expect(differsFromDefaults(null, values)).toBe(false);
});

test('formatParamValue: auto names, units, booleans', () => {
  const [epochs, , imageSize, temperature] = toy.params;
  expect(formatParamValue(imageSize, 0)).toBe('Auto');
  expect(formatParamValue(imageSize, 32)).toBe('32 px');
  expect(formatParamValue(epochs, 20)).toBe('20');
  expect(formatParamValue(temperature, 0.2)).toBe('0.2');
  expect(formatParamValue(param('warmup', { label: 'Warm-up', unit: 'epochs' }), 1)).toBe('1 epoch');
  expect(formatParamValue(undefined, true)).toBe('Yes');
  expect(formatParamValue(undefined, 'cosine')).toBe('cosine');
  expect(formatParamValue(undefined, 12345)).toBe('12,345');
});

test('parseNumber accepts decimals and exponents only', () => {
  expect(parseNumber('0.001')).toBe(0.001);
  expect(parseNumber('1e-3')).toBe(0.001);
  expect(parseNumber('.5')).toBe(0.5);
  expect(parseNumber('')).toBeNull();
  expect(parseNumber('0x10')).toBeNull();
  expect(parseNumber('1e')).toBeNull();
  expect(parseNumber('Infinity')).toBeNull();
});

test('stepsEstimate counts whole batches and caps the batch at the dataset', () => {
  expect(stepsEstimate(120, 32, 2)).toEqual({ batchSize: 32, capped: false, stepsPerEpoch: 3, totalSteps: 6 });
  expect(stepsEstimate(120, 256, 20)).toEqual({ batchSize: 120, capped: true, stepsPerEpoch: 1, totalSteps: 20 });
  expect(stepsEstimate(0, 32, 2)).toBeNull();
  expect(stepsEstimate(10, Number.NaN, 2)).toBeNull();
});

test('examplesFor and trainableModalities', () => {
  expect(examplesFor(toy, { image: 5, text: 3, audio: 0 })).toBe(5);
  expect(examplesFor(method({ modalities: ['image', 'text'] }), { image: 5, text: 3, audio: 0 })).toBe(8);
  expect(examplesFor(null, { image: 5, text: 3, audio: 0 })).toBe(0);
  expect(trainableModalities(null)).toEqual(['image']);
  expect(trainableModalities([method({ modalities: ['text'] }), method()])).toEqual(['image', 'text']);
});

test('datasets nothing can train are listed but not chosen', () => {
  const list = [
    summary({ id: 1, name: 'notes', counts: { image: 0, text: 5, audio: 0 } }),
    summary({ id: 2, name: 'pets' }),
    summary({ id: 3, name: 'more', status: 'importing' }),
  ];
  expect(datasetChoices(list).map((c) => c.note)).toEqual(['no images', null, 'importing']);
  expect(datasetChoices(list, ['image', 'text']).map((c) => c.note)).toEqual([null, null, 'importing']);
  expect(datasetChoices([summary({ counts: { image: 0, text: 0, audio: 1 } })], ['image', 'text'])[0]!.note).toBe('no images or texts');
  expect(defaultDatasetId(list, null)).toBe(2);
  expect(defaultDatasetId(list, 1)).toBe(2);
  expect(defaultDatasetId(list, 1, ['image', 'text'])).toBe(1);
  expect(defaultDatasetId([summary({ id: 4 }), ...list], 2)).toBe(2);
  expect(defaultDatasetId([], null)).toBeNull();
});
