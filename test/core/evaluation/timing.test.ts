import { describe, expect, it } from 'vitest';
import { effectiveRank, evaluateEmbeddings, knnAccuracy, linearProbe, meanVariance, uniformity } from '../../../src-main/core/evaluation';
import { Rng } from '../../../src-main/core/ssl/random';

/**
 * The size the evaluation runs at after every epoch: 10,000 train × 2,000 test × 128 dims, 10
 * classes. Prints the time of each metric (not an assertion: the machine running the tests may be
 * busy); the assertions only check that the numbers are sane.
 */
const TRAIN = 10_000;
const TEST = 2_000;
const DIM = 128;
const CLASSES = 10;

function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** Clusters around random centres with noise: overlapping enough that accuracy is well below 1. */
function clusters(n: number, rng: Rng, centres: Float64Array): { x: Float32Array; y: Int32Array } {
  const x = new Float32Array(n * DIM);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = rng.int(CLASSES);
    y[i] = c;
    for (let j = 0; j < DIM; j++) x[i * DIM + j] = centres[c * DIM + j]! + 4 * gaussian(rng);
  }
  return { x, y };
}

const seconds = (start: number) => ((performance.now() - start) / 1000).toFixed(2);

describe('evaluation timing at 10,000 × 2,000 × 128', () => {
  it('prints how long each metric takes', () => {
    const rng = new Rng(7);
    const centres = new Float64Array(CLASSES * DIM).map(() => gaussian(rng));
    const train = clusters(TRAIN, rng, centres);
    const test = clusters(TEST, rng, centres);

    let t = performance.now();
    const knn = knnAccuracy(train.x, train.y, test.x, test.y, DIM);
    const knnSeconds = seconds(t);
    t = performance.now();
    const probe = linearProbe(train.x, train.y, test.x, test.y, DIM, CLASSES);
    const probeSeconds = seconds(t);
    const all = new Float32Array((TRAIN + TEST) * DIM);
    all.set(train.x);
    all.set(test.x, TRAIN * DIM);
    t = performance.now();
    const u = uniformity(all, TRAIN + TEST, DIM);
    const uniformitySeconds = seconds(t);
    t = performance.now();
    const rank = effectiveRank(all, TRAIN + TEST, DIM);
    const variance = meanVariance(all, TRAIN + TEST, DIM);
    const rankSeconds = seconds(t);

    const labels = [...train.y, ...test.y].map((c) => `c${c}`);
    const split = { train: Int32Array.from({ length: TRAIN }, (_, i) => i), test: Int32Array.from({ length: TEST }, (_, i) => TRAIN + i) };
    const result = evaluateEmbeddings(all, DIM, { labels, split, secondView: all });

    console.log(
      [
        `evaluation timing, ${TRAIN} train × ${TEST} test × ${DIM} dims, ${CLASSES} classes (one core):`,
        `  kNN (k=20, τ=0.07)       ${knnSeconds} s   accuracy ${knn.toFixed(3)}`,
        `  linear probe (C=1)       ${probeSeconds} s   accuracy ${probe.accuracy.toFixed(3)}, train ${probe.trainAccuracy.toFixed(3)}, ${probe.iterations} L-BFGS iterations`,
        `  uniformity (2,000 pts)   ${uniformitySeconds} s   ${u.toFixed(4)}`,
        `  effective rank + var.    ${rankSeconds} s   ${rank.toFixed(2)} of ${DIM}, mean variance ${variance.toExponential(3)}`,
        `  evaluateEmbeddings       ${result.seconds.toFixed(2)} s   (all of the above, on 12,000 items)`,
      ].join('\n'),
    );

    expect(knn).toBeGreaterThan(1 / CLASSES);
    expect(probe.converged).toBe(true);
    expect(result.knn).toBeCloseTo(knn, 12);
    expect(result.linear).toBeCloseTo(probe.accuracy, 12);
    expect(result.alignment).toBe(0);
    expect(result.collapse).toBeNull();
  });
});
