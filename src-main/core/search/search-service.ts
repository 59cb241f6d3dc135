/**
 * Nearest-neighbour search over a run's embeddings, for "similar items" and "similar to this file".
 *
 * A search looks in one *space*: the run's own embeddings, or one of its vector sets (another folder
 * embedded with the run's encoder, `pretext embed`). The query is an item's vector from the same
 * space or from another space of the same run (a training image among the new photos, or a new photo
 * among the training images), or a new file embedded with the run's encoder.
 *
 * A space's vectors are loaded once (in chunks, yielding between them) into one normalised
 * Float32Array in a SharedArrayBuffer and cached, the two most recently searched spaces at a time.
 * Up to INDEX_THRESHOLD vectors every query is exact (an int8 SIMD scan and a float32 re-rank, see
 * ExactIndex). Above it a usearch HNSW index is built in a worker, or read back from the file a
 * previous build left beside the database; queries stay exact until it is ready, then use it.
 */
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ApiError, type SearchResult, type SimilarItem, type VectorSetSummary } from '../../contract';
import type { StorageLayout } from '../paths';
import { detectFormat, FORMAT_NAME, type FileFormat } from '../datasets/detect';
import { startIndexWorker, type IndexJob } from '../jobs/index-job';
import type { FileEmbedder } from '../jobs/embed-job';
import { getMethod } from '../ssl/methods';
import type { ItemsRepository } from '../storage/repositories/items';
import type { RunsRepository } from '../storage/repositories/runs';
import type { VectorSetsRepository } from '../storage/repositories/vector-sets';
import type { VectorMatrix, VectorsRepository } from '../storage/repositories/vectors';
import { runConfigOf, runParamsOf } from '../training/params';
import { dataFor } from '../data';
import { UndecodableFileError, type EmbedSetup } from './embedder';
import { AnnIndex, annKey, buildSteps, DEFAULT_ANN_PARAMS, loadAnn, saveAnn, type AnnParams } from './ann-index';
import { ExactIndex, normalised, normaliseRows } from './exact';

/**
 * Above this many vectors, queries use an approximate index. Exact search of 128-d vectors costs
 * a few ms per 100,000 on the 2-core bench machine (bench/search-bench.ts), but the index answers
 * in well under 2 ms at any size.
 */
export const INDEX_THRESHOLD = 200_000;
/**
 * Sets the threshold for a whole process when the caller gives none (the end-to-end tests run the
 * built CLI and server against the index with 0): a non-negative integer.
 */
export const INDEX_THRESHOLD_ENV = 'PRETEXT_SEARCH_INDEX_THRESHOLD';

function indexThresholdFromEnv(): number | undefined {
  const raw = process.env[INDEX_THRESHOLD_ENV]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  return Number.isInteger(value) && value >= 0 ? value : undefined;
}
const MAX_K = 1000;
const CACHED_SPACES = 2;

export interface SearchServiceOptions {
  vectors: VectorsRepository;
  vectorSets: VectorSetsRepository;
  runs: RunsRepository;
  items: ItemsRepository;
  /** Folder of the database: checkpoints and saved indexes live there. */
  layout: StorageLayout;
  /** Folder of the built worker entries; without it, indexes are built on this thread (tests). */
  workerDir?: string;
  embedder: FileEmbedder;
  indexThreshold?: number;
  ann?: Partial<AnnParams>;
  /** Told how far an index build has got (rows added of all), about 10 times a second. */
  onIndexProgress?: (space: { runId: number; setId: number | null }, done: number, total: number) => void;
}

/** Threads for one exact search: half the cores (the core has other work), at most four. */
export const SEARCH_THREADS = Math.max(1, Math.min(4, Math.floor(availableParallelism() / 2)));
/** Threads for an index build, which runs in its own worker. */
export const BUILD_THREADS = Math.max(1, availableParallelism());

/** Where a search looks, or where its query item's vector is taken from. */
export interface SearchWhere {
  /** Search this vector set of the run, instead of the run's own embeddings. */
  setId?: number | null;
  /** Take the query item's vector from this vector set of the run, instead of the run's own embeddings. */
  itemSetId?: number | null;
}

/** The run's own embeddings (set null), or one of its vector sets. */
interface Space {
  runId: number;
  set: VectorSetSummary | null;
}

const spaceKey = (space: Space): string => (space.set ? `set:${space.set.id}` : `run:${space.runId}`);
const spaceName = (space: Space): string => (space.set ? `vector set #${space.set.id} of run #${space.runId}` : `run #${space.runId}`);

interface LoadedSpace {
  space: Space;
  stamp: string;
  itemIds: Int32Array;
  /** [n × dim] unit rows. */
  matrix: Float32Array;
  n: number;
  dim: number;
  exact: ExactIndex;
  index: AnnIndex | null;
  /** The build under way, to stop it when the run is forgotten. */
  indexJob: Pick<IndexJob, 'cancel'> | null;
  /** Set when the space leaves the cache: a build that ends after that is not loaded. */
  dropped: boolean;
  /** Settles when the index is ready (true), or when there will be none (false). */
  indexReady: Promise<boolean>;
}

export class SearchService {
  private readonly cache = new Map<string, { runId: number; loading: Promise<LoadedSpace> }>();
  private readonly setups = new Map<number, { stamp: string; setup: Omit<EmbedSetup, 'checkpointPath' | 'key'> }>();
  private closed = false;

  constructor(private readonly options: SearchServiceOptions) {}

  /**
   * The k items most similar to an item: searched in the run's own embeddings or, with `setId`, in
   * one of its vector sets; the item's vector is the run's own or, with `itemSetId`, a vector set's.
   * Searching the space the item comes from puts the item itself first.
   */
  async similarToItem(runId: number, itemId: number, k = 10, where: SearchWhere = {}): Promise<SearchResult> {
    const topK = checkK(k);
    const target = this.space(runId, where.setId, 'setId');
    const from = this.space(runId, where.itemSetId, 'itemSetId');
    const loaded = await this.load(target);
    if (spaceKey(from) !== spaceKey(target)) {
      const vector = from.set ? this.options.vectorSets.vector(from.set.id, itemId) : this.runVector(runId, itemId);
      if (!vector) throw this.noVector(from, itemId);
      if (vector.length !== loaded.dim) {
        throw new ApiError('internal', `Item ${itemId} has ${vector.length} values in ${spaceName(from)}; the vectors of ${spaceName(target)} have ${loaded.dim}`);
      }
      const started = performance.now();
      const found = this.search(loaded, normalised(vector), topK);
      return this.answer(loaded, Array.from(found.indices), Array.from(found.scores), performance.now() - started);
    }
    const row = findRow(loaded.itemIds, itemId);
    if (row < 0) throw this.noVector(from, itemId);
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
    return this.answer(loaded, indices, scores, milliseconds);
  }

  /** The k items most similar to a new file embedded with the run's encoder: the run's own, or with `setId` a vector set's. */
  async similarToFile(runId: number, fileName: string, base64: string, k = 10, where: Pick<SearchWhere, 'setId'> = {}): Promise<SearchResult> {
    const topK = checkK(k);
    const target = this.space(runId, where.setId, 'setId');
    const name = typeof fileName === 'string' && fileName.trim() !== '' ? fileName : 'the file';
    if (typeof base64 !== 'string') throw new ApiError('bad_request', `Send ${name} as base64 text`);
    const bytes = Buffer.from(base64, 'base64');
    const detection = detectFormat(name, bytes.subarray(0, 4096));
    if (detection.kind === 'unsupported') throw new ApiError('bad_request', `${name}: ${detection.reason}`);
    const run = this.options.runs.get(runId);
    if (!run) throw new ApiError('not_found', `No run with id ${runId}`);
    const modalities = runModalities(run);
    if (!modalities.includes(detection.modality)) {
      throw new ApiError(
        'bad_request',
        `${name} is ${detection.modality === 'audio' ? 'an audio file' : detection.modality === 'image' ? 'an image' : 'text'} (${FORMAT_NAME[detection.format]}); ` +
          `run #${runId} (${run.method}) embeds ${modalities.map((m) => (m === 'audio' ? 'audio' : `${m}s`)).join(' and ')} only`,
      );
    }
    const loaded = await this.load(target);
    const setup = this.embedSetup(runId, target.set ? this.runStamp(runId) : loaded.stamp);
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
    const started = performance.now();
    const found = this.search(loaded, normalised(vector), topK);
    return this.answer(loaded, Array.from(found.indices), Array.from(found.scores), performance.now() - started);
  }

  /**
   * The k items most similar to a typed text: the text is embedded exactly as a text file holding it
   * would be (the run's stored tokenizer, truncation and encoder), so an item's own text finds itself.
   */
  async similarToText(runId: number, text: string, k = 10, where: Pick<SearchWhere, 'setId'> = {}): Promise<SearchResult> {
    if (typeof text !== 'string' || text.trim() === '') throw new ApiError('bad_request', 'Type some text to search for');
    const bytes = Buffer.from(text, 'utf8');
    if (bytes.length > MAX_QUERY_TEXT_BYTES) {
      throw new ApiError('bad_request', `The search text is ${(bytes.length / 1e6).toFixed(1)} MB; the limit is ${MAX_QUERY_TEXT_BYTES / 1e6} MB (only its first tokens are used anyway)`);
    }
    const run = this.options.runs.get(runId);
    if (!run) throw new ApiError('not_found', `No run with id ${runId}`);
    const modalities = runModalities(run);
    if (!modalities.includes('text')) {
      throw new ApiError('bad_request', `Run #${runId} (${run.method}) embeds ${modalities.map((m) => (m === 'audio' ? 'audio' : `${m}s`)).join(' and ')}, not text; search it with an item or a file`);
    }
    return this.similarToFile(runId, 'the search text.txt', bytes.toString('base64'), k, where);
  }

  /** Resolves true once the index of the run (or of its vector set `setId`) is ready, false when it is searched exactly. Loads it. */
  async indexReady(runId: number, setId?: number): Promise<boolean> {
    return (await this.load(this.space(runId, setId, 'setId'))).indexReady;
  }

  /** Drops the cached vectors of a run and of its vector sets, and stops their index builds (e.g. when the run is removed). */
  forget(runId: number): void {
    this.setups.delete(runId);
    for (const [key, entry] of [...this.cache]) if (entry.runId === runId) this.drop(key);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const key of [...this.cache.keys()]) this.drop(key);
    await this.options.embedder.close();
  }

  private drop(key: string): void {
    const entry = this.cache.get(key);
    this.cache.delete(key);
    void entry?.loading.then(
      (loaded) => {
        loaded.dropped = true;
        loaded.indexJob?.cancel();
      },
      () => {},
    );
  }

  /**
   * The space a request names: the run's own embeddings, or a vector set of that run that has
   * finished embedding. `field` names the request's field in messages.
   */
  private space(runId: number, setId: number | null | undefined, field: string): Space {
    if (this.options.vectors.stamp(runId) === undefined) throw new ApiError('not_found', `No run with id ${runId}`);
    if (setId === undefined || setId === null) return { runId, set: null };
    if (!Number.isInteger(setId) || setId < 1) throw new ApiError('bad_request', `${field} must be the id of a vector set (a positive integer), got ${JSON.stringify(setId)}`);
    const set = this.options.vectorSets.get(setId);
    if (!set) throw new ApiError('not_found', `No vector set with id ${setId}`);
    if (set.runId !== runId) {
      throw new ApiError('bad_request', `Vector set #${setId} belongs to run #${set.runId}, not to run #${runId}: a set is searched with the run that embedded it`);
    }
    if (set.status === 'running') throw new ApiError('conflict', `Vector set #${setId} is still being embedded; search it when it has finished`);
    if (set.status !== 'completed') {
      throw new ApiError('bad_request', `Vector set #${setId} ${set.status === 'failed' ? 'failed' : 'was cancelled'}${set.error ? ` (${set.error})` : ''}; embed the folder again to search it`);
    }
    if (set.vectors === 0) throw new ApiError('bad_request', `Vector set #${setId} has no vectors: no item of "${set.datasetName}" could be embedded`);
    return { runId, set };
  }

  private runStamp(runId: number): string {
    const stamp = this.options.vectors.stamp(runId);
    if (stamp === undefined) throw new ApiError('not_found', `No run with id ${runId}`);
    if (stamp.startsWith('running|') || stamp.startsWith('queued|')) {
      throw new ApiError('conflict', `Run #${runId} is still training; search it when it has finished`);
    }
    return stamp;
  }

  /** An item's vector in the run's own embeddings, read alone (its run need not be loaded). */
  private runVector(runId: number, itemId: number): Float32Array | undefined {
    this.runStamp(runId);
    return this.options.vectors.vector(runId, itemId);
  }

  private noVector(space: Space, itemId: number): ApiError {
    if (!this.options.vectors.brief(itemId)) return new ApiError('not_found', `No item ${itemId}`);
    return new ApiError('not_found', `Item ${itemId} has no embedding in ${spaceName(space)}`);
  }

  private answer(loaded: LoadedSpace, rows: number[], scores: number[], milliseconds: number): SearchResult {
    const set = loaded.space.set;
    return {
      results: this.describe(loaded, rows, scores),
      strategy: loaded.index ? 'index' : 'exact',
      milliseconds,
      ...(set ? { set: { id: set.id, datasetId: set.datasetId, datasetName: set.datasetName, root: set.root } } : {}),
    };
  }

  private search(loaded: LoadedSpace, query: Float32Array, k: number): { indices: Int32Array; scores: Float32Array } {
    const wanted = Math.min(k, loaded.n);
    return loaded.index ? loaded.index.search(query, wanted) : loaded.exact.search(query, wanted);
  }

  private describe(loaded: LoadedSpace, rows: number[], scores: number[]): SimilarItem[] {
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

  /** A space's vectors, loaded once per version of them (see VectorsRepository.stamp, VectorSetsRepository.stamp). */
  private load(space: Space): Promise<LoadedSpace> {
    let stamp: string;
    try {
      stamp = space.set ? (this.options.vectorSets.stamp(space.set.id) ?? '') : this.runStamp(space.runId);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const key = spaceKey(space);
    const cached = this.cache.get(key);
    if (cached) {
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached.loading.then((loaded) => {
        if (loaded.stamp === stamp) return loaded;
        if (this.cache.get(key) === cached) this.drop(key);
        return this.load(space);
      });
    }
    const loading = this.read(space, stamp);
    this.cache.set(key, { runId: space.runId, loading });
    loading.catch(() => this.cache.get(key)?.loading === loading && this.cache.delete(key));
    while (this.cache.size > CACHED_SPACES) this.drop(this.cache.keys().next().value!);
    return loading;
  }

  private async read(space: Space, stamp: string): Promise<LoadedSpace> {
    let steps: Generator<number, VectorMatrix>;
    if (space.set) steps = this.options.vectorSets.loadMatrixSteps(space.set.id, { shared: true });
    else {
      const { count } = this.options.vectors.shape(space.runId);
      if (count === 0) throw new ApiError('bad_request', `Run #${space.runId} has no embeddings yet`);
      steps = this.options.vectors.loadMatrixSteps(space.runId, { shared: true });
    }
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
    const exact = new ExactIndex(matrix, n, dim, SEARCH_THREADS);
    const loaded: LoadedSpace = { space, stamp, itemIds, matrix, n, dim, exact, index: null, indexJob: null, dropped: false, indexReady: Promise.resolve(false) };
    if (n > (this.options.indexThreshold ?? indexThresholdFromEnv() ?? INDEX_THRESHOLD)) loaded.indexReady = this.prepareIndex(loaded);
    // Until every row has its int8 code, exact searches take the plain pass; a saved index needs none.
    if (loaded.index) exact.release();
    while (!exact.quantiseNext()) await pause();
    return loaded;
  }

  private prepareIndex(loaded: LoadedSpace): Promise<boolean> {
    const { space } = loaded;
    const params: AnnParams = { ...DEFAULT_ANN_PARAMS, ...this.options.ann };
    const key = annKey(loaded.stamp, loaded.n, loaded.dim, params);
    const dir = this.options.layout.indexDir;
    const file = join(dir, indexFileName(space.runId, space.set?.id ?? null));
    const saved = loadAnn(file, key, loaded.n, loaded.dim, params);
    if (saved) {
      loaded.index = new AnnIndex(saved, loaded.matrix, loaded.n, loaded.dim, params);
      return Promise.resolve(true);
    }
    mkdirSync(dir, { recursive: true });
    const progress = (done: number, total: number): void => this.options.onIndexProgress?.({ runId: space.runId, setId: space.set?.id ?? null }, done, total);
    const built = this.options.workerDir ? this.buildInWorker(loaded, params, file, key, progress) : this.buildHere(loaded, params, file, key, progress);
    return built
      .then(() => {
        loaded.indexJob = null;
        if (this.closed || loaded.dropped) return false;
        const index = loadAnn(file, key, loaded.n, loaded.dim, params);
        if (!index) throw new Error(`the index saved at ${file} could not be read back`);
        loaded.index = new AnnIndex(index, loaded.matrix, loaded.n, loaded.dim, params);
        loaded.exact.release();
        return true;
      })
      .catch((error: Error) => {
        // Searches stay exact: slower, never wrong.
        if (!this.closed && !loaded.dropped) console.warn(`pretext: could not build the search index of ${spaceName(space)}: ${error.message}`);
        loaded.indexJob = null;
        return false;
      });
  }

  private async buildInWorker(loaded: LoadedSpace, params: AnnParams, file: string, key: string, progress: (done: number, total: number) => void): Promise<void> {
    const job = startIndexWorker(join(this.options.workerDir!, 'index-worker.js'), { vectors: loaded.matrix, n: loaded.n, dim: loaded.dim, params, threads: BUILD_THREADS, file, key }, progress);
    loaded.indexJob = job;
    await job.done;
  }

  /** The same build on this thread, yielding between chunks (tests, and cores without built workers). */
  private async buildHere(loaded: LoadedSpace, params: AnnParams, file: string, key: string, progress: (done: number, total: number) => void): Promise<void> {
    let cancelled = false;
    loaded.indexJob = { cancel: () => (cancelled = true) };
    const steps = buildSteps(loaded.matrix, loaded.n, loaded.dim, params, BUILD_THREADS);
    let step = steps.next();
    while (!step.done) {
      progress(step.value, loaded.n);
      await pause();
      if (cancelled || this.closed || loaded.dropped) throw new Error('index build stopped');
      step = steps.next();
    }
    saveAnn(file, step.value, key);
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

/** The file, in the indexes folder, of the saved HNSW index (usearch's) of a run's own embeddings or of one of its vector sets. */
export function indexFileName(runId: number, setId: number | null): string {
  return setId === null ? `run-${runId}.hnsw` : `set-${setId}.hnsw`;
}

/** The longest typed search text accepted (a text run reads at most its maximum length of tokens). */
export const MAX_QUERY_TEXT_BYTES = 1_000_000;

function checkK(k: number | undefined): number {
  const value = k ?? 10;
  if (!Number.isInteger(value) || value < 1 || value > MAX_K) throw new ApiError('bad_request', `k must be an integer in 1..${MAX_K}, got ${String(k)}`);
  return value;
}

/** What a run embeds: the modality it trained on (its stored input spec), else its method's. */
function runModalities(run: { method: string; config: Record<string, unknown> }): readonly string[] {
  const spec = runConfigOf(run.config).inputSpec;
  return spec ? [spec.modality] : methodModalities(run.method);
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
