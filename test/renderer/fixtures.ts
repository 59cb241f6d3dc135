import type {
  DatasetSummary,
  EngineInfo,
  EvaluationPoint,
  ImportProgress,
  ImportReport,
  ItemRow,
  MethodInfo,
  MetricPoint,
  ParamSpec,
  PathCheck,
  ProjectionSummary,
  RunSummary,
  TrainingProgress,
} from '../../src-main/contract';

export function summary(over: Partial<DatasetSummary> = {}): DatasetSummary {
  return {
    id: 1,
    name: 'pets',
    root: '/data/pets',
    status: 'ready',
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    counts: { image: 6, text: 0, audio: 0 },
    total: 6,
    skipped: 1,
    labels: [{ label: 'cats', count: 6 }],
    error: null,
    ...over,
  };
}

export function report(dataset: DatasetSummary, over: Partial<ImportReport> = {}): ImportReport {
  return { datasetId: dataset.id, added: dataset.total, updated: 0, removed: 0, unchanged: 0, skipped: dataset.skipped, ignored: 0, ignoredEntries: [], seconds: 0.84, dataset, ...over };
}

export function progress(over: Partial<ImportProgress> = {}): ImportProgress {
  return { datasetId: 1, root: '/data/pets', phase: 'importing', filesDone: 1, filesTotal: 4, itemsDone: 1, skipped: 0, current: 'a.jpg', message: null, ...over };
}

export function folder(path: string, resolved = path): PathCheck {
  return { path, resolved, kind: 'directory', ok: true, message: 'Folder with 4 entries' };
}

export function missing(path: string): PathCheck {
  return { path, resolved: path, kind: 'missing', ok: false, message: 'No such folder' };
}

export function item(id: number, over: Partial<ItemRow> = {}): ItemRow {
  return { id, datasetId: 1, path: `cats/${id}.jpg`, row: null, modality: 'image', label: 'cats', size: 100, status: 'ok', error: null, meta: { width: 32, height: 32 }, ...over };
}

export function run(over: Partial<RunSummary> = {}): RunSummary {
  return {
    id: 1,
    datasetId: 1,
    datasetName: 'pets',
    method: 'simclr',
    status: 'completed',
    error: null,
    config: { method: 'simclr', given: { epochs: 2, batchSize: 32, imageSize: 16 }, params: { epochs: 2, batchSize: 32, imageSize: 16, seed: 1, learningRate: 0.002, temperature: 0.2, threads: 0 } },
    params: { epochs: 2, batchSize: 32, imageSize: 16, seed: 1, learningRate: 0.002, temperature: 0.2, threads: 0 },
    inputSpec: { modality: 'image', size: 16, channels: 3, scale: '0-1' },
    evaluation: null,
    seed: 1,
    backend: 'wasm',
    backendDetails: null,
    epochs: 2,
    epochsDone: 2,
    stepsDone: 6,
    trainSeconds: 1.5,
    embeddingDim: 128,
    vectors: 6,
    firstLoss: 4.5,
    lastLoss: 3.5,
    createdAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:00:02.000Z',
    resumable: false,
    projections: 0,
    ...over,
  };
}

export function metric(step: number, over: Partial<MetricPoint> = {}): MetricPoint {
  return { step, epoch: Math.ceil(step / 3), loss: 5 - step * 0.1, parts: {}, lr: 0.001, examplesPerSec: 400, elapsedSec: step * 0.1, ...over };
}

export function metrics(from: number, to: number): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (let s = from; s <= to; s++) out.push(metric(s));
  return out;
}

export function training(over: Partial<TrainingProgress> = {}): TrainingProgress {
  return {
    runId: 1,
    datasetId: 1,
    phase: 'training',
    epoch: 1,
    epochs: 2,
    step: 1,
    totalSteps: 6,
    loss: 4.9,
    learningRate: 0.001,
    examplesPerSec: 400,
    etaSec: 12,
    done: 0,
    total: 0,
    backend: 'wasm',
    message: null,
    metrics: [],
    evaluations: [],
    ...over,
  };
}

export function evaluation(epoch: number, over: Partial<EvaluationPoint> = {}): EvaluationPoint {
  return {
    epoch,
    step: epoch * 3,
    final: false,
    items: 120,
    knn: 0.4 + epoch * 0.1,
    linear: 0.35 + epoch * 0.1,
    alignment: 0.8,
    uniformity: -2.1,
    effectiveRank: 23.4,
    meanVariance: 0.0061,
    collapse: null,
    seconds: 0.2,
    ...over,
  };
}

/** A parameter with the fields every spec has. */
export function param(name: string, over: Partial<ParamSpec> = {}): ParamSpec {
  return { name, label: name, type: 'number', default: 1, help: `The ${name}.`, scope: 'method', ...over };
}

/** A small hand-written method (the core's real catalogue is in core-catalogue.mjs). */
export function method(over: Partial<MethodInfo> = {}): MethodInfo {
  return {
    id: 'toy',
    name: 'Toy',
    family: 'contrastive',
    description: 'A method for tests.',
    modalities: ['image'],
    trains: true,
    params: [
      param('epochs', { label: 'Epochs', type: 'integer', default: 20, min: 1, max: 10_000, unit: 'epochs', scope: 'training' }),
      param('batchSize', { label: 'Batch size', type: 'integer', default: 256, min: 2, max: 4096, unit: 'examples', scope: 'training' }),
      param('imageSize', { label: 'Image size', type: 'integer', default: 0, min: 8, max: 256, auto: { value: 0, label: 'Auto' }, unit: 'px', scope: 'data' }),
      param('temperature', { label: 'Temperature', default: 0.2, min: 0.01, max: 10 }),
      param('learningRate', { label: 'Learning rate', default: 1e-3, min: 1e-7, max: 10, scope: 'training' }),
      param('headBatchNorm', { label: 'Batch norm in the head', type: 'boolean', default: true, advanced: true }),
      param('schedule', { label: 'Schedule', type: 'choice', default: 'cosine', choices: ['cosine', 'constant'], advanced: true }),
    ],
    ...over,
  };
}

export function engine(over: Partial<EngineInfo> = {}): EngineInfo {
  return {
    backend: 'wasm',
    threads: 8,
    simd: true,
    adapter: null,
    unavailable: [
      { backend: 'tensorflow-gpu', why: 'module @tensorflow/tfjs-node-gpu not installed' },
      { backend: 'tensorflow', why: 'module @tensorflow/tfjs-node not installed' },
    ],
    methods: [{ id: 'simclr', name: 'SimCLR', description: 'Contrastive', modalities: ['image'] }],
    ...over,
  };
}

export function projection(over: Partial<ProjectionSummary> = {}): ProjectionSummary {
  return {
    id: 1,
    runId: 1,
    method: 'umap',
    settings: { method: 'umap', seed: 1, neighbors: 15, minDist: 0.1 },
    points: 6,
    fittedOn: null,
    pcaComponents: null,
    seconds: 0.4,
    createdAt: '2025-01-01T00:00:03.000Z',
    ...over,
  };
}
