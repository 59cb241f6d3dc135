/**
 * A completed run with synthetic embeddings, written straight into a database: `n` items in
 * `labels.length` classes whose vectors cluster by class, so maps and searches have structure to
 * find. No files exist behind the items; projections and searches over stored vectors need none.
 */
import type { Db } from '../../../src-main/core/storage/db';
import { DatasetsRepository } from '../../../src-main/core/storage/repositories/datasets';
import { ItemsRepository } from '../../../src-main/core/storage/repositories/items';
import { RunsRepository } from '../../../src-main/core/storage/repositories/runs';
import { VectorsRepository } from '../../../src-main/core/storage/repositories/vectors';
import { Rng } from '../../../src-main/core/ssl/random';

export interface SyntheticRun {
  datasetId: number;
  runId: number;
  /** Item ids in insertion order; item i has label labels[i % labels.length] and path `${label}/item-${i}.png`. */
  itemIds: number[];
  paths: string[];
}

export function syntheticRun(db: Db, options: { n: number; dim: number; labels?: string[]; seed?: number; root?: string }): SyntheticRun {
  const labels = options.labels ?? ['circle', 'square', 'triangle'];
  const rng = new Rng(options.seed ?? 1);
  const datasets = new DatasetsRepository(db);
  const root = options.root ?? `/synthetic/${Math.floor(rng.next() * 1e9)}`;
  const dataset = datasets.create({ name: 'synthetic', root, textColumn: null });
  datasets.setStatus(dataset.id, 'ready');
  const items = new ItemsRepository(db);
  const paths = Array.from({ length: options.n }, (_, i) => `${labels[i % labels.length]}/item-${String(i).padStart(6, '0')}.png`);
  for (let start = 0; start < options.n; start += 5000) {
    items.upsertBatch(
      paths.slice(start, start + 5000).map((path, j) => ({
        datasetId: dataset.id, path, row: 0, modality: 'image' as const, format: 'png', size: 1, mtimeMs: 0, hash: String(start + j),
        label: labels[(start + j) % labels.length]!, status: 'ok' as const, error: null, meta: { width: 8, height: 8, channels: 3 }, content: null, generation: 1,
      })),
    );
  }
  const rows = db.prepare(`SELECT id, path FROM items WHERE dataset_id = ? ORDER BY id`).all(dataset.id) as { id: number; path: string }[];
  const runs = new RunsRepository(db);
  const run = runs.create({ datasetId: dataset.id, method: 'simclr', config: { epochs: 1, imageSize: 8 }, seed: 1 });
  const centres = labels.map(() => Float32Array.from({ length: options.dim }, () => rng.next() * 2 - 1));
  const vectors: { itemId: number; vector: Float32Array }[] = [];
  rows.forEach((row, i) => {
    const centre = centres[i % labels.length]!;
    vectors.push({ itemId: row.id, vector: Float32Array.from(centre, (c) => c + (rng.next() - 0.5) * 0.6) });
    if (vectors.length === 5000) new VectorsRepository(db).add(run.id, vectors.splice(0));
  });
  new VectorsRepository(db).add(run.id, vectors);
  runs.setEmbeddingDim(run.id, options.dim);
  runs.finish(run.id, 'completed');
  return { datasetId: dataset.id, runId: run.id, itemIds: rows.map((r) => r.id), paths: rows.map((r) => r.path) };
}
