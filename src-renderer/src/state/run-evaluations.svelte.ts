import type { EvaluationPoint } from '../../../src-main/contract';
import { LatestOnly } from '../lib/async';
import type { Backend } from '../lib/client';
import { evaluationSeries, latestEvaluation, mergeEvaluations, type EvaluationSeries } from '../lib/evaluation';
import { errorMessage } from '../lib/format';

/**
 * The evaluations of the run on screen: loaded with `runs.evaluations` when the run is opened, then
 * extended by those that arrive with `training.progress` events. Evaluations that arrive while the
 * load is under way are held and merged after it, so none is lost or doubled.
 */
export class RunEvaluations {
  runId = $state<number | null>(null);
  points = $state.raw<EvaluationPoint[]>([]);
  loading = $state(false);
  /** True once the run's stored evaluations arrived. */
  loaded = $state(false);
  error = $state<string | null>(null);

  readonly latest: EvaluationPoint | null = $derived(latestEvaluation(this.points));
  readonly series: EvaluationSeries = $derived(evaluationSeries(this.points));

  readonly #backend: Backend;
  readonly #latest = new LatestOnly();
  #held: EvaluationPoint[] = [];

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  open(runId: number): Promise<void> {
    this.runId = runId;
    this.points = [];
    this.#held = [];
    this.loaded = false;
    return this.#load(runId);
  }

  /** Loads the open run's evaluations again (after a reconnection or a resume). */
  reload(): Promise<void> {
    if (this.runId === null) return Promise.resolve();
    this.#held = [];
    return this.#load(this.runId);
  }

  close(): void {
    this.#latest.invalidate();
    this.runId = null;
    this.points = [];
    this.#held = [];
    this.loading = false;
    this.loaded = false;
    this.error = null;
  }

  /** Evaluations from a progress event; ignored unless they belong to the open run. */
  push(runId: number, evaluations: readonly EvaluationPoint[] | undefined): void {
    if (runId !== this.runId || !evaluations || evaluations.length === 0) return;
    if (this.loading) {
      this.#held.push(...evaluations);
      return;
    }
    this.points = mergeEvaluations(this.points, evaluations);
  }

  async #load(runId: number): Promise<void> {
    const ticket = this.#latest.begin();
    this.loading = true;
    this.error = null;
    try {
      const stored = await this.#backend.calls['runs.evaluations']({ runId });
      if (!this.#latest.isCurrent(ticket)) return;
      this.points = mergeEvaluations(stored, this.#held);
      this.loaded = true;
    } catch (error) {
      if (!this.#latest.isCurrent(ticket)) return;
      this.points = mergeEvaluations(this.points, this.#held);
      this.error = errorMessage(error);
    } finally {
      if (this.#latest.isCurrent(ticket)) {
        this.#held = [];
        this.loading = false;
      }
    }
  }
}
