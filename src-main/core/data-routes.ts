/**
 * The data and export URLs both shells serve beside the typed API, for payloads too big or too
 * binary for a JSON call (the map's points) and for downloads a browser saves as files:
 *
 *   GET  /data/run/<runId>/points.bin[?projection=<id>]            points of a projection (latest if omitted)
 *   GET  /export/run/<runId>.csv                                    every embedding of the run
 *   GET  /export/run/<runId>.lightly.csv | .npy | .parquet          the same in Lightly's layout, as a NumPy array, or as Parquet
 *   GET  /export/run/<runId>/coordinates.csv[?projection=<id>]      path,label,x,y of every point
 *   POST /export/run/<runId>/selection?kind=embeddings|coordinates|paths[&projection=<id>]
 *        body {"itemIds":[…]}                                       the same, for the given items
 *   GET  /export/set/<setId>.csv | .lightly.csv | .npy | .parquet   a vector set (another dataset embedded by a run)
 *   GET  /data/run/<runId>/previews/<epoch>.png                   a preview strip (reconstructions after that epoch)
 *
 * `pretext serve` streams the responses; the Electron shell collects them through its core host.
 */
import type { Writable } from 'node:stream';
import { ApiError, EMBEDDINGS_FORMATS, HTTP_STATUS, type EmbeddingsFormat, type SelectionExportKind, type VectorSetSummary } from '../contract';
import { readFileSync } from 'node:fs';
import { writeCoordinatesCsv, writePathList, writeSelectedEmbeddingsCsv } from './export';
import { FORMAT_FILES, writeEmbeddings, type EmbeddingSource } from './export-formats';
import type { PreviewsRepository } from './storage/repositories/previews';
import type { VectorSetsRepository } from './storage/repositories/vector-sets';
import type { ProjectionService } from './projection/projection-service';
import type { RunsRepository } from './storage/repositories/runs';
import type { VectorsRepository } from './storage/repositories/vectors';

export type DataRoute =
  | { kind: 'points'; runId: number; projectionId: number | null }
  | { kind: 'embeddings'; runId: number; format: EmbeddingsFormat }
  | { kind: 'coordinates'; runId: number; projectionId: number | null }
  | { kind: 'selection'; runId: number; selection: SelectionExportKind; projectionId: number | null }
  | { kind: 'vectorSet'; setId: number; format: EmbeddingsFormat }
  | { kind: 'preview'; runId: number; epoch: number };

export interface DataResponse {
  mime: string;
  /** A download name for Content-Disposition; null for data the page reads itself. */
  filename: string | null;
  /** Writes the body (streamed, row by row for CSV); resolves with the rows (or points) written. */
  write(out: Writable): Promise<number>;
}

/** The largest POST body accepted: 16 MB holds well over a million item ids. */
export const MAX_DATA_BODY = 16 * 1024 * 1024;

const SELECTION_KINDS: readonly SelectionExportKind[] = ['embeddings', 'coordinates', 'paths'];

/** How a download URL of embeddings ends, per format (src-renderer/src/lib/routes.ts builds the same). */
export const FORMAT_EXTENSIONS: Readonly<Record<EmbeddingsFormat, string>> = { csv: '.csv', lightly: '.lightly.csv', npy: '.npy', parquet: '.parquet' };
const EXTENSION = '(\\.lightly\\.csv|\\.csv|\\.npy|\\.parquet)';

function formatOfExtension(extension: string): EmbeddingsFormat {
  return EMBEDDINGS_FORMATS.find((f) => FORMAT_EXTENSIONS[f] === extension)!;
}

/** An embeddings format given by a caller (the API's `format`): csv when omitted, else one of EMBEDDINGS_FORMATS. */
export function checkFormat(format: unknown): EmbeddingsFormat {
  if (format === undefined || format === null) return 'csv';
  if (!EMBEDDINGS_FORMATS.includes(format as EmbeddingsFormat)) {
    throw new ApiError('bad_request', `format must be one of ${EMBEDDINGS_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  }
  return format as EmbeddingsFormat;
}

/** Which data route a path names, or null for any other path; the method is checked by dataResponse. */
export function parseDataRoute(pathname: string, search: URLSearchParams): (DataRoute & { method: 'GET' | 'POST' }) | null {
  let m = /^\/data\/run\/(\d+)\/points\.bin$/.exec(pathname);
  if (m) return { method: 'GET', kind: 'points', runId: Number(m[1]), projectionId: projectionParam(search) };
  m = new RegExp(`^/export/run/(\\d+)${EXTENSION}$`).exec(pathname);
  if (m) return { method: 'GET', kind: 'embeddings', runId: Number(m[1]), format: formatOfExtension(m[2]!) };
  m = /^\/data\/run\/(\d+)\/previews\/(\d+)\.png$/.exec(pathname);
  if (m) return { method: 'GET', kind: 'preview', runId: Number(m[1]), epoch: Number(m[2]) };
  m = /^\/export\/run\/(\d+)\/coordinates\.csv$/.exec(pathname);
  if (m) return { method: 'GET', kind: 'coordinates', runId: Number(m[1]), projectionId: projectionParam(search) };
  m = new RegExp(`^/export/set/(\\d+)${EXTENSION}$`).exec(pathname);
  if (m) return { method: 'GET', kind: 'vectorSet', setId: Number(m[1]), format: formatOfExtension(m[2]!) };
  m = /^\/export\/run\/(\d+)\/selection$/.exec(pathname);
  if (m) {
    const kind = search.get('kind') ?? '';
    if (!SELECTION_KINDS.includes(kind as SelectionExportKind)) {
      throw new ApiError('bad_request', `kind must be one of ${SELECTION_KINDS.join(', ')}, got '${kind}'`);
    }
    return { method: 'POST', kind: 'selection', runId: Number(m[1]), selection: kind as SelectionExportKind, projectionId: projectionParam(search) };
  }
  return null;
}

function projectionParam(search: URLSearchParams): number | null {
  const raw = search.get('projection');
  if (raw === null || raw === '') return null;
  if (!/^\d+$/.test(raw)) throw new ApiError('bad_request', `projection must be a projection id, got '${raw}'`);
  return Number(raw);
}

/** Item ids from a selection body: JSON {"itemIds": [integers]}. */
export function parseSelectionBody(body: string): number[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new ApiError('bad_request', `The body must be JSON {"itemIds": [...]}: ${(error as Error).message}`);
  }
  const ids = (parsed as { itemIds?: unknown } | null)?.itemIds;
  return checkItemIds(ids);
}

export function checkItemIds(ids: unknown): number[] {
  if (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id))) {
    throw new ApiError('bad_request', 'itemIds must be an array of item ids (integers)');
  }
  return ids as number[];
}

export interface DataServices {
  runs: RunsRepository;
  vectors: VectorsRepository;
  vectorSets: VectorSetsRepository;
  projections: ProjectionService;
  previews: PreviewsRepository;
  /** A path stored in the database → an absolute path (StorageLayout.resolveStored). */
  resolveStored: (stored: string) => string;
}

/**
 * Checks a route (run, projection, body) and returns how to answer it; throws ApiError before any
 * byte is written, so a shell can still answer with the right status.
 */
export function dataResponse(services: DataServices, route: DataRoute, body: string | null): DataResponse {
  const { runs, vectors, projections } = services;
  if (route.kind === 'vectorSet') {
    const set = services.vectorSets.get(route.setId);
    if (!set) throw new ApiError('not_found', `No vector set with id ${route.setId}`);
    const source = setEmbeddings(services.vectorSets, set);
    return {
      mime: FORMAT_FILES[route.format].mime,
      filename: `pretext-run-${set.runId}-set-${set.id}-${FORMAT_FILES[route.format].suffix}`,
      write: (out) => writeEmbeddings(route.format, source, out),
    };
  }
  const run = runs.get(route.runId);
  if (!run) throw new ApiError('not_found', `No run with id ${route.runId}`);
  switch (route.kind) {
    case 'points': {
      const { bytes, count } = projections.pointsBinary(route.runId, route.projectionId);
      return {
        mime: 'application/octet-stream',
        filename: null,
        write: async (out) => {
          out.write(bytes);
          return count;
        },
      };
    }
    case 'embeddings': {
      const source = runEmbeddings(vectors, run.id, requireEmbeddings(run));
      return {
        mime: FORMAT_FILES[route.format].mime,
        filename: `pretext-run-${run.id}-${FORMAT_FILES[route.format].suffix}`,
        write: (out) => writeEmbeddings(route.format, source, out),
      };
    }
    case 'coordinates': {
      const { record, points } = projections.pointsOf(run.id, route.projectionId);
      return {
        mime: CSV,
        filename: `pretext-run-${run.id}-${record.method}-${record.id}.csv`,
        write: (out) => writeCoordinatesCsv(vectors.iterateItems(run.id), points, out),
      };
    }
    case 'selection':
      return selectionResponse(services, run, route.selection, parseSelectionBody(body ?? ''), route.projectionId);
    case 'preview': {
      const preview = services.previews.get(run.id, route.epoch);
      if (!preview) throw new ApiError('not_found', `Run #${run.id} has no preview of epoch ${route.epoch}`);
      let png: Buffer;
      try {
        png = readFileSync(services.resolveStored(preview.path));
      } catch (error) {
        throw new ApiError('not_found', `The preview of epoch ${route.epoch} of run #${run.id} is missing: ${(error as Error).message}`);
      }
      return {
        mime: 'image/png',
        filename: null,
        write: (out) => new Promise((resolve, reject) => out.write(png, (error) => (error ? reject(error) : resolve(1)))),
      };
    }
  }
}

/** A selection export (the POST route, and `exports.selection` writing to a file). */
export function selectionResponse(
  services: DataServices,
  run: { id: number; vectors: number; embeddingDim: number | null },
  kind: SelectionExportKind,
  itemIds: number[],
  projectionId: number | null,
): DataResponse {
  const { vectors, projections } = services;
  switch (kind) {
    case 'embeddings': {
      const dim = requireEmbeddings(run);
      return {
        mime: CSV,
        filename: `pretext-run-${run.id}-selection-embeddings.csv`,
        write: (out) => writeSelectedEmbeddingsCsv(vectors, run.id, itemIds, dim, out),
      };
    }
    case 'coordinates': {
      const { record, points } = projections.pointsOf(run.id, projectionId);
      return {
        mime: CSV,
        filename: `pretext-run-${run.id}-selection-${record.method}-${record.id}.csv`,
        write: (out) => writeCoordinatesCsv(vectors.iterateItems(run.id, itemIds), points, out),
      };
    }
    case 'paths':
      return {
        mime: 'text/plain; charset=utf-8',
        filename: `pretext-run-${run.id}-selection-paths.txt`,
        write: (out) => writePathList(vectors.iterateItems(run.id, itemIds), out),
      };
    default:
      throw new ApiError('bad_request', `kind must be one of ${SELECTION_KINDS.join(', ')}, got '${String(kind)}'`);
  }
}

const CSV = 'text/csv; charset=utf-8';

/** Every embedding of a run, for the writers of export-formats.ts. */
export function runEmbeddings(vectors: VectorsRepository, runId: number, dim: number): EmbeddingSource {
  return {
    dim,
    rows: () => vectors.iterateVectors(runId),
    labels: () => mapIterable(vectors.labels(runId), ([, label]) => label),
  };
}

/** Every embedding of a vector set (its labels are read with the vectors: sets are embedded folders, smaller than runs). */
export function setEmbeddings(vectorSets: VectorSetsRepository, set: Pick<VectorSetSummary, 'id' | 'dim'>): EmbeddingSource {
  return {
    dim: set.dim,
    rows: () => vectorSets.iterateVectors(set.id, set.dim),
    labels: () => mapIterable(vectorSets.iterateVectors(set.id, set.dim), (row) => row.label),
  };
}

function* mapIterable<T, U>(values: Iterable<T>, f: (value: T) => U): Generator<U> {
  for (const value of values) yield f(value);
}

function requireEmbeddings(run: { id: number; vectors: number; embeddingDim: number | null }): number {
  if (run.vectors === 0 || run.embeddingDim === null) throw new ApiError('conflict', `Run #${run.id} has no embeddings yet`);
  return run.embeddingDim;
}

/** The HTTP status for an error a data route threw. */
export function statusOf(error: unknown): number {
  return error instanceof ApiError ? HTTP_STATUS[error.code] : 500;
}
