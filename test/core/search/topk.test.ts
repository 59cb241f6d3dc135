import { describe, expect, it } from 'vitest';
import { TopK, topK } from '../../../src-main/core/search/topk';
import { Rng } from '../../../src-main/core/ssl/random';

describe('top-k selection', () => {
  it('keeps the k largest, best first, matching a full sort on random scores', () => {
    const rng = new Rng(5);
    const scores = Float32Array.from({ length: 10_000 }, () => rng.next() * 2 - 1);
    const expected = Array.from(scores.keys())
      .sort((a, b) => scores[b]! - scores[a]! || a - b)
      .slice(0, 25);
    const got = topK(scores, 25);
    expect(Array.from(got.indices)).toEqual(expected);
    expect(Array.from(got.scores)).toEqual(expected.map((i) => scores[i]!));
  });

  it('breaks ties by the smaller index, whatever the order of arrival', () => {
    expect(Array.from(topK([0.5, 0.9, 0.5, 0.9, 0.1], 3).indices)).toEqual([1, 3, 0]);
    const heap = new TopK(2);
    for (const i of [4, 3, 2, 1, 0]) heap.push(1, i);
    expect(Array.from(heap.sorted().indices)).toEqual([0, 1]);
  });

  it('returns fewer than k when there are fewer candidates, and refuses k < 1', () => {
    expect(Array.from(topK([3, 1], 10).indices)).toEqual([0, 1]);
    const heap = new TopK(5);
    expect(heap.threshold).toBe(-Infinity);
    heap.push(2, 0);
    expect(heap.size).toBe(1);
    expect(() => new TopK(0)).toThrow(/k must be a positive integer, got 0/);
  });
});
