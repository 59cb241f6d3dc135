import type { EmbeddingsFormat, EngineInfo, MethodInfo, RunStatus, RunSummary, TrainSettings, TrainingProgress } from '../../../src-main/contract';
import type { Backend } from '../lib/client';
import { errorMessage, plural } from '../lib/format';
import { displayStatus, isActiveStatus, isFinalPhase } from '../lib/runs';
import { LossCurve } from './loss-curve.svelte';
import { RunEvaluations } from './run-evaluations.svelte';
import { EmbedFolderState } from './embed-folder.svelte';
import { RunForm } from './run-form.svelte';
import { RunPreviews } from './run-previews.svelte';

/** What a run's buttons are waiting for. */
export type RunAction = 'cancelling' | 'resuming' | 'removing' | 'exporting';

/** A run ended: said in a toast when the Train tab is not on screen. */
export interface RunNotice {
  kind: 'success' | 'info';
  text: string;
  runId: number;
}

export interface ExportResult {
  runId: number;
  path: string;
  rows: number;
}

/**
 * Delays before re-reading a run whose last event said it ended while the list still says
 * "running": the core records the outcome just after the worker's last event.
 */
export const SETTLE_DELAYS_MS: readonly number[] = [120, 250, 500, 1000, 2000, 4000];

/**
 * The training screen's state: the engine, every run, the live progress of running runs (from
 * `training.progress` events), the run on screen and its loss curve, and the new-run form.
 * Nothing is polled: the list is loaded on start, when a run starts, ends or finishes an epoch,
 * and after a reconnection.
 */
export class TrainingState {
  engine = $state.raw<EngineInfo | null>(null);
  engineError = $state<string | null>(null);
  /** Every method with its parameters (`methods.list`); null until it arrived. */
  methods = $state.raw<MethodInfo[] | null>(null);
  methodsError = $state<string | null>(null);
  runs = $state.raw<RunSummary[]>([]);
  /** True once the list arrived the first time. */
  loaded = $state(false);
  listError = $state<string | null>(null);
  selectedId = $state<number | null>(null);
  /** The latest progress of each run that sent some (without its metric points and evaluations), by run id. */
  live = $state.raw<Record<number, TrainingProgress>>({});
  starting = $state(false);
  /** `runs.start` failed: shown in the new-run card. */
  startError = $state<string | null>(null);
  /** Cancel, resume, remove or export failed: shown in the run's panel. */
  actionError = $state<string | null>(null);
  actions = $state.raw<Record<number, RunAction>>({});
  exportResult = $state.raw<ExportResult | null>(null);
  /** The Electron export failed: shown beside its path field. */
  exportError = $state<string | null>(null);
  notice = $state.raw<RunNotice | null>(null);

  readonly curve: LossCurve;
  /** The evaluations of the run on screen. */
  readonly evaluations: RunEvaluations;
  readonly form = new RunForm();
  readonly #backend: Backend;
  #refreshing: Promise<void> | null = null;
  #refreshAgain = false;
  #methodsLoad: Promise<void> | null = null;
  /** The last epoch seen per running run, to reload the list once per epoch. Bookkeeping, never rendered. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #epochSeen = new Map<number, number>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #settleTimers = new Set<ReturnType<typeof setTimeout>>();

  constructor(backend: Backend) {
    this.#backend = backend;
    this.curve = new LossCurve(backend);
    this.evaluations = new RunEvaluations(backend);
  }

  /** Subscribes to progress and loads the engine and the runs; returns the cleanup. */
  start(): () => void {
    const off = this.#backend.events.on('training.progress', (p) => this.#onProgress(p));
    void this.loadEngine();
    void this.loadMethods();
    void this.refresh().then(() => {
      const first = this.runs[0];
      if (first && this.selectedId === null) this.select(first.id);
    });
    return () => {
      off();
      for (const t of this.#settleTimers) clearTimeout(t);
      this.#settleTimers.clear();
    };
  }

  /** After the connection came back: progress may have been missed. */
  onReconnect(): void {
    if (this.engine === null) void this.loadEngine();
    if (this.methods === null) void this.loadMethods();
    void this.refresh().then(() => {
      // Progress of runs that ended while disconnected will never be followed by a final event.
      const next: Record<number, TrainingProgress> = {};
      for (const [id, p] of Object.entries(this.live)) {
        const run = this.runs.find((r) => r.id === Number(id));
        if (run && (isActiveStatus(run.status) || isFinalPhase(p.phase))) next[Number(id)] = p;
      }
      this.live = next;
    });
    void this.curve.reload();
    void this.evaluations.reload();
  }

  get selected(): RunSummary | null {
    return this.runs.find((r) => r.id === this.selectedId) ?? null;
  }

  /** Progress of a run that is training now, or its final event until the list catches up. */
  progressOf(runId: number): TrainingProgress | null {
    return this.live[runId] ?? null;
  }

  statusOf(run: RunSummary): RunStatus {
    return displayStatus(run, this.live[run.id]);
  }

  /** The run that is training (the core trains one at a time), if any. */
  get activeRun(): RunSummary | null {
    return this.runs.find((r) => this.statusOf(r) === 'running') ?? null;
  }

  /** Id of a run sending progress that is not in the list yet (started elsewhere), else of the active run. */
  get activeRunId(): number | null {
    for (const [id, p] of Object.entries(this.live)) if (!isFinalPhase(p.phase)) return Number(id);
    return this.activeRun?.id ?? null;
  }

  select(runId: number | null): void {
    if (runId === this.selectedId && (runId === null || (this.curve.runId === runId && this.evaluations.runId === runId))) return;
    this.selectedId = runId;
    this.actionError = null;
    this.exportError = null;
    if (this.exportResult?.runId !== runId) this.exportResult = null;
    if (runId === null) {
      this.curve.close();
      this.evaluations.close();
    } else {
      void this.curve.open(runId);
      void this.evaluations.open(runId);
    }
  }

  /** The method of a run (or any id), from `methods.list`. */
  methodInfo(id: string): MethodInfo | null {
    return this.methods?.find((m) => m.id === id) ?? null;
  }

  loadMethods(): Promise<void> {
    this.#methodsLoad = (async () => {
      try {
        const methods = await this.#backend.calls['methods.list']();
        this.methods = methods;
        this.form.setCatalogue(methods);
        this.methodsError = null;
      } catch (error) {
        this.methodsError = errorMessage(error);
      }
    })();
    return this.#methodsLoad;
  }

  /** The methods once `methods.list` has answered (loading them if nobody asked yet); null when it failed. */
  async whenMethods(): Promise<MethodInfo[] | null> {
    await (this.#methodsLoad ?? this.loadMethods());
    return this.methods;
  }

  async loadEngine(): Promise<void> {
    try {
      this.engine = await this.#backend.calls['engine.info']();
      this.engineError = null;
    } catch (error) {
      this.engineError = errorMessage(error);
    }
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
          this.#setRuns(await this.#backend.calls['runs.list']({}));
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

  /** Starts a run in the background and shows it. Resolves with it, or null (see `startError`). */
  async startRun(datasetId: number, settings: TrainSettings): Promise<RunSummary | null> {
    if (this.starting) return null;
    this.starting = true;
    this.startError = null;
    try {
      const run = await this.#backend.calls['runs.start']({ datasetId, settings });
      this.#upsert(run);
      if (!this.live[run.id]) this.#setLive(run.id, startingProgress(run));
      this.select(run.id);
      void this.refresh();
      return run;
    } catch (error) {
      this.startError = errorMessage(error);
      return null;
    } finally {
      this.starting = false;
    }
  }

  async cancel(runId: number): Promise<void> {
    if (this.actions[runId]) return;
    this.#setAction(runId, 'cancelling');
    this.actionError = null;
    try {
      const { cancelled } = await this.#backend.calls['runs.cancel']({ runId });
      // Nothing to cancel: it ended meanwhile (or in another process); show what the core says.
      if (!cancelled) {
        this.#setAction(runId, null);
        await this.refresh();
      }
      // Otherwise the button stays "Cancelling…" until the run's final event.
    } catch (error) {
      this.#setAction(runId, null);
      this.actionError = `Could not cancel the run: ${errorMessage(error)}`;
    }
  }

  async resume(runId: number): Promise<void> {
    if (this.actions[runId]) return;
    this.#setAction(runId, 'resuming');
    this.actionError = null;
    this.startError = null;
    try {
      const run = await this.#backend.calls['runs.resume']({ runId });
      this.#upsert(run);
      const current = this.live[runId];
      if (!current || isFinalPhase(current.phase)) this.#setLive(runId, startingProgress(run));
      this.#epochSeen.delete(runId);
      if (this.selectedId !== runId) this.select(runId);
      // The core drops the evaluations after the checkpoint it resumes from; they are computed again.
      else void this.evaluations.reload();
    } catch (error) {
      this.actionError = `Could not resume the run: ${errorMessage(error)}`;
    } finally {
      this.#setAction(runId, null);
    }
  }

  /** Removes a run and its embeddings and checkpoints; selects the next one. */
  async remove(runId: number): Promise<boolean> {
    if (this.actions[runId]) return false;
    this.#setAction(runId, 'removing');
    this.actionError = null;
    try {
      await this.#backend.calls['runs.remove']({ runId });
      const index = this.runs.findIndex((r) => r.id === runId);
      this.runs = this.runs.filter((r) => r.id !== runId);
      this.#dropLive(runId);
      if (this.selectedId === runId) {
        const next = this.runs[Math.min(Math.max(index, 0), this.runs.length - 1)];
        this.select(next?.id ?? null);
      }
      void this.refresh();
      return true;
    } catch (error) {
      this.actionError = `Could not remove the run: ${errorMessage(error)}`;
      return false;
    } finally {
      this.#setAction(runId, null);
    }
  }

  /** The "Embed another folder" card's state for a completed run (the caller disposes it). */
  embedFolder(runId: number): EmbedFolderState {
    return new EmbedFolderState(this.#backend, runId);
  }

  /** The reconstructions strip of a run's view (the caller disposes it). */
  runPreviews(runId: number): RunPreviews {
    return new RunPreviews(this.#backend, runId);
  }

  /** Electron: writes the run's embeddings (as CSV, or in another format) to a path on this computer. */
  async exportCsv(runId: number, path: string, overwrite = false, format: EmbeddingsFormat = 'csv'): Promise<ExportResult | null> {
    const target = path.trim();
    this.exportError = null;
    this.exportResult = null;
    if (target === '') {
      this.exportError = 'Type the path of the CSV file to write.';
      return null;
    }
    if (this.actions[runId]) return null;
    this.#setAction(runId, 'exporting');
    try {
      const { path: written, rows } = await this.#backend.calls['runs.exportCsv']({
        runId,
        path: target,
        ...(overwrite ? { overwrite } : {}),
        ...(format !== 'csv' ? { format } : {}),
      });
      this.exportResult = { runId, path: written, rows };
      return this.exportResult;
    } catch (error) {
      this.exportError = `Could not export the CSV: ${errorMessage(error)}`;
      return null;
    } finally {
      this.#setAction(runId, null);
    }
  }

  dismissNotice(): void {
    this.notice = null;
  }

  dismissStartError(): void {
    this.startError = null;
  }

  dismissActionError(): void {
    this.actionError = null;
  }

  dismissExportResult(): void {
    this.exportResult = null;
    this.exportError = null;
  }

  #onProgress(p: TrainingProgress): void {
    this.curve.push(p.runId, p.metrics);
    this.evaluations.push(p.runId, p.evaluations);
    const bulky = p.metrics.length > 0 || (p.evaluations?.length ?? 0) > 0;
    this.#setLive(p.runId, bulky ? { ...p, metrics: [], evaluations: [] } : p);
    const known = this.runs.some((r) => r.id === p.runId);
    if (isFinalPhase(p.phase)) {
      this.#epochSeen.delete(p.runId);
      const cancelledHere = this.actions[p.runId] === 'cancelling';
      if (cancelledHere) this.#setAction(p.runId, null);
      if (!cancelledHere) this.notice = endNotice(p, this.runs.find((r) => r.id === p.runId) ?? null);
      this.#settle(p.runId, 0);
      return;
    }
    // A run started elsewhere (another window, the CLI) appears at once; a new epoch refreshes its row.
    const seen = this.#epochSeen.get(p.runId);
    if (!known || seen === undefined || (p.phase === 'training' && p.epoch !== seen)) {
      this.#epochSeen.set(p.runId, p.epoch);
      void this.refresh().then(() => {
        if (this.selectedId === null && this.runs.some((r) => r.id === p.runId)) this.select(p.runId);
      });
    }
  }

  /** Reloads until the list records the end the run's last event announced (or gives up). */
  #settle(runId: number, attempt: number): void {
    void this.refresh().then(() => {
      const run = this.runs.find((r) => r.id === runId);
      const live = this.live[runId];
      if (!live || !isFinalPhase(live.phase)) return; // resumed meanwhile
      if (run && isActiveStatus(run.status) && attempt < SETTLE_DELAYS_MS.length) {
        const timer = setTimeout(() => {
          this.#settleTimers.delete(timer);
          this.#settle(runId, attempt + 1);
        }, SETTLE_DELAYS_MS[attempt]);
        this.#settleTimers.add(timer);
        return;
      }
      // The list agrees (or the run is gone): its summary speaks from now on.
      if (!run || !isActiveStatus(run.status)) this.#dropLive(runId);
    });
  }

  #setRuns(list: RunSummary[]): void {
    this.runs = list;
    if (this.selectedId !== null && !list.some((r) => r.id === this.selectedId) && !this.live[this.selectedId]) {
      this.select(list[0]?.id ?? null);
    }
  }

  #upsert(run: RunSummary): void {
    const i = this.runs.findIndex((r) => r.id === run.id);
    this.runs = i === -1 ? [run, ...this.runs].sort((a, b) => b.id - a.id) : this.runs.map((r) => (r.id === run.id ? run : r));
  }

  #setLive(runId: number, p: TrainingProgress): void {
    this.live = { ...this.live, [runId]: p };
  }

  #dropLive(runId: number): void {
    if (!(runId in this.live)) return;
    const { [runId]: _gone, ...rest } = this.live;
    this.live = rest;
  }

  #setAction(runId: number, action: RunAction | null): void {
    if (action === null) {
      if (!(runId in this.actions)) return;
      const { [runId]: _done, ...rest } = this.actions;
      this.actions = rest;
    } else {
      this.actions = { ...this.actions, [runId]: action };
    }
  }
}

function endNotice(p: TrainingProgress, run: RunSummary | null): RunNotice {
  const name = `Run #${p.runId}${run ? ` on ${run.datasetName}` : ''}`;
  switch (p.phase) {
    case 'completed':
      return {
        kind: 'success',
        text: `${name} completed${p.total > 0 ? `: ${plural(p.total, 'embedding')} ready to export` : ''}.`,
        runId: p.runId,
      };
    case 'failed':
      return { kind: 'info', text: `${name} failed${p.message ? `: ${p.message}` : '.'}`, runId: p.runId };
    default:
      return { kind: 'info', text: `${name} was cancelled; it can be resumed from its last checkpoint.`, runId: p.runId };
  }
}

/** What the panel shows between `runs.start` (or resume) returning and the run's first event. */
function startingProgress(run: RunSummary): TrainingProgress {
  return {
    runId: run.id,
    datasetId: run.datasetId,
    phase: 'starting',
    epoch: run.epochsDone,
    epochs: run.epochs,
    step: run.stepsDone,
    totalSteps: 0,
    loss: null,
    learningRate: null,
    examplesPerSec: null,
    etaSec: null,
    done: 0,
    total: 0,
    backend: run.backend,
    message: null,
    metrics: [],
    evaluations: [],
  };
}
