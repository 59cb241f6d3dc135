import { describe, expect, test } from 'vitest';
import {
  adapterText,
  backendChoices,
  backendName,
  configRows,
  defaultExportPath,
  displayStatus,
  engineSummary,
  formatCreated,
  formatEta,
  formatLearningRate,
  formatLoss,
  formatThroughput,
  formatTrainTime,
  inputSpecText,
  isFinalPhase,
  lossTrend,
  methodName,
  methodsFor,
  phaseView,
  runRow,
  runStatusBadge,
} from '../../../src-renderer/src/lib/runs';
import { engine, evaluation, method, run, training } from '../fixtures';

describe('formatEta', () => {
  test.each([
    [0, '0:00'],
    [9.6, '0:10'],
    [75, '1:15'],
    [599.5, '10:00'],
    [3725, '1:02:05'],
    [36000, '10:00:00'],
  ])('%s s → %s', (seconds, text) => {
    expect(formatEta(seconds)).toBe(text);
  });

  test('unknown is a dash', () => {
    expect(formatEta(null)).toBe('–:––');
    expect(formatEta(undefined)).toBe('–:––');
    expect(formatEta(Number.POSITIVE_INFINITY)).toBe('–:––');
    expect(formatEta(-3)).toBe('–:––');
  });
});

test('formatLoss keeps four significant digits', () => {
  expect(formatLoss(4.12345)).toBe('4.123');
  expect(formatLoss(12.3456)).toBe('12.35');
  expect(formatLoss(0.0123456)).toBe('0.01235');
  expect(formatLoss(0.00012)).toBe('1.20e-4');
  expect(formatLoss(0)).toBe('0.000');
  expect(formatLoss(123456)).toBe('123,456');
  expect(formatLoss(null)).toBe('–');
  expect(formatLoss(Number.NaN)).toBe('–');
  expect(formatLoss(Number.POSITIVE_INFINITY)).toBe('∞');
});

test('formatLearningRate is compact scientific', () => {
  expect(formatLearningRate(0.001)).toBe('1e-3');
  expect(formatLearningRate(0.00053)).toBe('5.3e-4');
  expect(formatLearningRate(0.000987)).toBe('9.87e-4');
  expect(formatLearningRate(2)).toBe('2');
  expect(formatLearningRate(0.05)).toBe('0.05');
  expect(formatLearningRate(10)).toBe('10');
  expect(formatLearningRate(0)).toBe('0');
  expect(formatLearningRate(null)).toBe('–');
});

test('formatThroughput', () => {
  expect(formatThroughput(1234.5)).toBe('1,235');
  expect(formatThroughput(45.67)).toBe('45.7');
  expect(formatThroughput(3.456)).toBe('3.46');
  expect(formatThroughput(null)).toBe('–');
});

test('formatTrainTime', () => {
  expect(formatTrainTime(1.34)).toBe('1.3 s');
  expect(formatTrainTime(125)).toBe('2 min 5 s');
  expect(formatTrainTime(3600)).toBe('1 h');
  expect(formatTrainTime(3725)).toBe('1 h 2 min');
  expect(formatTrainTime(null)).toBe('–');
});

describe('lossTrend', () => {
  test('down, up and flat', () => {
    expect(lossTrend(5, 4)).toMatchObject({ direction: 'down', change: -0.2 });
    expect(lossTrend(5, 4)?.text).toBe('Down 20% from the first loss (5.000)');
    expect(lossTrend(4, 5)?.direction).toBe('up');
    expect(lossTrend(4, 4.01)?.direction).toBe('flat');
  });

  test('needs both numbers', () => {
    expect(lossTrend(null, 4)).toBeNull();
    expect(lossTrend(4, null)).toBeNull();
    expect(lossTrend(4, Number.NaN)).toBeNull();
  });
});

describe('displayStatus', () => {
  test('live progress makes a run running, even if the list says cancelled (just resumed)', () => {
    expect(displayStatus(run({ status: 'cancelled' }), training({ phase: 'starting' }))).toBe('running');
    expect(displayStatus(run({ status: 'queued' }), training({ phase: 'preparing' }))).toBe('running');
  });

  test('a final event wins over a list that still says running', () => {
    expect(displayStatus(run({ status: 'running' }), training({ phase: 'completed' }))).toBe('completed');
    expect(displayStatus(run({ status: 'running' }), training({ phase: 'failed' }))).toBe('failed');
    expect(displayStatus(run({ status: 'queued' }), training({ phase: 'cancelled' }))).toBe('cancelled');
  });

  test('otherwise the stored status', () => {
    expect(displayStatus(run({ status: 'interrupted' }), null)).toBe('interrupted');
    expect(displayStatus(run({ status: 'completed' }), training({ phase: 'completed' }))).toBe('completed');
  });

  test('isFinalPhase', () => {
    expect(isFinalPhase('completed')).toBe(true);
    expect(isFinalPhase('extracting')).toBe(false);
  });
});

test('runStatusBadge names every status with a theme tone', () => {
  expect(runStatusBadge('running')).toEqual({ text: 'Running', tone: 'importing' });
  expect(runStatusBadge('completed')).toEqual({ text: 'Completed', tone: 'ready' });
  expect(runStatusBadge('failed')).toEqual({ text: 'Failed', tone: 'failed' });
  expect(runStatusBadge('cancelled').tone).toBe('warn');
  expect(runStatusBadge('interrupted').tone).toBe('warn');
  expect(runStatusBadge('queued').tone).toBe('neutral');
});

describe('phaseView', () => {
  test('before any event', () => {
    expect(phaseView(null)).toMatchObject({ title: 'Starting…', indeterminate: true });
  });

  test('decoding images', () => {
    expect(phaseView(training({ phase: 'preparing', message: 'Decoding images', done: 120, total: 5000 }))).toMatchObject({
      title: 'Decoding images 120/5,000',
      fraction: 120 / 5000,
      percent: '2%',
    });
    expect(phaseView(training({ phase: 'preparing', message: null, done: 0, total: 0 })).title).toBe('Decoding images…');
  });

  test('training counts epochs and fills by steps', () => {
    expect(phaseView(training({ epoch: 3, epochs: 20, step: 30, totalSteps: 200 }))).toMatchObject({
      title: 'Epoch 3 of 20',
      fraction: 0.15,
      percent: '15%',
    });
  });

  test('extracting embeddings', () => {
    expect(phaseView(training({ phase: 'extracting', done: 300, total: 5000 })).title).toBe('Extracting embeddings 300/5,000');
  });

  test('evaluating: the bar stays where training left it (done/total are the previous phase’s)', () => {
    expect(phaseView(training({ phase: 'evaluating', step: 3, totalSteps: 6, done: 120, total: 120 }))).toMatchObject({
      title: 'Evaluating embeddings…',
      fraction: 0.5,
      percent: '50%',
      indeterminate: false,
    });
    expect(phaseView(training({ phase: 'evaluating', step: 0, totalSteps: 0 }))).toMatchObject({ title: 'Evaluating embeddings…', indeterminate: true });
  });

  test('ends', () => {
    expect(phaseView(training({ phase: 'completed' })).percent).toBe('100%');
    expect(phaseView(training({ phase: 'cancelled', step: 3, totalSteps: 6 }))).toMatchObject({ title: 'Cancelled', fraction: 0.5 });
    expect(phaseView(training({ phase: 'starting', backend: 'wasm' })).title).toBe('Starting the wasm backend…');
  });
});

describe('runRow', () => {
  test('a stored run', () => {
    const row = runRow(run(), null);
    expect(row).toMatchObject({ status: 'completed', epochsText: '2/2', fraction: null, lastLoss: 3.5, vectors: 6 });
    expect(row.trend?.direction).toBe('down');
  });

  test('a running run shows live numbers', () => {
    const row = runRow(
      run({ status: 'running', epochsDone: 1, epochs: 20, lastLoss: 4, firstLoss: 5 }),
      training({ epoch: 3, epochs: 20, step: 10, totalSteps: 100, loss: 3.9 }),
    );
    expect(row).toMatchObject({ status: 'running', epochsText: '2/20', fraction: 0.1, lastLoss: 3.9 });
    expect(row.badge.text).toBe('Running');
  });

  test('the last evaluation’s accuracy, short and long', () => {
    expect(runRow(run(), null).evaluation).toBeNull();
    expect(runRow(run({ evaluation: evaluation(2, { final: true, knn: 0.8123, linear: 0.79 }) }), null).evaluation).toEqual({
      short: '0.812 / 0.790',
      long: 'kNN 0.812 · linear 0.790',
    });
    expect(runRow(run({ evaluation: evaluation(2, { knn: null, linear: null }) }), null).evaluation).toBeNull();
  });

  test('a baseline has no epochs', () => {
    expect(runRow(run({ method: 'raw-pixels', epochs: 0, epochsDone: 0, stepsDone: 0 }), null).epochsText).toBe('–');
  });

  test('an evaluation between epochs keeps the bar', () => {
    const row = runRow(run({ status: 'running' }), training({ phase: 'evaluating', step: 3, totalSteps: 6 }));
    expect(row.fraction).toBe(0.5);
  });

  test('a new run without stored loss yet', () => {
    const row = runRow(run({ status: 'queued', epochsDone: 0, firstLoss: null, lastLoss: null }), training({ phase: 'starting', loss: null }));
    expect(row).toMatchObject({ status: 'running', epochsText: '0/2', fraction: 0, lastLoss: null, trend: null });
  });
});

test('backends: names, choices with reasons, and the chip summary', () => {
  expect(backendName('wasm')).toBe('WebAssembly');
  expect(backendName('webgpu')).toBe('WebGPU (Vulkan, Metal, Direct3D 12)');
  expect(backendName('metal')).toBe('metal');
  expect(backendName(null)).toBe('Unknown');
  const choices = backendChoices(engine());
  expect(choices.map((c) => c.id)).toEqual(['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu']);
  expect(choices[0]?.unavailable).toMatch(/not installed/);
  expect(choices[3]?.unavailable).toBeNull();
  expect(backendChoices(null).every((c) => c.unavailable === null)).toBe(true);
  expect(engineSummary(engine())).toBe('wasm · 8 threads · SIMD');
  expect(engineSummary(engine({ backend: 'cpu', threads: 1, simd: false }))).toBe('cpu · 1 thread');
  const gpu = { vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA GeForce RTX 3080', software: false, maxBufferBytes: 2 ** 31 };
  const swiftshader = { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0', software: true, maxBufferBytes: 2 ** 30 };
  expect(engineSummary(engine({ backend: 'webgpu', threads: 1, adapter: gpu }))).toBe('webgpu · nvidia ampere');
  expect(engineSummary(engine({ backend: 'webgpu', threads: 1, adapter: swiftshader }))).toBe('webgpu · google swiftshader · software');
  expect(adapterText(gpu)).toBe('nvidia ampere (NVIDIA GeForce RTX 3080)');
  expect(adapterText(swiftshader)).toBe('google swiftshader (SwiftShader driver 5.0.0), software: computes on the CPU, not a GPU');
});

test('methods by modality', () => {
  const methods = [
    { id: 'simclr', name: 'SimCLR', description: '', modalities: ['image' as const] },
    { id: 'tx', name: 'Text', description: '', modalities: ['text' as const] },
  ];
  expect(methodsFor(methods, { image: 3, text: 0, audio: 0 }).map((m) => m.id)).toEqual(['simclr']);
  expect(methodsFor(methods, { image: 3, text: 2, audio: 0 }).map((m) => m.id)).toEqual(['simclr', 'tx']);
  expect(methodsFor(methods, null)).toEqual([]);
  expect(methodName(methods, 'simclr')).toBe('SimCLR');
  expect(methodName(undefined, 'byol')).toBe('byol');
});

test('configRows: the method, every parameter in the method’s order with labels and units, then the rest', () => {
  const m = method();
  const rows = configRows(
    {
      method: 'toy',
      params: { temperature: 0.5, imageSize: 0, learningRate: 0.002, epochs: 20, headBatchNorm: false, extra: 3 },
      config: { method: 'toy', backend: 'wasm' },
      inputSpec: { modality: 'image', size: 32, channels: 1, scale: '0-1' },
    },
    m,
  );
  expect(rows.map((r) => [r.label, r.value])).toEqual([
    ['Method', 'Toy'],
    ['Epochs', '20'],
    ['Image size', 'Auto'],
    ['Temperature', '0.5'],
    ['Learning rate', '0.002'],
    ['Batch norm in the head', 'No'],
    ['extra', '3'],
    ['Backend asked for', 'wasm'],
    ['Input', '32×32 px, grey'],
  ]);
  // Without the method's specs (an unknown method): the names and values as stored.
  expect(configRows({ method: 'byol', params: { imageSize: 16 }, config: {}, inputSpec: null }, null)).toEqual([
    { key: 'method', label: 'Method', value: 'byol' },
    { key: 'imageSize', label: 'imageSize', value: '16' },
  ]);
  expect(inputSpecText({ modality: 'image', size: 64, channels: 3, scale: '0-1' })).toBe('64×64 px, colour');
  expect(inputSpecText({ modality: 'text', tokenizer: '{}', tokenizerKind: 'wordpiece', vocabSize: 8000, maxLength: 64, lowercase: true })).toBe(
    '64 tokens, WordPiece vocabulary of 8000, lower-cased',
  );
  expect(inputSpecText({ modality: 'audio', sampleRate: 16000, windowMs: 25, hopMs: 10, melBands: 64, clipSeconds: 1.5, frames: 150, mean: -6, std: 4 })).toBe(
    '1.5 s clips, 64 mel bands × 150 frames at 16 kHz (25 ms window, 10 ms hop)',
  );
  expect(inputSpecText({ modality: 'audio', sampleRate: 16000, windowMs: 25, hopMs: 10, melBands: 64, clipSeconds: 1.5, frames: 150, mean: -6, std: 4, extraction: 'windows' })).toBe(
    '1.5 s clips, 64 mel bands × 150 frames at 16 kHz (25 ms window, 10 ms hop), long clips embedded as the mean over windows',
  );
  expect(inputSpecText(null)).toBeNull();
});

test('formatCreated is compact', () => {
  const now = new Date(2025, 5, 10, 18, 0);
  expect(formatCreated(new Date(2025, 5, 10, 14, 5).toISOString(), now, 'en-US')).toBe('14:05');
  expect(formatCreated(new Date(2025, 4, 2, 9, 30).toISOString(), now, 'en-US')).toBe('May 2, 09:30');
  expect(formatCreated(new Date(2024, 10, 24, 9, 30).toISOString(), now, 'en-US')).toBe('Nov 24, 2024');
  expect(formatCreated('nonsense', now)).toBe('–');
});

test('export locations', () => {
  expect(defaultExportPath(12)).toBe('~/pretext-run-12.csv');
});
