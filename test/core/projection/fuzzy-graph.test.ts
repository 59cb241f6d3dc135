import { describe, expect, it } from 'vitest';
import { fuzzySimplicialSet, smoothKnnDistances, type KnnGraph } from '../../../src-main/core/projection/fuzzy-graph';

// Six 2-D points and their 2 nearest others; the expected σ, ρ and edge weights are umap-learn
// 0.5.3's (`smooth_knn_dist` and `fuzzy_simplicial_set` with n_neighbors = 3, the point itself included).
const points = [[0, 0], [1, 0], [0, 2], [3, 1], [4, 4], [2, 2.5]];
const neighbours = [[1, 2], [0, 2], [0, 5], [5, 1], [5, 3], [3, 2]];
function knn(): KnnGraph {
  const distances = neighbours.flatMap((row, i) => row.map((j) => Math.hypot(points[i]![0]! - points[j]![0]!, points[i]![1]! - points[j]![1]!)));
  return { n: 6, k: 2, indices: Int32Array.from(neighbours.flat()), distances: Float32Array.from(distances) };
}

describe('smoothKnnDistances', () => {
  it("matches umap-learn's σ and ρ", () => {
    const { sigmas, rhos } = smoothKnnDistances(knn());
    const umapLearnSigmas = [1.864990234375, 2.30517578125, 0.1147918701171875, 0.80804443359375, 1.235107421875, 0.48260498046875];
    const umapLearnRhos = [1, 1, 2, 1.8027756214141846, 2.5, 1.8027756214141846];
    umapLearnSigmas.forEach((s, i) => expect(sigmas[i]).toBeCloseTo(s, 5));
    umapLearnRhos.forEach((r, i) => expect(rhos[i]).toBeCloseTo(r, 6));
  });
});

describe('fuzzySimplicialSet', () => {
  it("gives umap-learn's symmetric edge weights, both directions, in row-major order", () => {
    const graph = fuzzySimplicialSet(knn());
    const umapLearn: [number, number, number][] = [
      [1, 0, 1], [2, 0, 0.9999999], [0, 1, 1], [2, 1, 0.5849586], [3, 1, 0.5849532], [0, 2, 0.9999999], [1, 2, 0.5849586], [5, 2, 0.8277425],
      [1, 3, 0.5849532], [4, 3, 0.5849607], [5, 3, 1], [3, 4, 0.5849607], [5, 4, 1], [2, 5, 0.8277425], [3, 5, 1], [4, 5, 1],
    ];
    const ours = new Map<string, number>();
    for (let e = 0; e < graph.heads.length; e++) ours.set(`${graph.heads[e]}-${graph.tails[e]}`, graph.weights[e]!);
    expect(ours.size).toBe(umapLearn.length);
    for (const [i, j, w] of umapLearn) expect(ours.get(`${i}-${j}`), `edge ${i}-${j}`).toBeCloseTo(w, 5);
    const keys = Array.from(graph.heads, (h, e) => h * 6 + graph.tails[e]!);
    expect(keys).toEqual([...keys].sort((a, b) => a - b));
  });

  it('never links a point to itself, even when the neighbour list holds duplicates at distance 0', () => {
    const graph = fuzzySimplicialSet({ n: 3, k: 2, indices: Int32Array.from([1, 2, 0, 2, 0, 1]), distances: Float32Array.from([0, 1, 0, 1, 1, 1]) });
    for (let e = 0; e < graph.heads.length; e++) expect(graph.heads[e]).not.toBe(graph.tails[e]);
    expect(Array.from(graph.weights).every((w) => w > 0 && w <= 1)).toBe(true);
  });
});
