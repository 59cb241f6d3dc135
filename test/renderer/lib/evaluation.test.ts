import { describe, expect, test } from 'vitest';
import {
  diagnosticRows,
  evaluationBrief,
  evaluationCaption,
  evaluationSeries,
  evaluationShort,
  formatAccuracy,
  latestEvaluation,
  mergeEvaluations,
  NO_LABELS_TEXT,
} from '../../../src-renderer/src/lib/evaluation';
import { evaluation } from '../fixtures';

describe('mergeEvaluations', () => {
  test('appends in order, replacing one of the same epoch and kind', () => {
    const held = [evaluation(0), evaluation(1)];
    const merged = mergeEvaluations(held, [evaluation(1, { knn: 0.99 }), evaluation(2), evaluation(2, { final: true })]);
    expect(merged.map((e) => [e.epoch, e.final])).toEqual([
      [0, false],
      [1, false],
      [2, false],
      [2, true],
    ]);
    expect(merged[1]!.knn).toBe(0.99);
    expect(held).toHaveLength(2); // not mutated
  });

  test('out-of-order arrivals are sorted', () => {
    expect(mergeEvaluations([evaluation(2)], [evaluation(0)]).map((e) => e.epoch)).toEqual([0, 2]);
    expect(mergeEvaluations([], [])).toEqual([]);
  });
});

test('latestEvaluation: the final one when there is one, else the last epoch', () => {
  expect(latestEvaluation([])).toBeNull();
  expect(latestEvaluation([evaluation(0), evaluation(3), evaluation(1)])?.epoch).toBe(3);
  const final = evaluation(3, { final: true });
  expect(latestEvaluation([evaluation(0), final, evaluation(3)])).toBe(final);
});

describe('evaluationSeries', () => {
  test('x = epoch from the random encoder, the final point marked apart', () => {
    const s = evaluationSeries([evaluation(0), evaluation(1), evaluation(2, { final: true, knn: 0.81, linear: 0.79 })]);
    expect(s.epochs).toEqual([0, 1, 2]);
    expect(s.knn.map((v) => v?.toFixed(2))).toEqual(['0.40', '0.50', '0.81']);
    expect(s.linear[2]).toBe(0.79);
    expect(s.knnFinal).toEqual([null, null, 0.81]);
    expect(s.linearFinal).toEqual([null, null, 0.79]);
    expect(s.finalIndex).toBe(2);
    expect(s.hasAccuracy).toBe(true);
  });

  test('an epoch with a sampled and a final evaluation: the line takes the final one', () => {
    const s = evaluationSeries([evaluation(2, { final: true, knn: 0.9 }), evaluation(0), evaluation(2, { knn: 0.6 })]);
    expect(s.epochs).toEqual([0, 2]);
    expect(s.knn[1]).toBe(0.9);
    expect(s.finalIndex).toBe(1);
  });

  test('without labels there is no accuracy; non-finite values are gaps', () => {
    const s = evaluationSeries([evaluation(0, { knn: null, linear: null }), evaluation(1, { knn: Number.NaN, linear: null })]);
    expect(s.knn).toEqual([null, null]);
    expect(s.hasAccuracy).toBe(false);
    expect(s.finalIndex).toBeNull();
    expect(evaluationSeries([])).toMatchObject({ epochs: [], finalIndex: null, hasAccuracy: false });
  });
});

test('formatAccuracy, brief and short forms', () => {
  expect(formatAccuracy(0.8123)).toBe('0.812');
  expect(formatAccuracy(1)).toBe('1.000');
  expect(formatAccuracy(null)).toBe('–');
  expect(formatAccuracy(Number.NaN)).toBe('–');
  expect(evaluationBrief(evaluation(1, { knn: 0.8123, linear: 0.7 }))).toBe('kNN 0.812 · linear 0.700');
  expect(evaluationBrief(evaluation(1, { knn: 0.5, linear: null }))).toBe('kNN 0.500');
  expect(evaluationBrief(evaluation(1, { knn: null, linear: null }))).toBeNull();
  expect(evaluationBrief(null)).toBeNull();
  expect(evaluationShort(evaluation(1, { knn: 0.8123, linear: null }))).toBe('0.812 / –');
  expect(evaluationShort(undefined)).toBeNull();
});

test('diagnosticRows: those computed, with the embedding size and a line each', () => {
  const rows = diagnosticRows(evaluation(2), 128);
  expect(rows.map((r) => [r.label, r.value])).toEqual([
    ['Alignment', '0.800'],
    ['Uniformity', '-2.100'],
    ['Effective rank', '23.4 of 128'],
    ['Mean variance', '0.006'],
  ]);
  for (const r of rows) expect(r.help.length).toBeGreaterThan(20);
  expect(diagnosticRows(evaluation(2, { meanVariance: 0.00001, alignment: null }), null).map((r) => [r.key, r.value])).toEqual([
    ['uniformity', '-2.100'],
    ['effectiveRank', '23.4'],
    ['meanVariance', '1.00e-5'],
  ]);
  expect(diagnosticRows(null, 128)).toEqual([]);
});

test('captions and the no-labels line', () => {
  expect(evaluationCaption(evaluation(0))).toBe('Random encoder, before training · 120 items');
  expect(evaluationCaption(evaluation(3, { items: 1500 }))).toBe('After epoch 3 · 1,500 items');
  expect(evaluationCaption(evaluation(3, { final: true, items: 1500 }))).toBe('Final, on every item (1,500)');
  expect(NO_LABELS_TEXT).toMatch(/^No labels: kNN and linear-probe accuracy need class sub-folders/);
});
