/**
 * The explorer's points: decoding the core's binary points file, fitting coordinates into the map's
 * square and finding a point by item id. Pure, run in the points worker, tested in test/renderer.
 */

/**
 * First word of `/data/run/<runId>/points.bin` ('PXTP', little-endian). The contract exports the same
 * constant (`POINTS_MAGIC`), but the renderer may import only types from it.
 */
export const POINTS_MAGIC = 0x50545850;

export interface DecodedPoints {
  count: number;
  /** Label names; `labelIndex` points into this list. */
  labels: string[];
  itemIds: Int32Array; // [count]
  /** Interleaved x, y in the projection's own units. */
  xy: Float32Array; // [count * 2]
  /** Index into `labels`, or -1 for an unlabelled item. */
  labelIndex: Int32Array; // [count]
}

/**
 * Reads the layout documented beside `POINTS_MAGIC` in the contract:
 *   u32 magic, u32 headerBytes, UTF-8 JSON { count, labels }, padding to a multiple of 4,
 *   Int32 itemIds[count], Float32 xy[count * 2], Int32 labelIndex[count].
 * The arrays are views on `buffer` (no copy).
 */
export function decodePoints(buffer: ArrayBuffer): DecodedPoints {
  if (buffer.byteLength < 8) throw new Error(`The points file is too short (${buffer.byteLength} bytes)`);
  const view = new DataView(buffer);
  const magic = view.getUint32(0, true);
  if (magic !== POINTS_MAGIC) {
    throw new Error(`The points file starts with 0x${magic.toString(16).padStart(8, '0')}, not 0x${POINTS_MAGIC.toString(16)}`);
  }
  const headerBytes = view.getUint32(4, true);
  if (8 + headerBytes > buffer.byteLength) throw new Error(`The points header says ${headerBytes} bytes, but the file has ${buffer.byteLength}`);
  // Tolerate the padding being counted in headerBytes: NULs and spaces are not JSON.
  const text = new TextDecoder().decode(new Uint8Array(buffer, 8, headerBytes)).replace(/[\0\s]+$/, '');
  let header: { count?: unknown; labels?: unknown };
  try {
    header = JSON.parse(text) as typeof header;
  } catch {
    throw new Error('The points header is not valid JSON');
  }
  const count = header.count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) throw new Error(`The points header has no valid count (${String(count)})`);
  const labels = Array.isArray(header.labels) ? header.labels.map((l) => String(l)) : [];
  const offset = align4(8 + headerBytes);
  const expected = offset + count * 16;
  if (buffer.byteLength < expected) throw new Error(`The points file holds ${buffer.byteLength} bytes; ${count} points need ${expected}`);
  const itemIds = new Int32Array(buffer, offset, count);
  const xy = new Float32Array(buffer, offset + count * 4, count * 2);
  const labelIndex = new Int32Array(buffer, offset + count * 12, count);
  return { count, labels, itemIds, xy, labelIndex };
}

/** Encodes points in the same layout (for tests and the fake servers of the screenshots). */
export function encodePoints(itemIds: ArrayLike<number>, xy: ArrayLike<number>, labelIndex: ArrayLike<number>, labels: string[]): ArrayBuffer {
  const count = itemIds.length;
  const json = new TextEncoder().encode(JSON.stringify({ count, labels }));
  const offset = align4(8 + json.length);
  const buffer = new ArrayBuffer(offset + count * 16);
  const view = new DataView(buffer);
  view.setUint32(0, POINTS_MAGIC, true);
  view.setUint32(4, json.length, true);
  new Uint8Array(buffer, 8, json.length).set(json);
  new Int32Array(buffer, offset, count).set(itemIds);
  new Float32Array(buffer, offset + count * 4, count * 2).set(xy);
  new Int32Array(buffer, offset + count * 12, count).set(labelIndex);
  return buffer;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** Share of the map's square left empty around the points, on each side. */
export const MAP_MARGIN = 0.06;

export interface MapCoordinates {
  /** In [-1, 1] (regl-scatterplot's normalised device coordinates), aspect ratio kept. */
  x: Float32Array; // [count]
  y: Float32Array; // [count]
  /** The projection's bounds, to map back for display. */
  bounds: { minX: number; maxX: number; minY: number; maxY: number };
}

/**
 * Fits interleaved coordinates into [-1 + margin, 1 - margin], centred, with one scale for both axes
 * so that distances mean the same across and up. Non-finite coordinates go to the centre.
 */
export function fitToMap(xy: Float32Array, margin = MAP_MARGIN): MapCoordinates {
  const count = xy.length >> 1;
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < count; i++) {
    const px = xy[2 * i]!;
    const py = xy[2 * i + 1]!;
    if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
    if (px < minX) minX = px;
    if (px > maxX) maxX = px;
    if (py < minY) minY = py;
    if (py > maxY) maxY = py;
  }
  if (minX > maxX) {
    minX = maxX = minY = maxY = 0;
  }
  const cx = (minX + maxX) / 2;
  const cy = (minY + maxY) / 2;
  const range = Math.max(maxX - minX, maxY - minY);
  const scale = range > 0 ? (2 * (1 - margin)) / range : 1;
  const x = new Float32Array(count);
  const y = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const px = xy[2 * i]!;
    const py = xy[2 * i + 1]!;
    const ok = Number.isFinite(px) && Number.isFinite(py);
    x[i] = ok ? (px - cx) * scale : 0;
    y[i] = ok ? (py - cy) * scale : 0;
  }
  return { x, y, bounds: { minX, maxX, minY, maxY } };
}

/** Item ids in ascending order with the point index of each, for lookups by binary search. */
export interface ItemIndex {
  sortedIds: Int32Array; // [count]
  order: Uint32Array; // [count]: order[i] is the point index of sortedIds[i]
}

/**
 * Sorts item ids once (the core usually sends them ascending already, which costs one pass). Packs
 * (id, index) into one float64 so a plain numeric sort does the work, without a comparator.
 */
export function buildItemIndex(itemIds: Int32Array): ItemIndex {
  const n = itemIds.length;
  const sortedIds = new Int32Array(n);
  const order = new Uint32Array(n);
  let ascending = true;
  for (let i = 1; i < n && ascending; i++) if (itemIds[i]! < itemIds[i - 1]!) ascending = false;
  if (ascending) {
    sortedIds.set(itemIds);
    for (let i = 0; i < n; i++) order[i] = i;
    return { sortedIds, order };
  }
  const SHIFT = 2 ** 21;
  if (n < SHIFT) {
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = (itemIds[i]! + 2 ** 31) * SHIFT + i;
    keys.sort();
    for (let i = 0; i < n; i++) {
      const index = keys[i]! % SHIFT;
      order[i] = index;
      sortedIds[i] = itemIds[index]!;
    }
    return { sortedIds, order };
  }
  const indices = Array.from({ length: n }, (_, i) => i).sort((a, b) => itemIds[a]! - itemIds[b]!);
  for (let i = 0; i < n; i++) {
    order[i] = indices[i]!;
    sortedIds[i] = itemIds[indices[i]!]!;
  }
  return { sortedIds, order };
}

/** The point index of an item, or -1 when the map does not hold it. */
export function indexOfItem(index: ItemIndex, itemId: number): number {
  const ids = index.sortedIds;
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = ids[mid]!;
    if (v === itemId) return index.order[mid]!;
    if (v < itemId) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * For each point of a map, the index of the same item in another map (-1 when it has no such item):
 * what links two runs' maps by item.
 */
export function alignItems(itemIds: Int32Array, other: ItemIndex): Int32Array {
  const out = new Int32Array(itemIds.length);
  for (let i = 0; i < itemIds.length; i++) out[i] = indexOfItem(other, itemIds[i]!);
  return out;
}

/** Items per label, with the unlabelled count last: [count of labels[0], …, unlabelled]. */
export function labelCounts(labelIndex: Int32Array, labels: number): Int32Array {
  const counts = new Int32Array(labels + 1);
  for (let i = 0; i < labelIndex.length; i++) {
    const l = labelIndex[i]!;
    const k = l >= 0 && l < labels ? l : labels;
    counts[k] = counts[k]! + 1;
  }
  return counts;
}
