/** What the import progress bar shows for one progress event. Pure, tested in test/renderer. */
import type { ImportProgress } from '../../../src-main/contract';
import { formatCount } from './format';

export interface ProgressView {
  /** True while the total is unknown: the bar animates instead of filling. */
  indeterminate: boolean;
  /** 0..1, or null when indeterminate. */
  fraction: number | null;
  /** "42%", or "" when indeterminate. */
  percent: string;
  /** The headline: "Counting files…", "Importing 12 of 40 files", "Finishing…". */
  title: string;
  /** "35 items · 2 skipped", or "" before anything was recorded. */
  detail: string;
  /** The file being read, or null. */
  current: string | null;
}

/** Progress fraction, clamped to 0..1; null when the total is not known yet. */
export function progressFraction(done: number, total: number): number | null {
  if (!Number.isFinite(total) || total <= 0) return null;
  return Math.min(1, Math.max(0, done / total));
}

/** Percent without rounding up to 100 before the work is actually done. */
export function formatPercent(fraction: number): string {
  const pct = Math.floor(fraction * 100);
  return `${fraction >= 1 ? 100 : Math.min(99, pct)}%`;
}

export function progressView(p: ImportProgress | null): ProgressView {
  if (p === null) {
    return { indeterminate: true, fraction: null, percent: '', title: 'Starting import…', detail: '', current: null };
  }
  const detailParts: string[] = [];
  if (p.itemsDone > 0 || p.skipped > 0) {
    detailParts.push(`${formatCount(p.itemsDone - p.skipped)} ${p.itemsDone - p.skipped === 1 ? 'item' : 'items'}`);
    detailParts.push(`${formatCount(p.skipped)} skipped`);
  }
  const detail = detailParts.join(' · ');
  switch (p.phase) {
    case 'counting':
      return { indeterminate: true, fraction: null, percent: '', title: 'Counting files…', detail, current: null };
    case 'importing': {
      const fraction = progressFraction(p.filesDone, p.filesTotal);
      if (fraction === null) {
        return { indeterminate: true, fraction: null, percent: '', title: 'Importing…', detail, current: p.current };
      }
      return {
        indeterminate: false,
        fraction,
        percent: formatPercent(fraction),
        title: `Importing ${formatCount(p.filesDone)} of ${formatCount(p.filesTotal)} ${p.filesTotal === 1 ? 'file' : 'files'}`,
        detail,
        current: p.current,
      };
    }
    case 'finishing':
      return { indeterminate: true, fraction: null, percent: '', title: 'Finishing…', detail, current: null };
    case 'done':
      return { indeterminate: false, fraction: 1, percent: '100%', title: 'Done', detail, current: null };
    case 'failed':
      return {
        indeterminate: false,
        fraction: progressFraction(p.filesDone, p.filesTotal) ?? 0,
        percent: '',
        title: p.message ?? 'Import failed',
        detail,
        current: null,
      };
  }
}

/** True for the phases after which no more progress events arrive. */
export function isFinalPhase(phase: ImportProgress['phase']): boolean {
  return phase === 'done' || phase === 'failed';
}
