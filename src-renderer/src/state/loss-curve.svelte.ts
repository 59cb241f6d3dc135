import type { MetricPoint } from '../../../src-main/contract';
import { LatestOnly } from '../lib/async';
import type { Backend } from '../lib/client';
import { CurveBuffer, DEFAULT_SMOOTHING, clampSmoothing } from '../lib/curve';
import { errorMessage } from '../lib/format';

/**
 * The loss curve of the run on screen. The points live in a plain `CurveBuffer` (typed arrays grown
 * in place, never proxied); `version` is the one reactive signal that they changed, so the chart
 * can redraw at its own pace however many points arrive.
 *
 * Opening a run loads every logged step with `runs.metrics`; live `training.progress` events that
 * arrive meanwhile are held and merged after it (the buffer drops steps it already has), so no point
 * is lost or doubled.
 */
export class LossCurve {
  runId = $state<number | null>(null);
  /** Bumped whenever the buffer changes. */
  version = $state(0);
  /** Points in the buffer (reactive copy of `buffer.length`). */
  points = $state(0);
  loading = $state(false);
  /** True once the run's stored metrics arrived. */
  loaded = $state(false);
  error = $state<string | null>(null);
  smoothing = $state(DEFAULT_SMOOTHING);
  /** Loss axis on a log scale; like the smoothing, it stays as runs are switched. */
  logScale = $state(false);

  readonly buffer = new CurveBuffer(DEFAULT_SMOOTHING);
  readonly #backend: Backend;
  readonly #latest = new LatestOnly();
  /** Live points for `runId` that arrived while its metrics were loading. */
  #held: MetricPoint[][] = [];

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  /** Shows a run's curve: clears the buffer and loads its stored points. */
  open(runId: number): Promise<void> {
    this.runId = runId;
    this.buffer.reset();
    this.#held = [];
    this.loaded = false;
    this.#changed();
    return this.#load(runId);
  }

  /** Loads the open run's points again (after a reconnection, when events may have been missed). */
  reload(): Promise<void> {
    if (this.runId === null) return Promise.resolve();
    this.#held = [];
    return this.#load(this.runId);
  }

  close(): void {
    this.#latest.invalidate();
    this.runId = null;
    this.buffer.reset();
    this.#held = [];
    this.loading = false;
    this.loaded = false;
    this.error = null;
    this.#changed();
  }

  /** New points from a progress event; ignored unless they belong to the open run. */
  push(runId: number, metrics: readonly MetricPoint[]): void {
    if (runId !== this.runId || metrics.length === 0) return;
    if (this.loading) {
      this.#held.push([...metrics]);
      return;
    }
    if (this.buffer.append(metrics) !== 'none') this.#changed();
  }

  setSmoothing(weight: number): void {
    const w = clampSmoothing(weight);
    this.smoothing = w;
    this.buffer.setSmoothing(w);
    this.#changed();
  }

  async #load(runId: number): Promise<void> {
    const ticket = this.#latest.begin();
    this.loading = true;
    this.error = null;
    try {
      const points = await this.#backend.calls['runs.metrics']({ runId });
      if (!this.#latest.isCurrent(ticket)) return;
      this.buffer.reset(points);
      for (const batch of this.#held) this.buffer.append(batch);
      this.#held = [];
      this.loaded = true;
    } catch (error) {
      if (!this.#latest.isCurrent(ticket)) return;
      // Keep what arrived live; the message offers a retry.
      for (const batch of this.#held) this.buffer.append(batch);
      this.#held = [];
      this.error = errorMessage(error);
    } finally {
      if (this.#latest.isCurrent(ticket)) {
        this.loading = false;
        this.#changed();
      }
    }
  }

  #changed(): void {
    this.points = this.buffer.length;
    this.version++;
  }
}
