/**
 * The explorer's exports (their URLs are in routes.ts): the body of a selection export, the name
 * a download gets and the default path of an Electron export. Pure, tested in test/renderer.
 */
import type { EmbeddingsFormat, SelectionExportKind } from '../../../src-main/contract';

/** `{"itemIds":[…]}` with ids ascending and each once. */
export function selectionExportBody(itemIds: ArrayLike<number>): string {
  const ids = Int32Array.from(itemIds).sort();
  const unique: number[] = [];
  for (let i = 0; i < ids.length; i++) if (i === 0 || ids[i] !== ids[i - 1]) unique.push(ids[i]!);
  return JSON.stringify({ itemIds: unique });
}

/** File extension of each kind: CSV tables, and a plain list of paths. */
export function exportExtension(kind: SelectionExportKind): 'csv' | 'txt' {
  return kind === 'paths' ? 'txt' : 'csv';
}

/** The name a download is saved under when the server does not say. */
export function exportFileName(runId: number, what: SelectionExportKind | 'all-embeddings' | 'all-coordinates', selection: boolean): string {
  const kind: SelectionExportKind = what === 'all-embeddings' ? 'embeddings' : what === 'all-coordinates' ? 'coordinates' : what;
  return `pretext-run-${runId}-${selection ? 'selection-' : ''}${kind}.${exportExtension(kind)}`;
}

/** The default file of an Electron export: in the home folder (the core expands `~`). */
export function defaultExportFile(runId: number, what: SelectionExportKind | 'all-embeddings' | 'all-coordinates', selection: boolean): string {
  return `~/${exportFileName(runId, what, selection)}`;
}

/**
 * The file name in a Content-Disposition header (`filename*=UTF-8''…` preferred over `filename="…"`),
 * or the fallback; path separators are dropped.
 */
export function fileNameFromDisposition(header: string | null | undefined, fallback: string): string {
  if (!header) return fallback;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  let name: string | null = null;
  if (star) {
    try {
      name = decodeURIComponent(star[1]!.trim());
    } catch {
      name = null;
    }
  }
  if (!name) {
    const plain = /filename\s*=\s*(?:"([^"]*)"|([^;]+))/.exec(header);
    name = plain ? (plain[1] ?? plain[2] ?? '').trim() : null;
  }
  const safe = name?.replace(/[/\\]/g, '_').trim();
  return safe ? safe : fallback;
}

/** What each selection export holds, for button titles. */
export const EXPORT_KIND_TEXT: Record<SelectionExportKind, string> = {
  embeddings: 'Embeddings (CSV: path, label, e0…)',
  coordinates: '2-D coordinates (CSV: path, label, x, y)',
  paths: 'List of paths (one per line)',
};

/** The embeddings formats the export controls offer (the contract's EMBEDDINGS_FORMATS), with what each file holds. */
export const EMBEDDINGS_FORMAT_CHOICES: readonly { format: EmbeddingsFormat; label: string; title: string; extension: string }[] = [
  { format: 'csv', label: 'CSV', title: 'CSV: path, label, e0…', extension: '.csv' },
  { format: 'lightly', label: 'Lightly CSV', title: "Lightly's embeddings.csv: filenames, embedding_0…, labels (class indices)", extension: '.csv' },
  { format: 'npy', label: 'NumPy .npy', title: 'NumPy float32 [N, D] array, rows in the order of the CSV', extension: '.npy' },
  { format: 'parquet', label: 'Parquet', title: 'Parquet: path, label, embedding (list of float32)', extension: '.parquet' },
];

/** A file path with the extension of `format` (what the Electron path field shows when the format changes). */
export function withFormatExtension(path: string, format: EmbeddingsFormat): string {
  const extension = EMBEDDINGS_FORMAT_CHOICES.find((c) => c.format === format)!.extension;
  const match = /(\.lightly)?\.(csv|npy|parquet)$/i.exec(path);
  const stem = match ? path.slice(0, match.index) : path;
  return `${stem.replace(/-lightly$/, '')}${format === 'lightly' ? '-lightly' : ''}${extension}`;
}
