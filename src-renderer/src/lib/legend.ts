/**
 * What the map's colours mean and which of them are shown: the colour modes, the legend's entries,
 * toggling them, and the filter (point indices) that hides toggled-off categories. Pure, tested in
 * test/renderer.
 */
import { categoryColor, MISSING_COLOR } from './color-scales';
import { labelText } from './format';

export type ColorBy = 'label' | 'cluster' | 'disagreement';

export const COLOR_BY_CHOICES: readonly { id: ColorBy; name: string }[] = [
  { id: 'label', name: 'Label' },
  { id: 'cluster', name: 'Cluster' },
  { id: 'disagreement', name: 'kNN label disagreement' },
];

export interface LegendEntry {
  /** The category's number in the colour map. */
  key: number;
  /** Stable name for tests and `data-label`: the label itself, "(no label)" or "cluster-3". */
  label: string;
  text: string;
  color: string;
  count: number;
  hidden: boolean;
}

/**
 * One entry per label in the points file's order (that order fixes the colours), then "(no label)"
 * when some points have none. `counts` comes from `labelCounts`: one per label, then the unlabelled.
 */
export function labelLegend(labels: readonly string[], counts: Int32Array, hidden: ReadonlySet<number>): LegendEntry[] {
  const entries: LegendEntry[] = labels.map((label, i) => ({
    key: i,
    label,
    text: label,
    color: categoryColor(i),
    count: counts[i] ?? 0,
    hidden: hidden.has(i),
  }));
  const unlabelled = counts[labels.length] ?? 0;
  if (unlabelled > 0) {
    const text = labelText(null);
    entries.push({ key: labels.length, label: text, text, color: MISSING_COLOR, count: unlabelled, hidden: hidden.has(labels.length) });
  }
  return entries;
}

/** One entry per cluster, largest first (k-means numbers them that way). */
export function clusterLegend(sizes: Int32Array, hidden: ReadonlySet<number>): LegendEntry[] {
  return Array.from(sizes, (count, i) => ({
    key: i,
    label: `cluster-${i + 1}`,
    text: `Cluster ${i + 1}`,
    color: categoryColor(i),
    count,
    hidden: hidden.has(i),
  }));
}

/** Shows a hidden category or hides a shown one. */
export function toggleKey(hidden: ReadonlySet<number>, key: number): Set<number> {
  const next = new Set(hidden);
  if (next.has(key)) next.delete(key);
  else next.add(key);
  return next;
}

/** Shows only `key`; when it already is the only one shown, shows everything again. */
export function soloKey(hidden: ReadonlySet<number>, key: number, keys: readonly number[]): Set<number> {
  const others = keys.filter((k) => k !== key);
  const alreadySolo = !hidden.has(key) && others.every((k) => hidden.has(k));
  return alreadySolo ? new Set() : new Set(others);
}

/** The category of each point for the label colour map: the label index, unlabelled last. */
export function labelCategories(labelIndex: Int32Array, labels: number): Int32Array {
  const out = new Int32Array(labelIndex.length);
  for (let i = 0; i < labelIndex.length; i++) {
    const l = labelIndex[i]!;
    out[i] = l >= 0 && l < labels ? l : labels;
  }
  return out;
}

/**
 * Indices of the points whose category is not hidden, ascending; null when nothing is hidden (the map
 * shows every point, no filter).
 */
export function visibleIndices(categories: Int32Array, hidden: ReadonlySet<number>): number[] | null {
  if (hidden.size === 0) return null;
  const flags = new Uint8Array(Math.max(0, ...hidden) + 1);
  for (const k of hidden) if (k >= 0) flags[k] = 1;
  const out: number[] = [];
  for (let i = 0; i < categories.length; i++) {
    const c = categories[i]!;
    if (c < 0 || c >= flags.length || flags[c] === 0) out.push(i);
  }
  return out;
}

/** Counts points per category: [count of 0, count of 1, …, count of `size - 1`]. */
export function countCategories(categories: Int32Array, size: number): Int32Array {
  const counts = new Int32Array(size);
  for (let i = 0; i < categories.length; i++) {
    const c = categories[i]!;
    if (c >= 0 && c < size) counts[c] = counts[c]! + 1;
  }
  return counts;
}

/** Nothing hidden (shared: hidden sets are replaced, never changed in place). */
export const NONE_HIDDEN: ReadonlySet<number> = new Set();

/** Every colour mode with nothing hidden. */
export function allShown(): Record<ColorBy, ReadonlySet<number>> {
  return { label: NONE_HIDDEN, cluster: NONE_HIDDEN, disagreement: NONE_HIDDEN };
}

/** True when an ascending list of point indices (a filter) holds `index`: binary search. */
export function includesSorted(sorted: readonly number[], index: number): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid]!;
    if (v === index) return true;
    if (v < index) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
