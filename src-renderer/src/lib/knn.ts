/**
 * k nearest neighbours in the map's 2-D space with a uniform grid, and the kNN label-disagreement
 * score built on it: for each labelled point, the share of its labelled neighbours whose label
 * differs (0 = every neighbour agrees, 1 = none does). Points that sit among another class are likely
 * mislabelled or ambiguous. Runs in the points worker; pure, tested in test/renderer.
 */

/** Points sorted into square cells, about `perCell` points a cell on average. */
export interface Grid {
  minX: number;
  minY: number;
  cell: number;
  cols: number;
  rows: number;
  /** Points of cell c are `points[start[c] .. start[c + 1])`. */
  start: Int32Array; // [cols * rows + 1]
  points: Int32Array; // [n]
}

export function buildGrid(x: Float32Array, y: Float32Array, perCell = 2): Grid {
  const n = x.length;
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    if (x[i]! < minX) minX = x[i]!;
    if (x[i]! > maxX) maxX = x[i]!;
    if (y[i]! < minY) minY = y[i]!;
    if (y[i]! > maxY) maxY = y[i]!;
  }
  if (n === 0) minX = maxX = minY = maxY = 0;
  const width = Math.max(maxX - minX, 1e-9);
  const height = Math.max(maxY - minY, 1e-9);
  // Square cells sized so that the bounding box holds about n / perCell of them.
  const cells = Math.max(1, Math.min(4_000_000, Math.ceil(n / perCell)));
  const cell = Math.max(Math.sqrt((width * height) / cells), Math.max(width, height) / 4096);
  const cols = Math.max(1, Math.floor(width / cell) + 1);
  const rows = Math.max(1, Math.floor(height / cell) + 1);
  const start = new Int32Array(cols * rows + 1);
  const cellOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const cx = Math.min(cols - 1, Math.floor((x[i]! - minX) / cell));
    const cy = Math.min(rows - 1, Math.floor((y[i]! - minY) / cell));
    const c = cy * cols + cx;
    cellOf[i] = c;
    start[c + 1] = start[c + 1]! + 1;
  }
  for (let c = 0; c < cols * rows; c++) start[c + 1] = start[c + 1]! + start[c]!;
  const fill = start.slice(0, cols * rows);
  const points = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = cellOf[i]!;
    points[fill[c]!] = i;
    fill[c] = fill[c]! + 1;
  }
  return { minX, minY, cell, cols, rows, start, points };
}

/**
 * The k nearest other points of point `i`, nearest first, written to `out` (length ≥ k); returns how
 * many were found (fewer than k only when the map has fewer points). Searches rings of cells outwards
 * and stops once the ring cannot hold anything nearer than the k-th found.
 */
export function nearest(grid: Grid, x: Float32Array, y: Float32Array, i: number, k: number, out: Int32Array, dist: Float64Array): number {
  const px = x[i]!;
  const py = y[i]!;
  const cx = Math.min(grid.cols - 1, Math.floor((px - grid.minX) / grid.cell));
  const cy = Math.min(grid.rows - 1, Math.floor((py - grid.minY) / grid.cell));
  let found = 0;
  const maxRing = Math.max(grid.cols, grid.rows);
  for (let r = 0; r <= maxRing; r++) {
    const x0 = cx - r;
    const x1 = cx + r;
    const y0 = cy - r;
    const y1 = cy + r;
    for (let gy = y0; gy <= y1; gy++) {
      if (gy < 0 || gy >= grid.rows) continue;
      const edgeRow = gy === y0 || gy === y1;
      for (let gx = x0; gx <= x1; gx += edgeRow ? 1 : x1 - x0 || 1) {
        if (gx >= 0 && gx < grid.cols) {
          const c = gy * grid.cols + gx;
          for (let p = grid.start[c]!; p < grid.start[c + 1]!; p++) {
            const j = grid.points[p]!;
            if (j === i) continue;
            const dx = x[j]! - px;
            const dy = y[j]! - py;
            found = insertSorted(out, dist, found, k, j, dx * dx + dy * dy);
          }
        }
        if (x1 === x0) break;
      }
    }
    if (found === k) {
      // Anything outside the searched square is at least this far from the point.
      const left = px - (grid.minX + x0 * grid.cell);
      const right = grid.minX + (x1 + 1) * grid.cell - px;
      const bottom = py - (grid.minY + y0 * grid.cell);
      const top = grid.minY + (y1 + 1) * grid.cell - py;
      const reach = Math.min(left, right, bottom, top);
      if (reach > 0 && dist[k - 1]! <= reach * reach) break;
    }
  }
  return found;
}

/** Inserts (j, d) into the sorted first `found` entries, keeping at most k; returns the new count. */
function insertSorted(out: Int32Array, dist: Float64Array, found: number, k: number, j: number, d: number): number {
  if (found === k && d >= dist[k - 1]!) return found;
  let pos = found === k ? k - 1 : found;
  while (pos > 0 && dist[pos - 1]! > d) {
    dist[pos] = dist[pos - 1]!;
    out[pos] = out[pos - 1]!;
    pos--;
  }
  dist[pos] = d;
  out[pos] = j;
  return found === k ? k : found + 1;
}

/** Neighbours the disagreement score looks at, by default. */
export const DEFAULT_DISAGREEMENT_K = 10;

/**
 * For each point, the fraction of its k nearest neighbours (in 2-D map space) that carry a label
 * different from its own, counting labelled neighbours only. NaN for an unlabelled point, or one
 * with no labelled neighbour.
 */
export function knnDisagreement(x: Float32Array, y: Float32Array, labelIndex: Int32Array, k = DEFAULT_DISAGREEMENT_K, grid = buildGrid(x, y)): Float32Array {
  const n = x.length;
  const scores = new Float32Array(n);
  const kk = Math.max(1, Math.min(k, n - 1));
  const out = new Int32Array(kk);
  const dist = new Float64Array(kk);
  for (let i = 0; i < n; i++) {
    const own = labelIndex[i]!;
    if (own < 0 || n < 2) {
      scores[i] = Number.NaN;
      continue;
    }
    const found = nearest(grid, x, y, i, kk, out, dist);
    let labelled = 0;
    let differ = 0;
    for (let m = 0; m < found; m++) {
      const l = labelIndex[out[m]!]!;
      if (l < 0) continue;
      labelled++;
      if (l !== own) differ++;
    }
    scores[i] = labelled === 0 ? Number.NaN : differ / labelled;
  }
  return scores;
}

/** Colour bins of the disagreement scale; the bin after the last holds points without a score. */
export const DISAGREEMENT_BINS = 20;

/** Bin of each score in [0, 1] for a categorical colour map; NaN goes to bin `bins` ("no score"). */
export function binScores(scores: Float32Array, bins = DISAGREEMENT_BINS): Int32Array {
  const out = new Int32Array(scores.length);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    out[i] = Number.isNaN(s) ? bins : Math.min(bins - 1, Math.max(0, Math.floor(s * bins)));
  }
  return out;
}

/**
 * The point nearest to (qx, qy) within `radius` (map units) that `accept` allows, or -1. What the map
 * uses to find the point under the pointer.
 */
export function nearestWithin(
  grid: Grid,
  x: Float32Array,
  y: Float32Array,
  qx: number,
  qy: number,
  radius: number,
  accept: (i: number) => boolean = () => true,
): number {
  const x0 = Math.max(0, Math.floor((qx - radius - grid.minX) / grid.cell));
  const x1 = Math.min(grid.cols - 1, Math.floor((qx + radius - grid.minX) / grid.cell));
  const y0 = Math.max(0, Math.floor((qy - radius - grid.minY) / grid.cell));
  const y1 = Math.min(grid.rows - 1, Math.floor((qy + radius - grid.minY) / grid.cell));
  let best = -1;
  let bestDist = radius * radius;
  for (let gy = y0; gy <= y1; gy++) {
    for (let gx = x0; gx <= x1; gx++) {
      const c = gy * grid.cols + gx;
      for (let p = grid.start[c]!; p < grid.start[c + 1]!; p++) {
        const i = grid.points[p]!;
        const dx = x[i]! - qx;
        const dy = y[i]! - qy;
        const d = dx * dx + dy * dy;
        // Later points are drawn on top: on a tie the topmost wins.
        if ((d < bestDist || (d === bestDist && i > best)) && accept(i)) {
          bestDist = d;
          best = i;
        }
      }
    }
  }
  return best;
}
