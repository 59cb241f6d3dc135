/**
 * Linear probe: multinomial logistic regression on frozen, standardised embeddings, the standard
 * "linear evaluation" of self-supervised representations, fitted to the same optimum as
 * scikit-learn's `LogisticRegression(C=C, solver='lbfgs')` (multinomial) on `StandardScaler` output.
 *
 * Hand-written because the maintained npm candidate, `ml-logistic-regression` 2.0, fits one-vs-rest
 * models by fixed-step gradient descent (50,000 steps at 5e-4 by default): it neither reaches the
 * multinomial optimum our reference fixture checks nor fits in the seconds an epoch allows.
 *
 * Objective (scikit-learn's, divided by the number of training items n so the tolerances do not
 * depend on n):
 *
 *     f(W, b) = (1/n) · [ Σᵢ −log softmax(W xᵢ + b)_{yᵢ} + 1/(2C) · ‖W‖² ]
 *
 * with one weight row and one bias per class (the symmetric parametrisation scikit-learn uses; the
 * biases are not penalised). Only classes present in the training labels are fitted, as in
 * scikit-learn; the others get probability 0. Features are standardised with the mean and the
 * population standard deviation of the training split (a constant feature keeps scale 1, as in
 * `StandardScaler`), and the same transform is applied to any data the model predicts. The fit is
 * L-BFGS (`lbfgs.ts`) from zero weights; at 10,000 × 128 × 10 classes one iteration is about 25 ms
 * and a fit takes 30–50 iterations.
 *
 * Binary problems are fitted multinomially too (two weight rows, which end up opposite), whereas
 * scikit-learn fits one logistic weight vector for 2 classes: our fit with C equals its fit with 2C.
 */
import { assertLabels, assertPositive, assertPositiveInteger, rowsOf, type Embeddings } from './checks';
import { dot4Rows } from './kernels';
import { minimizeLbfgs, type LbfgsOptions } from './lbfgs';

/** L-BFGS settings as in `LbfgsOptions`, except that gradientTolerance defaults to 1e-6 here. */
export interface LinearProbeOptions extends LbfgsOptions {
  /** Inverse regularisation strength, as scikit-learn's C: the penalty is ‖W‖² / (2C) next to the summed loss. Default 1. */
  C?: number;
}

export interface LinearModel {
  dim: number;
  classes: number;
  /** [classes × dim] weights on standardised features; rows of classes absent from training are 0. */
  weights: Float64Array;
  /** [classes]; −Infinity for classes absent from training. */
  bias: Float64Array;
  /** [dim] training mean, subtracted before the weights. */
  mean: Float64Array;
  /** [dim] training standard deviation (1 for constant features), divided out before the weights. */
  scale: Float64Array;
  iterations: number;
  converged: boolean;
  /** Final value of the objective above. */
  loss: number;
}

export interface LinearProbeResult {
  accuracy: number;
  trainAccuracy: number;
  iterations: number;
  converged: boolean;
}

/**
 * Gradient tolerance on the n-scaled objective. At max |∇f| ≤ 1e-6 the predicted probabilities are
 * within about 1e-4 of the exact optimum (3e-3 on linearly separable training data, where the
 * optimum is flat), and the accuracy has settled; 1e-5 saves a quarter of the iterations but leaves
 * probabilities up to 0.05 off. scikit-learn 1.2 stops on scipy's relative function change
 * (2.2e-9) first, at a similar point.
 */
const DEFAULT_GRADIENT_TOLERANCE = 1e-6;

/** Fits the probe on the training rows. Throws unless the labels contain at least two classes. */
export function fitLinearProbe(trainX: Embeddings, trainY: Int32Array, dim: number, classes: number, options: LinearProbeOptions = {}): LinearModel {
  const n = rowsOf('linear probe trainX', trainX, dim);
  assertPositiveInteger('linear probe classes', classes);
  assertLabels('linear probe trainY', trainY, n, classes);
  const C = options.C ?? 1;
  assertPositive('linear probe C', C);

  // Classes present in training, compacted to 0..K−1.
  const present = new Int32Array(classes).fill(-1);
  const presentClasses: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = trainY[i]!;
    if (present[y] === -1) {
      present[y] = 1;
      presentClasses.push(y);
    }
  }
  presentClasses.sort((a, b) => a - b);
  presentClasses.forEach((c, i) => (present[c] = i));
  const K = presentClasses.length;
  if (K < 2) throw new Error(`linear probe needs at least 2 classes in the training labels, got ${K}`);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = present[trainY[i]!]!;

  const { mean, scale } = standardisation(trainX, n, dim);
  const rows = Math.ceil(n / 4) * 4;
  const x = new Float64Array(rows * dim);
  standardise(trainX, n, dim, mean, scale, x);

  const objective = softmaxObjective(x, y, n, dim, K, C);
  const result = minimizeLbfgs(objective, new Float64Array(K * dim + K), {
    ...options,
    gradientTolerance: options.gradientTolerance ?? DEFAULT_GRADIENT_TOLERANCE,
  });

  const weights = new Float64Array(classes * dim);
  const bias = new Float64Array(classes).fill(-Infinity);
  presentClasses.forEach((c, k) => {
    weights.set(result.x.subarray(k * dim, (k + 1) * dim), c * dim);
    bias[c] = result.x[K * dim + k]!;
  });
  return { dim, classes, weights, bias, mean, scale, iterations: result.iterations, converged: result.converged, loss: result.value };
}

/** Class probabilities, [n × classes] row-major. */
export function predictProbabilities(model: LinearModel, x: Embeddings): Float64Array {
  const { dim, classes, weights, bias } = model;
  const n = rowsOf('linear probe input', x, dim);
  const row = new Float64Array(dim);
  const out = new Float64Array(n * classes);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) row[j] = (x[i * dim + j]! - model.mean[j]!) / model.scale[j]!;
    const o = i * classes;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) {
      let s = bias[c]!;
      if (s !== -Infinity) for (let j = 0; j < dim; j++) s += weights[c * dim + j]! * row[j]!;
      out[o + c] = s;
      if (s > max) max = s;
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += out[o + c] = Math.exp(out[o + c]! - max);
    for (let c = 0; c < classes; c++) out[o + c]! /= sum;
  }
  return out;
}

/** Most probable class of each row (ties to the smaller class index). */
export function predictClasses(model: LinearModel, x: Embeddings): Int32Array {
  const p = predictProbabilities(model, x);
  const n = p.length / model.classes;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < model.classes; c++) if (p[i * model.classes + c]! > p[i * model.classes + best]!) best = c;
    out[i] = best;
  }
  return out;
}

/**
 * Fits the probe on the training split and reports accuracy on both splits. `classes` is the number
 * of classes the labels index (labels must lie in [0, classes)).
 */
export function linearProbe(
  trainX: Embeddings,
  trainY: Int32Array,
  testX: Embeddings,
  testY: Int32Array,
  dim: number,
  classes: number,
  options: LinearProbeOptions = {},
): LinearProbeResult {
  const nTest = rowsOf('linear probe testX', testX, dim);
  assertPositiveInteger('linear probe classes', classes);
  assertLabels('linear probe testY', testY, nTest, classes);
  if (nTest < 1) throw new Error('linear probe accuracy needs at least one test item, got 0');
  const model = fitLinearProbe(trainX, trainY, dim, classes, options);
  return {
    accuracy: accuracyOf(predictClasses(model, testX), testY),
    trainAccuracy: accuracyOf(predictClasses(model, trainX), trainY),
    iterations: model.iterations,
    converged: model.converged,
  };
}

function accuracyOf(predicted: Int32Array, truth: Int32Array): number {
  let correct = 0;
  for (let i = 0; i < truth.length; i++) if (predicted[i] === truth[i]) correct++;
  return truth.length === 0 ? 0 : correct / truth.length;
}

/** Per-feature mean and population standard deviation (two passes in float64). */
function standardisation(x: Embeddings, n: number, dim: number): { mean: Float64Array; scale: Float64Array } {
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j]! += x[i * dim + j]!;
  for (let j = 0; j < dim; j++) mean[j]! /= n;
  const scale = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) {
      const v = x[i * dim + j]! - mean[j]!;
      scale[j]! += v * v;
    }
  }
  for (let j = 0; j < dim; j++) {
    const variance = scale[j]! / n;
    if (!Number.isFinite(variance)) throw new Error(`linear probe trainX column ${j} is not finite (variance ${variance})`);
    // A constant feature (variance zero up to rounding) is left unscaled, like StandardScaler.
    scale[j] = variance > 1e-24 * Math.max(mean[j]! * mean[j]!, 1) ? Math.sqrt(variance) : 1;
  }
  return { mean, scale };
}

function standardise(x: Embeddings, n: number, dim: number, mean: Float64Array, scale: Float64Array, out: Float64Array): void {
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) out[i * dim + j] = (x[i * dim + j]! - mean[j]!) / scale[j]!;
}

/**
 * The objective and its gradient over parameters [W (K × dim) | b (K)]. Both products, the logits
 * X Wᵀ and the weight gradient Rᵀ X (R the residuals p − onehot), go through the 4 × 4 dot-product
 * kernel: the first on the rows of X, the second on its columns, so X is kept both ways round.
 * `x` has n rows padded with zero rows to a multiple of 4.
 */
function softmaxObjective(x: Float64Array, y: Int32Array, n: number, dim: number, K: number, C: number) {
  const rows = x.length / dim;
  const kPad = Math.ceil(K / 4) * 4;
  const dimPad = Math.ceil(dim / 4) * 4;
  const columns = new Float64Array(dimPad * rows); // Xᵀ, padded
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) columns[j * rows + i] = x[i * dim + j]!;
  const w = new Float64Array(kPad * dim); // W, padded with zero rows
  const z = new Float64Array(4 * kPad); // logits of 4 rows
  const residuals = new Float64Array(kPad * rows); // Rᵀ
  const g = new Float64Array(4 * dimPad); // 4 rows of the weight gradient
  const bOffset = K * dim;
  return (theta: Float64Array, grad: Float64Array): number => {
    w.set(theta.subarray(0, bOffset));
    let loss = 0;
    for (let i0 = 0; i0 < rows; i0 += 4) {
      dot4Rows(x, i0, w, 0, kPad, dim, z, kPad);
      for (let r = 0; r < 4; r++) {
        const i = i0 + r;
        if (i >= n) break; // padding rows keep residual 0
        const o = r * kPad;
        let max = -Infinity;
        for (let k = 0; k < K; k++) {
          const v = (z[o + k]! += theta[bOffset + k]!);
          if (v > max) max = v;
        }
        const label = y[i]!;
        const margin = z[o + label]! - max;
        let sum = 0;
        for (let k = 0; k < K; k++) sum += z[o + k] = Math.exp(z[o + k]! - max);
        loss += Math.log(sum) - margin;
        const inv = 1 / sum;
        for (let k = 0; k < K; k++) residuals[k * rows + i] = z[o + k]! * inv - (k === label ? 1 : 0);
      }
    }
    const invN = 1 / n;
    const lambda = 1 / (C * n);
    let penalty = 0;
    for (let k0 = 0; k0 < kPad; k0 += 4) {
      dot4Rows(residuals, k0, columns, 0, dimPad, rows, g, dimPad);
      for (let r = 0; r < 4 && k0 + r < K; r++) {
        const k = k0 + r;
        for (let j = 0; j < dim; j++) {
          const v = theta[k * dim + j]!;
          penalty += v * v;
          grad[k * dim + j] = g[r * dimPad + j]! * invN + lambda * v;
        }
        let bias = 0;
        for (let i = k * rows; i < k * rows + n; i++) bias += residuals[i]!;
        grad[bOffset + k] = bias * invN;
      }
    }
    return loss * invN + 0.5 * lambda * penalty;
  };
}
