/**
 * HNSW graphs on disk, beside the database, so an index over a million vectors is built once per
 * run rather than at every start. Layout: 8-byte magic, u32 header length, JSON header, then the
 * graph's typed arrays back to back, each padded to 4 bytes. Written to a temporary file and
 * renamed, so a crash never leaves half an index.
 */
import { closeSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import type { HnswGraph } from './hnsw';

const MAGIC = 'PXHNSW01';

interface Header {
  /** Identifies the vectors the graph was built on; a different key means the file is stale. */
  key: string;
  n: number;
  dim: number;
  m: number;
  entryPoint: number;
  maxLevel: number;
  upperSlots: number;
}

const pad4 = (n: number): number => (4 - (n % 4)) % 4;

export function saveHnsw(path: string, graph: HnswGraph, key: string): void {
  const header: Header = {
    key,
    n: graph.n,
    dim: graph.dim,
    m: graph.m,
    entryPoint: graph.entryPoint,
    maxLevel: graph.maxLevel,
    upperSlots: graph.countUp.length,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(12);
  prefix.write(MAGIC, 0, 'ascii');
  prefix.writeUInt32LE(json.length, 8);
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, prefix);
    writeSync(fd, json);
    writeSync(fd, Buffer.alloc(pad4(12 + json.length)));
    for (const array of [graph.levels, graph.upperStart, graph.links0, graph.count0, graph.linksUp, graph.countUp]) {
      writeSync(fd, new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
      writeSync(fd, Buffer.alloc(pad4(array.byteLength)));
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** The graph stored at `path` when it was built for `key`, else null (missing, stale or damaged files are rebuilt). */
export function loadHnsw(path: string, key: string): HnswGraph | null {
  let buffer: Buffer;
  try {
    buffer = readFileSync(path);
  } catch {
    return null;
  }
  if (buffer.length < 12 || buffer.toString('ascii', 0, 8) !== MAGIC) return null;
  const headerLength = buffer.readUInt32LE(8);
  let header: Header;
  try {
    header = JSON.parse(buffer.toString('utf8', 12, 12 + headerLength)) as Header;
  } catch {
    return null;
  }
  if (header.key !== key) return null;
  // One aligned copy of the body; every array is a view into it.
  const start = 12 + headerLength + pad4(12 + headerLength);
  const body = new Uint8Array(buffer.length - start);
  body.set(buffer.subarray(start));
  let at = 0;
  const take = <T>(make: (buffer: ArrayBuffer, offset: number, length: number) => T, length: number, bytesPer: number): T => {
    const view = make(body.buffer, at, length);
    at += length * bytesPer + pad4(length * bytesPer);
    return view;
  };
  const { n, m, upperSlots } = header;
  const expected = [n, n * 4, n * 2 * m * 4, n, upperSlots * m * 4, upperSlots].reduce((s, b) => s + b + pad4(b), 0);
  if (body.length !== expected) return null;
  return {
    n,
    dim: header.dim,
    m,
    entryPoint: header.entryPoint,
    maxLevel: header.maxLevel,
    levels: take((b, o, l) => new Uint8Array(b, o, l), n, 1),
    upperStart: take((b, o, l) => new Int32Array(b, o, l), n, 4),
    links0: take((b, o, l) => new Int32Array(b, o, l), n * 2 * m, 4),
    count0: take((b, o, l) => new Uint8Array(b, o, l), n, 1),
    linksUp: take((b, o, l) => new Int32Array(b, o, l), upperSlots * m, 4),
    countUp: take((b, o, l) => new Uint8Array(b, o, l), upperSlots, 1),
  };
}
