/**
 * Projection settings and how projections are named and shown: the form's checks, a summary's one-line
 * name, the note when UMAP was fitted on a sample, and the progress bar's text. Pure, tested in
 * test/renderer.
 */
import type { ProjectionMethod, ProjectionProgress, ProjectionSettings, ProjectionSummary } from '../../../src-main/contract';
import { formatCount } from './format';
import { formatPercent, progressFraction } from './progress';

export const PROJECTION_METHODS: readonly { id: ProjectionMethod; name: string; description: string }[] = [
  { id: 'umap', name: 'UMAP', description: 'Keeps neighbourhoods: clusters show as islands' },
  { id: 'pca', name: 'PCA', description: 'The two directions of largest variance: fast, linear' },
];

/** The core's defaults (contract: neighbours 15, minimum distance 0.1, seed 1). */
export const DEFAULT_PROJECTION: Required<ProjectionSettings> = { method: 'umap', neighbors: 15, minDist: 0.1, seed: 1 };

export const NEIGHBORS_RANGE = { min: 2, max: 200 } as const;

/** What the form holds: strings as typed, so a half-typed number is not lost. */
export interface ProjectionFormValues {
  method: ProjectionMethod;
  neighbors: string;
  minDist: string;
  seed: string;
}

export type ProjectionCheck = { ok: true; settings: ProjectionSettings } | { ok: false; field: 'neighbors' | 'minDist' | 'seed'; message: string };

/** Checks the form; PCA takes only the seed. */
export function checkProjectionForm(form: ProjectionFormValues): ProjectionCheck {
  const seed = Number(form.seed.trim());
  if (form.seed.trim() === '' || !Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1) {
    return { ok: false, field: 'seed', message: 'The seed is a whole number from 0.' };
  }
  if (form.method === 'pca') return { ok: true, settings: { method: 'pca', seed } };
  const neighbors = Number(form.neighbors.trim());
  if (form.neighbors.trim() === '' || !Number.isInteger(neighbors) || neighbors < NEIGHBORS_RANGE.min || neighbors > NEIGHBORS_RANGE.max) {
    return { ok: false, field: 'neighbors', message: `Neighbours is a whole number from ${NEIGHBORS_RANGE.min} to ${NEIGHBORS_RANGE.max}.` };
  }
  const minDist = Number(form.minDist.trim());
  if (form.minDist.trim() === '' || !Number.isFinite(minDist) || minDist < 0 || minDist > 1) {
    return { ok: false, field: 'minDist', message: 'Minimum distance is a number from 0 to 1.' };
  }
  return { ok: true, settings: { method: 'umap', seed, neighbors, minDist } };
}

/** The form showing a projection's settings (to compute a variant of it). */
export function formFromSettings(settings: Required<ProjectionSettings>): ProjectionFormValues {
  return { method: settings.method, neighbors: String(settings.neighbors), minDist: String(settings.minDist), seed: String(settings.seed) };
}

/** "UMAP · 15 neighbours · min-dist 0.1 · seed 1", "PCA · seed 1". */
export function projectionName(p: Pick<ProjectionSummary, 'method' | 'settings'>): string {
  const s = p.settings;
  if (p.method === 'pca') return `PCA · seed ${s.seed}`;
  return `UMAP · ${s.neighbors} neighbours · min-dist ${s.minDist} · seed ${s.seed}`;
}

/**
 * The same, short enough for the select of a 260-pixel side panel: UMAP's settings only where they
 * differ from the defaults ("UMAP · seed 1", "UMAP · seed 1 · 30 neighbours"). The select's title
 * gives the full name.
 */
export function projectionShortName(p: Pick<ProjectionSummary, 'method' | 'settings'>): string {
  const s = p.settings;
  if (p.method === 'pca') return `PCA · seed ${s.seed}`;
  const neighbors = s.neighbors === DEFAULT_PROJECTION.neighbors ? '' : ` · ${s.neighbors} neighbours`;
  const minDist = s.minDist === DEFAULT_PROJECTION.minDist ? '' : ` · min-dist ${s.minDist}`;
  return `UMAP · seed ${s.seed}${neighbors}${minDist}`;
}

/** True when two setting sets give the same map. */
export function sameSettings(a: ProjectionSettings, b: ProjectionSettings): boolean {
  const fa = { ...DEFAULT_PROJECTION, ...a };
  const fb = { ...DEFAULT_PROJECTION, ...b };
  if (fa.method !== fb.method || fa.seed !== fb.seed) return false;
  return fa.method === 'pca' || (fa.neighbors === fb.neighbors && fa.minDist === fb.minDist);
}

/** How the map was made, when it matters: a UMAP fitted on a sample, or a PCA reduction first. */
export function projectionNotes(p: Pick<ProjectionSummary, 'method' | 'points' | 'fittedOn' | 'pcaComponents'>): string[] {
  const notes: string[] = [];
  if (p.fittedOn !== null && p.fittedOn < p.points) {
    notes.push(
      `UMAP was fitted on a sample of ${formatCount(p.fittedOn)} points; the other ${formatCount(p.points - p.fittedOn)} were placed with the fitted model's transform.`,
    );
  }
  if (p.pcaComponents !== null && p.method === 'umap') {
    notes.push(`The embeddings were first reduced to ${p.pcaComponents} dimensions with PCA.`);
  }
  return notes;
}

export interface ProjectionProgressView {
  title: string;
  fraction: number | null;
  percent: string;
  indeterminate: boolean;
}

const PHASE_TITLES: Record<ProjectionProgress['phase'], string> = {
  starting: 'Starting…',
  loading: 'Loading embeddings',
  pca: 'Reducing with PCA',
  fitting: 'Fitting UMAP',
  placing: 'Placing the other points',
  saving: 'Saving the map',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export function projectionProgressView(p: ProjectionProgress | null): ProjectionProgressView {
  if (!p) return { title: 'Starting…', fraction: null, percent: '', indeterminate: true };
  const fraction = p.phase === 'done' ? 1 : progressFraction(p.done, p.total);
  const base = PHASE_TITLES[p.phase];
  const counted = p.total > 0 && p.phase !== 'done' ? ` ${formatCount(p.done)}/${formatCount(p.total)}` : '';
  return {
    title: p.phase === 'failed' && p.message ? p.message : `${base}${counted}`,
    fraction,
    percent: fraction === null ? '' : formatPercent(fraction),
    indeterminate: fraction === null,
  };
}

/** True for the phases after which no more progress arrives. */
export function isFinalProjectionPhase(phase: ProjectionProgress['phase']): boolean {
  return phase === 'done' || phase === 'failed' || phase === 'cancelled';
}

/** Projections newest first. */
export function newestFirst(list: readonly ProjectionSummary[]): ProjectionSummary[] {
  return [...list].sort((a, b) => b.id - a.id);
}

/**
 * The projection to show for a run: one made with `wanted` settings if there is one (so two runs are
 * compared with the same method), else the newest of the same method, else the newest.
 */
export function pickProjection(list: readonly ProjectionSummary[], wanted: ProjectionSettings | null): ProjectionSummary | null {
  const sorted = newestFirst(list);
  if (wanted) {
    const same = sorted.find((p) => sameSettings(p.settings, wanted));
    if (same) return same;
    const method = sorted.find((p) => p.method === wanted.method);
    if (method) return method;
  }
  return sorted[0] ?? null;
}
