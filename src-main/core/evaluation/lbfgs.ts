/**
 * A compact L-BFGS minimiser (Nocedal and Wright, "Numerical Optimization", 2nd ed., algorithms 7.4
 * and 7.5) for smooth convex objectives such as the linear probe's regularised cross-entropy.
 *
 * The search direction comes from the two-loop recursion over the last `memory` steps, scaled by
 * γ = sᵀy / yᵀy; the step length is found by backtracking from 1 until the Armijo condition holds
 * (with a safeguarded quadratic interpolation). For a strictly convex objective every accepted step
 * has sᵀy > 0, so the curvature pairs stay valid without a full Wolfe search; a pair with sᵀy too
 * small is skipped anyway.
 */

export interface LbfgsOptions {
  /** Iterations (accepted steps) at most. Default 1000. */
  maxIterations?: number;
  /** Stop when max |∂f/∂xᵢ| ≤ this (scipy's `gtol`). Default 1e-5. */
  gradientTolerance?: number;
  /** Stop when (f_k − f_k+1) ≤ this · max(|f_k|, |f_k+1|, 1) (scipy's `ftol`). Default 64 · 2⁻⁵² (scikit-learn's choice). */
  functionTolerance?: number;
  /** Curvature pairs kept. Default 10 (scipy's default). */
  memory?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  value: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  /** Why it stopped: 'gradient', 'function', 'iterations' or 'line search'. */
  reason: 'gradient' | 'function' | 'iterations' | 'line search';
}

/**
 * Minimises f starting from x0 (not modified). `f(x, grad)` returns f(x) and writes ∇f(x) into grad.
 */
export function minimizeLbfgs(f: (x: Float64Array, grad: Float64Array) => number, x0: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  const maxIterations = options.maxIterations ?? 1000;
  const gtol = options.gradientTolerance ?? 1e-5;
  const ftol = options.functionTolerance ?? 64 * Number.EPSILON;
  const m = options.memory ?? 10;
  if (!Number.isInteger(maxIterations) || maxIterations < 0) throw new Error(`L-BFGS maxIterations must be a non-negative integer, got ${maxIterations}`);
  if (!Number.isInteger(m) || m < 1) throw new Error(`L-BFGS memory must be a positive integer, got ${m}`);
  if (!(gtol >= 0) || !(ftol >= 0)) throw new Error(`L-BFGS tolerances must be ≥ 0, got gradient ${gtol}, function ${ftol}`);

  const n = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let xNew = new Float64Array(n);
  let gNew = new Float64Array(n);
  const d = new Float64Array(n);
  const s: Float64Array[] = Array.from({ length: m }, () => new Float64Array(n));
  const y: Float64Array[] = Array.from({ length: m }, () => new Float64Array(n));
  const rho = new Float64Array(m);
  const alpha = new Float64Array(m);
  let stored = 0; // valid pairs
  let newest = -1; // slot of the newest pair

  let fx = f(x, g);
  let evaluations = 1;
  if (!Number.isFinite(fx)) throw new Error(`L-BFGS: the objective is ${fx} at the starting point`);
  if (maxAbs(g) <= gtol) return { x, value: fx, iterations: 0, evaluations, converged: true, reason: 'gradient' };

  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    // Two-loop recursion: d = −H g.
    d.set(g);
    for (let i = 0; i < stored; i++) {
      const slot = (newest - i + m) % m;
      alpha[slot] = rho[slot]! * dot(s[slot]!, d);
      axpy(-alpha[slot]!, y[slot]!, d);
    }
    const gamma = stored > 0 ? dot(s[newest]!, y[newest]!) / dot(y[newest]!, y[newest]!) : 1 / Math.sqrt(dot(g, g));
    scale(d, gamma);
    for (let i = stored - 1; i >= 0; i--) {
      const slot = (newest - i + m) % m;
      const beta = rho[slot]! * dot(y[slot]!, d);
      axpy(alpha[slot]! - beta, s[slot]!, d);
    }
    scale(d, -1);
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // Not a descent direction (rounding in a flat region): restart from steepest descent.
      stored = 0;
      d.set(g);
      scale(d, -1 / Math.sqrt(dot(g, g)));
      slope = dot(g, d);
    }

    // Backtracking line search on the Armijo condition f(x + t d) ≤ f(x) + c₁ t gᵀd.
    let t = 1;
    let fNew = NaN;
    let accepted = false;
    for (let tries = 0; tries < 50; tries++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i]! + t * d[i]!;
      fNew = f(xNew, gNew);
      evaluations++;
      if (Number.isFinite(fNew) && fNew <= fx + 1e-4 * t * slope) {
        accepted = true;
        break;
      }
      // Minimiser of the quadratic through f(x), the slope and f(x + t d), kept within [0.1 t, 0.5 t].
      const curvature = Number.isFinite(fNew) ? fNew - fx - t * slope : Infinity;
      const tq = curvature > 0 ? (-slope * t * t) / (2 * curvature) : 0.1 * t;
      t = Math.min(0.5 * t, Math.max(0.1 * t, tq));
    }
    if (!accepted) return { x, value: fx, iterations: iteration - 1, evaluations, converged: false, reason: 'line search' };

    // New curvature pair, written into the oldest slot.
    const slot = (newest + 1) % m;
    const si = s[slot]!;
    const yi = y[slot]!;
    let sy = 0;
    let yy = 0;
    for (let i = 0; i < n; i++) {
      const a = xNew[i]! - x[i]!;
      const b = gNew[i]! - g[i]!;
      si[i] = a;
      yi[i] = b;
      sy += a * b;
      yy += b * b;
    }
    if (sy > 1e-12 * yy && yy > 0) {
      rho[slot] = 1 / sy;
      newest = slot;
      stored = Math.min(stored + 1, m);
    } else if (stored === m) {
      stored = m - 1; // the skipped pair overwrote the oldest one
    }

    const decrease = fx - fNew;
    const previous = fx;
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    fx = fNew;
    if (maxAbs(g) <= gtol) return { x, value: fx, iterations: iteration, evaluations, converged: true, reason: 'gradient' };
    if (decrease <= ftol * Math.max(Math.abs(previous), Math.abs(fx), 1)) {
      return { x, value: fx, iterations: iteration, evaluations, converged: true, reason: 'function' };
    }
  }
  return { x, value: fx, iterations: maxIterations, evaluations, converged: false, reason: 'iterations' };
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i]! += a * x[i]!;
}

function scale(x: Float64Array, a: number): void {
  for (let i = 0; i < x.length; i++) x[i]! *= a;
}

function maxAbs(x: Float64Array): number {
  let max = 0;
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(x[i]!);
    if (v > max) max = v;
  }
  return max;
}
