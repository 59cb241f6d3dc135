import type { EvaluationPoint, MetricPoint, RunBackendDetails } from '../../../contract';
import type { Db } from '../db';

export type RunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted';

export interface RunRecord {
  id: number;
  datasetId: number;
  datasetName: string;
  method: string;
  config: Record<string, unknown>;
  seed: number;
  backend: string | null;
  /** The adapter and why faster backends were not used, as the run (last) started. */
  backendDetails: RunBackendDetails | null;
  versions: Record<string, string>;
  status: RunStatus;
  error: string | null;
  epochsDone: number;
  stepsDone: number;
  trainSeconds: number;
  embeddingDim: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  vectors: number;
}

export type MetricRow = MetricPoint;

export interface CheckpointRow {
  id: number;
  runId: number;
  epoch: number;
  step: number;
  /** Relative to the database's folder. */
  path: string;
  bytes: number;
  createdAt: string;
}

interface RunDbRow {
  id: number;
  dataset_id: number;
  dataset_name: string;
  method: string;
  config: string;
  seed: number;
  backend: string | null;
  backend_details: string | null;
  versions: string;
  status: RunStatus;
  error: string | null;
  epochs_done: number;
  steps_done: number;
  train_seconds: number;
  embedding_dim: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  vectors: number;
}

const toRun = (r: RunDbRow): RunRecord => ({
  id: r.id,
  datasetId: r.dataset_id,
  datasetName: r.dataset_name,
  method: r.method,
  config: JSON.parse(r.config) as Record<string, unknown>,
  seed: r.seed,
  backend: r.backend,
  backendDetails: r.backend_details === null ? null : (JSON.parse(r.backend_details) as RunBackendDetails),
  versions: JSON.parse(r.versions) as Record<string, string>,
  status: r.status,
  error: r.error,
  epochsDone: r.epochs_done,
  stepsDone: r.steps_done,
  trainSeconds: r.train_seconds,
  embeddingDim: r.embedding_dim,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  vectors: r.vectors,
});

const now = (): string => new Date().toISOString();

export const INTERRUPTED_MESSAGE = 'The Pretext process training this run stopped; resume it to continue from its last checkpoint';
const RUN_SELECT = `SELECT r.*, d.name AS dataset_name,
  (SELECT COUNT(*) FROM vectors v WHERE v.run_id = r.id) AS vectors
  FROM runs r JOIN datasets d ON d.id = r.dataset_id`;

/** All SQL about runs, their metrics, checkpoints and vectors. */
export class RunsRepository {
  private readonly stmts;
  private readonly insertMetrics: (rows: readonly MetricRow[], runId: number) => void;

  constructor(private readonly db: Db) {
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO runs (dataset_id, method, config, seed, status, created_at)
         VALUES (@datasetId, @method, @config, @seed, 'queued', @now)`,
      ),
      byId: db.prepare(`${RUN_SELECT} WHERE r.id = ?`),
      all: db.prepare(`${RUN_SELECT} ORDER BY r.id DESC`),
      byDataset: db.prepare(`${RUN_SELECT} WHERE r.dataset_id = ? ORDER BY r.id DESC`),
      start: db.prepare(
        `UPDATE runs SET status = 'running', error = NULL, backend = @backend, backend_details = @details, versions = @versions,
           started_at = COALESCE(started_at, @now), finished_at = NULL WHERE id = @id`,
      ),
      progress: db.prepare(`UPDATE runs SET epochs_done = ?, steps_done = ?, train_seconds = ? WHERE id = ?`),
      finish: db.prepare(`UPDATE runs SET status = ?, error = ?, finished_at = ? WHERE id = ?`),
      setDim: db.prepare(`UPDATE runs SET embedding_dim = ? WHERE id = ?`),
      markInterrupted: db.prepare(
        `UPDATE runs SET status = 'interrupted', error = ? WHERE id = ? AND status IN ('running', 'queued')`,
      ),
      active: db.prepare(`SELECT id FROM runs WHERE status IN ('running', 'queued')`).pluck(),
      queue: db.prepare(`UPDATE runs SET status = 'queued', error = NULL WHERE id = ?`),
      metric: db.prepare(
        `INSERT OR REPLACE INTO metrics (run_id, step, epoch, loss, parts, lr, examples_per_sec, elapsed_sec)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      metrics: db.prepare(
        `SELECT step, epoch, loss, parts, lr, examples_per_sec AS examplesPerSec, elapsed_sec AS elapsedSec
         FROM metrics WHERE run_id = ? AND step > ? ORDER BY step`,
      ),
      setConfig: db.prepare(`UPDATE runs SET config = ? WHERE id = ?`),
      evaluation: db.prepare(
        `INSERT OR REPLACE INTO evaluations (run_id, epoch, step, final, items, knn, linear, alignment, uniformity, effective_rank, mean_variance, collapse, seconds)
         VALUES (@runId, @epoch, @step, @final, @items, @knn, @linear, @alignment, @uniformity, @effectiveRank, @meanVariance, @collapse, @seconds)`,
      ),
      evaluations: db.prepare(
        `SELECT epoch, step, final, items, knn, linear, alignment, uniformity, effective_rank AS effectiveRank,
           mean_variance AS meanVariance, collapse, seconds
         FROM evaluations WHERE run_id = ? ORDER BY epoch, final`,
      ),
      lastEvaluation: db.prepare(
        `SELECT epoch, step, final, items, knn, linear, alignment, uniformity, effective_rank AS effectiveRank,
           mean_variance AS meanVariance, collapse, seconds
         FROM evaluations WHERE run_id = ? ORDER BY final DESC, epoch DESC LIMIT 1`,
      ),
      dropEvaluationsAfter: db.prepare(`DELETE FROM evaluations WHERE run_id = ? AND (epoch > ? OR final = 1)`),
      lossRange: db.prepare(
        `SELECT (SELECT loss FROM metrics WHERE run_id = @id ORDER BY step LIMIT 1) AS first,
                (SELECT loss FROM metrics WHERE run_id = @id ORDER BY step DESC LIMIT 1) AS last`,
      ),
      dropMetricsAfter: db.prepare(`DELETE FROM metrics WHERE run_id = ? AND step > ?`),
      addCheckpoint: db.prepare(
        `INSERT OR REPLACE INTO checkpoints (run_id, epoch, step, path, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      latestCheckpoint: db.prepare(
        `SELECT id, run_id AS runId, epoch, step, path, bytes, created_at AS createdAt
         FROM checkpoints WHERE run_id = ? ORDER BY epoch DESC LIMIT 1`,
      ),
      checkpoints: db.prepare(
        `SELECT id, run_id AS runId, epoch, step, path, bytes, created_at AS createdAt
         FROM checkpoints WHERE run_id = ? ORDER BY epoch`,
      ),
      removeCheckpoint: db.prepare(`DELETE FROM checkpoints WHERE id = ?`),
      dropCheckpointsAfter: db.prepare(`DELETE FROM checkpoints WHERE run_id = ? AND epoch > ?`),
      remove: db.prepare(`DELETE FROM runs WHERE id = ?`),
    };
    this.insertMetrics = db.transaction((rows: readonly MetricRow[], runId: number) => {
      for (const m of rows) {
        const parts = Object.keys(m.parts).length > 0 ? JSON.stringify(m.parts) : null;
        this.stmts.metric.run(runId, m.step, m.epoch, m.loss, parts, m.lr, m.examplesPerSec, m.elapsedSec);
      }
    });
  }

  create(input: { datasetId: number; method: string; config: object; seed: number }): RunRecord {
    const info = this.stmts.insert.run({ ...input, config: JSON.stringify(input.config), now: now() });
    return this.get(Number(info.lastInsertRowid))!;
  }

  get(id: number): RunRecord | undefined {
    const r = this.stmts.byId.get(id) as RunDbRow | undefined;
    return r && toRun(r);
  }

  list(datasetId?: number): RunRecord[] {
    const rows = (datasetId === undefined ? this.stmts.all.all() : this.stmts.byDataset.all(datasetId)) as RunDbRow[];
    return rows.map(toRun);
  }

  markStarted(id: number, backend: string, versions: Record<string, string>, details: RunBackendDetails = { adapter: null, unavailable: [] }): void {
    this.stmts.start.run({ id, backend, details: JSON.stringify(details), versions: JSON.stringify(versions), now: now() });
  }

  updateProgress(id: number, epochsDone: number, stepsDone: number, trainSeconds: number): void {
    this.stmts.progress.run(epochsDone, stepsDone, trainSeconds, id);
  }

  finish(id: number, status: Exclude<RunStatus, 'queued' | 'running'>, error: string | null = null): void {
    this.stmts.finish.run(status, error, now(), id);
  }

  setEmbeddingDim(id: number, dim: number): void {
    this.stmts.setDim.run(dim, id);
  }

  /** Marks a run that its process left 'running' or 'queued' (it died or was stopped) so the user can resume it. */
  markInterrupted(id: number, message = INTERRUPTED_MESSAGE): boolean {
    return this.stmts.markInterrupted.run(message, id).changes > 0;
  }

  /** Ids of runs marked 'running' or 'queued' (live, or left so by a process that died). */
  activeIds(): number[] {
    return this.stmts.active.all() as number[];
  }

  /** A run about to (re)start: queued until its worker reports the backend. */
  markQueued(id: number): void {
    this.stmts.queue.run(id);
  }

  addMetrics(runId: number, rows: readonly MetricRow[]): void {
    if (rows.length > 0) this.insertMetrics(rows, runId);
  }

  metrics(runId: number, afterStep = 0): MetricRow[] {
    return (this.stmts.metrics.all(runId, afterStep) as (Omit<MetricRow, 'parts'> & { parts: string | null })[]).map((r) => ({
      ...r,
      parts: r.parts === null ? {} : (JSON.parse(r.parts) as Record<string, number>),
    }));
  }

  /** Stores the run's configuration once training resolved it (every parameter, the input spec). */
  setConfig(id: number, config: object): void {
    this.stmts.setConfig.run(JSON.stringify(config), id);
  }

  addEvaluation(runId: number, e: EvaluationPoint): void {
    this.stmts.evaluation.run({ runId, ...e, final: e.final ? 1 : 0 });
  }

  evaluations(runId: number): EvaluationPoint[] {
    return (this.stmts.evaluations.all(runId) as (Omit<EvaluationPoint, 'final'> & { final: number })[]).map((r) => ({ ...r, final: r.final === 1 }));
  }

  lastEvaluation(runId: number): EvaluationPoint | null {
    const r = this.stmts.lastEvaluation.get(runId) as (Omit<EvaluationPoint, 'final'> & { final: number }) | undefined;
    return r ? { ...r, final: r.final === 1 } : null;
  }

  /** The first and the last logged loss of a run (null before its first step). */
  lossRange(runId: number): { first: number | null; last: number | null } {
    return this.stmts.lossRange.get({ id: runId }) as { first: number | null; last: number | null };
  }

  /** On resume: steps after the checkpoint are trained again, so their old metrics go. */
  rewindTo(runId: number, epoch: number, step: number): void {
    this.db.transaction(() => {
      this.stmts.dropMetricsAfter.run(runId, step);
      this.stmts.dropCheckpointsAfter.run(runId, epoch);
      this.stmts.dropEvaluationsAfter.run(runId, epoch);
    })();
  }

  addCheckpoint(runId: number, epoch: number, step: number, path: string, bytes: number): void {
    this.stmts.addCheckpoint.run(runId, epoch, step, path, bytes, now());
  }

  latestCheckpoint(runId: number): CheckpointRow | undefined {
    return this.stmts.latestCheckpoint.get(runId) as CheckpointRow | undefined;
  }

  checkpoints(runId: number): CheckpointRow[] {
    return this.stmts.checkpoints.all(runId) as CheckpointRow[];
  }

  removeCheckpoint(id: number): void {
    this.stmts.removeCheckpoint.run(id);
  }

  remove(id: number): boolean {
    return this.stmts.remove.run(id).changes > 0;
  }
}
