/**
 * The new-run form, generated from the selected method's parameters (`methods.list`): one field per
 * `ParamSpec`, its text as typed, the checks the spec implies (range, whole numbers, the auto
 * value, choices) and the `TrainSettings` they turn into. Nothing here names a parameter: a method
 * that adds one gets a field. Pure, tested in test/renderer.
 */
import type { DatasetSummary, MethodInfo, Modality, ParamSpec, ParamValue, ParamValues, TrainSettings } from '../../../src-main/contract';
import { formatCount } from './format';
import { MODALITIES } from './modalities';

/** Every field's text by parameter name (inputs give strings; booleans are "true"/"false"). */
export type FormValues = Record<string, string>;
/** Messages for the line under each field, by parameter name (and `method`). */
export type FieldErrors = Record<string, string>;

export type FieldKind = 'text' | 'checkbox' | 'select';

/** One field of the form, as the card renders it. */
export interface FormField {
  name: string;
  spec: ParamSpec;
  kind: FieldKind;
  label: string;
  /** "px", "minutes": shown beside the label when it adds something. */
  unit: string | null;
  /** The spec's help, then what an empty field means ("Empty = Auto"). */
  help: string;
  /** Shown in an empty text field: the auto value's name. */
  placeholder: string;
  /** `inputmode` of a text field. */
  inputMode: 'numeric' | 'decimal' | undefined;
  /** Options of a select. */
  options: { value: string; label: string }[];
  /** `data-testid`: "train-" and the name in kebab case (`batchSize` → "train-batch-size"). */
  testid: string;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** A decimal or scientific number ("0.001", "1e-3"); null for anything else, including "". */
export function parseNumber(text: string): number | null {
  const t = text.trim();
  if (!NUMBER.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** `batchSize` → `batch-size`. */
export function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** A bound of a range as people read it: 10000 → "10,000", 1e-7 → "1e-7", 0.05 → "0.05". */
export function formatBound(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return formatCount(n);
  if (n !== 0 && Math.abs(n) < 1e-3) {
    const [mantissa = '', exponent = ''] = n.toExponential().split('e');
    return `${mantissa}e${exponent.replace('+', '')}`;
  }
  return String(n);
}

/** "Enter a whole number from 1 to 10,000", "Enter a number from 0.01 to 10, or leave it empty for Auto". */
export function rangeMessage(spec: ParamSpec): string {
  const what = spec.type === 'integer' ? 'a whole number' : 'a number';
  let range = '';
  if (spec.min !== undefined && spec.max !== undefined) range = ` from ${formatBound(spec.min)} to ${formatBound(spec.max)}`;
  else if (spec.min !== undefined) range = ` of at least ${formatBound(spec.min)}`;
  else if (spec.max !== undefined) range = ` of at most ${formatBound(spec.max)}`;
  const auto = spec.auto ? `, or leave it empty for ${spec.auto.label}` : '';
  return `Enter ${what}${range}${auto}`;
}

/** True when `text` asks for the auto value: empty, the value itself ("0") or its name ("auto"). */
function isAutoText(spec: ParamSpec, text: string): boolean {
  if (!spec.auto) return false;
  const t = text.trim();
  return t === '' || t.toLowerCase() === spec.auto.label.toLowerCase() || parseNumber(t) === spec.auto.value;
}

/** A value as the form shows it: the auto value as an empty field, booleans as "true"/"false". */
export function paramText(spec: ParamSpec, value: ParamValue): string {
  if (spec.type === 'boolean') return value === true || value === 'true' ? 'true' : 'false';
  if (spec.fromData && value === spec.default) return '';
  if (spec.auto && value === spec.auto.value) return '';
  return String(value);
}

/** Checks one field against its spec: the value, or the message for the line under it. */
export function checkField(spec: ParamSpec, text: string): { value: ParamValue; error: null } | { value: null; error: string } {
  switch (spec.type) {
    case 'boolean':
      if (text === 'true') return { value: true, error: null };
      if (text === 'false') return { value: false, error: null };
      return { value: null, error: 'Tick or untick the box' };
    case 'choice':
      // Left empty ("From the data"), a choice that follows the data is the method's to make.
      if (spec.fromData && text === '') return { value: spec.default, error: null };
      if (spec.choices?.includes(text)) return { value: text, error: null };
      return { value: null, error: `Choose one of ${(spec.choices ?? []).join(', ')}` };
    case 'integer':
    case 'number': {
      if (spec.auto && isAutoText(spec, text)) return { value: spec.auto.value, error: null };
      // Left empty, a default that follows the data is the method's to choose (validateForm sends nothing).
      if (spec.fromData && text.trim() === '') return { value: spec.default, error: null };
      const n = parseNumber(text);
      const bad = n === null || (spec.type === 'integer' && !Number.isInteger(n)) || (spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max);
      return bad ? { value: null, error: rangeMessage(spec) } : { value: n, error: null };
    }
  }
}

/** Every parameter's default text. */
export function defaultValues(specs: readonly ParamSpec[]): FormValues {
  return Object.fromEntries(specs.map((s) => [s.name, paramText(s, s.default)]));
}

/** A field's text: as typed, or the default when the user never touched it. */
export function fieldText(spec: ParamSpec, values: FormValues): string {
  return values[spec.name] ?? paramText(spec, spec.default);
}

function field(spec: ParamSpec): FormField {
  const kind: FieldKind = spec.type === 'boolean' ? 'checkbox' : spec.type === 'choice' ? 'select' : 'text';
  const unit = spec.unit && spec.unit.toLowerCase() !== spec.label.toLowerCase() ? spec.unit : null;
  const empty = spec.fromData ? ` Empty = from the data: ${spec.fromData}.` : spec.auto ? ` Empty = ${spec.auto.label}.` : '';
  return {
    name: spec.name,
    spec,
    kind,
    label: spec.label,
    unit,
    help: `${spec.help}${empty}`.trim(),
    placeholder: spec.fromData ? 'From the data' : (spec.auto?.label ?? ''),
    inputMode: spec.type === 'integer' ? 'numeric' : spec.type === 'number' ? 'decimal' : undefined,
    options: [...(spec.fromData ? [{ value: '', label: `From the data (${spec.fromData})` }] : []), ...(spec.choices ?? []).map((c) => ({ value: c, label: c }))],
    testid: `train-${kebab(spec.name)}`,
  };
}

/** The method's fields in its order: the main ones, and those under "More settings". */
export function formFields(method: MethodInfo | null, modality: Modality | null = null): { main: FormField[]; advanced: FormField[] } {
  // Settings of another modality than the dataset's (a spectrogram's mel bands, image crops on text) are not shown.
  const fields = (method?.params ?? []).filter((p) => !p.modalities || modality === null || p.modalities.includes(modality)).map(field);
  return { main: fields.filter((f) => !f.spec.advanced), advanced: fields.filter((f) => f.spec.advanced) };
}

export type Validation = { ok: true; settings: TrainSettings; errors: FieldErrors } | { ok: false; settings: null; errors: FieldErrors };

export interface ValidateOptions {
  /** "" (or omitted) = the fastest available. */
  backend?: string;
  /**
   * Parameters sent even when equal to their default: those the user set, or copied from a run. A
   * method may pick a default from the data (a learning rate for the image size) when the value is
   * left out, so a value typed on purpose is sent as typed.
   */
  explicit?: readonly string[];
}

/**
 * Checks every field of the method; the errors are keyed by parameter name. The settings carry only
 * the values that differ from their defaults (and the explicit ones): the core fills in the rest.
 */
export function validateForm(method: MethodInfo | null, values: FormValues, options: ValidateOptions = {}): Validation {
  const errors: FieldErrors = {};
  if (!method) errors.method = 'Choose a method';
  const params: ParamValues = {};
  for (const spec of method?.params ?? []) {
    const checked = checkField(spec, fieldText(spec, values));
    if (checked.error !== null) {
      errors[spec.name] = checked.error;
      continue;
    }
    if (checked.value !== spec.default || options.explicit?.includes(spec.name)) params[spec.name] = checked.value;
  }
  if (!method || Object.keys(errors).length > 0) return { ok: false, settings: null, errors };
  const backend = (options.backend ?? '').trim();
  return {
    ok: true,
    errors,
    settings: { method: method.id, ...(Object.keys(params).length > 0 ? { params } : {}), ...(backend ? { backend } : {}) },
  };
}

/** The form's texts for a run's values (to start another run like it); values the method does not take are left out. */
export function valuesFromParams(method: MethodInfo | null, params: ParamValues): FormValues {
  const out: FormValues = {};
  for (const spec of method?.params ?? []) {
    const value = params[spec.name];
    if (value === undefined) continue;
    if (checkField(spec, paramText(spec, value)).error === null) out[spec.name] = paramText(spec, value);
  }
  return out;
}

/** True when any field of the method differs from its default. */
export function differsFromDefaults(method: MethodInfo | null, values: FormValues): boolean {
  return (method?.params ?? []).some((s) => values[s.name] !== undefined && values[s.name] !== paramText(s, s.default));
}

/** A parameter's value for the run table: "Auto", "32 px", "Yes", "1e-3". */
export function formatParamValue(spec: ParamSpec | undefined, value: ParamValue): string {
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'string') return value;
  if (spec?.auto && value === spec.auto.value) return spec.auto.label;
  const text = formatBound(value);
  if (!spec?.unit || spec.unit.toLowerCase() === spec.label.toLowerCase()) return text;
  const unit = value === 1 && spec.unit.endsWith('s') ? spec.unit.slice(0, -1) : spec.unit;
  return `${text} ${unit}`;
}

export interface StepsEstimate {
  /** The batch size actually used: the core caps it at the number of examples. */
  batchSize: number;
  capped: boolean;
  stepsPerEpoch: number;
  totalSteps: number;
}

/** Steps a run will take, as the core counts them (whole batches only). */
export function stepsEstimate(examples: number, batchSize: number, epochs: number): StepsEstimate | null {
  if (!(examples > 0) || !(batchSize > 0) || !(epochs > 0)) return null;
  const used = Math.min(batchSize, examples);
  const stepsPerEpoch = Math.floor(examples / used);
  return { batchSize: used, capped: used < batchSize, stepsPerEpoch, totalSteps: stepsPerEpoch * epochs };
}

/** The core's largest default batch by modality (MAX_DEFAULT_BATCH in src-main/core/training/config.ts). */
const MAX_DEFAULT_BATCH: Readonly<Record<Modality, number>> = { image: 256, text: 64, audio: 256 };

/**
 * The batch size and epochs a run gets when the form leaves them empty: the core's rule
 * (trainingDefaults in src-main/core/training/config.ts, checked equal by a test): a batch of at
 * most 256 (64 for text), halved down to 16 until an epoch has 4 steps, and 20 epochs or enough for 200 steps.
 */
export function trainingLengthDefaults(items: number, modality: Modality = 'image'): { batchSize: number; epochs: number } {
  let batchSize = MAX_DEFAULT_BATCH[modality];
  while (batchSize > 16 && batchSize * 4 > items) batchSize /= 2;
  const stepsPerEpoch = Math.max(1, Math.floor(items / Math.min(batchSize, Math.max(1, items))));
  return { batchSize, epochs: Math.max(20, Math.ceil(200 / stepsPerEpoch)) };
}

/** Examples of a dataset a method trains on (its modalities' items). */
export function examplesFor(method: MethodInfo | null, counts: Record<Modality, number> | null | undefined): number {
  if (!method || !counts) return 0;
  return method.modalities.reduce((sum, m) => sum + (counts[m] ?? 0), 0);
}

/** Modalities some method trains, in contract order; images when the list is not known yet. */
export function trainableModalities(methods: readonly { modalities: readonly Modality[] }[] | null): Modality[] {
  if (!methods || methods.length === 0) return ['image'];
  const set = new Set(methods.flatMap((m) => m.modalities));
  return MODALITIES.filter((m) => set.has(m));
}

export interface DatasetChoice {
  id: number;
  name: string;
  /** Items some method can train on. */
  examples: number;
  /** Why it cannot be chosen ("no images"), or null. */
  note: string | null;
}

const PLURALS: Record<Modality, string> = { image: 'images', text: 'texts', audio: 'audio files' };

function noneOf(modalities: readonly Modality[]): string {
  const names = modalities.map((m) => PLURALS[m]);
  return `no ${names.length <= 1 ? (names[0] ?? 'items') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`}`;
}

/** Every dataset for the select; those nothing can train on stay listed but disabled, with a note. */
export function datasetChoices(datasets: readonly DatasetSummary[], trainable: readonly Modality[] = ['image']): DatasetChoice[] {
  return datasets.map((d) => {
    const examples = trainable.reduce((sum, m) => sum + (d.counts[m] ?? 0), 0);
    return { id: d.id, name: d.name, examples, note: d.status === 'importing' ? 'importing' : examples === 0 ? noneOf(trainable) : null };
  });
}

/** The dataset to preselect: the preferred one if it can train, else the first that can. */
export function defaultDatasetId(datasets: readonly DatasetSummary[], preferred: number | null, trainable: readonly Modality[] = ['image']): number | null {
  const choices = datasetChoices(datasets, trainable);
  const usable = (id: number | null): boolean => choices.some((c) => c.id === id && c.note === null);
  if (preferred !== null && usable(preferred)) return preferred;
  return choices.find((c) => c.note === null)?.id ?? null;
}
