/**
 * Projections of runs' embeddings: starts them (in a worker, one per run at a time), relays their
 * progress as `projection.progress` events, cancels them, and serves stored ones as the binary
 * points the Explore map loads.
 */
import { join } from 'node:path';
import { ApiError, type ProjectionProgress, type ProjectionSettings, type ProjectionSummary } from '../../contract';
import type { EventHub } from '../events';
import { startProjectionWorker, type ProjectionJob, type ProjectionOutcome } from '../jobs/projection-job';
import type { Db } from '../storage/db';
import type { ProjectionPoints, ProjectionRecord, ProjectionsRepository } from '../storage/repositories/projections';
import type { VectorsRepository } from '../storage/repositories/vectors';
import { encodePoints, pointsWithLabels } from './points';
import { computeProjection, ProjectionCancelled } from './project';
import { resolveProjectionSettings } from './settings';

export interface ProjectionServiceOptions {
  db: Db;
  dbPath: string;
  /** Folder of the built worker entries; without it projections run on this thread (tests). */
  workerDir?: string;
  events: EventHub;
  projections: ProjectionsRepository;
  vectors: VectorsRepository;
}

export class ProjectionService {
  private readonly jobs = new Map<number, ProjectionJob>();

  constructor(private readonly options: ProjectionServiceOptions) {}

  /** Computes and stores a projection; resolves with it when done (progress arrives as events meanwhile). */
  async compute(runId: number, input: Partial<ProjectionSettings> | undefined): Promise<ProjectionSummary> {
    let settings: Required<ProjectionSettings>;
    try {
      settings = resolveProjectionSettings(input);
    } catch (error) {
      throw new ApiError('bad_request', (error as Error).message);
    }
    const stamp = this.options.vectors.stamp(runId);
    if (stamp === undefined) throw new ApiError('not_found', `No run with id ${runId}`);
    if (stamp.startsWith('running|') || stamp.startsWith('queued|')) throw new ApiError('conflict', `Run #${runId} is still training; project it when it has finished`);
    const { count } = this.options.vectors.shape(runId);
    if (count === 0) throw new ApiError('bad_request', `Run #${runId} has no embeddings yet; they are stored when training completes`);
    const minimum = settings.method === 'umap' ? 3 : 2;
    if (count < minimum) throw new ApiError('bad_request', `Run #${runId} has ${count} embedding${count === 1 ? '' : 's'}; ${settings.method.toUpperCase()} needs at least ${minimum}`);
    // The same settings on the same embeddings give the same map (projections are seeded): return the stored one.
    const same = this.findSame(runId, settings, count);
    if (same) return same;
    if (this.jobs.has(runId)) throw new ApiError('conflict', `Run #${runId} is already being projected; wait for it or cancel it`);

    const onProgress = (progress: ProjectionProgress): void => this.options.events.emit('projection.progress', progress);
    const job = this.options.workerDir
      ? startProjectionWorker(join(this.options.workerDir, 'projection-worker.js'), { dbPath: this.options.dbPath, runId, settings }, onProgress)
      : this.inlineJob(runId, settings, onProgress);
    this.jobs.set(runId, job);
    let outcome: ProjectionOutcome;
    try {
      outcome = await job.done;
    } finally {
      this.jobs.delete(runId);
    }
    if (outcome.status === 'completed') return outcome.projection;
    throw new ApiError(outcome.status === 'cancelled' ? 'cancelled' : 'internal', outcome.message);
  }

  /**
   * A stored projection of the run with the same method and settings (UMAP's neighbours as used: at
   * most the other points) over as many points as the run has now; null when there is none.
   */
  private findSame(runId: number, settings: Required<ProjectionSettings>, count: number): ProjectionSummary | null {
    const wanted = settings.method === 'umap' ? { ...settings, neighbors: Math.min(settings.neighbors, count - 1) } : settings;
    const key = (s: Required<ProjectionSettings>): string =>
      s.method === 'umap' ? `umap|${s.seed}|${s.neighbors}|${s.minDist}` : `pca|${s.seed}`;
    return this.options.projections.list(runId).find((p) => p.method === wanted.method && p.points === count && key(p.settings) === key(wanted)) ?? null;
  }

  cancel(runId: number): boolean {
    const job = this.jobs.get(runId);
    job?.cancel();
    return job !== undefined;
  }

  /** Cancels the run's projection, if any, and waits until it has stopped. */
  async stop(runId: number): Promise<void> {
    const job = this.jobs.get(runId);
    if (!job) return;
    job.cancel();
    await job.done;
  }

  list(runId: number): ProjectionSummary[] {
    return this.options.projections.list(runId);
  }

  /** A projection of the run by id, or the run's latest when `projectionId` is null. */
  require(runId: number, projectionId: number | null): ProjectionRecord {
    if (projectionId === null) {
      const latest = this.options.projections.latest(runId);
      if (!latest) throw new ApiError('not_found', `Run #${runId} has no projection yet; compute one first (pretext project ${runId})`);
      return latest;
    }
    const record = this.options.projections.get(projectionId);
    if (!record || record.runId !== runId) throw new ApiError('not_found', `Run #${runId} has no projection ${projectionId}`);
    return record;
  }

  /** The stored coordinates of a projection (see require). */
  pointsOf(runId: number, projectionId: number | null): { record: ProjectionRecord; points: ProjectionPoints } {
    const record = this.require(runId, projectionId);
    const points = this.options.projections.points(record.id);
    if (!points) throw new ApiError('not_found', `Projection ${record.id} was removed`);
    return { record, points };
  }

  /** The binary points file of a projection (layout: POINTS_MAGIC in contract.ts). */
  pointsBinary(runId: number, projectionId: number | null): { bytes: Buffer; count: number } {
    const { points } = this.pointsOf(runId, projectionId);
    const data = pointsWithLabels(points, this.options.vectors.labels(runId));
    return { bytes: encodePoints(data), count: data.itemIds.length };
  }

  async close(): Promise<void> {
    const jobs = [...this.jobs.values()];
    for (const job of jobs) job.cancel();
    await Promise.allSettled(jobs.map((j) => j.done));
  }

  private inlineJob(runId: number, settings: Required<ProjectionSettings>, onProgress: (p: ProjectionProgress) => void): ProjectionJob {
    const controller = new AbortController();
    return {
      runId,
      cancel: () => controller.abort(),
      done: computeProjection(this.options.db, runId, settings, { onProgress, isCancelled: () => controller.signal.aborted }).then(
        (projection) => ({ status: 'completed' as const, projection }),
        (error: Error) => ({ status: error instanceof ProjectionCancelled ? ('cancelled' as const) : ('failed' as const), message: error.message }),
      ),
    };
  }
}
