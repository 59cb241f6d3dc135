import type { DatasetSummary, EngineInfo, RunSummary } from '../../../src-main/contract';
import { methodsFor, type EngineMethod } from '../lib/runs';
import {
  DEFAULT_SETTINGS,
  defaultDatasetId,
  formFromConfig,
  stepsEstimate,
  validateSettings,
  type SettingsField,
  type SettingsForm,
  type StepsEstimate,
  type Validation,
} from '../lib/train-settings';

/**
 * The "New run" card's fields. Values are kept as typed (strings) and checked on every change, so
 * each field can say what is wrong right under it; the start button sends `validation.settings`.
 * The form outlives the Train tab: switching tabs keeps what was typed.
 */
export class RunForm {
  datasetId = $state<number | null>(null);
  values = $state<SettingsForm>({ ...DEFAULT_SETTINGS });
  /** Set once the user picked a dataset, so a list refresh does not replace their choice. */
  #chosen = false;

  readonly validation: Validation = $derived(validateSettings(this.values));

  set(field: SettingsField, value: string): void {
    this.values[field] = value;
  }

  chooseDataset(id: number | null): void {
    this.datasetId = id;
    this.#chosen = id !== null;
  }

  /**
   * Keeps the dataset choice valid as the list changes: the user's choice stays while it can
   * train, otherwise `preferred` (the dataset on screen) or the first one with images is taken.
   */
  syncDataset(datasets: readonly DatasetSummary[], preferred: number | null): void {
    const current = this.datasetId;
    const stillUsable = current !== null && defaultDatasetId(datasets, current) === current;
    if (this.#chosen && stillUsable) return;
    const next = defaultDatasetId(datasets, stillUsable ? current : preferred);
    if (next !== this.datasetId) this.datasetId = next;
  }

  /** Preselects a dataset (the "Train" button of a dataset's page). */
  prefer(id: number): void {
    this.datasetId = id;
    this.#chosen = true;
  }

  /** Keeps the method one that can train the chosen dataset. */
  syncMethod(engine: EngineInfo | null, dataset: DatasetSummary | null): void {
    if (!engine || !dataset) return;
    const available = methodsFor(engine.methods, dataset.counts);
    if (available.length === 0 || available.some((m) => m.id === this.values.method)) return;
    this.values.method = available[0]!.id;
  }

  methods(engine: EngineInfo | null, dataset: DatasetSummary | null): EngineMethod[] {
    return engine && dataset ? methodsFor(engine.methods, dataset.counts) : [];
  }

  estimate(dataset: DatasetSummary | null): StepsEstimate | null {
    if (!dataset) return null;
    return stepsEstimate(dataset.counts.image, Number(this.values.batchSize), Number(this.values.epochs));
  }

  /** Copies a run's settings (and dataset) into the form, to start another like it. */
  copyFrom(run: RunSummary): void {
    this.values = formFromConfig(run.config);
    this.datasetId = run.datasetId;
    this.#chosen = true;
  }

  reset(): void {
    this.values = { ...DEFAULT_SETTINGS };
  }

  /** True when any field differs from its default. */
  get changed(): boolean {
    return (Object.keys(DEFAULT_SETTINGS) as SettingsField[]).some((k) => this.values[k] !== DEFAULT_SETTINGS[k]);
  }
}
