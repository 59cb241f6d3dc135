/**
 * The binary points layout the Explore map loads in one request (see POINTS_MAGIC in contract.ts),
 * little-endian:
 *
 *   u32 magic 0x50545850, u32 headerBytes (length of the JSON alone),
 *   UTF-8 JSON { count, labels }, spaces up to the next multiple of 4 bytes,
 *   Int32 itemIds[count], Float32 xy[count × 2], Int32 labelIndex[count] (−1 = no label).
 *
 * A million points are 16 MB, against ~40 MB of JSON, and the renderer hands the typed arrays
 * straight to WebGL without parsing numbers.
 */
import { POINTS_MAGIC } from '../../contract';
import type { ProjectionPoints } from '../storage/repositories/projections';

export interface PointsData {
  itemIds: Int32Array;
  /** [count × 2] */
  xy: Float32Array;
  /** Index into `labels` per point, −1 for none. */
  labelIndex: Int32Array;
  labels: string[];
}

const align4 = (n: number): number => (n + 3) & ~3;

export function encodePoints(points: PointsData): Buffer {
  const count = points.itemIds.length;
  if (points.xy.length !== count * 2 || points.labelIndex.length !== count) {
    throw new Error(`points need 2 coordinates and 1 label index each: ${count} ids, ${points.xy.length} coordinates, ${points.labelIndex.length} label indices`);
  }
  const header = Buffer.from(JSON.stringify({ count, labels: points.labels }), 'utf8');
  const dataStart = align4(8 + header.length);
  const out = Buffer.alloc(dataStart + count * 16, 0x20);
  out.writeUInt32LE(POINTS_MAGIC, 0);
  out.writeUInt32LE(header.length, 4);
  header.copy(out, 8);
  let at = dataStart;
  for (const array of [points.itemIds, points.xy, points.labelIndex]) {
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    out.set(bytes, at);
    at += bytes.byteLength;
  }
  return out;
}

/** The inverse of encodePoints (for tests and tools; the renderer has its own reader of the same layout). */
export function decodePoints(bytes: Uint8Array): PointsData {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 8 || view.getUint32(0, true) !== POINTS_MAGIC) throw new Error('not a Pretext points file (bad magic)');
  const headerBytes = view.getUint32(4, true);
  const header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerBytes).toString('utf8')) as { count: number; labels: string[] };
  const start = align4(8 + headerBytes);
  const count = header.count;
  if (bytes.byteLength < start + count * 16) throw new Error(`points file truncated: ${count} points need ${start + count * 16} bytes, got ${bytes.byteLength}`);
  // Copies, so the arrays are aligned whatever the offset of `bytes`.
  const copy = new Uint8Array(count * 16);
  copy.set(bytes.subarray(start, start + count * 16));
  return {
    itemIds: new Int32Array(copy.buffer, 0, count),
    xy: new Float32Array(copy.buffer, count * 4, count * 2),
    labelIndex: new Int32Array(copy.buffer, count * 12, count),
    labels: header.labels,
  };
}

/**
 * Joins a projection's points with the current labels of the run's items (both ascending by item
 * id). Points whose item has since been removed from the dataset are left out; labels are sorted so
 * a label keeps its index (and colour) across projections of the same run.
 */
export function pointsWithLabels(points: ProjectionPoints, labels: Iterable<[itemId: number, label: string | null]>): PointsData {
  const n = points.itemIds.length;
  const present = new Uint8Array(n);
  const labelOf: (string | null)[] = new Array(n).fill(null);
  const names = new Set<string>();
  let p = 0;
  for (const [itemId, label] of labels) {
    while (p < n && points.itemIds[p]! < itemId) p++;
    if (p >= n) break;
    if (points.itemIds[p] === itemId) {
      present[p] = 1;
      labelOf[p] = label;
      if (label !== null) names.add(label);
    }
  }
  const sorted = [...names].sort();
  const index = new Map(sorted.map((l, i) => [l, i]));
  let count = 0;
  for (let i = 0; i < n; i++) count += present[i]!;
  const out: PointsData = { itemIds: new Int32Array(count), xy: new Float32Array(count * 2), labelIndex: new Int32Array(count), labels: sorted };
  let o = 0;
  for (let i = 0; i < n; i++) {
    if (!present[i]) continue;
    out.itemIds[o] = points.itemIds[i]!;
    out.xy[o * 2] = points.coords[i * 2]!;
    out.xy[o * 2 + 1] = points.coords[i * 2 + 1]!;
    const label = labelOf[i];
    out.labelIndex[o] = label === null || label === undefined ? -1 : index.get(label)!;
    o++;
  }
  return out;
}
