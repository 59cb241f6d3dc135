import { describe, expect, it } from 'vitest';
import { exactNeighbours, nearestNeighbours } from '../../../src-main/core/projection/nearest-neighbours';
import { Rng } from '../../../src-main/core/ssl/random';

function gaussianRows(n: number, dim: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * dim }, () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next()));
}

describe('exactNeighbours', () => {
  it('lists each point’s k nearest others, nearest first, with euclidean distances', () => {
    const data = Float32Array.from([0, 0, 1, 0, 3, 0, 7, 0]); // four points on a line
    const knn = exactNeighbours(data, 4, 2, 2);
    expect(Array.from(knn.indices)).toEqual([1, 2, 0, 2, 1, 0, 2, 1]);
    expect(Array.from(knn.distances)).toEqual([1, 3, 1, 2, 2, 3, 4, 6]);
  });
});

describe('nearestNeighbours', () => {
  it('through the HNSW index: recall of the exact neighbours ≥ 0.97, never the point itself, the same on every run', async () => {
    const n = 3000;
    const data = gaussianRows(n, 16, 1);
    const exact = exactNeighbours(data, n, 16, 10);
    const approximate = await nearestNeighbours(data, n, 16, 10, {}, 100);
    const again = await nearestNeighbours(data, n, 16, 10, {}, 100);
    let found = 0;
    for (let i = 0; i < n; i++) {
      const truth = new Set(exact.indices.subarray(i * 10, (i + 1) * 10));
      const row = approximate.indices.subarray(i * 10, (i + 1) * 10);
      expect(row.includes(i)).toBe(false);
      for (const j of row) found += truth.has(j) ? 1 : 0;
      for (let r = 1; r < 10; r++) expect(approximate.distances[i * 10 + r]!).toBeGreaterThanOrEqual(approximate.distances[i * 10 + r - 1]!);
    }
    expect(found / (n * 10)).toBeGreaterThanOrEqual(0.97);
    expect(approximate.indices).toEqual(again.indices);
    expect(approximate.distances).toEqual(again.distances);
  });

  it('stops when its check throws, and needs more points than neighbours', async () => {
    const data = gaussianRows(5000, 8, 2);
    let calls = 0;
    const stop = (): void => {
      if (++calls > 2) throw new Error('cancelled here');
    };
    await expect(nearestNeighbours(data, 5000, 8, 5, { check: stop }, 100)).rejects.toThrow('cancelled here');
    await expect(nearestNeighbours(data, 3, 8, 3)).rejects.toThrow(/k = 3 needs more than 3 points/);
  });
});
