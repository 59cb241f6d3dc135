/** Label list presentation. Pure, tested in test/renderer. */
import type { LabelCount } from '../../../src-main/contract';
import { labelText } from './format';

export interface LabelBar {
  label: string | null;
  text: string;
  count: number;
  /** Width of the bar relative to the largest label, 0..1. */
  fraction: number;
  /** Share of all labelled and unlabelled items, 0..1. */
  share: number;
}

/** Labels sorted by count (largest first, ties by name, "(no label)" last), with bar widths. */
export function labelBars(labels: readonly LabelCount[]): LabelBar[] {
  const max = labels.reduce((m, l) => Math.max(m, l.count), 0);
  const sum = labels.reduce((s, l) => s + l.count, 0);
  return [...labels]
    .sort((a, b) => {
      if ((a.label === null) !== (b.label === null)) return a.label === null ? 1 : -1;
      if (b.count !== a.count) return b.count - a.count;
      return (a.label ?? '').localeCompare(b.label ?? '');
    })
    .map((l) => ({
      label: l.label,
      text: labelText(l.label),
      count: l.count,
      fraction: max > 0 ? l.count / max : 0,
      share: sum > 0 ? l.count / sum : 0,
    }));
}

/** True when a dataset has nothing worth a label panel: no labels, or only unlabelled items. */
export function hasRealLabels(labels: readonly LabelCount[]): boolean {
  return labels.some((l) => l.label !== null);
}
