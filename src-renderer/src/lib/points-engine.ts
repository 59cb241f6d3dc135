/**
 * The heavy work behind one map, kept off the UI thread: the points worker runs a `PointsEngine`, and
 * tests (or a browser without workers) run the same class in-process. It decodes the points file,
 * fits the coordinates to the map, builds the spatial grid (for picking the point under the pointer)
 * and the item-id index, and computes lasso selections, clusters, kNN disagreement and the alignment
 * with another run's map on request. It keeps its own copy of the coordinates, so the arrays it
 * returns can be transferred, not copied.
 */
import { kmeans2d } from './kmeans';
import { binScores, buildGrid, DISAGREEMENT_BINS, knnDisagreement, type Grid } from './knn';
import { pointsInPolygon } from './lasso';
import { alignItems, buildItemIndex, decodePoints, fitToMap, labelCounts, type ItemIndex, type MapCoordinates } from './points';

export interface PreparedPoints {
  count: number;
  labels: string[];
  itemIds: Int32Array; // [count]
  /** Map coordinates in [-1, 1]. */
  x: Float32Array; // [count]
  y: Float32Array; // [count]
  labelIndex: Int32Array; // [count], -1 = unlabelled
  /** Points per label, the unlabelled last. */
  labelCounts: Int32Array; // [labels + 1]
  itemIndex: ItemIndex;
  /** Points by grid cell, to find the point under the pointer without scanning them all. */
  grid: Grid;
  bounds: MapCoordinates['bounds'];
}

export interface ClusterResult {
  k: number;
  seed: number;
  assignments: Int32Array; // [count]
  sizes: Int32Array; // [k]
}

export interface DisagreementResult {
  k: number;
  /** In [0, 1]; NaN for points without a score. */
  scores: Float32Array; // [count]
  /** Colour bin of each point (`DISAGREEMENT_BINS` = no score). */
  bins: Int32Array; // [count]
  /** Points with a score, and of those the ones whose neighbours mostly disagree (> 0.5). */
  scored: number;
  high: number;
}

export class PointsEngine {
  #x: Float32Array = new Float32Array(0);
  #y: Float32Array = new Float32Array(0);
  #labelIndex: Int32Array = new Int32Array(0);
  #itemIds: Int32Array = new Int32Array(0);
  #grid: Grid = buildGrid(new Float32Array(0), new Float32Array(0));

  prepare(buffer: ArrayBuffer): PreparedPoints {
    const decoded = decodePoints(buffer);
    const { x, y, bounds } = fitToMap(decoded.xy);
    this.#x = x;
    this.#y = y;
    this.#labelIndex = decoded.labelIndex.slice();
    this.#itemIds = decoded.itemIds.slice();
    this.#grid = buildGrid(x, y);
    const grid = this.#grid;
    return {
      count: decoded.count,
      labels: decoded.labels,
      itemIds: this.#itemIds.slice(),
      x: x.slice(),
      y: y.slice(),
      labelIndex: this.#labelIndex.slice(),
      labelCounts: labelCounts(this.#labelIndex, decoded.labels.length),
      itemIndex: buildItemIndex(this.#itemIds),
      grid: { ...grid, start: grid.start.slice(), points: grid.points.slice() },
      bounds,
    };
  }

  clusters(k: number, seed: number): ClusterResult {
    const result = kmeans2d(this.#x, this.#y, Math.min(k, Math.max(1, this.#x.length)), { seed });
    return { k, seed, assignments: result.assignments, sizes: result.sizes };
  }

  disagreement(k: number): DisagreementResult {
    const scores = knnDisagreement(this.#x, this.#y, this.#labelIndex, k, this.#grid);
    let scored = 0;
    let high = 0;
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i]!;
      if (Number.isNaN(s)) continue;
      scored++;
      if (s > 0.5) high++;
    }
    return { k, scores, bins: binScores(scores, DISAGREEMENT_BINS), scored, high };
  }

  /** Points inside a polygon of map coordinates (a lasso or a box), ascending. */
  polygon(vertices: Float64Array): Uint32Array {
    return pointsInPolygon(this.#grid, this.#x, this.#y, vertices);
  }

  /** For each point of this map, the index of the same item among `otherItemIds` (-1 if absent). */
  align(otherItemIds: Int32Array): Int32Array {
    return alignItems(this.#itemIds, buildItemIndex(otherItemIds));
  }
}

/** The buffers of a result that can be moved to the other thread instead of copied. */
export function transferables(value: unknown): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const visit = (v: unknown, depth: number): void => {
    if (depth > 3 || v === null || typeof v !== 'object') return;
    if (v instanceof ArrayBuffer) out.add(v);
    else if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer) out.add(v.buffer);
    else if (!Array.isArray(v)) for (const inner of Object.values(v)) visit(inner, depth + 1);
  };
  visit(value, 0);
  return [...out];
}
