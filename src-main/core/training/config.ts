import type { EngineBackendName } from '../engine/backend';

/**
 * Everything a training run depends on, in one flat object (stored with the run, so a run can be
 * resumed or repeated exactly). Each field: unit, then default.
 */
export interface TrainConfig {
  /** Self-supervised method id from the registry. Default 'simclr'. */
  method: string;
  /** Passes over the dataset. Default 20. */
  epochs: number;
  /** Examples per optimiser step (each gives two views for contrastive methods). Default 256, capped at the dataset size. */
  batchSize: number;
  /** Side in pixels that images are resized to; 0 = chosen from the images (their median side, 16..64). */
  imageSize: number;
  /** Seed for weight init, shuffling and augmentations. Default 1. */
  seed: number;
  /** Peak learning rate of Adam(W), after warm-up. Default 1e-3. */
  learningRate: number;
  /** Linear warm-up, in epochs (fractions allowed). Default 1. */
  warmupEpochs: number;
  /** Decoupled weight decay (AdamW). Default 1e-6. */
  weightDecay: number;
  /** NT-Xent temperature τ. Default 0.5. */
  temperature: number;
  /** Output size of the projection head. Default 64. */
  projectionDim: number;
  /** Compute backend; undefined = the fastest available. */
  backend?: EngineBackendName;
  /** Threads for the wasm backend; 0 = all cores. Default 0. */
  threads: number;
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  method: 'simclr',
  epochs: 20,
  batchSize: 256,
  imageSize: 0,
  seed: 1,
  learningRate: 1e-3,
  warmupEpochs: 1,
  weightDecay: 1e-6,
  temperature: 0.5,
  projectionDim: 64,
  threads: 0,
};

/** Fills defaults and checks every field, naming the field and the value when one is off. */
export function resolveTrainConfig(input: Partial<TrainConfig>): TrainConfig {
  const config: TrainConfig = { ...DEFAULT_TRAIN_CONFIG };
  for (const [key, value] of Object.entries(input)) {
    if (value !== undefined && key in DEFAULT_TRAIN_CONFIG) (config as unknown as Record<string, unknown>)[key] = value;
  }
  if (input.backend !== undefined) config.backend = input.backend;
  const int = (name: keyof TrainConfig, min: number, max: number): void => {
    const v = config[name] as number;
    if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${String(v)}`);
  };
  const real = (name: keyof TrainConfig, min: number, max: number): void => {
    const v = config[name] as number;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      throw new RangeError(`${name} must be a number in ${min}..${max}, got ${String(v)}`);
    }
  };
  int('epochs', 1, 10_000);
  int('batchSize', 2, 4096);
  int('imageSize', 0, 256);
  if (config.imageSize !== 0 && config.imageSize < 8) throw new RangeError(`imageSize must be 0 (auto) or at least 8, got ${config.imageSize}`);
  int('seed', 0, 2 ** 31 - 1);
  real('learningRate', 1e-7, 10);
  real('warmupEpochs', 0, 1000);
  real('weightDecay', 0, 1);
  real('temperature', 0.01, 10);
  int('projectionDim', 2, 4096);
  int('threads', 0, 64);
  return config;
}

/** Learning rate at a step: linear warm-up to the peak, then cosine decay to zero (SimCLR, §B.1). */
export function learningRateAt(step: number, totalSteps: number, warmupSteps: number, peak: number): number {
  if (warmupSteps > 0 && step <= warmupSteps) return (peak * step) / warmupSteps;
  const progress = Math.min(1, (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
  return 0.5 * peak * (1 + Math.cos(Math.PI * progress));
}
