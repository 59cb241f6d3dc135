/**
 * Evaluation of frozen embeddings: kNN and linear-probe accuracy, alignment and uniformity,
 * effective rank and a collapse warning. Plain TypeScript on typed arrays, no tfjs.
 */
export type { Embeddings } from './checks';
export { stratifiedSplit, type Split } from './split';
export { knnAccuracy, knnPredict, type KnnOptions } from './knn';
export {
  fitLinearProbe,
  linearProbe,
  predictClasses,
  predictProbabilities,
  type LinearModel,
  type LinearProbeOptions,
  type LinearProbeResult,
} from './linear-probe';
export { minimizeLbfgs, type LbfgsOptions, type LbfgsResult } from './lbfgs';
export { alignment, uniformity, type UniformityOptions } from './geometry';
export { effectiveRank, meanVariance, symmetricEigenvalues } from './rank';
export { collapseWarning, effectiveRankThreshold, COLLAPSE_THRESHOLDS, type CollapseInput } from './collapse';
export { evaluateEmbeddings, type EvaluateOptions, type EvaluationResult } from './evaluate';
