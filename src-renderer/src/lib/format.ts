/** Display formatting shared by the renderer's components. Pure functions, tested in test/renderer. */
import type { ImportReport, Modality } from '../../../src-main/contract';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 12345 → "12,345". */
export function formatCount(n: number): string {
  return integer.format(n);
}

/** "1 item", "2 items"; `many` defaults to `one` + "s". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** Audio durations as m:ss.s (or h:mm:ss.s): 3.24 → "0:03.2", 125 → "2:05.0". */
export function formatDuration(seconds: number | undefined | null): string {
  if (seconds === undefined || seconds === null || !Number.isFinite(seconds) || seconds < 0) return '–:––';
  // Round to tenths first so 59.96 s becomes 1:00.0, not 0:60.0.
  const tenths = Math.round(seconds * 10);
  const h = Math.floor(tenths / 36000);
  const m = Math.floor((tenths % 36000) / 600);
  const s = (tenths % 600) / 10;
  const ss = s.toFixed(1).padStart(4, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** File sizes with binary multiples, as the core reports them: 1536 → "1.5 KB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** Elapsed time of an import: 0.84 → "0.8 s", 12.3 → "12 s", 125 → "2 min 5 s". */
export function formatElapsed(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const total = Math.round(seconds);
  const m = Math.floor(total / 60);
  const s = total % 60;
  return s === 0 ? `${m} min` : `${m} min ${s} s`;
}

/** 44100 → "44.1 kHz", 16000 → "16 kHz", 800 → "800 Hz". */
export function formatSampleRate(hz: number | undefined): string {
  if (hz === undefined || !Number.isFinite(hz) || hz <= 0) return '';
  if (hz < 1000) return `${Math.round(hz)} Hz`;
  return `${Number((hz / 1000).toFixed(1))} kHz`;
}

/** The last segment of a forward-slash path. */
export function fileName(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const i = trimmed.lastIndexOf('/');
  return i === -1 ? trimmed : trimmed.slice(i + 1);
}

/** The folder part of a relative path, or "" at the root. */
export function folderOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '' : path.slice(0, i);
}

/** "data.csv:12" for table rows (row ≥ 1), the plain path for whole files. */
export function itemLocation(path: string, row: number | null | undefined): string {
  return row !== null && row !== undefined && row > 0 ? `${path}:${row}` : path;
}

/** The text shown for a label; `null` is an unlabelled item. */
export function labelText(label: string | null): string {
  return label === null ? '(no label)' : label;
}

export const MODALITY_NAMES: Record<Modality, { one: string; many: string; filter: string }> = {
  image: { one: 'image', many: 'images', filter: 'Images' },
  text: { one: 'text', many: 'texts', filter: 'Text' },
  audio: { one: 'audio clip', many: 'audio clips', filter: 'Audio' },
};

/** Counts per modality as a compact phrase: "12 images · 4 texts". Zero counts are left out. */
export function modalityPhrase(counts: Record<Modality, number>): string {
  const parts = (Object.keys(MODALITY_NAMES) as Modality[])
    .filter((m) => counts[m] > 0)
    .map((m) => plural(counts[m], MODALITY_NAMES[m].one, MODALITY_NAMES[m].many));
  return parts.length === 0 ? 'No items' : parts.join(' · ');
}

/**
 * The one-line summary shown after an import finishes. A first import reads
 * "Imported 21 items, 4 skipped in 0.8 s"; a re-import lists what changed.
 */
export function importSummary(report: ImportReport, reimport: boolean): string {
  const time = formatElapsed(report.seconds);
  const skipped = report.skipped > 0 ? `, ${formatCount(report.skipped)} skipped` : '';
  if (!reimport) {
    return `Imported ${plural(report.added + report.updated, 'item')}${skipped} in ${time}${passedOver(report)}`;
  }
  const changes: string[] = [];
  if (report.added > 0) changes.push(`${formatCount(report.added)} added`);
  if (report.updated > 0) changes.push(`${formatCount(report.updated)} updated`);
  if (report.removed > 0) changes.push(`${formatCount(report.removed)} removed`);
  if (report.unchanged > 0) changes.push(`${formatCount(report.unchanged)} unchanged`);
  if (report.skipped > 0) changes.push(`${formatCount(report.skipped)} skipped`);
  const body = changes.length === 0 ? 'nothing to import' : changes.join(', ');
  return `Re-imported: ${body} in ${time}${passedOver(report)}`;
}

/**
 * Entries that are not items, with the reason, besides hidden files (which nobody expects to import):
 * ". Passed over: cats/up (symbolic link loop …) and 2 more".
 */
function passedOver(report: ImportReport): string {
  const notable = (report.ignoredEntries ?? []).filter((e) => !/^hidden (file|folder)$/.test(e.reason));
  if (notable.length === 0) return '';
  const [first] = notable;
  const more = notable.length > 1 ? ` and ${formatCount(notable.length - 1)} more` : '';
  return `. Passed over: ${first!.path} (${first!.reason})${more}`;
}

/** Any thrown value as a sentence for an error box. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  if (typeof error === 'string' && error) return error;
  if (error && typeof error === 'object' && 'message' in error && typeof error.message === 'string' && error.message) {
    return error.message;
  }
  return 'Something went wrong (no details were given).';
}

/** Shortens a long path in the middle, keeping its start and its end: "/home/…/data/cats". */
export function truncateMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return '…';
  const keepEnd = Math.ceil((max - 1) * 0.6);
  const keepStart = max - 1 - keepEnd;
  return `${text.slice(0, keepStart)}…${text.slice(text.length - keepEnd)}`;
}
