import type {
  AppInfo,
  DatasetSummary,
  ImportProgress,
  ImportReport,
  Modality,
} from '../../../src-main/contract';
import type { Backend } from '../lib/client';
import { openingDatasetId } from '../lib/first-run';
import { errorMessage, importSummary } from '../lib/format';
import { isFinalPhase } from '../lib/progress';

/** What the main area shows. */
export type MainView = { kind: 'add' } | { kind: 'dataset'; id: number };

/** Where an import was started from, so its error appears where the user is looking. */
export type ImportOrigin = 'add' | 'dataset';

/** The import this window started and is waiting for. One at a time. */
export interface ActiveImport {
  /** The path as given, then the resolved root that progress events carry. */
  root: string;
  datasetId: number | null;
  reimport: boolean;
  origin: ImportOrigin;
  progress: ImportProgress | null;
  /** False while the path is being resolved, before `datasets.import` was called. */
  started: boolean;
  cancelling: boolean;
}

export interface ImportFailure {
  message: string;
  root: string;
  origin: ImportOrigin;
}

export interface Notice {
  kind: 'success' | 'info';
  text: string;
  datasetId: number | null;
}

export interface ImportRequestOptions {
  textColumn?: string;
}

export interface StartOptions {
  /** The modalities some method trains, once known: the app opens on a dataset that can train. */
  trainable?: Promise<readonly Modality[]>;
}

/**
 * The datasets screen's state: the list, the selection, and the import this window runs. The list is
 * loaded on start, after each import, when another window's import starts or ends (seen through
 * `import.progress` events) and after a reconnection; nothing is polled.
 */
export class DatasetsState {
  datasets = $state.raw<DatasetSummary[]>([]);
  /** True once the list arrived the first time. */
  loaded = $state(false);
  listError = $state<string | null>(null);
  info = $state.raw<AppInfo | null>(null);
  view = $state.raw<MainView>({ kind: 'add' });
  active = $state<ActiveImport | null>(null);
  importError = $state.raw<ImportFailure | null>(null);
  notice = $state.raw<Notice | null>(null);
  /** Removing a dataset failed. */
  actionError = $state<string | null>(null);
  /** The latest progress of every running import seen on the event stream, by root. */
  progressByRoot = $state.raw<Record<string, ImportProgress>>({});

  readonly #backend: Backend;
  /** Datasets whose running import already caused a list reload; bookkeeping, never rendered. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #refreshedFor = new Set<number>();
  #refreshing: Promise<void> | null = null;
  #refreshAgain = false;
  /** The user chose what to show: the opening choice must not replace it. */
  #navigated = false;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  /**
   * Subscribes to events and loads the app info and the list; returns the cleanup. The app opens on
   * the first dataset some method can train (images until the methods are known), else the first.
   */
  start(options: StartOptions = {}): () => void {
    const off = this.#backend.events.on('import.progress', (p) => this.#onProgress(p));
    void this.#loadInfo();
    const trainable = (options.trainable ?? Promise.resolve(null)).catch(() => null);
    void Promise.all([this.refresh(), trainable]).then(([, modalities]) => {
      if (this.#navigated || this.view.kind !== 'add' || this.active !== null) return;
      const id = openingDatasetId(this.datasets, modalities ?? ['image']);
      if (id !== null) this.view = { kind: 'dataset', id };
    });
    return off;
  }

  /** After the connection came back: events may have been missed. */
  onReconnect(): void {
    void this.#loadInfo();
    void this.refresh();
  }

  get selected(): DatasetSummary | null {
    const view = this.view;
    if (view.kind !== 'dataset') return null;
    return this.datasets.find((d) => d.id === view.id) ?? null;
  }

  get selectedId(): number | null {
    return this.view.kind === 'dataset' ? this.view.id : null;
  }

  select(id: number): void {
    this.#navigated = true;
    this.view = { kind: 'dataset', id };
    this.actionError = null;
  }

  showAddFolder(): void {
    this.#navigated = true;
    this.view = { kind: 'add' };
    this.actionError = null;
  }

  /** Progress for a dataset's running import, from this window or another. */
  progressFor(dataset: DatasetSummary): ImportProgress | null {
    if (this.active && this.active.root === dataset.root && this.active.progress) return this.active.progress;
    return this.progressByRoot[dataset.root] ?? null;
  }

  /** True while this window's import targets the dataset. */
  isImporting(dataset: DatasetSummary): boolean {
    return this.active !== null && (this.active.datasetId === dataset.id || this.active.root === dataset.root);
  }

  /** Reloads the list. Calls made while a load runs are merged into one more load. */
  refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#refreshAgain = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      do {
        this.#refreshAgain = false;
        try {
          this.datasets = await this.#backend.calls['datasets.list']();
          this.listError = null;
          this.loaded = true;
        } catch (error) {
          this.listError = errorMessage(error);
        }
      } while (this.#refreshAgain);
      this.#refreshing = null;
    })();
    return this.#refreshing;
  }

  /**
   * Imports a folder and waits for it. The path is first resolved by the core (`fs.checkPath`
   * expands `~`), so the import and its progress events use the same absolute root.
   * Resolves with the report, or null when the import failed or was cancelled (see `importError`
   * and `notice`).
   */
  async startImport(path: string, options: ImportRequestOptions = {}, origin: ImportOrigin = 'add'): Promise<ImportReport | null> {
    if (this.active !== null) return null;
    const given = path.trim();
    this.importError = null;
    this.notice = null;
    if (given === '') {
      this.importError = { message: 'Type or choose the path of a folder to import.', root: '', origin };
      return null;
    }
    this.active = { root: given, datasetId: null, reimport: false, origin, progress: null, started: false, cancelling: false };

    let root: string;
    try {
      const check = await this.#backend.calls['fs.checkPath']({ path: given });
      if (!check.ok) throw new Error(`${check.message}: ${check.resolved || given}`);
      root = check.resolved;
    } catch (error) {
      this.active = null;
      this.importError = { message: errorMessage(error), root: given, origin };
      return null;
    }

    if (this.active?.cancelling) {
      this.active = null;
      this.notice = { kind: 'info', text: 'Import cancelled before it started.', datasetId: null };
      return null;
    }
    const existing = this.datasets.find((d) => d.root === root) ?? null;
    const early = this.progressByRoot[root] ?? null;
    this.active = {
      root,
      datasetId: existing?.id ?? null,
      reimport: existing !== null,
      origin,
      progress: early,
      started: true,
      cancelling: false,
    };
    const textColumn = options.textColumn?.trim();
    try {
      const report = await this.#backend.calls['datasets.import']({ path: root, ...(textColumn ? { textColumn } : {}) });
      const reimport = this.active?.reimport ?? existing !== null;
      this.active = null;
      this.#forgetProgress(root);
      this.#upsert(report.dataset);
      this.view = { kind: 'dataset', id: report.datasetId };
      this.notice = { kind: 'success', text: importSummary(report, reimport), datasetId: report.datasetId };
      void this.refresh();
      return report;
    } catch (error) {
      const cancelled = this.active?.cancelling ?? false;
      this.active = null;
      this.#forgetProgress(root);
      if (cancelled) {
        this.notice = { kind: 'info', text: cancelMessage(error), datasetId: null };
      } else {
        this.importError = { message: importFailureMessage(error), root, origin };
      }
      await this.refresh();
      return null;
    }
  }

  /** Re-imports a dataset's folder: new, changed and removed files are picked up. */
  reimport(dataset: DatasetSummary): Promise<ImportReport | null> {
    return this.startImport(dataset.root, {}, 'dataset');
  }

  async cancelImport(): Promise<void> {
    const active = this.active;
    if (active === null || active.cancelling) return;
    active.cancelling = true;
    // Still resolving the path: startImport sees the flag and never starts the import.
    if (!active.started) return;
    try {
      await this.#backend.calls['datasets.cancelImport']({ root: active.root });
    } catch (error) {
      if (this.active === active) {
        active.cancelling = false;
        this.importError = { message: `Could not cancel: ${errorMessage(error)}`, root: active.root, origin: active.origin };
      }
    }
  }

  /** Removes a dataset from Pretext's database (never the files on disk). */
  async remove(datasetId: number): Promise<boolean> {
    this.actionError = null;
    try {
      const { removed } = await this.#backend.calls['datasets.remove']({ datasetId });
      const index = this.datasets.findIndex((d) => d.id === datasetId);
      const name = this.datasets[index]?.name ?? 'The dataset';
      this.datasets = this.datasets.filter((d) => d.id !== datasetId);
      if (this.selectedId === datasetId) {
        const next = this.datasets[Math.min(index, this.datasets.length - 1)];
        this.view = next ? { kind: 'dataset', id: next.id } : { kind: 'add' };
      }
      if (this.notice?.datasetId === datasetId) this.notice = null;
      if (removed) this.notice = { kind: 'info', text: `${name} was removed from Pretext. Its files were not touched.`, datasetId: null };
      void this.refresh();
      return removed;
    } catch (error) {
      this.actionError = `Could not remove the dataset: ${errorMessage(error)}`;
      return false;
    }
  }

  dismissNotice(): void {
    this.notice = null;
  }

  dismissImportError(): void {
    this.importError = null;
  }

  dismissActionError(): void {
    this.actionError = null;
  }

  async #loadInfo(): Promise<void> {
    try {
      this.info = await this.#backend.calls['app.info']();
    } catch {
      // The top bar simply shows less; the list's own error explains a broken connection.
    }
  }

  #onProgress(p: ImportProgress): void {
    const active = this.active;
    if (active !== null && active.root === p.root) {
      active.progress = p;
      active.datasetId = p.datasetId;
    }
    if (isFinalPhase(p.phase)) {
      this.#forgetProgress(p.root);
      this.#refreshedFor.delete(p.datasetId);
      // This window's own import refreshes when its call returns; another window's does it here.
      if (active === null || active.root !== p.root) void this.refresh();
      return;
    }
    this.progressByRoot = { ...this.progressByRoot, [p.root]: p };
    // A new dataset appears in the list as soon as its import starts.
    if (!this.#refreshedFor.has(p.datasetId)) {
      this.#refreshedFor.add(p.datasetId);
      void this.refresh();
    }
  }

  #forgetProgress(root: string): void {
    if (!(root in this.progressByRoot)) return;
    const { [root]: _gone, ...rest } = this.progressByRoot;
    this.progressByRoot = rest;
  }

  #upsert(summary: DatasetSummary): void {
    const i = this.datasets.findIndex((d) => d.id === summary.id);
    this.datasets = i === -1 ? [...this.datasets, summary] : this.datasets.map((d) => (d.id === summary.id ? summary : d));
  }
}

/** The core's own words when the error is its 'cancelled' error (every shell carries the code), else a generic sentence. */
function cancelMessage(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'cancelled' ? errorMessage(error) : 'Import cancelled; the files read so far were kept.';
}

function importFailureMessage(error: unknown): string {
  const message = errorMessage(error);
  if (error && typeof error === 'object' && 'code' in error && error.code === 'disconnected') {
    return `${message}. The import may still be running on the server; the list updates when the connection returns.`;
  }
  return message;
}
