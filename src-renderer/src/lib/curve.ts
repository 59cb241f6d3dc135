/**
 * The loss curve's data: steps, raw loss, a smoothed line and the epoch of each point, in typed
 * arrays grown in place (doubling), so that appending a few points per progress event stays cheap at
 * 100,000 points and the chart receives views, never copies. Methods whose loss has named parts
 * (`MetricPoint.parts`) get a raw and a smoothed column per part as well. Pure, tested in test/renderer.
 */
import type { MetricPoint } from '../../../src-main/contract';

/** The raw loss line: light enough to read on the dark background, fainter than the smoothed line. */
export const RAW_LOSS_STROKE = 'rgba(176, 194, 255, 0.62)';

/** Titles of the loss charts' axes. */
export const STEP_AXIS_TITLE = 'Training step';
export function lossAxisTitle(log: boolean): string {
  return log ? 'Loss (log scale)' : 'Loss';
}

/** Smoothing weight of the EMA line (0 = none, like TensorBoard's slider). */
export const DEFAULT_SMOOTHING = 0.8;
export const MAX_SMOOTHING = 0.999;

/** Clamps a smoothing weight to 0..MAX_SMOOTHING; anything not a number means no smoothing. */
export function clampSmoothing(weight: number): number {
  if (!Number.isFinite(weight) || weight <= 0) return 0;
  return Math.min(MAX_SMOOTHING, weight);
}

/**
 * Debiased exponential moving average (TensorBoard's "smoothing"): the first values are not pulled
 * towards zero. Non-finite values are skipped: they keep the previous smoothed value.
 */
export function emaSmooth(values: ArrayLike<number>, weight: number): Float64Array {
  const w = clampSmoothing(weight);
  const out = new Float64Array(values.length);
  let acc = 0;
  let norm = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      acc = acc * w + (1 - w) * v;
      norm = norm * w + (1 - w);
    }
    out[i] = norm > 0 ? acc / norm : Number.NaN;
  }
  return out;
}

/**
 * Parts that are not losses: a part named `accuracy` or ending in `Accuracy` (`rotationAccuracy`) is a
 * share in [0, 1] that the step measured, such as a pretext task's accuracy. The chart puts these on
 * their own 0–100 % axis, and they never decide whether the loss axis can be logarithmic.
 */
export function isAccuracyPart(name: string): boolean {
  return /(^a|A)ccuracy$/.test(name);
}

/** "87.5 %": an accuracy part's value. */
export function formatShare(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return `${(value * 100).toFixed(1)} %`;
}

/** Columns in the order uPlot wants them: x, then each series. */
export type CurveColumns = [steps: Float64Array, loss: Float64Array, smooth: Float64Array];

export type AppendResult = 'none' | 'appended' | 'rewound';

/** One named part of the loss: views of its raw and smoothed values (NaN where a point lacks it). */
export interface PartColumn {
  name: string;
  /** An accuracy in [0, 1] rather than a loss ({@link isAccuracyPart}). */
  accuracy: boolean;
  raw: Float64Array;
  smooth: Float64Array;
}

/** A part's values and its EMA state. */
interface PartSeries {
  name: string;
  accuracy: boolean;
  raw: Float64Array;
  smooth: Float64Array;
  acc: number;
  norm: number;
}

export class CurveBuffer {
  steps: Float64Array;
  loss: Float64Array;
  smooth: Float64Array;
  epochs: Int32Array;
  length = 0;
  /** Named loss parts, in the order they first appeared. */
  #parts: PartSeries[] = [];

  #weight: number;
  /** EMA state after the last point: the running sum and its normaliser. */
  #acc = 0;
  #norm = 0;
  #min = Number.POSITIVE_INFINITY;
  #minPart = Number.POSITIVE_INFINITY;

  constructor(smoothing = DEFAULT_SMOOTHING, capacity = 1024) {
    const size = Math.max(16, Math.floor(capacity));
    this.steps = new Float64Array(size);
    this.loss = new Float64Array(size);
    this.smooth = new Float64Array(size);
    this.epochs = new Int32Array(size);
    this.#weight = clampSmoothing(smoothing);
  }

  get smoothing(): number {
    return this.#weight;
  }

  get capacity(): number {
    return this.steps.length;
  }

  /** Step of the last point, or -Infinity when empty. */
  get lastStep(): number {
    return this.length === 0 ? Number.NEGATIVE_INFINITY : this.steps[this.length - 1]!;
  }

  get lastLoss(): number | null {
    return this.length === 0 ? null : this.loss[this.length - 1]!;
  }

  get firstLoss(): number | null {
    return this.length === 0 ? null : this.loss[0]!;
  }

  /** The smallest finite loss, or +Infinity when there is none (a log axis needs it above zero). */
  get minLoss(): number {
    return this.#min;
  }

  get lastSmooth(): number | null {
    return this.length === 0 ? null : this.smooth[this.length - 1]!;
  }

  /** Names of the loss parts, in the order they first appeared ([] for single-loss methods). */
  get partNames(): string[] {
    return this.#parts.map((p) => p.name);
  }

  /** The smallest finite value of the loss and its loss parts, accuracies left out (a log axis needs every loss line above zero). */
  get minValue(): number {
    return Math.min(this.#min, this.#minPart);
  }

  /** Views of each part's filled values, for uPlot (no copy). */
  partColumns(): PartColumn[] {
    const n = this.length;
    return this.#parts.map((p) => ({ name: p.name, accuracy: p.accuracy, raw: p.raw.subarray(0, n), smooth: p.smooth.subarray(0, n) }));
  }

  /** A part's raw value at `index` (NaN where the point lacks it), or null. */
  partAt(name: string, index: number): number | null {
    const part = this.#parts.find((p) => p.name === name);
    return part && index >= 0 && index < this.length ? part.raw[index]! : null;
  }

  /**
   * Appends points in step order. A point at or before the last step means the run was rewound (a
   * resume from a checkpoint) or the same points arrived twice (a load racing live events): the
   * curve is cut back to before that step first, so it never holds a step twice.
   */
  append(points: readonly MetricPoint[]): AppendResult {
    let result: AppendResult = 'none';
    for (const p of points) {
      if (!Number.isFinite(p.step)) continue;
      if (p.step <= this.lastStep) {
        this.truncateFrom(p.step);
        result = 'rewound';
      } else if (result === 'none') {
        result = 'appended';
      }
      this.#push(p.step, p.loss, p.epoch, p.parts);
    }
    return result;
  }

  /** Replaces the whole curve. */
  reset(points: readonly MetricPoint[] = []): void {
    this.length = 0;
    this.#acc = 0;
    this.#norm = 0;
    this.#min = Number.POSITIVE_INFINITY;
    this.#minPart = Number.POSITIVE_INFINITY;
    this.#parts = [];
    if (points.length > this.capacity) this.#grow(points.length);
    this.append(points);
  }

  /** Drops every point at or after `step`. */
  truncateFrom(step: number): void {
    // Steps are sorted: binary search for the first index with steps[i] >= step.
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.steps[mid]! < step) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= this.length) return;
    this.length = lo;
    this.#restoreEma();
  }

  /** Changes the smoothing weight and recomputes the smoothed line. */
  setSmoothing(weight: number): void {
    const w = clampSmoothing(weight);
    if (w === this.#weight) return;
    this.#weight = w;
    const smooth = emaSmooth(this.loss.subarray(0, this.length), w);
    this.smooth.set(smooth);
    for (const part of this.#parts) part.smooth.set(emaSmooth(part.raw.subarray(0, this.length), w));
    this.#acc = 0;
    this.#norm = 0;
    this.#restoreEma();
  }

  /** Views of the filled part, for uPlot (no copy). */
  columns(): CurveColumns {
    const n = this.length;
    return [this.steps.subarray(0, n), this.loss.subarray(0, n), this.smooth.subarray(0, n)];
  }

  /** Epoch of the point at `index`, or null. */
  epochAt(index: number): number | null {
    return index >= 0 && index < this.length ? this.epochs[index]! : null;
  }

  #push(step: number, loss: number, epoch: number, parts: Record<string, number> | undefined): void {
    if (this.length === this.capacity) this.#grow(this.length + 1);
    const i = this.length;
    if (parts) {
      for (const name of Object.keys(parts)) if (name !== 'total' && !this.#parts.some((p) => p.name === name)) this.#addPart(name);
    }
    const w = this.#weight;
    for (const part of this.#parts) {
      const v = parts?.[part.name];
      const value = typeof v === 'number' ? v : Number.NaN;
      part.raw[i] = value;
      if (Number.isFinite(value)) {
        if (!part.accuracy && value < this.#minPart) this.#minPart = value;
        part.acc = part.acc * w + (1 - w) * value;
        part.norm = part.norm * w + (1 - w);
      }
      part.smooth[i] = part.norm > 0 ? part.acc / part.norm : Number.NaN;
    }
    this.steps[i] = step;
    this.loss[i] = loss;
    this.epochs[i] = epoch;
    if (Number.isFinite(loss)) {
      if (loss < this.#min) this.#min = loss;
      this.#acc = this.#acc * this.#weight + (1 - this.#weight) * loss;
      this.#norm = this.#norm * this.#weight + (1 - this.#weight);
    }
    this.smooth[i] = this.#norm > 0 ? this.#acc / this.#norm : Number.NaN;
    this.length = i + 1;
  }

  /** Recomputes the EMA state for the first `length` points (after a cut or a new weight). */
  #restoreEma(): void {
    let acc = 0;
    let norm = 0;
    let min = Number.POSITIVE_INFINITY;
    const w = this.#weight;
    for (let i = 0; i < this.length; i++) {
      const v = this.loss[i]!;
      if (!Number.isFinite(v)) continue;
      if (v < min) min = v;
      acc = acc * w + (1 - w) * v;
      norm = norm * w + (1 - w);
    }
    this.#acc = acc;
    this.#norm = norm;
    this.#min = min;
    let minPart = Number.POSITIVE_INFINITY;
    for (const part of this.#parts) {
      part.acc = 0;
      part.norm = 0;
      for (let i = 0; i < this.length; i++) {
        const v = part.raw[i]!;
        if (!Number.isFinite(v)) continue;
        if (!part.accuracy && v < minPart) minPart = v;
        part.acc = part.acc * w + (1 - w) * v;
        part.norm = part.norm * w + (1 - w);
      }
    }
    this.#minPart = minPart;
  }

  /** A part seen for the first time: NaN for the points before it. */
  #addPart(name: string): void {
    const raw = new Float64Array(this.capacity).fill(Number.NaN);
    const smooth = new Float64Array(this.capacity).fill(Number.NaN);
    this.#parts.push({ name, accuracy: isAccuracyPart(name), raw, smooth, acc: 0, norm: 0 });
  }

  #grow(min: number): void {
    let size = this.capacity;
    while (size < min) size *= 2;
    const grow = <T extends Float64Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(size);
      next.set(old.subarray(0, this.length));
      return next;
    };
    this.steps = grow(this.steps, (n) => new Float64Array(n));
    this.loss = grow(this.loss, (n) => new Float64Array(n));
    this.smooth = grow(this.smooth, (n) => new Float64Array(n));
    this.epochs = grow(this.epochs, (n) => new Int32Array(n));
    for (const part of this.#parts) {
      part.raw = grow(part.raw, (n) => new Float64Array(n));
      part.smooth = grow(part.smooth, (n) => new Float64Array(n));
    }
  }
}

/**
 * Tick labels of the loss axis with the fewest decimals that show every tick exactly:
 * [3.2, 3.4, 3.6] → ["3.2", "3.4", "3.6"], [0.25, 0.5] → ["0.25", "0.50"].
 */
export function axisLabels(splits: readonly number[]): string[] {
  const finite = splits.filter((v) => Number.isFinite(v));
  let decimals = 0;
  while (decimals < 8) {
    const scale = 10 ** decimals;
    if (finite.every((v) => Math.abs(v * scale - Math.round(v * scale)) < 1e-6 * Math.max(1, Math.abs(v * scale)))) break;
    decimals++;
  }
  return splits.map((v) => (Number.isFinite(v) ? v.toFixed(decimals) : ''));
}

/**
 * Ticks of a log axis: 1, 2, 5 × 10ⁿ when at least three fit; narrower ranges (a loss going from
 * 4.1 to 3.2) get about `count` ticks spaced evenly on the log scale, rounded to two significant digits.
 */
export function logSplits(min: number, max: number, count = 5): number[] {
  if (!(min > 0) || !(max > min)) return min > 0 ? [min] : [];
  const decades: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of [1, 2, 5]) {
      const v = Number((m * 10 ** e).toPrecision(1));
      if (v >= min && v <= max) decades.push(v);
    }
  }
  if (decades.length >= 3) return decades;
  const ticks: number[] = [];
  const lo = Math.log(min);
  const step = (Math.log(max) - lo) / Math.max(1, count - 1);
  for (let i = 0; i < count; i++) {
    const v = Number(Math.exp(lo + step * i).toPrecision(2));
    if (v >= min && v <= max && ticks[ticks.length - 1] !== v) ticks.push(v);
  }
  return ticks;
}

/** Labels of the log axis's ticks (already round): 0.05 → "0.05", 3.4 → "3.4", 20 → "20". */
export function logAxisLabels(splits: readonly number[]): string[] {
  return splits.map((v) => (Number.isFinite(v) && v > 0 ? String(Number(v.toPrecision(2))) : ''));
}
