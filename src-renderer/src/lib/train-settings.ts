/**
 * The new-run form: its text fields, their defaults, and the checks that turn them into
 * `TrainSettings`. The limits are the core's (src-main/core/training/config.ts), so a form that
 * passes here is accepted there. Pure, tested in test/renderer.
 */
import type { DatasetSummary, TrainSettings } from '../../../src-main/contract';
import { formatCount } from './format';

/** Every field as typed (inputs give strings); `backend` "" means the fastest available. */
export interface SettingsForm {
  method: string;
  epochs: string;
  batchSize: string;
  imageSize: string;
  seed: string;
  learningRate: string;
  temperature: string;
  backend: string;
  threads: string;
}

export type SettingsField = keyof SettingsForm;
export type FieldErrors = Partial<Record<SettingsField, string>>;

export const DEFAULT_SETTINGS: Readonly<SettingsForm> = {
  method: 'simclr',
  epochs: '20',
  batchSize: '256',
  imageSize: '0',
  seed: '1',
  learningRate: '0.001',
  temperature: '0.5',
  backend: '',
  threads: '0',
};

/** Image sides offered in the select; 0 is "Auto" (the images' median side, 16..64). */
export const IMAGE_SIZES: readonly number[] = [0, 16, 24, 28, 32, 48, 64];

export const LIMITS = {
  epochs: { min: 1, max: 10_000 },
  batchSize: { min: 2, max: 4096 },
  seed: { min: 0, max: 2 ** 31 - 1 },
  learningRate: { min: 1e-7, max: 10 },
  temperature: { min: 0.01, max: 10 },
  threads: { min: 0, max: 64 },
} as const;

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** A decimal or scientific number ("0.001", "1e-3"); null for anything else, including "". */
export function parseNumber(text: string): number | null {
  const t = text.trim();
  if (!NUMBER.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

function integerIn(text: string, min: number, max: number, what: string): number | string {
  const n = parseNumber(text);
  if (n === null || !Number.isInteger(n)) return `Enter ${what} as a whole number`;
  if (n < min || n > max) return `Enter a whole number from ${formatCount(min)} to ${formatCount(max)}`;
  return n;
}

function realIn(text: string, min: number, max: number, what: string): number | string {
  const n = parseNumber(text);
  if (n === null) return `Enter ${what} as a number, e.g. ${what === 'the learning rate' ? '0.001 or 1e-3' : '0.5'}`;
  if (n < min || n > max) return `Enter a number from ${min} to ${max}`;
  return n;
}

export type Validation = { ok: true; settings: TrainSettings; errors: FieldErrors } | { ok: false; settings: null; errors: FieldErrors };

/** Checks every field; the errors are keyed by field, worded for the line under it. */
export function validateSettings(form: SettingsForm): Validation {
  const errors: FieldErrors = {};
  const take = (field: SettingsField, value: number | string): number => {
    if (typeof value === 'string') {
      errors[field] = value;
      return 0;
    }
    return value;
  };
  const method = form.method.trim();
  if (method === '') errors.method = 'Choose a method';
  const epochs = take('epochs', integerIn(form.epochs, LIMITS.epochs.min, LIMITS.epochs.max, 'the epochs'));
  const batchSize = take('batchSize', integerIn(form.batchSize, LIMITS.batchSize.min, LIMITS.batchSize.max, 'the batch size'));
  const imageSizeValue = parseNumber(form.imageSize);
  const imageSize =
    imageSizeValue !== null && (imageSizeValue === 0 || (Number.isInteger(imageSizeValue) && imageSizeValue >= 8 && imageSizeValue <= 256))
      ? imageSizeValue
      : take('imageSize', 'Choose Auto or a size from 8 to 256 pixels');
  const seed = take('seed', integerIn(form.seed, LIMITS.seed.min, LIMITS.seed.max, 'the seed'));
  const learningRate = take('learningRate', realIn(form.learningRate, LIMITS.learningRate.min, LIMITS.learningRate.max, 'the learning rate'));
  const temperature = take('temperature', realIn(form.temperature, LIMITS.temperature.min, LIMITS.temperature.max, 'the temperature'));
  const threads = take('threads', integerIn(form.threads, LIMITS.threads.min, LIMITS.threads.max, 'the threads'));
  if (Object.keys(errors).length > 0) return { ok: false, settings: null, errors };
  const backend = form.backend.trim();
  return {
    ok: true,
    errors,
    settings: { method, epochs, batchSize, imageSize, seed, learningRate, temperature, threads, ...(backend ? { backend } : {}) },
  };
}

/** The form filled from a stored run's config, to start another run like it. Unknown values keep the defaults. */
export function formFromConfig(config: Record<string, unknown>): SettingsForm {
  const form: SettingsForm = { ...DEFAULT_SETTINGS };
  const text = (v: unknown): string | null => (typeof v === 'number' && Number.isFinite(v) ? String(v) : typeof v === 'string' && v ? v : null);
  for (const key of Object.keys(form) as SettingsField[]) {
    const value = text(config[key]);
    if (value !== null) form[key] = value;
  }
  if (!IMAGE_SIZES.includes(Number(form.imageSize))) form.imageSize = DEFAULT_SETTINGS.imageSize;
  return form;
}

export interface StepsEstimate {
  /** The batch size actually used: the core caps it at the number of images. */
  batchSize: number;
  capped: boolean;
  stepsPerEpoch: number;
  totalSteps: number;
}

/** Steps a run will take, as the core counts them (whole batches only). */
export function stepsEstimate(images: number, batchSize: number, epochs: number): StepsEstimate | null {
  if (!(images > 0) || !(batchSize > 0) || !(epochs > 0)) return null;
  const used = Math.min(batchSize, images);
  const stepsPerEpoch = Math.floor(images / used);
  return { batchSize: used, capped: used < batchSize, stepsPerEpoch, totalSteps: stepsPerEpoch * epochs };
}

export interface DatasetChoice {
  id: number;
  name: string;
  images: number;
  /** Why it cannot be chosen ("no images"), or null. */
  note: string | null;
}

/** Every dataset for the select; those without images stay listed but disabled, with a note. */
export function datasetChoices(datasets: readonly DatasetSummary[]): DatasetChoice[] {
  return datasets.map((d) => ({
    id: d.id,
    name: d.name,
    images: d.counts.image,
    note: d.status === 'importing' ? 'importing' : d.counts.image === 0 ? 'no images' : null,
  }));
}

/** The dataset to preselect: the preferred one if it can train, else the first that can. */
export function defaultDatasetId(datasets: readonly DatasetSummary[], preferred: number | null): number | null {
  const choices = datasetChoices(datasets);
  const usable = (id: number | null): boolean => choices.some((c) => c.id === id && c.note === null);
  if (preferred !== null && usable(preferred)) return preferred;
  return choices.find((c) => c.note === null)?.id ?? null;
}
