import type { DatasetSummary, MethodInfo, Modality, RunSummary } from '../../../src-main/contract';
import { methodsFor } from '../lib/runs';
import {
  checkField,
  defaultDatasetId,
  differsFromDefaults,
  examplesFor,
  fieldText,
  formFields,
  stepsEstimate,
  trainingLengthDefaults,
  trainableModalities,
  validateForm,
  valuesFromParams,
  type FormField,
  type FormValues,
  type StepsEstimate,
  type Validation,
} from '../lib/train-settings';

export interface RunEstimate extends StepsEstimate {
  /** A time budget is set: the core fixes the epochs from the speed of the first steps. */
  timeBudget: boolean;
}

/**
 * The "New run" card's fields, generated from the chosen method's parameters (`methods.list`).
 * Values are kept as typed (strings, by parameter name) and checked on every change, so each field
 * can say what is wrong right under it; the start button sends `validation.settings`. A value typed
 * for one method stays when another method with the same parameter is chosen. The form outlives the
 * Train tab: switching tabs keeps what was typed.
 */
export class RunForm {
  datasetId = $state<number | null>(null);
  /** Every method the core offers (null until `methods.list` answered). */
  catalogue = $state.raw<MethodInfo[] | null>(null);
  methodId = $state('');
  /** Texts typed (or copied from a run), by parameter name; the others show their defaults. */
  values = $state<FormValues>({});
  /** "" = the fastest available. */
  backend = $state('');
  /** Parameters sent even when equal to their default (typed on purpose, or copied from a run). */
  explicit = $state.raw<readonly string[]>([]);
  /** Set once the user picked a dataset, so a list refresh does not replace their choice. */
  #chosen = false;

  readonly method: MethodInfo | null = $derived(this.catalogue?.find((m) => m.id === this.methodId) ?? null);
  /** Item counts of the chosen dataset, as last synced. */
  #counts = $state.raw<Record<Modality, number> | null>(null);
  /** The modality the chosen method will train on in the chosen dataset (its data settings are shown). */
  readonly modality: Modality | null = $derived(this.method?.modalities.find((m) => (this.#counts?.[m] ?? 0) > 0) ?? null);
  readonly fields: { main: FormField[]; advanced: FormField[] } = $derived(formFields(this.method, this.modality));
  readonly validation: Validation = $derived(validateForm(this.method, this.values, { backend: this.backend, explicit: this.explicit }));

  setCatalogue(methods: MethodInfo[]): void {
    this.catalogue = methods;
  }

  /** The text a field shows: as typed, or its default. */
  text(field: FormField): string {
    return fieldText(field.spec, this.values);
  }

  set(name: string, text: string): void {
    this.values[name] = text;
    if (!this.explicit.includes(name)) this.explicit = [...this.explicit, name];
  }

  chooseMethod(id: string): void {
    this.methodId = id;
  }

  setBackend(id: string): void {
    this.backend = id;
  }

  chooseDataset(id: number | null): void {
    this.datasetId = id;
    this.#chosen = id !== null;
  }

  /**
   * Keeps the dataset choice valid as the list changes: the user's choice stays while it can
   * train, otherwise `preferred` (the dataset on screen) or the first one some method can train is taken.
   */
  syncDataset(datasets: readonly DatasetSummary[], preferred: number | null): void {
    const trainable = trainableModalities(this.catalogue);
    const current = this.datasetId;
    const stillUsable = current !== null && defaultDatasetId(datasets, current, trainable) === current;
    if (this.#chosen && stillUsable) return;
    const next = defaultDatasetId(datasets, stillUsable ? current : preferred, trainable);
    if (next !== this.datasetId) this.datasetId = next;
  }

  /** Preselects a dataset (the "Train" button of a dataset's page). */
  prefer(id: number): void {
    this.datasetId = id;
    this.#chosen = true;
  }

  /** Keeps the method one that can train the chosen dataset. */
  syncMethod(dataset: DatasetSummary | null): void {
    if (!dataset) return;
    if (this.#counts !== dataset.counts) this.#counts = dataset.counts;
    const available = this.methods(dataset);
    if (available.length === 0 || available.some((m) => m.id === this.methodId)) return;
    this.methodId = available[0]!.id;
  }

  /** Methods whose modalities include one the dataset has. */
  methods(dataset: DatasetSummary | null): MethodInfo[] {
    return this.catalogue && dataset ? methodsFor(this.catalogue, dataset.counts) : [];
  }

  /** Steps per epoch and in all, for a method that trains with epochs and batches; else null. */
  estimate(dataset: DatasetSummary | null): RunEstimate | null {
    const method = this.method;
    if (!dataset || !method?.trains) return null;
    const value = (name: string): number | null => {
      const spec = method.params.find((p) => p.name === name);
      if (!spec) return null;
      const checked = checkField(spec, fieldText(spec, this.values));
      return typeof checked.value === 'number' ? checked.value : null;
    };
    const budget = method.params.find((p) => p.unit === 'minutes' && p.scope === 'training');
    const minutes = budget ? value(budget.name) : null;
    // Left empty, the batch and the epochs follow the dataset's size, as the core decides them.
    const examples = examplesFor(method, dataset.counts);
    // The modality the run will train on: the first of the method's that the dataset holds.
    const modality = method.modalities.find((m) => (dataset.counts[m] ?? 0) > 0) ?? method.modalities[0];
    const shaped = trainingLengthDefaults(examples, modality);
    const given = (name: 'batchSize' | 'epochs'): number => (this.values[name]?.trim() ? (value(name) ?? Number.NaN) : shaped[name]);
    const steps = stepsEstimate(examples, given('batchSize'), given('epochs'));
    return steps ? { ...steps, timeBudget: minutes !== null && minutes !== budget?.auto?.value } : null;
  }

  /** Copies a run's method, values, backend (and dataset) into the form, to start another like it. */
  copyFrom(run: RunSummary): void {
    const method = this.catalogue?.find((m) => m.id === run.method) ?? null;
    this.methodId = run.method;
    this.values = valuesFromParams(method, run.params ?? {});
    this.explicit = Object.keys(this.values);
    const backend = run.config?.backend;
    this.backend = typeof backend === 'string' ? backend : '';
    this.datasetId = run.datasetId;
    this.#chosen = true;
  }

  reset(): void {
    this.values = {};
    this.explicit = [];
    this.backend = '';
  }

  /** True when any field differs from its default. */
  get changed(): boolean {
    return this.backend !== '' || this.explicit.length > 0 || differsFromDefaults(this.method, this.values);
  }
}
