/**
 * Lasso and box selection: which points lie inside a polygon drawn on the map. The points worker runs
 * it over the map's grid, so a lasso around a million points never blocks the UI. Pure, tested in
 * test/renderer.
 */
import type { Grid } from './knn';

/** Even-odd rule: is (px, py) inside the polygon of interleaved vertices [x0, y0, x1, y1, …]? */
export function pointInPolygon(px: number, py: number, polygon: ArrayLike<number>): boolean {
  const n = polygon.length >> 1;
  let inside = false;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = polygon[2 * i]!;
    const yi = polygon[2 * i + 1]!;
    const xj = polygon[2 * j]!;
    const yj = polygon[2 * j + 1]!;
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Indices of the points inside the polygon, ascending. Only cells under its bounding box are visited. */
export function pointsInPolygon(grid: Grid, x: Float32Array, y: Float32Array, polygon: ArrayLike<number>): Uint32Array {
  const n = polygon.length >> 1;
  if (n < 3) return new Uint32Array(0);
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let v = 0; v < n; v++) {
    minX = Math.min(minX, polygon[2 * v]!);
    maxX = Math.max(maxX, polygon[2 * v]!);
    minY = Math.min(minY, polygon[2 * v + 1]!);
    maxY = Math.max(maxY, polygon[2 * v + 1]!);
  }
  const cx0 = Math.max(0, Math.floor((minX - grid.minX) / grid.cell));
  const cx1 = Math.min(grid.cols - 1, Math.floor((maxX - grid.minX) / grid.cell));
  const cy0 = Math.max(0, Math.floor((minY - grid.minY) / grid.cell));
  const cy1 = Math.min(grid.rows - 1, Math.floor((maxY - grid.minY) / grid.cell));
  const out: number[] = [];
  for (let gy = cy0; gy <= cy1; gy++) {
    for (let gx = cx0; gx <= cx1; gx++) {
      const c = gy * grid.cols + gx;
      for (let p = grid.start[c]!; p < grid.start[c + 1]!; p++) {
        const i = grid.points[p]!;
        const px = x[i]!;
        const py = y[i]!;
        if (px < minX || px > maxX || py < minY || py > maxY) continue;
        if (pointInPolygon(px, py, polygon)) out.push(i);
      }
    }
  }
  return Uint32Array.from(out).sort();
}

/** The four corners of a box dragged from (x0, y0) to (x1, y1), as a polygon. */
export function boxPolygon(x0: number, y0: number, x1: number, y1: number): Float64Array {
  return Float64Array.from([x0, y0, x1, y0, x1, y1, x0, y1]);
}
