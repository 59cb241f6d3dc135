import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src-main/core/ssl/random';

describe('Rng', () => {
  it('is reproducible from a seed and differs between seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const seqA = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(seqA);
  });

  it('resumes exactly from a saved state', () => {
    const a = new Rng(7);
    for (let i = 0; i < 100; i++) a.next();
    const state = a.getState();
    const expected = Array.from({ length: 10 }, () => a.next());
    const b = new Rng(999);
    b.setState(state);
    expect(Array.from({ length: 10 }, () => b.next())).toEqual(expected);
    expect(() => b.setState([1, 2])).toThrow(/4 words, got 2/);
  });

  it('draws uniformly enough and shuffles to a permutation', () => {
    const rng = new Rng(1);
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) buckets[rng.int(10)]++;
    for (const n of buckets) expect(Math.abs(n - 10_000)).toBeLessThan(500);
    const items = Array.from({ length: 50 }, (_, i) => i);
    rng.shuffle(items);
    expect([...items].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(items).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
