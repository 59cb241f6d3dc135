import { describe, expect, it } from 'vitest';
import { stratifiedSplit } from '../../../src-main/core/evaluation';

function labelsWith(sizes: Record<string, number>, nulls = 0): (string | null)[] {
  const labels: (string | null)[] = [];
  for (const [name, size] of Object.entries(sizes)) for (let i = 0; i < size; i++) labels.push(name);
  for (let i = 0; i < nulls; i++) labels.push(null);
  // Interleave deterministically so classes are not in contiguous runs.
  return labels.map((l, i) => [l, (i * 7919) % labels.length] as const).sort((a, b) => a[1] - b[1]).map(([l]) => l);
}

function countByClass(labels: (string | null)[], indices: Int32Array): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of indices) out[labels[i]!] = (out[labels[i]!] ?? 0) + 1;
  return out;
}

describe('stratifiedSplit', () => {
  it('gives every class the same test fraction', () => {
    const labels = labelsWith({ a: 100, b: 100, c: 100, d: 100, e: 100 });
    const { train, test } = stratifiedSplit(labels, 0.2, 1);
    expect(test.length).toBe(100);
    expect(train.length).toBe(400);
    expect(countByClass(labels, test)).toEqual({ a: 20, b: 20, c: 20, d: 20, e: 20 });
  });

  it('excludes unlabelled items, keeps singletons in train and rounds each class to floor or ceil of its quota', () => {
    const labels = labelsWith({ big: 50, mid: 33, small: 17, pair: 2, single: 1 }, 9);
    const { train, test } = stratifiedSplit(labels, 0.2, 3);
    const labelled = labels.flatMap((l, i) => (l === null ? [] : [i]));
    // Disjoint, together exactly the labelled items, each ascending.
    expect([...train, ...test].sort((a, b) => a - b)).toEqual(labelled);
    expect(new Set([...train, ...test]).size).toBe(labelled.length);
    expect(Array.from(train)).toEqual([...train].sort((a, b) => a - b));
    expect(Array.from(test)).toEqual([...test].sort((a, b) => a - b));
    expect(test.length).toBe(Math.round(103 * 0.2));
    const inTest = countByClass(labels, test);
    expect(inTest.single).toBeUndefined();
    expect(countByClass(labels, train).single).toBe(1);
    for (const [name, size] of Object.entries({ big: 50, mid: 33, small: 17, pair: 2 })) {
      const got = inTest[name] ?? 0;
      expect(got).toBeGreaterThanOrEqual(Math.floor(size * 0.2));
      expect(got).toBeLessThanOrEqual(Math.ceil(size * 0.2));
    }
  });

  it('never sends a whole class to test', () => {
    const labels = labelsWith({ a: 2, b: 2, c: 2, d: 2 });
    for (const fraction of [0.5, 0.9]) {
      const { train } = stratifiedSplit(labels, fraction, 0);
      expect(Object.keys(countByClass(labels, train)).sort()).toEqual(['a', 'b', 'c', 'd']);
    }
  });

  it('is deterministic under the seed and changes with it', () => {
    const labels = labelsWith({ a: 60, b: 40, c: 25 }, 5);
    const first = stratifiedSplit(labels, 0.25, 42);
    const again = stratifiedSplit([...labels], 0.25, 42);
    expect(Array.from(again.train)).toEqual(Array.from(first.train));
    expect(Array.from(again.test)).toEqual(Array.from(first.test));
    const other = stratifiedSplit(labels, 0.25, 43);
    expect(Array.from(other.test)).not.toEqual(Array.from(first.test));
    expect(countByClass(labels, other.test)).toEqual(countByClass(labels, first.test));
  });

  it('puts everything in train for testFraction 0 and handles no labels', () => {
    const labels = labelsWith({ a: 5, b: 5 }, 2);
    const { train, test } = stratifiedSplit(labels, 0, 0);
    expect(train.length).toBe(10);
    expect(test.length).toBe(0);
    const none = stratifiedSplit([null, null, null]);
    expect([none.train.length, none.test.length]).toEqual([0, 0]);
    expect(none.train).toBeInstanceOf(Int32Array);
  });

  it('rejects a bad fraction or label, showing the value', () => {
    expect(() => stratifiedSplit(['a', 'b'], 1, 0)).toThrow('testFraction must be in [0, 1), got 1');
    expect(() => stratifiedSplit(['a', 'b'], -0.1, 0)).toThrow('got -0.1');
    expect(() => stratifiedSplit(['a', 'b'], Number.NaN, 0)).toThrow('got NaN');
    expect(() => stratifiedSplit(['a', 'b'], 0.2, Number.NaN)).toThrow('seed must be a finite number, got NaN');
    expect(() => stratifiedSplit(['a', 3 as unknown as string], 0.2, 0)).toThrow('labels[1] is a number');
  });
});
