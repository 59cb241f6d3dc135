import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  alignment,
  effectiveRank,
  evaluateEmbeddings,
  fitLinearProbe,
  knnAccuracy,
  knnPredict,
  linearProbe,
  meanVariance,
  predictProbabilities,
  uniformity,
} from '../../../src-main/core/evaluation';

interface Reference {
  dim: number;
  classes: number;
  trainIndices: number[];
  testIndices: number[];
  labels: number[];
  knn: { k: number; temperature: number; accuracy: number; predictions: number[] }[];
  linear: {
    C: number;
    accuracy: number;
    trainAccuracy: number;
    defaultTolAccuracy: number;
    probabilities: number[][];
    optimumObjective: number;
    optimumProbabilities: number[][];
  }[];
  binary: { C: number; sklearnC: number; accuracy: number; probabilities: number[][] };
  alignment: Record<string, number>;
  uniformity: Record<string, number>;
  effectiveRank: number;
  effectiveRankNormalised: number;
  meanVarianceNormalised: number;
  embeddings: number[][];
  secondView: number[][];
}

/** Values from numpy and scikit-learn on the same data (scripts/make-eval-reference.py). */
const ref = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/eval-reference.json'), 'utf8')) as Reference;
const dim = ref.dim;
const n = ref.embeddings.length;
const all = Float32Array.from(ref.embeddings.flat());
const second = Float32Array.from(ref.secondView.flat());
const rows = (indices: number[]) => Float32Array.from(indices.flatMap((i) => ref.embeddings[i]!));
const trainX = rows(ref.trainIndices);
const testX = rows(ref.testIndices);
const trainY = Int32Array.from(ref.trainIndices, (i) => ref.labels[i]!);
const testY = Int32Array.from(ref.testIndices, (i) => ref.labels[i]!);

describe('evaluation metrics against numpy / scikit-learn', () => {
  it('uses the fixture it expects', () => {
    expect([n, dim, trainY.length, testY.length]).toEqual([400, 16, 300, 100]);
  });

  it.each(ref.knn.map((c) => [`k=${c.k}, τ=${c.temperature}`, c] as const))('weighted kNN predictions match for %s', (_name, c) => {
    const options = { k: c.k, temperature: c.temperature };
    expect(Array.from(knnPredict(trainX, trainY, testX, dim, options))).toEqual(c.predictions);
    expect(knnAccuracy(trainX, trainY, testX, testY, dim, options)).toBeCloseTo(c.accuracy, 12);
  });

  it('kNN gives the same answer on Float64Array input', () => {
    const c = ref.knn[0]!;
    const acc = knnAccuracy(Float64Array.from(trainX), trainY, Float64Array.from(testX), testY, dim, { k: c.k, temperature: c.temperature });
    expect(acc).toBeCloseTo(c.accuracy, 12);
  });

  it.each(ref.linear.map((c) => [`C=${c.C}`, c] as const))('linear probe matches LogisticRegression for %s', (_name, c) => {
    // Default tolerance: the same accuracies as scikit-learn, probabilities within 1e-3 of its lbfgs fit.
    const result = linearProbe(trainX, trainY, testX, testY, dim, ref.classes, { C: c.C });
    expect(result.converged).toBe(true);
    expect(result.accuracy).toBeCloseTo(c.accuracy, 12);
    expect(result.accuracy).toBeCloseTo(c.defaultTolAccuracy, 12);
    expect(result.trainAccuracy).toBeCloseTo(c.trainAccuracy, 12);
    const model = fitLinearProbe(trainX, trainY, dim, ref.classes, { C: c.C });
    const p = predictProbabilities(model, testX.subarray(0, c.probabilities.length * dim));
    c.probabilities.flat().forEach((v, i) => expect(Math.abs(p[i]! - v)).toBeLessThan(1e-3));
    // Our objective is scikit-learn's divided by n, so its value at the optimum scales back exactly.
    expect(model.loss * trainY.length).toBeCloseTo(c.optimumObjective, 3);
  });

  it.each(ref.linear.map((c) => [`C=${c.C}`, c] as const))('a tightly converged probe reaches the exact optimum for %s', (_name, c) => {
    const model = fitLinearProbe(trainX, trainY, dim, ref.classes, { C: c.C, gradientTolerance: 1e-10, functionTolerance: 0 });
    expect(model.converged).toBe(true);
    const p = predictProbabilities(model, testX.subarray(0, c.optimumProbabilities.length * dim));
    c.optimumProbabilities.flat().forEach((v, i) => expect(Math.abs(p[i]! - v)).toBeLessThan(1e-6));
    expect(model.loss * trainY.length).toBeCloseTo(c.optimumObjective, 6);
  });

  it('a 2-class probe with C equals scikit-learn\'s binary logistic regression with 2C', () => {
    const pick = (x: Float32Array, y: Int32Array) => {
      const keep = Array.from(y.keys()).filter((i) => y[i]! < 2);
      return { x: Float32Array.from(keep.flatMap((i) => Array.from(x.subarray(i * dim, (i + 1) * dim)))), y: Int32Array.from(keep, (i) => y[i]!) };
    };
    const train = pick(trainX, trainY);
    const test = pick(testX, testY);
    const c = ref.binary;
    expect(linearProbe(train.x, train.y, test.x, test.y, dim, 2, { C: c.C }).accuracy).toBeCloseTo(c.accuracy, 12);
    const model = fitLinearProbe(train.x, train.y, dim, 2, { C: c.C, gradientTolerance: 1e-10, functionTolerance: 0 });
    const p = predictProbabilities(model, test.x.subarray(0, c.probabilities.length * dim));
    c.probabilities.flat().forEach((v, i) => expect(Math.abs(p[i]! - v)).toBeLessThan(1e-5));
  });

  it.each(Object.entries(ref.alignment))('alignment with α=%s matches', (alpha, expected) => {
    expect(alignment(all, second, n, dim, Number(alpha))).toBeCloseTo(expected, 10);
  });

  it.each(Object.entries(ref.uniformity))('uniformity with t=%s over all pairs matches', (t, expected) => {
    expect(uniformity(all, n, dim, Number(t))).toBeCloseTo(expected, 10);
  });

  it('effective rank matches the SVD of the centred matrix', () => {
    expect(effectiveRank(all, n, dim)).toBeCloseTo(ref.effectiveRank, 9);
  });

  it('evaluateEmbeddings reproduces every metric with the reference split', () => {
    const labels = ref.labels.map((y) => `class ${y}`);
    const result = evaluateEmbeddings(all, dim, {
      labels,
      secondView: second,
      split: { train: Int32Array.from(ref.trainIndices), test: Int32Array.from(ref.testIndices) },
    });
    expect(result.knn).toBeCloseTo(ref.knn[0]!.accuracy, 12);
    expect(result.linear).toBeCloseTo(ref.linear[0]!.accuracy, 12);
    expect(result.alignment).toBeCloseTo(ref.alignment['2']!, 10);
    expect(result.uniformity).toBeCloseTo(ref.uniformity['2']!, 10);
    expect(result.effectiveRank).toBeCloseTo(ref.effectiveRankNormalised, 9);
    expect(result.meanVariance).toBeCloseTo(ref.meanVarianceNormalised, 12);
    expect(meanVariance(all, n, dim)).toBeCloseTo(ref.meanVarianceNormalised, 12);
    expect(result.collapse).toBeNull();
    expect([result.classes, result.trainItems, result.testItems]).toEqual([4, 300, 100]);
    expect(result.seconds).toBeGreaterThan(0);
  });
});
