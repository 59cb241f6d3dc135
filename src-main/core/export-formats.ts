/**
 * Embeddings in the layouts other tools already read, beside Pretext's own CSV (export.ts):
 *
 * - `lightly`: Lightly's embeddings.csv (lightly.utils.io.save_embeddings / load_embeddings): header
 *   `filenames,embedding_0,…,embedding_{D-1},labels`; filenames relative to the dataset folder; labels
 *   are integer class indices, as Lightly's datasets number their class folders (sorted names,
 *   from 0), and 0 for an item without a label (Lightly's value for unlabelled data).
 * - `npy`: a NumPy array file (format 1.0), float32 little-endian, shape [N, D], C order; its rows
 *   are in the order of the CSV exports (by path, then row), so the CSV's first column names them.
 *   We write a plain .npy rather than an .npz with the names beside the matrix: .npy streams with a
 *   fixed header and no size limit, where .npz is a zip (CRC of every member, zip64 above 4 GB) and
 *   its names would be a fixed-width UTF-32 array (object arrays need pickle, which np.load refuses
 *   by default).
 * - `parquet`: columns `path` (string), `label` (string or null) and `embedding` (list of float32),
 *   one row per item in the CSV's order, Snappy-compressed, written with hyparquet-writer (pure
 *   JavaScript, MIT, no native code) in row groups streamed as they are encoded; pandas, polars,
 *   DuckDB and Arrow read it.
 *
 * Every writer streams row by row (a chunked reader of SQLite in, ~64 KB writes out, waiting for the
 * stream to drain), so any size exports in constant memory.
 */
import { endianness } from 'node:os';
import type { Writable } from 'node:stream';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { EmbeddingsFormat } from '../contract';
import { csvField, drained, ExportAborted, formatFloat, itemName, writeVectorRowsCsv } from './export';

/** What a writer reads: the rows in export order, and their labels alone (cheaper: no vectors). */
export interface EmbeddingSource {
  dim: number;
  rows(): Iterable<{ path: string; row: number; label: string | null; vector: Float32Array }>;
  labels(): Iterable<string | null>;
}

/** How each format is served and named. */
export const FORMAT_FILES: Readonly<Record<EmbeddingsFormat, { mime: string; suffix: string }>> = {
  csv: { mime: 'text/csv; charset=utf-8', suffix: 'embeddings.csv' },
  lightly: { mime: 'text/csv; charset=utf-8', suffix: 'embeddings-lightly.csv' },
  npy: { mime: 'application/octet-stream', suffix: 'embeddings.npy' },
  parquet: { mime: 'application/vnd.apache.parquet', suffix: 'embeddings.parquet' },
};

/** Writes the source in `format`; resolves with the rows written. */
export function writeEmbeddings(format: EmbeddingsFormat, source: EmbeddingSource, out: Writable): Promise<number> {
  switch (format) {
    case 'csv':
      return writeVectorRowsCsv(source.rows(), source.dim, out);
    case 'lightly':
      return writeLightlyCsv(source, out);
    case 'npy':
      return writeNpy(source, out);
    case 'parquet':
      return writeParquet(source, out);
  }
}

/** Sorted by code point, as Python's sorted() orders class folder names. */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** Class index of every label: sorted names numbered from 0 (torchvision's ImageFolder, Lightly's datasets). */
export function labelIndices(labels: Iterable<string | null>): Map<string, number> {
  const names = new Set<string>();
  for (const label of labels) if (label !== null) names.add(label);
  return new Map([...names].sort(byCodePoint).map((name, i) => [name, i]));
}

export async function writeLightlyCsv(source: EmbeddingSource, out: Writable): Promise<number> {
  const index = labelIndices(source.labels());
  const header = ['filenames', ...Array.from({ length: source.dim }, (_, i) => `embedding_${i}`), 'labels'].join(',');
  const lines = new ByteChunks(out);
  await lines.write(Buffer.from(header + '\n'));
  let count = 0;
  let chunk = '';
  for (const v of source.rows()) {
    // Quoted per RFC 4180 when needed; Lightly's csv reader reads that back (its upload check refuses commas in names).
    chunk += csvField(itemName(v.path, v.row));
    for (let i = 0; i < v.vector.length; i++) chunk += ',' + formatFloat(v.vector[i]!);
    chunk += `,${v.label === null ? 0 : index.get(v.label)!}\n`;
    count++;
    if (chunk.length > 64 * 1024) {
      await lines.write(Buffer.from(chunk));
      chunk = '';
    }
  }
  await lines.write(Buffer.from(chunk));
  await lines.flush();
  return count;
}

/**
 * The header of a format 1.0 .npy file of float32 [rows, dim]: magic, version, header length (u16
 * LE), then a Python dict literal padded with spaces and ended with a newline so the data starts at
 * a multiple of 64 bytes (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
 */
export function npyHeader(rows: number, dim: number): Buffer {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`;
  const unpadded = 10 + dict.length + 1;
  const total = Math.ceil(unpadded / 64) * 64;
  const header = Buffer.alloc(total, 0x20);
  header.write('\x93NUMPY', 0, 'latin1');
  header[6] = 1;
  header[7] = 0;
  header.writeUInt16LE(total - 10, 8);
  header.write(dict, 10, 'latin1');
  header[total - 1] = 0x0a;
  return header;
}

export async function writeNpy(source: EmbeddingSource, out: Writable): Promise<number> {
  // The shape comes first, so count the rows (from the labels: no vectors read) before writing any.
  let expected = 0;
  for (const _ of source.labels()) expected++;
  const bytes = new ByteChunks(out);
  await bytes.write(npyHeader(expected, source.dim));
  const littleEndian = endianness() === 'LE';
  let count = 0;
  for (const v of source.rows()) {
    if (v.vector.length !== source.dim) throw new Error(`expected ${source.dim} values per embedding, got ${v.vector.length} for ${itemName(v.path, v.row)}`);
    if (++count > expected) break;
    await bytes.write(littleEndian ? new Uint8Array(v.vector.buffer, v.vector.byteOffset, v.vector.byteLength) : toLittleEndian(v.vector));
  }
  if (count !== expected) {
    throw new Error(`The run's items changed during the export (${expected} counted, ${count} written; a re-import?); export again`);
  }
  await bytes.flush();
  return count;
}

/** Values per Parquet row group (about 8 MB of floats), so a row group's columns stay small in memory. */
const PARQUET_GROUP_VALUES = 2_000_000;

export async function writeParquet(source: EmbeddingSource, out: Writable, groupValues = PARQUET_GROUP_VALUES): Promise<number> {
  const chunks = new ByteChunks(out);
  const writer = new StreamedBytes(chunks);
  const parquet = new ParquetWriter({
    writer,
    createdBy: 'Pretext (hyparquet-writer)',
    schema: [
      { name: 'root', num_children: 3 },
      { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      { name: 'label', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      // The standard three-level list (parquet-format LogicalTypes.md, "Lists").
      { name: 'embedding', converted_type: 'LIST', repetition_type: 'REQUIRED', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
    ],
  });
  const groupRows = Math.max(1, Math.min(100_000, Math.floor(groupValues / Math.max(1, source.dim))));
  let paths: string[] = [];
  let labels: (string | null)[] = [];
  let embeddings: number[][] = [];
  const writeGroup = async (): Promise<void> => {
    if (paths.length === 0) return;
    const columnData = [
      { name: 'path', data: paths },
      { name: 'label', data: labels },
      { name: 'embedding', data: embeddings },
    ];
    await parquet.write({ columnData, rowGroupSize: paths.length });
    paths = [];
    labels = [];
    embeddings = [];
  };
  let count = 0;
  for (const v of source.rows()) {
    paths.push(itemName(v.path, v.row));
    labels.push(v.label);
    embeddings.push(Array.from(v.vector));
    count++;
    if (paths.length === groupRows) await writeGroup();
  }
  await writeGroup();
  await parquet.finish();
  await chunks.flush();
  return count;
}

/** hyparquet-writer's byte buffer, handed to the stream after each row group (ParquetWriter awaits flush before the next). */
class StreamedBytes extends ByteWriter {
  constructor(private readonly chunks: ByteChunks) {
    super(1 << 20);
  }

  async flush(): Promise<void> {
    if (this.index === 0) return;
    // A copy: the buffer is written over from the start once `index` is back at 0.
    const bytes = new Uint8Array(this.buffer.slice(0, this.index));
    this.index = 0;
    await this.chunks.write(bytes);
  }

  override finish(): Promise<void> {
    return this.flush();
  }
}

function toLittleEndian(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return bytes;
}

/** Gathers bytes into ~64 KB writes and waits for the stream to drain (export.ts's ChunkedWriter, for bytes). */
class ByteChunks {
  private parts: Uint8Array[] = [];
  private size = 0;
  constructor(private readonly out: Writable) {}

  async write(bytes: Uint8Array): Promise<void> {
    this.parts.push(bytes);
    this.size += bytes.byteLength;
    if (this.size > 64 * 1024) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.out.destroyed || this.out.writableEnded) throw new ExportAborted();
    if (this.size === 0) return;
    const chunk = Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    if (!this.out.write(chunk)) await drained(this.out);
  }
}
