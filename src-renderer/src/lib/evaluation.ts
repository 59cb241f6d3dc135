/**
 * A run's evaluations (`runs.evaluations`, and those that arrive with progress events): merging
 * them, the accuracy curves of the evaluation chart, the latest values and the label-free
 * diagnostics table. Pure, tested in test/renderer.
 */
import type { EvaluationPoint } from '../../../src-main/contract';
import { formatCount } from './format';

/** Sort order and identity: by epoch, each epoch's sampled evaluation before the final one. */
function order(a: EvaluationPoint, b: EvaluationPoint): number {
  return a.epoch - b.epoch || Number(a.final) - Number(b.final);
}

const key = (e: EvaluationPoint): string => `${e.epoch}:${e.final ? 'f' : 's'}`;

/**
 * The evaluations held plus new ones, in order: one of the same epoch and kind replaces the held one
 * (a resumed run evaluates its epochs again), and nothing is doubled.
 */
export function mergeEvaluations(held: readonly EvaluationPoint[], incoming: readonly EvaluationPoint[]): EvaluationPoint[] {
  if (incoming.length === 0) return [...held];
  const byKey = new Map<string, EvaluationPoint>();
  for (const e of held) byKey.set(key(e), e);
  for (const e of incoming) byKey.set(key(e), e);
  return [...byKey.values()].sort(order);
}

/** The evaluation to show in tables: the final one when there is one, else the latest. */
export function latestEvaluation(points: readonly EvaluationPoint[]): EvaluationPoint | null {
  const sorted = [...points].sort(order);
  return sorted.findLast((e) => e.final) ?? sorted.at(-1) ?? null;
}

/** An accuracy (0..1) with three decimals: 0.8123 → "0.812"; "–" without one. */
export function formatAccuracy(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value.toFixed(3);
}

/** The list's short form: "kNN 0.812 · linear 0.790", or null when the run has no accuracy. */
export function evaluationBrief(e: EvaluationPoint | null | undefined): string | null {
  if (!e || (e.knn === null && e.linear === null)) return null;
  const parts: string[] = [];
  if (e.knn !== null) parts.push(`kNN ${formatAccuracy(e.knn)}`);
  if (e.linear !== null) parts.push(`linear ${formatAccuracy(e.linear)}`);
  return parts.join(' · ');
}

/** The runs list's compact form: "0.812 / 0.790" (kNN / linear probe), or null without accuracy. */
export function evaluationShort(e: EvaluationPoint | null | undefined): string | null {
  if (!e || (e.knn === null && e.linear === null)) return null;
  return `${formatAccuracy(e.knn)} / ${formatAccuracy(e.linear)}`;
}

/**
 * Columns of the evaluation chart, as uPlot takes them: x = epoch (0 = the random encoder), the kNN
 * and linear-probe lines through every evaluation, and the final evaluation alone in two more
 * series (drawn as marks). When an epoch has a sampled and a final evaluation, the line takes the final one.
 */
export interface EvaluationSeries {
  epochs: number[];
  knn: (number | null)[];
  linear: (number | null)[];
  knnFinal: (number | null)[];
  linearFinal: (number | null)[];
  /** Index of the final evaluation in the columns, or null. */
  finalIndex: number | null;
  /** True when some point has an accuracy (a dataset with labels). */
  hasAccuracy: boolean;
}

export function evaluationSeries(points: readonly EvaluationPoint[]): EvaluationSeries {
  const byEpoch = new Map<number, EvaluationPoint>();
  for (const e of [...points].sort(order)) {
    const held = byEpoch.get(e.epoch);
    if (!held || e.final || !held.final) byEpoch.set(e.epoch, e);
  }
  const rows = [...byEpoch.values()].sort(order);
  const finite = (v: number | null): number | null => (v !== null && Number.isFinite(v) ? v : null);
  const finalIndex = rows.findIndex((e) => e.final);
  return {
    epochs: rows.map((e) => e.epoch),
    knn: rows.map((e) => finite(e.knn)),
    linear: rows.map((e) => finite(e.linear)),
    knnFinal: rows.map((e) => (e.final ? finite(e.knn) : null)),
    linearFinal: rows.map((e) => (e.final ? finite(e.linear) : null)),
    finalIndex: finalIndex === -1 ? null : finalIndex,
    hasAccuracy: rows.some((e) => finite(e.knn) !== null || finite(e.linear) !== null),
  };
}

export interface DiagnosticRow {
  key: 'alignment' | 'uniformity' | 'effectiveRank' | 'meanVariance';
  label: string;
  value: string;
  /** One line on what the number says. */
  help: string;
}

function formatDiagnostic(value: number): string {
  if (value !== 0 && Math.abs(value) < 1e-3) return value.toExponential(2);
  return value.toFixed(3);
}

/** The label-free diagnostics of an evaluation, those it has, with one-line explanations. */
export function diagnosticRows(e: EvaluationPoint | null | undefined, embeddingDim: number | null | undefined): DiagnosticRow[] {
  if (!e) return [];
  const rows: DiagnosticRow[] = [];
  const ok = (v: number | null): v is number => v !== null && Number.isFinite(v);
  if (ok(e.alignment)) {
    rows.push({ key: 'alignment', label: 'Alignment', value: formatDiagnostic(e.alignment), help: 'Distance between two augmented views of an item; lower means more invariant to the augmentations.' });
  }
  if (ok(e.uniformity)) {
    rows.push({ key: 'uniformity', label: 'Uniformity', value: formatDiagnostic(e.uniformity), help: 'How evenly the embeddings spread over the sphere; lower (more negative) means more spread out.' });
  }
  if (ok(e.effectiveRank)) {
    const of = embeddingDim ? ` of ${formatCount(embeddingDim)}` : '';
    rows.push({ key: 'effectiveRank', label: 'Effective rank', value: `${e.effectiveRank.toFixed(1)}${of}`, help: 'How many dimensions the embeddings really use; near 1 means they collapsed onto a line.' });
  }
  if (ok(e.meanVariance)) {
    rows.push({ key: 'meanVariance', label: 'Mean variance', value: formatDiagnostic(e.meanVariance), help: 'Average variance per dimension of the normalised embeddings; near 0 means every item embeds alike.' });
  }
  return rows;
}

/** What the panel says about an evaluation without accuracy. */
export const NO_LABELS_TEXT = 'No labels: kNN and linear-probe accuracy need class sub-folders';

/** "Epoch 3 · 1,200 items", "Final · every item (1,200)", "Random encoder · 500 items". */
export function evaluationCaption(e: EvaluationPoint): string {
  if (e.final) return `Final, on every item (${formatCount(e.items)})`;
  return `${e.epoch === 0 ? 'Random encoder, before training' : `After epoch ${formatCount(e.epoch)}`} · ${formatCount(e.items)} items`;
}
