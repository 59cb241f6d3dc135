/**
 * A plain-language warning when the embeddings have collapsed, the common failure of
 * self-supervised training: every item mapped to (nearly) the same point, or squeezed into a few
 * directions (dimensional collapse, Jing et al. 2022).
 */

/**
 * Thresholds of `collapseWarning`.
 *
 * - Complete collapse: the mean per-dimension variance of the L2-normalised embeddings, times dim
 *   (= their total variance, 1 − ‖mean‖², in [0, 1]), is below 0.01. Rows spread evenly over the
 *   sphere have per-dimension variance ≈ 1/dim, so this is a per-dimension standard deviation below
 *   a tenth of the healthy 1/√dim; equivalently the average cosine similarity between two items
 *   is above 0.99.
 * - Dimensional collapse: the effective rank is below max(2, 2% of dim) (2.56 at dim 128, 10.2 at
 *   dim 512), but never asked to exceed dim / 2, so 2- and 3-dimensional embeddings are judged too.
 */
export const COLLAPSE_THRESHOLDS = {
  totalVariance: 0.01,
  minEffectiveRank: 2,
  effectiveRankFraction: 0.02,
} as const;

export interface CollapseInput {
  /** From `effectiveRank`. */
  effectiveRank: number;
  /** Embedding width. */
  dim: number;
  /** From `meanVariance` (of L2-normalised embeddings); null or omitted to judge by rank alone. */
  meanVariance?: number | null;
}

/** The effective-rank threshold for embeddings of width dim (see `COLLAPSE_THRESHOLDS`). */
export function effectiveRankThreshold(dim: number): number {
  return Math.min(Math.max(COLLAPSE_THRESHOLDS.minEffectiveRank, COLLAPSE_THRESHOLDS.effectiveRankFraction * dim), dim / 2);
}

const ADVICE = 'Try a higher temperature, a lower learning rate or stronger augmentations, and check the loss is not stuck.';

/** null for healthy embeddings, else one or two sentences saying what collapsed and what to try. */
export function collapseWarning({ effectiveRank, dim, meanVariance }: CollapseInput): string | null {
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`collapseWarning: dim must be a positive integer, got ${dim}`);
  if (!(effectiveRank >= 0) || effectiveRank > dim + 1e-6) {
    throw new Error(`collapseWarning: effectiveRank must be in [0, dim = ${dim}], got ${effectiveRank}`);
  }
  if (meanVariance !== undefined && meanVariance !== null && !(meanVariance >= 0)) {
    throw new Error(`collapseWarning: meanVariance must be ≥ 0, got ${meanVariance}`);
  }
  const rank = `effective rank ${effectiveRank.toFixed(1)} of ${dim}`;
  if (meanVariance !== undefined && meanVariance !== null && meanVariance * dim < COLLAPSE_THRESHOLDS.totalVariance) {
    return (
      `The embeddings have collapsed: all items map to nearly the same point (mean per-dimension variance ` +
      `${meanVariance.toPrecision(2)} of the normalised embeddings, where about ${(1 / dim).toPrecision(2)} is healthy; ${rank}). ${ADVICE}`
    );
  }
  const threshold = effectiveRankThreshold(dim);
  if (effectiveRank < threshold) {
    return (
      `The embeddings have collapsed into very few directions: ${rank} dimensions ` +
      `(below ${Number(threshold.toFixed(2))}). ${ADVICE}`
    );
  }
  return null;
}
