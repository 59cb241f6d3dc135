/**
 * Nearest-neighbour search over a run's embeddings, for "similar items" and "similar to this file".
 *
 * A run's vectors are loaded once (in chunks, yielding between them) into one normalised
 * Float32Array in a SharedArrayBuffer and cached, the two most recently searched runs at a time.
 * Up to INDEX_THRESHOLD vectors every query is exact (a pass of dot products and a top-k heap).
 * Above it an HNSW graph is built in a worker, or read back from the file a previous build left
 * beside the database; queries stay exact until it is ready, then use it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, type SearchResult, type SimilarItem } from '../../contract';
import type { StorageLayout } from '../paths';
import { detectFormat, FORMAT_NAME, type FileFormat } from '../datasets/detect';
import { startIndexWorker, type IndexJob } from '../jobs/index-job';
import type { FileEmbedder } from '../jobs/embed-job';
import { getMethod } from '../ssl/methods';
import type { ItemsRepository } from '../storage/repositories/items';
import type { RunsRepository } from '../storage/repositories/runs';
import type { VectorsRepository } from '../storage/repositories/vectors';
import { runConfigOf, runParamsOf } from '../training/params';
import { dataFor } from '../data';
import { UndecodableFileError, type EmbedSetup } from './embedder';
import { exactSearch, normalised, normaliseRows } from './exact';
import { DEFAULT_HNSW_PARAMS, HnswIndex, type HnswParams } from './hnsw';
import { loadHnsw, saveHnsw } from './hnsw-file';

/**
 * Above this many vectors, queries use an HNSW index. Exact search of 128-d vectors costs about
 * 16 ms per 100,000 on the 2-core bench machine, so it stays under 50 ms up to here.
 */
export const INDEX_THRESHOLD = 200_000;
/**
 * Beam width of index queries. On clustered 128-d vectors (bench/explore-bench.ts) it gives
 * recall@10 of 100% at 100,000 vectors and 92.9% at 1,000,000, at under 2 ms per query.
 */
export const EF_SEARCH = 96;
const MAX_K = 1000;
const CACHED_RUNS = 2;

export interface SearchServiceOptions {
  vectors: VectorsRepository;
  runs: RunsRepository;
  items: ItemsRepository;
  /** Folder of the database: checkpoints and saved indexes live there. */
  layout: StorageLayout;
  /** Folder of the built worker entries; without it, indexes are built on this thread (tests). */
  workerDir?: string;
  embedder: FileEmbedder;
  indexThreshold?: number;
  hnsw?: Partial<HnswParams>;
}

interface LoadedRun {
  stamp: string;
  itemIds: Int32Array;
  /** [n × dim] unit rows. */
  matrix: Float32Array;
  n: number;
  dim: number;
  index: HnswIndex | null;
  /** The build under way, to stop it when the run is forgotten. */
  indexJob: Pick<IndexJob, 'cancel'> | null;
  /** Settles when the index is ready (true), or when there will be none (false). */
  indexReady: Promise<boolean>;
}

export class SearchService {
  private readonly cache = new Map<number, Promise<LoadedRun>>();
  private readonly setups = new Map<number, { stamp: string; setup: Omit<EmbedSetup, 'checkpointPath' | 'key'> }>();
  private closed = false;

  constructor(private readonly options: SearchServiceOptions) {}

  async similarToItem(runId: number, itemId: number, k = 10): Promise<SearchResult> {
    const topK = checkK(k);
    const loaded = await this.load(runId);
    const row = findRow(loaded.itemIds, itemId);
    if (row < 0) {
      if (!this.options.vectors.brief(itemId)) throw new ApiError('not_found', `No item ${itemId}`);
      throw new ApiError('not_found', `Item ${itemId} has no embedding in run #${runId}`);
    }
    const query = loaded.matrix.subarray(row * loaded.dim, (row + 1) * loaded.dim);
    const started = performance.now();
    const found = this.search(loaded, query, topK);
    const milliseconds = performance.now() - started;
    // The item itself comes first even when an identical item ties with it, or an index missed it.
    const indices = Array.from(found.indices);
    const scores = Array.from(found.scores);
    const at = indices.indexOf(row);
    if (at !== 0) {
      if (at > 0) {
        indices.splice(at, 1);
        scores.splice(at, 1);
      } else {
        indices.pop();
        scores.pop();
      }
      let self = 0;
      for (let j = 0; j < loaded.dim; j++) self += query[j]! * query[j]!;
      indices.unshift(row);
      scores.unshift(self);
    }
    return { results: this.describe(loaded, indices, scores), strategy: loaded.index ? 'index' : 'exact', milliseconds };
  }

  async similarToFile(runId: number, fileName: string, base64: string, k = 10): Promise<SearchResult> {
    const topK = checkK(k);
    const name = typeof fileName === 'string' && fileName.trim() !== '' ? fileName : 'the file';
    if (typeof base64 !== 'string') throw new ApiError('bad_request', `Send ${name} as base64 text`);
    const bytes = Buffer.from(base64, 'base64');
    const detection = detectFormat(name, bytes.subarray(0, 4096));
    if (detection.kind === 'unsupported') throw new ApiError('bad_request', `${name}: ${detection.reason}`);
    const run = this.options.runs.get(runId);
    if (!run) throw new ApiError('not_found', `No run with id ${runId}`);
    const modalities = methodModalities(run.method);
    if (!modalities.includes(detection.modality)) {
      throw new ApiError(
        'bad_request',
        `${name} is ${detection.modality === 'audio' ? 'an audio file' : detection.modality === 'image' ? 'an image' : 'text'} (${FORMAT_NAME[detection.format]}); ` +
          `run #${runId} (${run.method}) embeds ${modalities.map((m) => (m === 'audio' ? 'audio' : `${m}s`)).join(' and ')} only`,
      );
    }
    const loaded = await this.load(runId);
    const setup = this.embedSetup(runId, loaded.stamp);
    let vector: Float32Array;
    try {
      vector = await this.options.embedder.embed(setup, bytes, detection.format as FileFormat);
    } catch (error) {
      if (error instanceof UndecodableFileError) throw new ApiError('bad_request', `${name}: ${error.message}`);
      throw error;
    }
    if (vector.length !== loaded.dim) {
      throw new ApiError('internal', `The encoder of run #${runId} gives ${vector.length} values; its stored embeddings have ${loaded.dim}`);
    }
    const query = normalised(vector);
    const started = performance.now();
    const found = this.search(loaded, query, topK);
    const milliseconds = performance.now() - started;
    return { results: this.describe(loaded, Array.from(found.indices), Array.from(found.scores)), strategy: loaded.index ? 'index' : 'exact', milliseconds };
  }

  /** Resolves true once the run's index is ready, false when the run is searched exactly. Loads the run. */
  async indexReady(runId: number): Promise<boolean> {
    return (await this.load(runId)).indexReady;
  }

  /** Drops a run's cached vectors and stops its index build (e.g. when the run is removed). */
  forget(runId: number): void {
    const entry = this.cache.get(runId);
    this.cache.delete(runId);
    this.setups.delete(runId);
    void entry?.then((loaded) => loaded.indexJob?.cancel(), () => {});
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const runId of [...this.cache.keys()]) this.forget(runId);
    await this.options.embedder.close();
  }

  private search(loaded: LoadedRun, query: Float32Array, k: number): { indices: Int32Array; scores: Float32Array } {
    const wanted = Math.min(k, loaded.n);
    return loaded.index ? loaded.index.search(query, wanted, Math.max(EF_SEARCH, wanted)) : exactSearch(loaded.matrix, loaded.n, loaded.dim, query, wanted);
  }

  private describe(loaded: LoadedRun, rows: number[], scores: number[]): SimilarItem[] {
    const out: SimilarItem[] = [];
    rows.forEach((row, r) => {
      const brief = this.options.vectors.brief(loaded.itemIds[row]!);
      // An item removed by a re-import since the run was trained is not offered.
      if (!brief) return;
      out.push({
        itemId: brief.itemId,
        path: brief.path,
        row: brief.row === 0 ? null : brief.row,
        label: brief.label,
        modality: brief.modality,
        similarity: Math.max(-1, Math.min(1, scores[r]!)),
      });
    });
    return out;
  }

  /** The run's vectors, loaded once per version of them (see VectorsRepository.stamp). */
  private load(runId: number): Promise<LoadedRun> {
    const stamp = this.options.vectors.stamp(runId);
    if (stamp === undefined) return Promise.reject(new ApiError('not_found', `No run with id ${runId}`));
    if (stamp.startsWith('running|') || stamp.startsWith('queued|')) {
      return Promise.reject(new ApiError('conflict', `Run #${runId} is still training; search it when it has finished`));
    }
    const cached = this.cache.get(runId);
    if (cached) {
      this.cache.delete(runId);
      this.cache.set(runId, cached);
      return cached.then((loaded) => {
        if (loaded.stamp === stamp) return loaded;
        this.forget(runId);
        return this.load(runId);
      });
    }
    const loading = this.read(runId, stamp);
    this.cache.set(runId, loading);
    loading.catch(() => this.cache.get(runId) === loading && this.cache.delete(runId));
    while (this.cache.size > CACHED_RUNS) this.forget(this.cache.keys().next().value!);
    return loading;
  }

  private async read(runId: number, stamp: string): Promise<LoadedRun> {
    const { count } = this.options.vectors.shape(runId);
    if (count === 0) throw new ApiError('bad_request', `Run #${runId} has no embeddings yet`);
    const steps = this.options.vectors.loadMatrixSteps(runId, { shared: true });
    let step = steps.next();
    while (!step.done) {
      await pause();
      step = steps.next();
    }
    const { itemIds, vectors: matrix, dim } = step.value;
    const n = itemIds.length;
    for (let start = 0; start < n; start += 65_536) {
      normaliseRows(matrix.subarray(start * dim), Math.min(65_536, n - start), dim);
      await pause();
    }
    const loaded: LoadedRun = { stamp, itemIds, matrix, n, dim, index: null, indexJob: null, indexReady: Promise.resolve(false) };
    if (n > (this.options.indexThreshold ?? INDEX_THRESHOLD)) loaded.indexReady = this.prepareIndex(runId, loaded);
    return loaded;
  }

  private prepareIndex(runId: number, loaded: LoadedRun): Promise<boolean> {
    const params: HnswParams = { ...DEFAULT_HNSW_PARAMS, ...this.options.hnsw };
    const key = `${loaded.stamp}|${loaded.n}|${loaded.dim}|${params.m}|${params.efConstruction}|${params.seed}`;
    const dir = this.options.layout.indexDir;
    const file = join(dir, `run-${runId}.hnsw`);
    const saved = loadHnsw(file, key);
    if (saved) {
      loaded.index = new HnswIndex(loaded.matrix, saved);
      return Promise.resolve(true);
    }
    mkdirSync(dir, { recursive: true });
    const built = this.options.workerDir ? this.buildInWorker(loaded, params, file, key) : this.buildHere(loaded, params, file, key);
    return built.then(
      (index) => {
        if (this.closed) return false;
        loaded.index = index;
        loaded.indexJob = null;
        return true;
      },
      (error: Error) => {
        // Searches stay exact: slower, never wrong.
        if (!this.closed) console.warn(`pretext: could not build the search index of run #${runId}: ${error.message}`);
        loaded.indexJob = null;
        return false;
      },
    );
  }

  private async buildInWorker(loaded: LoadedRun, params: HnswParams, file: string, key: string): Promise<HnswIndex> {
    const job = startIndexWorker(join(this.options.workerDir!, 'index-worker.js'), { vectors: loaded.matrix, n: loaded.n, dim: loaded.dim, params, file, key });
    loaded.indexJob = job;
    return new HnswIndex(loaded.matrix, await job.done);
  }

  private async buildHere(loaded: LoadedRun, params: HnswParams, file: string, key: string): Promise<HnswIndex> {
    let cancelled = false;
    loaded.indexJob = { cancel: () => (cancelled = true) };
    const steps = HnswIndex.buildSteps(loaded.matrix, loaded.n, loaded.dim, params);
    let step = steps.next();
    while (!step.done) {
      await pause();
      if (cancelled || this.closed) throw new Error('index build stopped');
      step = steps.next();
    }
    saveHnsw(file, step.value.graph, key);
    return step.value;
  }

  /**
   * How to rebuild the run's encoder: its method, parameters and input spec as stored with the run,
   * and its latest checkpoint. A run of Pretext 0.1 stored no input spec; it is worked out from the
   * dataset once (as that version's loop did) and then stored, so it never changes again.
   */
  private embedSetup(runId: number, stamp: string): EmbedSetup {
    const run = this.options.runs.get(runId)!;
    const checkpoint = this.options.runs.latestCheckpoint(runId);
    if (!checkpoint) throw new ApiError('bad_request', `Run #${runId} has no checkpoint to embed new files with`);
    let cached = this.setups.get(runId);
    if (!cached || cached.stamp !== stamp) {
      const config = runConfigOf(run.config);
      const params = runParamsOf(config);
      let spec = config.inputSpec;
      if (!spec) {
        const images = this.options.items.forTraining(run.datasetId, 'image');
        if (images.length === 0) throw new ApiError('bad_request', `The dataset of run #${runId} has no images left to tell the image size it trained on`);
        spec = dataFor('image').resolveSpec(images, params);
        this.options.runs.setConfig(runId, { ...config, params, inputSpec: spec });
      }
      cached = { stamp, setup: { method: config.method, params, seed: typeof params.seed === 'number' ? params.seed : run.seed, spec } };
      this.setups.set(runId, cached);
    }
    return { ...cached.setup, key: `${runId}:${checkpoint.id}`, checkpointPath: this.options.layout.resolveStored(checkpoint.path) };
  }
}

function checkK(k: number | undefined): number {
  const value = k ?? 10;
  if (!Number.isInteger(value) || value < 1 || value > MAX_K) throw new ApiError('bad_request', `k must be an integer in 1..${MAX_K}, got ${String(k)}`);
  return value;
}

function methodModalities(methodId: string): readonly string[] {
  try {
    return getMethod(methodId).modalities;
  } catch {
    throw new ApiError('bad_request', `Run's method '${methodId}' is not available in this version of Pretext`);
  }
}

/** Row of `itemId` in the ascending ids, or −1. */
function findRow(itemIds: Int32Array, itemId: number): number {
  let lo = 0;
  let hi = itemIds.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = itemIds[mid]!;
    if (v === itemId) return mid;
    if (v < itemId) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

const pause = (): Promise<void> => new Promise((r) => setImmediate(r));
