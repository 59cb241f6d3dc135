/**
 * Every same-origin URL the renderer asks the core for beside the typed calls: item media, the map's
 * points and the downloads of `pretext serve`. One builder per route, here only; the core parses
 * them (src-main/core/data-routes.ts, contract.ts `parseMediaPath`), and test/renderer/lib/routes
 * checks that every URL built here parses there to what was meant.
 */
import type { EmbeddingsFormat, MediaKind, SelectionExportKind } from '../../../src-main/contract';

/** How an embeddings download URL ends, per format (the core's FORMAT_EXTENSIONS, in data-routes.ts). */
export const EMBEDDINGS_EXTENSIONS: Readonly<Record<EmbeddingsFormat, string>> = { csv: '.csv', lightly: '.lightly.csv', npy: '.npy', parquet: '.parquet' };

/** An item's thumbnail, audio or text, in both shells. */
export function mediaUrl(itemId: number, kind: MediaKind): string {
  return `/media/${kind}/${itemId}`;
}

/** A projection's points (binary, see points.ts). */
export function pointsUrl(runId: number, projectionId: number): string {
  return `/data/run/${runId}/points.bin?projection=${projectionId}`;
}

/** Every embedding of the run, as CSV unless another format is asked for. */
export function embeddingsUrl(runId: number, format: EmbeddingsFormat = 'csv'): string {
  return `/export/run/${runId}${EMBEDDINGS_EXTENSIONS[format]}`;
}

/** Every point's 2-D coordinates with its path and label. */
export function coordinatesUrl(runId: number, projectionId: number): string {
  return `/export/run/${runId}/coordinates.csv?projection=${projectionId}`;
}

/** The selection, POSTed with its item ids; coordinates need the projection. */
export function selectionExportUrl(runId: number, kind: SelectionExportKind, projectionId: number | null): string {
  const query = new URLSearchParams({ kind });
  if (projectionId !== null) query.set('projection', String(projectionId));
  return `/export/run/${runId}/selection?${query.toString()}`;
}

/** A vector set (another folder embedded with a run), as CSV unless another format is asked for. */
export function vectorSetUrl(setId: number, format: EmbeddingsFormat = 'csv'): string {
  return `/export/set/${setId}${EMBEDDINGS_EXTENSIONS[format]}`;
}

/** A run's preview strip after one epoch (a PNG: originals beside their reconstructions). */
export function previewUrl(runId: number, epoch: number): string {
  return `/data/run/${runId}/previews/${epoch}.png`;
}
