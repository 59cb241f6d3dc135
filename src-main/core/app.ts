import { constants, rmSync } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  ApiError,
  type ApiHandlers,
  type AppInfo,
  type CoreRuntime,
  type ImportOptions,
  type ImportProgress,
  type ImportReport,
  type PathCheck,
  type RunSummary,
  type EmbedProgress,
  type ParamValues,
  type TrainingProgress,
} from '../contract';
import { cannot } from './errors';
import { checkFormat, checkItemIds, dataResponse, parseDataRoute, runEmbeddings, selectionResponse, setEmbeddings, type DataResponse, type DataRoute } from './data-routes';
import { importFolder } from './datasets/import';
import { initBackend, tf, type BackendInfo } from './engine/backend';
import { writeCoordinatesCsv, writeFileWith } from './export';
import { writeEmbeddings } from './export-formats';
import { PreviewsRepository } from './storage/repositories/previews';
import { VectorSetsRepository } from './storage/repositories/vector-sets';
import { embedSet } from './training/embed-set';
import type { EmbedSetWorkerMessage } from './training/embed-set-worker';
import { Worker } from 'node:worker_threads';
import { EmbedWorkerClient, type FileEmbedder } from './jobs/embed-job';
import { ProjectionService } from './projection/projection-service';
import { RunEmbedder } from './search/embedder';
import { indexFileName, SearchService } from './search/search-service';
import { ProjectionsRepository } from './storage/repositories/projections';
import { VectorsRepository } from './storage/repositories/vectors';
import { startTrainWorker, type TrainJob } from './jobs/train-job';
import { defaultMethodFor, METHODS, type SslMethod } from './ssl/methods';
import { RunsRepository, type RunRecord } from './storage/repositories/runs';
import type { RunConfig } from './training/config';
import { checkGiven, methodCatalogue, runConfigOf, runParamsOf } from './training/params';
import { trainRun, TrainingCancelled } from './training/train-loop';
import { storageLayout } from './paths';
import { LeaseKeeper } from './jobs/lease-keeper';
import { importResource, LeasesRepository, runResource } from './storage/repositories/leases';
import { EventHub } from './events';
import { startImportWorker, type ImportJob } from './jobs/import-job';
import { MediaService } from './media';
import { openDatabase, type Db } from './storage/db';
import { DatasetsRepository } from './storage/repositories/datasets';
import { ItemsRepository } from './storage/repositories/items';
import { VERSION } from './version';

export interface CoreOptions {
  dbPath: string;
  shell: AppInfo['shell'];
  /**
   * Folder holding the built worker entries (`import-worker.js`). Without it, imports run on this
   * thread, which only tests should do.
   */
  workerDir?: string;
  /** Vectors above which search builds an approximate index (default 200,000; tests lower it). */
  searchIndexThreshold?: number;
  /** Where this process runs, for app.info (default: in the shell's own Node process). */
  runtime?: CoreRuntime;
}

export interface Core {
  readonly handlers: ApiHandlers;
  readonly events: EventHub;
  readonly media: MediaService;
  readonly db: Db;
  readonly runs: RunsRepository;
  readonly vectors: VectorsRepository;
  readonly vectorSets: VectorSetsRepository;
  readonly projections: ProjectionService;
  readonly search: SearchService;
  /** The data and export URLs both shells serve (see data-routes.ts): null when `pathname` is not one. */
  dataRoute(pathname: string, search: URLSearchParams): (DataRoute & { method: 'GET' | 'POST' }) | null;
  /** Checks a data route and says how to answer it; throws ApiError (before writing anything) when it cannot. */
  dataResponse(route: DataRoute, body: string | null): DataResponse;
  /** Writes a projection's coordinates (the run's latest when `projectionId` is null) as CSV to a file. */
  exportCoordinates(runId: number, projectionId: number | null, path: string, overwrite?: boolean): Promise<{ path: string; rows: number; projectionId: number }>;
  /** Resolves when the run's training (and extraction) has ended, however it ended. */
  trainingDone(runId: number): Promise<void>;
  /**
   * For a process about to exit at once (SIGTERM, a second Ctrl-C): marks this process's runs as
   * interrupted and its imports as failed with `reason`, and releases their leases. Synchronous.
   */
  abandon(reason: string): void;
  close(): Promise<void>;
}

/** Opens the database and returns the API every shell exposes. */
export function createCore(options: CoreOptions): Core {
  const db = openDatabase(options.dbPath);
  const datasets = new DatasetsRepository(db);
  const items = new ItemsRepository(db);
  const events = new EventHub();
  const imports = new Map<string, ImportJob>();
  const runs = new RunsRepository(db);
  const trainings = new Map<number, TrainJob>();
  const layout = storageLayout(options.dbPath);
  const media = new MediaService(datasets, items, layout.cacheDir);
  const leases = new LeaseKeeper(new LeasesRepository(db));
  const vectors = new VectorsRepository(db);
  const vectorSets = new VectorSetsRepository(db);
  /** Cancel functions of the embeddings of other datasets that this process runs, by set id. */
  const embedJobs = new Map<number, () => void>();
  const projectionsRepo = new ProjectionsRepository(db);
  const projections = new ProjectionService({ db, dbPath: options.dbPath, workerDir: options.workerDir, events, projections: projectionsRepo, vectors });
  let inlineBackend: Promise<unknown> | null = null;
  const embedder: FileEmbedder = options.workerDir
    ? new EmbedWorkerClient(join(options.workerDir, 'embed-worker.js'))
    : inlineEmbedder(new RunEmbedder(() => (inlineBackend ??= tf.ready())));
  const search = new SearchService({
    vectors,
    vectorSets,
    runs,
    items,
    layout,
    workerDir: options.workerDir,
    embedder,
    indexThreshold: options.searchIndexThreshold,
    onIndexProgress: (space, done, total) => events.emit('index.progress', { ...space, done, total }),
  });
  const previews = new PreviewsRepository(db);
  const dataServices = { runs, vectors, vectorSets, projections, previews, resolveStored: layout.resolveStored };
  /**
   * A run or import marked as working whose owner is gone (its process died, or its heartbeat went
   * stale) can only be resumed or re-run; say so. One held by a live process, this one or another
   * sharing the database, is left as it is.
   */
  const reconcileOwners = (): void => {
    for (const runId of runs.activeIds()) {
      if (!trainings.has(runId) && !leases.leases.isHeld(runResource(runId))) runs.markInterrupted(runId);
    }
    for (const dataset of datasets.importing()) {
      if (!imports.has(dataset.root) && !leases.leases.isHeld(importResource(dataset.root))) datasets.markInterruptedImport(dataset.id);
    }
  };
  reconcileOwners();

  let backendInfo: Promise<BackendInfo> | null = null;

  const summary = (run: RunRecord): RunSummary => {
    const loss = runs.lossRange(run.id);
    const config = runConfigOf(run.config);
    const params = runParamsOf(config);
    const trains = METHODS.find((m) => m.id === config.method)?.trains ?? true;
    return {
      id: run.id,
      datasetId: run.datasetId,
      datasetName: run.datasetName,
      method: run.method,
      status: run.status,
      error: run.error,
      config: run.config,
      params,
      inputSpec: config.inputSpec ?? null,
      evaluation: runs.lastEvaluation(run.id),
      seed: run.seed,
      backend: run.backend,
      backendDetails: run.backendDetails,
      epochs: trains && typeof params.epochs === 'number' ? params.epochs : 0,
      epochsDone: run.epochsDone,
      stepsDone: run.stepsDone,
      trainSeconds: run.trainSeconds,
      embeddingDim: run.embeddingDim,
      vectors: run.vectors,
      firstLoss: loss.first,
      lastLoss: loss.last,
      createdAt: run.createdAt,
      finishedAt: run.finishedAt,
      resumable: run.status !== 'running' && run.status !== 'completed' && runs.latestCheckpoint(run.id) !== undefined,
      projections: projectionsRepo.count(run.id),
    };
  };
  const requireRun = (runId: number): RunRecord => {
    const run = runs.get(runId);
    if (!run) throw new ApiError('not_found', `No run with id ${runId}`);
    return run;
  };

  /** Takes the run's lease (refusing when another live process trains it), marking it queued in the same transaction. */
  const leaseRun = (runId: number, check?: () => void): void => {
    leases.take(runResource(runId), `Run #${runId}`, 'training', () => trainings.get(runId)?.cancel(), () => {
      check?.();
      runs.markQueued(runId);
    });
  };

  const launchTraining = (runId: number, resume: boolean): void => {
    const onProgress = (progress: TrainingProgress): void => events.emit('training.progress', progress);
    let job: TrainJob;
    if (options.workerDir) {
      job = startTrainWorker(join(options.workerDir, 'train-worker.js'), { dbPath: options.dbPath, runId, resume }, onProgress);
    } else {
      const controller = new AbortController();
      job = {
        runId,
        cancel: () => controller.abort(),
        done: trainRun(db, runId, { resume, layout }, { signal: controller.signal, onProgress }).then(
          () => ({ status: 'completed' as const }),
          (error: Error) => ({ status: error instanceof TrainingCancelled ? ('cancelled' as const) : ('failed' as const), message: error.message }),
        ),
      };
    }
    trainings.set(runId, job);
    void job.done.then((outcome) => {
      trainings.delete(runId);
      leases.drop(runResource(runId));
      const run = runs.get(runId);
      // The loop records its own outcome; a run still marked running means the worker died without a word.
      if (run && (run.status === 'running' || run.status === 'queued')) {
        const message = outcome.status === 'completed' ? 'The training worker ended without reporting' : outcome.message;
        runs.finish(runId, 'failed', message);
        // Tell the UI, since the loop could not.
        events.emit('training.progress', {
          runId, datasetId: run.datasetId, phase: 'failed', epoch: run.epochsDone, epochs: 0, step: run.stepsDone, totalSteps: 0,
          loss: null, learningRate: null, examplesPerSec: null, etaSec: null, done: 0, total: 0, backend: run.backend,
          message, metrics: [], evaluations: [],
        });
      }
    });
  };

  const runImport = (request: ImportOptions): Promise<ImportReport> => {
    const root = resolve(request.path);
    if (imports.has(root)) throw new ApiError('conflict', `${root} is already being imported`);
    leases.take(importResource(root), root, 'being imported', () => imports.get(root)?.cancel());
    const onProgress = (progress: ImportProgress): void => events.emit('import.progress', progress);
    let job: ImportJob;
    if (options.workerDir) {
      job = startImportWorker(join(options.workerDir, 'import-worker.js'), options.dbPath, { ...request, path: root }, onProgress);
    } else {
      const controller = new AbortController();
      job = {
        root,
        done: importFolder(db, { ...request, path: root }, { onProgress, signal: controller.signal }),
        cancel: () => controller.abort(),
      };
    }
    imports.set(root, job);
    return job.done.finally(() => {
      imports.delete(root);
      leases.drop(importResource(root));
    });
  };

  const requireDataset = (datasetId: number) => {
    const summary = datasets.summary(datasetId);
    if (!summary) throw new ApiError('not_found', `No dataset with id ${datasetId}`);
    return summary;
  };

  const handlers: ApiHandlers = {
    'app.info': async () => ({
      name: 'Pretext',
      version: VERSION,
      databasePath: options.dbPath,
      shell: options.shell,
      node: process.versions.node,
      platform: process.platform,
      core: options.runtime ?? {
        host: 'in-process',
        runtime: `Node ${process.versions.node}`,
        reason: `${options.shell === 'serve' ? 'pretext serve' : 'the pretext command'} runs the core in its own Node process`,
      },
    }),
    'datasets.list': async () => {
      reconcileOwners();
      return datasets.list().map((d) => datasets.summary(d.id)!);
    },
    'datasets.get': async ({ datasetId }) => {
      reconcileOwners();
      return requireDataset(datasetId);
    },
    'datasets.items': async (query) => {
      requireDataset(query.datasetId);
      return items.page(query);
    },
    'datasets.import': async (request) => {
      if (typeof request?.path !== 'string' || request.path.trim() === '') {
        throw new ApiError('bad_request', 'Give the path of a folder to import');
      }
      return runImport(request);
    },
    'datasets.cancelImport': async ({ root }) => {
      const job = imports.get(resolve(root));
      job?.cancel();
      return { cancelled: job !== undefined };
    },
    'datasets.remove': async ({ datasetId }) => {
      const dataset = datasets.get(datasetId);
      if (dataset && (imports.has(dataset.root) || leases.leases.isHeld(importResource(dataset.root)))) {
        throw new ApiError('conflict', `${dataset.root} is being imported; cancel the import first`);
      }
      return { removed: datasets.remove(datasetId) };
    },
    'fs.checkPath': async ({ path }) => checkPath(path),
    'engine.info': async () => {
      backendInfo ??= initBackend();
      const info = await backendInfo;
      return {
        backend: info.name,
        threads: info.threads,
        simd: info.simd,
        adapter: info.adapter,
        unavailable: info.reasons,
        methods: METHODS.map((m) => ({ id: m.id, name: m.name, description: m.description, modalities: [...m.modalities] })),
      };
    },
    'methods.list': async () => methodCatalogue(),
    'runs.embed': async ({ runId, datasetId, path }) => {
      const run = requireRun(runId);
      if (run.status !== 'completed' || run.embeddingDim === null) {
        throw new ApiError('conflict', `Run #${runId} is ${run.status}; embed with a run that completed training`);
      }
      let target: number;
      if (typeof path === 'string' && path.trim() !== '') target = (await runImport({ path: resolve(expandHome(path.trim())) })).datasetId;
      else if (typeof datasetId === 'number') target = requireDataset(datasetId).id;
      else throw new ApiError('bad_request', 'Give the folder (path) or the dataset id to embed');
      const setId = vectorSets.create(runId, target, run.embeddingDim);
      const onProgress = (progress: EmbedProgress): void => events.emit('embed.progress', progress);
      let done: Promise<string | null>;
      if (options.workerDir) {
        const worker = new Worker(join(options.workerDir, 'embed-set-worker.js'), { workerData: { dbPath: options.dbPath, setId } });
        embedJobs.set(setId, () => worker.postMessage({ type: 'cancel' }));
        done = new Promise((resolveDone) => {
          let outcome: string | null | undefined;
          worker.on('message', (m: EmbedSetWorkerMessage) => {
            if (m.type === 'progress') onProgress(m.progress);
            else outcome = m.type === 'done' ? null : m.message;
          });
          worker.on('error', (error) => (outcome ??= `The embedding worker crashed: ${error.message}`));
          worker.on('exit', (code) => resolveDone(outcome === undefined ? `The embedding worker stopped unexpectedly (exit code ${code})` : outcome));
        });
      } else {
        const controller = new AbortController();
        embedJobs.set(setId, () => controller.abort());
        done = embedSet(db, layout, setId, { signal: controller.signal, onProgress }).then(
          () => null,
          (error: Error) => error.message,
        );
      }
      const failure = await done.finally(() => embedJobs.delete(setId));
      const set = vectorSets.get(setId)!;
      if (failure !== null) {
        if (set.status === 'running') vectorSets.finish(setId, 'failed', [], failure);
        throw new ApiError(set.status === 'cancelled' ? 'cancelled' : 'internal', failure);
      }
      return set;
    },
    'runs.vectorSets': async ({ runId }) => {
      requireRun(runId);
      return vectorSets.list(runId);
    },
    'exports.vectorSet': async ({ setId, path, overwrite, format }) => {
      const set = vectorSets.get(setId);
      if (!set) throw new ApiError('not_found', `No vector set with id ${setId}`);
      const layout = checkFormat(format);
      const target = targetPath(path);
      const rows = await writeFileWith(target, (out) => writeEmbeddings(layout, setEmbeddings(vectorSets, set), out), { overwrite: overwrite === true }).catch(
        rethrowWriteError(target),
      );
      return { path: target, rows };
    },
    'runs.evaluations': async ({ runId }) => {
      requireRun(runId);
      return runs.evaluations(runId);
    },
    'runs.previews': async ({ runId }) => {
      requireRun(runId);
      return previews.list(runId);
    },
    'runs.list': async ({ datasetId } = {}) => {
      reconcileOwners();
      return runs.list(datasetId).map(summary);
    },
    'runs.get': async ({ runId }) => {
      reconcileOwners();
      return summary(requireRun(runId));
    },
    'runs.metrics': async ({ runId, afterStep }) => {
      requireRun(runId);
      return runs.metrics(runId, afterStep ?? 0);
    },
    'runs.start': async ({ datasetId, settings }) => {
      const dataset = requireDataset(datasetId);
      const methodId = settings?.method ?? defaultMethodFor(dataset.counts).id;
      const method = METHODS.find((m) => m.id === methodId);
      if (!method) throw new ApiError('bad_request', `Unknown method '${methodId}'; available: ${METHODS.map((m) => m.id).join(', ')}`);
      const fits = (m: SslMethod): boolean => m.modalities.some((modality) => dataset.counts[modality] > 0);
      if (!fits(method)) {
        const what = method.modalities.map((m) => (m === 'audio' ? 'audio clips' : `${m}s`)).join(' or ');
        const others = METHODS.filter(fits).map((m) => m.id);
        throw new ApiError(
          'bad_request',
          `"${dataset.name}" has no ${what}, which ${method.name} trains on; ` +
            (others.length > 0 ? `methods for what it holds: ${others.join(', ')}` : 'training on audio comes in a later version'),
        );
      }
      if (settings?.backend !== undefined && typeof settings.backend !== 'string') throw new ApiError('bad_request', 'backend must be a backend name');
      let given: ParamValues;
      try {
        given = checkGiven(method, settings?.params ?? {});
      } catch (error) {
        throw new ApiError('bad_request', (error as Error).message);
      }
      const config: RunConfig = { method: method.id, ...(settings?.backend ? { backend: settings.backend as RunConfig['backend'] } : {}), given };
      const seed = typeof given.seed === 'number' ? given.seed : 1;
      if (trainings.size > 0) {
        const [other] = trainings.keys();
        throw new ApiError('conflict', `Run #${other} is training; wait for it or cancel it first`);
      }
      // The new run and its lease in one transaction: no other process ever sees it queued and unowned.
      const run = db.transaction(() => {
        const created = runs.create({ datasetId, method: config.method, config, seed });
        leaseRun(created.id);
        return created;
      }).immediate();
      launchTraining(run.id, false);
      return summary(requireRun(run.id));
    },
    'runs.resume': async ({ runId }) => {
      requireRun(runId);
      if (trainings.has(runId)) throw new ApiError('conflict', `Run #${runId} is already training`);
      if (trainings.size > 0) {
        const [other] = trainings.keys();
        throw new ApiError('conflict', `Run #${other} is training; wait for it or cancel it first`);
      }
      leaseRun(runId, () => {
        // Read again under the lease's write lock: another process may have just finished it.
        const current = requireRun(runId);
        if (current.status === 'completed') throw new ApiError('conflict', `Run #${runId} has completed; start a new run to train more`);
      });
      launchTraining(runId, true);
      return summary(requireRun(runId));
    },
    'runs.cancel': async ({ runId }) => {
      const job = trainings.get(runId);
      job?.cancel();
      return { cancelled: job !== undefined };
    },
    'runs.remove': async ({ runId }) => {
      if (trainings.has(runId) || leases.leases.isHeld(runResource(runId))) throw new ApiError('conflict', `Run #${runId} is training; cancel it first`);
      // A projection of the run would only fail when its run vanished; stop it first.
      await projections.stop(runId);
      search.forget(runId);
      const setIndexes = vectorSets.list(runId).map((set) => join(layout.indexDir, indexFileName(runId, set.id)));
      const removed = runs.remove(runId);
      rmSync(layout.checkpointDir(runId), { recursive: true, force: true });
      rmSync(layout.legacyCheckpointDir(runId), { recursive: true, force: true });
      rmSync(layout.previewDir(runId), { recursive: true, force: true });
      for (const file of [join(layout.indexDir, indexFileName(runId, null)), ...setIndexes]) rmSync(file, { force: true });
      return { removed };
    },
    'runs.exportCsv': async ({ runId, path, overwrite, format }) => {
      const run = requireRun(runId);
      if (run.vectors === 0 || run.embeddingDim === null) throw new ApiError('bad_request', `Run #${runId} has no embeddings yet`);
      const source = runEmbeddings(vectors, runId, run.embeddingDim);
      const layout = checkFormat(format);
      const target = targetPath(path);
      const rows = await writeFileWith(target, (out) => writeEmbeddings(layout, source, out), { overwrite: overwrite === true }).catch(rethrowWriteError(target));
      return { path: target, rows };
    },
    'projections.compute': async ({ runId, settings }) => {
      requireRun(runId);
      return projections.compute(runId, settings);
    },
    'projections.list': async ({ runId }) => {
      requireRun(runId);
      return projections.list(runId);
    },
    'projections.cancel': async ({ runId }) => ({ cancelled: projections.cancel(runId) }),
    'search.similarToItem': async ({ runId, itemId, k, setId, itemSetId }) => search.similarToItem(runId, itemId, k, { setId, itemSetId }),
    'search.similarToFile': async ({ runId, fileName, base64, k, setId }) => search.similarToFile(runId, fileName, base64, k, { setId }),
    'search.similarToText': async ({ runId, text, k, setId }) => search.similarToText(runId, text, k, { setId }),
    'items.get': async ({ itemId }) => {
      const item = items.get(itemId);
      if (!item) throw new ApiError('not_found', `No item ${itemId}`);
      return item;
    },
    'exports.selection': async ({ runId, itemIds, kind, projectionId, path, overwrite }) => {
      const run = requireRun(runId);
      const response = selectionResponse(dataServices, run, kind, checkItemIds(itemIds), projectionId ?? null);
      const target = targetPath(path);
      const rows = await writeFileWith(target, (out) => response.write(out), { overwrite: overwrite === true }).catch(rethrowWriteError(target));
      return { path: target, rows };
    },
  };

  return {
    handlers,
    events,
    media,
    db,
    runs,
    vectors,
    vectorSets,
    projections,
    search,
    dataRoute: (pathname, params) => parseDataRoute(pathname, params),
    dataResponse: (route, body) => dataResponse(dataServices, route, body),
    exportCoordinates: async (runId, projectionId, path, overwrite = false) => {
      requireRun(runId);
      const { record, points } = projections.pointsOf(runId, projectionId);
      const target = targetPath(path);
      const rows = await writeFileWith(target, (out) => writeCoordinatesCsv(vectors.iterateItems(runId), points, out), { overwrite }).catch(
        rethrowWriteError(target),
      );
      return { path: target, rows, projectionId: record.id };
    },
    trainingDone: async (runId) => {
      await trainings.get(runId)?.done;
      // Let the outcome handler record the final status first.
      await new Promise((r) => setImmediate(r));
    },
    abandon: (reason) => {
      for (const setId of embedJobs.keys()) vectorSets.finish(setId, 'cancelled', [], reason);
      for (const runId of trainings.keys()) runs.markInterrupted(runId, reason);
      for (const root of imports.keys()) {
        const dataset = datasets.findByRoot(root);
        if (dataset) datasets.markInterruptedImport(dataset.id, reason);
      }
      leases.dropAll();
    },
    close: async () => {
      await projections.close();
      await search.close();
      for (const job of [...imports.values(), ...trainings.values()]) job.cancel();
      for (const cancel of embedJobs.values()) cancel();
      await Promise.allSettled([...imports.values()].map((j) => j.done));
      await Promise.allSettled([...trainings.values()].map((j) => j.done));
      await new Promise((r) => setImmediate(r));
      leases.dropAll();
      db.close();
    },
  };
}

/** Tells the renderer's path field whether a typed path is an importable folder. */
export async function checkPath(input: string): Promise<PathCheck> {
  const path = (input ?? '').trim();
  if (path === '') return { path: input, resolved: '', kind: 'missing', ok: false, message: 'Type the path of a folder' };
  const resolved = resolve(expandHome(path));
  try {
    const s = await stat(resolved);
    if (!s.isDirectory()) return { path, resolved, kind: 'file', ok: false, message: 'This is a file; choose the folder that holds it' };
    await access(resolved, constants.R_OK | constants.X_OK);
    const entries = await readdir(resolved);
    const visible = entries.filter((e) => !e.startsWith('.')).length;
    return {
      path,
      resolved,
      kind: 'directory',
      ok: true,
      message: visible === 0 ? 'Empty folder' : `Folder with ${visible} entr${visible === 1 ? 'y' : 'ies'}`,
    };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { path, resolved, kind: 'missing', ok: false, message: 'No such folder' };
    return { path, resolved, kind: 'unreadable', ok: false, message: cannot('read', 'this folder', error) };
  }
}

/** A file to write that the user named (a path on the core's disk, `~` allowed). */
function targetPath(path: unknown): string {
  if (typeof path !== 'string' || path.trim() === '') throw new ApiError('bad_request', 'Give the path of the file to write');
  return resolve(expandHome(path.trim()));
}

function rethrowWriteError(target: string): (error: Error) => never {
  return (error) => {
    if (error instanceof ApiError) throw error;
    throw new ApiError('bad_request', cannot('write', target, error));
  };
}

/** The embedder on this thread, for cores without a worker folder (tests). */
function inlineEmbedder(embedder: RunEmbedder): FileEmbedder {
  return {
    embed: (setup, bytes, format) => embedder.embed(setup, bytes, format),
    close: async () => embedder.dispose(),
  };
}

function expandHome(path: string): string {
  const home = process.env.HOME ?? process.env.USERPROFILE;
  return home && (path === '~' || path.startsWith('~/')) ? join(home, path.slice(1)) : path;
}
