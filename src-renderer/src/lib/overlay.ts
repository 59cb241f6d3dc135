/**
 * Two runs' loss curves on one chart: uPlot wants one x column, so the steps of both are merged and each
 * curve gets null where it has no point (uPlot leaves a gap or, with spanGaps, joins across it). Pure,
 * tested in test/renderer.
 */

export interface CurveSeries {
  steps: ArrayLike<number>;
  values: ArrayLike<number>;
}

export type OverlayColumns = [steps: number[], a: (number | null)[], b: (number | null)[]];

/** Merges two step-sorted curves on the union of their steps. */
export function overlayColumns(a: CurveSeries, b: CurveSeries): OverlayColumns {
  const xs: number[] = [];
  const ya: (number | null)[] = [];
  const yb: (number | null)[] = [];
  let i = 0;
  let j = 0;
  while (i < a.steps.length || j < b.steps.length) {
    const sa = i < a.steps.length ? a.steps[i]! : Infinity;
    const sb = j < b.steps.length ? b.steps[j]! : Infinity;
    const step = Math.min(sa, sb);
    xs.push(step);
    ya.push(sa === step ? finiteOrNull(a.values[i++]!) : null);
    yb.push(sb === step ? finiteOrNull(b.values[j++]!) : null);
  }
  return [xs, ya, yb];
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
