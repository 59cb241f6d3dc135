import { readFileSync } from 'node:fs';
import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  ApiError,
  type ApiHandlers,
  type AppInfo,
  type ImportOptions,
  type ImportProgress,
  type ImportReport,
  type PathCheck,
} from '../contract';
import { importFolder } from './datasets/import';
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
}

export interface Core {
  readonly handlers: ApiHandlers;
  readonly events: EventHub;
  readonly media: MediaService;
  readonly db: Db;
  close(): Promise<void>;
}

/** Opens the database and returns the API every shell exposes. */
export function createCore(options: CoreOptions): Core {
  const db = openDatabase(options.dbPath);
  const datasets = new DatasetsRepository(db);
  const items = new ItemsRepository(db);
  const events = new EventHub();
  const media = new MediaService(datasets, items);
  const imports = new Map<string, ImportJob>();

  const runImport = (request: ImportOptions): Promise<ImportReport> => {
    const root = resolve(request.path);
    if (imports.has(root)) throw new ApiError('conflict', `${root} is already being imported`);
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
    return job.done.finally(() => imports.delete(root));
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
    }),
    'datasets.list': async () => datasets.list().map((d) => datasets.summary(d.id)!),
    'datasets.get': async ({ datasetId }) => requireDataset(datasetId),
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
      if (dataset && imports.has(dataset.root)) {
        throw new ApiError('conflict', `${dataset.root} is being imported; cancel the import first`);
      }
      return { removed: datasets.remove(datasetId) };
    },
    'fs.checkPath': async ({ path }) => checkPath(path),
  };

  return {
    handlers,
    events,
    media,
    db,
    close: async () => {
      for (const job of imports.values()) job.cancel();
      await Promise.allSettled([...imports.values()].map((j) => j.done));
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
    return { path, resolved, kind: 'unreadable', ok: false, message: `Cannot read this folder (${code ?? (error as Error).message})` };
  }
}

function expandHome(path: string): string {
  const home = process.env.HOME ?? process.env.USERPROFILE;
  return home && (path === '~' || path.startsWith('~/')) ? join(home, path.slice(1)) : path;
}

export function readPackageVersion(packageJsonPath: string): string {
  return (JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { version: string }).version;
}
