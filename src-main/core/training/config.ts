import type { InputSpec, Modality, ParamSpec, ParamValues } from '../../contract';
import type { EngineBackendName } from '../engine/backend';

/**
 * The training loop's own parameters (every method that trains shares them). A method adds its
 * own, a modality's data adds its own (image size); see ssl/methods and data/. Each: unit, default.
 */
export const TRAINING_PARAMS: readonly ParamSpec[] = [
  { name: 'epochs', label: 'Epochs', type: 'integer', default: 20, min: 1, max: 10_000, unit: 'epochs', help: 'Passes over the dataset.', scope: 'training' },
  {
    name: 'batchSize',
    label: 'Batch size',
    type: 'integer',
    default: 256,
    min: 2,
    max: 4096,
    unit: 'examples',
    help: 'Examples per optimiser step (capped at the dataset size).',
    scope: 'training',
  },
  {
    name: 'minutes',
    label: 'Time budget',
    type: 'number',
    default: 0,
    min: 0.1,
    max: 10_000,
    auto: { value: 0, label: 'Off' },
    unit: 'minutes',
    help: 'Train for about this long instead of a number of epochs: the epochs are fixed from the speed of the first steps.',
    scope: 'training',
  },
  { name: 'learningRate', label: 'Learning rate', type: 'number', default: 1e-3, min: 1e-7, max: 10, help: 'Peak learning rate of AdamW, after warm-up; cosine decay to zero.', scope: 'training' },
  { name: 'seed', label: 'Seed', type: 'integer', default: 1, min: 0, max: 2 ** 31 - 1, help: 'Weights, shuffling, augmentations and the held-out split follow it.', scope: 'training' },
  { name: 'warmupEpochs', label: 'Warm-up', type: 'number', default: 1, min: 0, max: 1000, unit: 'epochs', help: 'Linear learning-rate warm-up (fractions allowed).', scope: 'training', advanced: true },
  { name: 'weightDecay', label: 'Weight decay', type: 'number', default: 1e-4, min: 0, max: 1, help: 'Decoupled (AdamW) weight decay; not applied to biases and batch-norm parameters.', scope: 'training', advanced: true },
  {
    name: 'evalFraction',
    label: 'Held-out share',
    type: 'number',
    default: 0.2,
    min: 0.05,
    max: 0.5,
    auto: { value: 0, label: 'No held-out split' },
    help: 'Share of labelled items held out to measure kNN and linear-probe accuracy (labels are never used to train).',
    scope: 'training',
    advanced: true,
  },
  {
    name: 'evalItems',
    label: 'Items evaluated per epoch',
    type: 'integer',
    default: 5000,
    min: 100,
    max: 1_000_000,
    help: 'After each epoch the evaluation uses a seeded sample this large; the final one uses every item.',
    scope: 'training',
    advanced: true,
  },
  {
    name: 'whiten',
    label: 'Whiten embeddings',
    type: 'boolean',
    default: true,
    help: 'After training, give every direction of the embedding unit variance (PCA whitening fitted on this dataset, no labels), so that neighbours follow all that the encoder learned, not only its strongest directions.',
    scope: 'training',
    advanced: true,
  },
  { name: 'threads', label: 'Threads', type: 'integer', default: 0, min: 1, max: 64, auto: { value: 0, label: 'All cores' }, help: 'Threads of the WebAssembly backend.', scope: 'training', advanced: true },
];

/** Optimiser steps a default run takes at least: on a small dataset, 20 epochs are too few steps to learn. */
export const MIN_DEFAULT_STEPS = 200;
/**
 * Largest default batch by modality; smaller datasets get a smaller one, so that an epoch has at least
 * 4 steps. Text: 64, as SimCSE's unsupervised runs, since a text of a hundred tokens costs a
 * Transformer far more than a small image costs the CNN (256 fortunes were ~15 s a step on 2 cores).
 */
export const MAX_DEFAULT_BATCH: Readonly<Record<Modality, number>> = { image: 256, text: 64, audio: 256 };
const MIN_DEFAULT_BATCH = 16;

/**
 * The loop's defaults that follow the dataset's size (never its labels): a batch of at most 256 (64
 * for text) with at least 4 steps an epoch (a power of two, 16 or more), and enough epochs for
 * {@link MIN_DEFAULT_STEPS} steps. 10,000 images keep 256 × 20 epochs; the 450-image demo gets 64 × 29.
 */
export function trainingDefaults(items: number, modality: Modality = 'image'): ParamValues {
  let batchSize = MAX_DEFAULT_BATCH[modality];
  while (batchSize > MIN_DEFAULT_BATCH && batchSize * 4 > items) batchSize /= 2;
  const stepsPerEpoch = Math.max(1, Math.floor(items / Math.min(batchSize, Math.max(1, items))));
  const epochs = Math.max(20, Math.ceil(MIN_DEFAULT_STEPS / stepsPerEpoch));
  return { batchSize, epochs };
}

/** How {@link trainingDefaults} decides, for the form and `pretext methods`. */
export const TRAINING_DEFAULTS_HELP: Readonly<Record<string, string>> = {
  batchSize: '256 (64 for text), halved (down to 16) until an epoch has at least 4 steps',
  epochs: `20, or more on small datasets so that training takes at least ${MIN_DEFAULT_STEPS} steps`,
};

/**
 * A run's configuration as stored with it. `given` holds what the user chose; `params` every value
 * resolved once training started (method defaults may depend on the data's shape, never its labels);
 * `inputSpec` the input the encoder was built for, used for every later embedding of the run.
 */
export interface RunConfig {
  method: string;
  backend?: EngineBackendName;
  given: ParamValues;
  params?: ParamValues;
  inputSpec?: InputSpec;
}

/** The loop's view of resolved params. */
export interface LoopParams {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  warmupEpochs: number;
  weightDecay: number;
  evalFraction: number;
  evalItems: number;
  threads: number;
  minutes: number;
}

export function loopParams(params: ParamValues): LoopParams {
  const n = (name: keyof LoopParams, fallback: number): number => (typeof params[name] === 'number' ? (params[name] as number) : fallback);
  return {
    epochs: n('epochs', 1),
    batchSize: n('batchSize', 256),
    learningRate: n('learningRate', 1e-3),
    seed: n('seed', 1),
    warmupEpochs: n('warmupEpochs', 0),
    weightDecay: n('weightDecay', 0),
    evalFraction: n('evalFraction', 0),
    evalItems: n('evalItems', 5000),
    threads: n('threads', 0),
    minutes: n('minutes', 0),
  };
}

/** Keys of the flat TrainConfig stored by Pretext 0.1 (before parameters were declared per method). */
const LEGACY_KEYS = ['epochs', 'batchSize', 'imageSize', 'seed', 'learningRate', 'warmupEpochs', 'weightDecay', 'temperature', 'projectionDim', 'threads'];

/**
 * A stored run config in today's shape. Runs of Pretext 0.1 stored one flat object; their values
 * become `given`, and `legacy` (the method's values for settings that did not exist then, so that
 * the same network is rebuilt) fills the rest.
 */
export function readRunConfig(stored: Record<string, unknown>, legacy: (method: string) => ParamValues = () => ({})): RunConfig {
  if (stored.given && typeof stored.given === 'object') return stored as unknown as RunConfig;
  const method = typeof stored.method === 'string' ? stored.method : 'simclr';
  const given: ParamValues = { ...legacy(method) };
  for (const key of LEGACY_KEYS) {
    const value = stored[key];
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') given[key] = value;
  }
  // 0.1 evaluated nothing, had no weight-decay exclusions and no whitening: keep its runs as they were.
  given.evalFraction = 0;
  given.whiten = false;
  return { method, ...(typeof stored.backend === 'string' ? { backend: stored.backend as EngineBackendName } : {}), given };
}

/** Learning rate at a step: linear warm-up to the peak, then cosine decay to zero (SimCLR, §B.1). */
export function learningRateAt(step: number, totalSteps: number, warmupSteps: number, peak: number): number {
  if (warmupSteps > 0 && step <= warmupSteps) return (peak * step) / warmupSteps;
  const progress = Math.min(1, (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
  return 0.5 * peak * (1 + Math.cos(Math.PI * progress));
}
