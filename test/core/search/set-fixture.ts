/**
 * A completed vector set of a run, written straight into a database: a second dataset of `n` image
 * items and one random vector each (no clusters, so every nearest neighbour is unambiguous). No files
 * exist behind the items; searches over stored vectors need none.
 */
import type { Db } from '../../../src-main/core/storage/db';
import { DatasetsRepository } from '../../../src-main/core/storage/repositories/datasets';
import { ItemsRepository } from '../../../src-main/core/storage/repositories/items';
import { VectorSetsRepository } from '../../../src-main/core/storage/repositories/vector-sets';
import { Rng } from '../../../src-main/core/ssl/random';

export interface SyntheticSet {
  setId: number;
  datasetId: number;
  root: string;
  /** Item ids in insertion order; item i has path `new/photo-${i}.png`. */
  itemIds: number[];
  paths: string[];
  /** The stored vectors, as written (not normalised), by item index. */
  vectors: Float32Array[];
}

export function syntheticSet(
  db: Db,
  runId: number,
  options: { n: number; dim: number; seed?: number; status?: 'completed' | 'running' | 'failed'; root?: string },
): SyntheticSet {
  const rng = new Rng(options.seed ?? 11);
  const datasets = new DatasetsRepository(db);
  const root = options.root ?? `/synthetic-set/${Math.floor(rng.next() * 1e9)}`;
  const dataset = datasets.create({ name: 'new photos', root, textColumn: null });
  datasets.setStatus(dataset.id, 'ready');
  const paths = Array.from({ length: options.n }, (_, i) => `new/photo-${String(i).padStart(5, '0')}.png`);
  new ItemsRepository(db).upsertBatch(
    paths.map((path, i) => ({
      datasetId: dataset.id, path, row: 0, modality: 'image' as const, format: 'png', size: 1, mtimeMs: 0, hash: `set-${i}`,
      label: null, status: 'ok' as const, error: null, meta: { width: 8, height: 8, channels: 3 }, content: null, generation: 1,
    })),
  );
  const byPath = new Map((db.prepare(`SELECT id, path FROM items WHERE dataset_id = ?`).all(dataset.id) as { id: number; path: string }[]).map((r) => [r.path, r.id]));
  const itemIds = paths.map((p) => byPath.get(p)!);
  const vectors = paths.map(() => Float32Array.from({ length: options.dim }, () => rng.next() * 2 - 1));
  const sets = new VectorSetsRepository(db);
  const setId = sets.create(runId, dataset.id, options.dim);
  sets.addVectors(setId, itemIds.map((itemId, i) => ({ itemId, vector: vectors[i]! })));
  if ((options.status ?? 'completed') !== 'running') sets.finish(setId, options.status === 'failed' ? 'failed' : 'completed', [], options.status === 'failed' ? 'the worker crashed' : null);
  return { setId, datasetId: dataset.id, root, itemIds, paths, vectors };
}

/** The k nearest of `candidates` to `query` by cosine, in float64, best first: the reference the searches are checked against. */
export function bruteForce(query: Float32Array, candidates: readonly { itemId: number; vector: Float32Array }[], k: number): { itemId: number; similarity: number }[] {
  const norm = (v: Float32Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const q = norm(query);
  return candidates
    .map(({ itemId, vector }) => {
      let dot = 0;
      for (let j = 0; j < vector.length; j++) dot += vector[j]! * query[j]!;
      return { itemId, similarity: dot / (norm(vector) * q) };
    })
    .sort((a, b) => b.similarity - a.similarity)
    .slice(0, k);
}
