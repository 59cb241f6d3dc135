import { describe, expect, it } from 'vitest';
import type { FuzzyGraph } from '../../../src-main/core/projection/fuzzy-graph';
import { defaultEpochs, findAbParams, UmapLayout } from '../../../src-main/core/projection/umap-layout';

describe('findAbParams', () => {
  it("fits umap-learn's a and b (find_ab_params, spread 1)", () => {
    const umapLearn: [number, number, number][] = [
      [0, 1.9328083975546724, 0.7904949734010681],
      [0.1, 1.5769434601962196, 0.8950608779914887],
      [0.5, 0.583030020479462, 1.3341669929263487],
      [1, 0.11497568285252263, 1.9292371466948077],
    ];
    for (const [minDist, a, b] of umapLearn) {
      const fitted = findAbParams(minDist);
      expect(fitted.a, `a at min_dist ${minDist}`).toBeCloseTo(a, 3);
      expect(fitted.b, `b at min_dist ${minDist}`).toBeCloseTo(b, 3);
    }
  });
});

/** Two triangles of strongly linked points, no edge between them. */
function twoTriangles(): FuzzyGraph {
  const pairs = [[0, 1], [1, 2], [0, 2], [3, 4], [4, 5], [3, 5]];
  const edges = pairs.flatMap(([i, j]) => [[i!, j!], [j!, i!]]).sort((x, y) => x[0]! - y[0]! || x[1]! - y[1]!);
  return { n: 6, heads: Int32Array.from(edges, (e) => e[0]!), tails: Int32Array.from(edges, (e) => e[1]!), weights: new Float32Array(edges.length).fill(1) };
}

describe('UmapLayout', () => {
  it('pulls linked points together and pushes the two groups apart, the same for the same seed', () => {
    const initial = Float32Array.from([0, 0, 6, 1, 1, 6, 3, 3, 4, 2, 2, 4]);
    const run = (seed: number): Float32Array => {
      const layout = new UmapLayout(twoTriangles(), initial, { epochs: 200, minDist: 0.1, seed });
      for (let epoch = 0; epoch < layout.epochs; epoch++) layout.runEpoch(epoch);
      return layout.embedding;
    };
    const y = run(1);
    const d = (i: number, j: number): number => Math.hypot(y[i * 2]! - y[j * 2]!, y[i * 2 + 1]! - y[j * 2 + 1]!);
    const within = Math.max(d(0, 1), d(1, 2), d(0, 2), d(3, 4), d(4, 5), d(3, 5));
    const between = Math.min(d(0, 3), d(0, 4), d(0, 5), d(1, 3), d(1, 4), d(1, 5), d(2, 3), d(2, 4), d(2, 5));
    expect(within).toBeLessThan(between);
    expect(y).toEqual(run(1));
    expect(y).not.toEqual(run(2));
    expect(initial[2]).toBe(6); // the starting layout is copied, not moved
  });

  it("drops edges too weak to be sampled in the epochs, as umap-learn does", () => {
    const graph = twoTriangles();
    graph.weights[0] = 0.003; // below 1 / 200 epochs, above 1 / 500
    expect(new UmapLayout(graph, new Float32Array(12), { epochs: 200, minDist: 0.1, seed: 1 }).edges).toBe(11);
    expect(new UmapLayout(graph, new Float32Array(12), { epochs: 500, minDist: 0.1, seed: 1 }).edges).toBe(12);
  });

  it("uses umap-learn's epoch counts", () => {
    expect(defaultEpochs(10_000)).toBe(500);
    expect(defaultEpochs(10_001)).toBe(200);
  });
});
