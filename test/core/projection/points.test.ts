import { describe, expect, it } from 'vitest';
import { POINTS_MAGIC } from '../../../src-main/contract';
import { decodePoints, encodePoints, pointsWithLabels } from '../../../src-main/core/projection/points';

describe('points binary', () => {
  it('round-trips ids, coordinates, label indices and names, with the data 4-byte aligned', () => {
    const points = {
      itemIds: Int32Array.from([3, 7, 11]),
      xy: Float32Array.from([0.5, -1, 2.25, 3, -4.125, 1e-3]),
      labelIndex: Int32Array.from([1, -1, 0]),
      labels: ['cats', 'dögs, "quoted"'],
    };
    const bytes = encodePoints(points);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(view.getUint32(0, true)).toBe(POINTS_MAGIC);
    const headerBytes = view.getUint32(4, true);
    expect(JSON.parse(bytes.toString('utf8', 8, 8 + headerBytes))).toEqual({ count: 3, labels: points.labels });
    const start = (8 + headerBytes + 3) & ~3;
    expect(bytes.byteLength).toBe(start + 3 * 16);
    // Read the way a browser does: typed arrays straight over the bytes.
    const aligned = new Uint8Array(bytes).buffer;
    expect(Array.from(new Int32Array(aligned, start, 3))).toEqual([3, 7, 11]);
    expect(decodePoints(bytes)).toEqual(points);
    // And from an unaligned offset inside a larger buffer.
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect(decodePoints(shifted.subarray(1))).toEqual(points);
  });

  it('encodes an empty projection, and refuses mismatched arrays or a foreign file', () => {
    const empty = { itemIds: new Int32Array(0), xy: new Float32Array(0), labelIndex: new Int32Array(0), labels: [] };
    expect(decodePoints(encodePoints(empty))).toEqual(empty);
    expect(() => encodePoints({ ...empty, xy: new Float32Array(2) })).toThrow(/2 coordinates and 1 label index each: 0 ids, 2 coordinates/);
    expect(() => decodePoints(Buffer.from('PNG and more bytes'))).toThrow(/bad magic/);
  });

  it('joins current labels by item id, sorted, and leaves out items removed since', () => {
    const projection = { itemIds: Int32Array.from([1, 2, 4, 9]), coords: Float32Array.from([1, 1, 2, 2, 4, 4, 9, 9]) };
    const labels: [number, string | null][] = [
      [1, 'zebra'],
      [2, null],
      [3, 'extra'], // not in the projection (e.g. added later)
      [9, 'ant'],
    ];
    const joined = pointsWithLabels(projection, labels);
    expect(joined.labels).toEqual(['ant', 'zebra']);
    expect(Array.from(joined.itemIds)).toEqual([1, 2, 9]);
    expect(Array.from(joined.xy)).toEqual([1, 1, 2, 2, 9, 9]);
    expect(Array.from(joined.labelIndex)).toEqual([1, -1, 0]);
  });
});
