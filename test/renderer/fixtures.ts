import type { DatasetSummary, ImportProgress, ImportReport, ItemRow, PathCheck } from '../../src-main/contract';

export function summary(over: Partial<DatasetSummary> = {}): DatasetSummary {
  return {
    id: 1,
    name: 'pets',
    root: '/data/pets',
    status: 'ready',
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    counts: { image: 6, text: 0, audio: 0 },
    total: 6,
    skipped: 1,
    labels: [{ label: 'cats', count: 6 }],
    error: null,
    ...over,
  };
}

export function report(dataset: DatasetSummary, over: Partial<ImportReport> = {}): ImportReport {
  return { datasetId: dataset.id, added: dataset.total, updated: 0, removed: 0, unchanged: 0, skipped: dataset.skipped, ignored: 0, seconds: 0.84, dataset, ...over };
}

export function progress(over: Partial<ImportProgress> = {}): ImportProgress {
  return { datasetId: 1, root: '/data/pets', phase: 'importing', filesDone: 1, filesTotal: 4, itemsDone: 1, skipped: 0, current: 'a.jpg', message: null, ...over };
}

export function folder(path: string, resolved = path): PathCheck {
  return { path, resolved, kind: 'directory', ok: true, message: 'Folder with 4 entries' };
}

export function missing(path: string): PathCheck {
  return { path, resolved: path, kind: 'missing', ok: false, message: 'No such folder' };
}

export function item(id: number, over: Partial<ItemRow> = {}): ItemRow {
  return { id, datasetId: 1, path: `cats/${id}.jpg`, row: null, modality: 'image', label: 'cats', size: 100, status: 'ok', error: null, meta: { width: 32, height: 32 }, ...over };
}
