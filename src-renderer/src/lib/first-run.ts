/**
 * What a new user sees first: the three steps (add a folder → train → explore), the dataset the app
 * opens on, and why a dataset cannot be trained. Everything follows the methods' modalities
 * (`methods.list`), so a reason disappears by itself once a method trains that modality.
 * Pure, tested in test/renderer.
 */
import type { DatasetSummary, Modality, RunSummary } from '../../../src-main/contract';
import { MODALITIES } from './modalities';

/** How a modality's items are named in a sentence: "Training needs images", "no method trains text yet". */
const WORDS: Record<Modality, string> = { image: 'images', text: 'text', audio: 'audio' };

function either(modalities: readonly Modality[]): string {
  const words = modalities.map((m) => WORDS[m]);
  return words.length <= 1 ? (words[0] ?? 'items') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

/** Items of a dataset some method can train on. */
export function trainableItems(dataset: DatasetSummary, trainable: readonly Modality[]): number {
  return trainable.reduce((sum, m) => sum + (dataset.counts[m] ?? 0), 0);
}

/**
 * Why a dataset's Train button is disabled, in words shown beside it, or null when it can train.
 * `trainable` is every modality some registered method trains.
 */
export function trainBlocker(dataset: DatasetSummary, trainable: readonly Modality[], importing: boolean): string | null {
  if (importing) return 'Training can start once the import has finished.';
  if (trainableItems(dataset, trainable) > 0) return null;
  const present = MODALITIES.filter((m) => (dataset.counts[m] ?? 0) > 0);
  if (present.length === 0) return 'Nothing to train on: no item of this folder imported.';
  return `Training needs ${either(trainable)}; no method trains ${either(present)} yet.`;
}

/**
 * The dataset the app opens on: the first that some method can train, so that the first screen
 * leads somewhere; else the first one; null without datasets.
 */
export function openingDatasetId(datasets: readonly DatasetSummary[], trainable: readonly Modality[]): number | null {
  const trainableOne = datasets.find((d) => d.status === 'ready' && trainableItems(d, trainable) > 0);
  return (trainableOne ?? datasets[0])?.id ?? null;
}

/** The dataset the "Train" step trains: the one on screen when it can train, else the first that can. */
export function datasetToTrain(datasets: readonly DatasetSummary[], trainable: readonly Modality[], onScreen: number | null): DatasetSummary | null {
  const usable = (d: DatasetSummary): boolean => d.status === 'ready' && trainableItems(d, trainable) > 0;
  return datasets.find((d) => d.id === onScreen && usable(d)) ?? datasets.find(usable) ?? null;
}

export type FirstStepKey = 'add' | 'train' | 'explore';

export interface FirstStep {
  key: FirstStepKey;
  number: number;
  title: string;
  /** What the step does, or what was done. */
  text: string;
  done: boolean;
}

export interface FirstSteps {
  steps: FirstStep[];
  /** The first step not done yet; null when all are. */
  current: FirstStepKey | null;
}

/** The three steps and how far the user got: a dataset, a run with embeddings, a run with a map. */
export function firstSteps(datasets: readonly DatasetSummary[], runs: readonly RunSummary[]): FirstSteps {
  const trained = runs.filter((r) => r.vectors > 0);
  const mapped = trained.filter((r) => r.projections > 0);
  const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
  const steps: FirstStep[] = [
    {
      key: 'add',
      number: 1,
      title: 'Add a folder',
      text: datasets.length > 0 ? `${count(datasets.length, 'dataset', 'datasets')} imported.` : 'Images, text or audio; sub-folders become labels.',
      done: datasets.length > 0,
    },
    {
      key: 'train',
      number: 2,
      title: 'Train',
      text: trained.length > 0 ? `${count(trained.length, 'run', 'runs')} with embeddings.` : 'A self-supervised method learns embeddings, no labels needed.',
      done: trained.length > 0,
    },
    {
      key: 'explore',
      number: 3,
      title: 'Explore',
      text: mapped.length > 0 ? `${count(mapped.length, 'run', 'runs')} mapped.` : 'See the map of the embeddings, find similar items, export.',
      done: mapped.length > 0,
    },
  ];
  return { steps, current: steps.find((s) => !s.done)?.key ?? null };
}

/** The run the Explore tab opens on: the newest that has a map, else the newest (runs newest first). */
export function openingRunId(runs: readonly RunSummary[]): number | null {
  return (runs.find((r) => r.projections > 0) ?? runs[0])?.id ?? null;
}
