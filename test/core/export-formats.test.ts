import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src-main/core/app';
import { ExportAborted } from '../../src-main/core/export';
import { labelIndices, npyHeader, writeEmbeddings, writeParquet, type EmbeddingSource } from '../../src-main/core/export-formats';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { syntheticRun, type SyntheticRun } from './projection/explore-fixture';

const rows = [
  { path: 'b/x,y.png', row: 0, label: 'b', vector: new Float32Array([0.1, -2.5e-7, 3]) },
  { path: 'loose.png', row: 0, label: null, vector: new Float32Array([1, 2, 3]) },
  { path: 'a/t.csv', row: 2, label: 'a', vector: new Float32Array([4, 5, 6]) },
];
const source: EmbeddingSource = { dim: 3, rows: () => rows, labels: () => rows.map((r) => r.label) };

function sink(): { out: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { out, bytes: () => Buffer.concat(chunks) };
}

/** The header dict and data of a .npy file, parsed as numpy's format 1.0 reader does. */
function parseNpy(bytes: Buffer): { dict: string; dataOffset: number; values: Float32Array } {
  expect(bytes.subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
  expect([bytes[6], bytes[7]]).toEqual([1, 0]);
  const headerLength = bytes.readUInt16LE(8);
  const dataOffset = 10 + headerLength;
  const dict = bytes.subarray(10, dataOffset).toString('latin1');
  const data = bytes.subarray(dataOffset);
  return { dict, dataOffset, values: new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) };
}

const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import numpy']).status === 0);

describe("Lightly's embeddings.csv", () => {
  it('has the header filenames,embedding_0…,labels and integer class indices, 0 for an unlabelled item', async () => {
    const { out, bytes } = sink();
    expect(await writeEmbeddings('lightly', source, out)).toBe(3);
    const lines = bytes().toString('utf8').trim().split('\n');
    expect(lines[0]).toBe('filenames,embedding_0,embedding_1,embedding_2,labels');
    expect(lines[1]).toMatch(/^"b\/x,y\.png",0\.100000001,-2\.\d+e-7,3,1$/);
    expect(lines[2]).toBe('loose.png,1,2,3,0');
    expect(lines[3]).toBe('a/t.csv#2,4,5,6,0');
  });

  it('numbers the classes as sorted folder names from 0, by code point like Python', () => {
    expect([...labelIndices(['dog', null, 'cat', 'Zebra', 'dog', 'éclair'])]).toEqual([
      ['Zebra', 0],
      ['cat', 1],
      ['dog', 2],
      ['éclair', 3],
    ]);
  });
});

describe('NumPy .npy', () => {
  it('writes a format 1.0 header (data aligned to 64 bytes) and float32 little-endian rows in export order', async () => {
    const header = npyHeader(3, 128);
    expect(header.length % 64).toBe(0);
    expect(header.at(-1)).toBe(0x0a);
    const { out, bytes } = sink();
    expect(await writeEmbeddings('npy', source, out)).toBe(3);
    const parsed = parseNpy(bytes());
    expect(parsed.dataOffset % 64).toBe(0);
    expect(parsed.dict.trimEnd()).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 3), }");
    expect(parsed.values).toEqual(new Float32Array([0.1, -2.5e-7, 3, 1, 2, 3, 4, 5, 6]));
  });

  it('refuses to write a file whose rows do not match the shape it announced', async () => {
    const changing: EmbeddingSource = { dim: 3, rows: () => rows.slice(0, 2), labels: () => rows.map((r) => r.label) };
    await expect(writeEmbeddings('npy', changing, sink().out)).rejects.toThrow(/items changed during the export \(3 counted, 2 written/);
  });

  it('stops with ExportAborted when its reader goes away (a cancelled download)', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ path: `p${i}.png`, row: 0, label: null, vector: new Float32Array(64).fill(i) }));
    const big: EmbeddingSource = { dim: 64, rows: () => many, labels: () => many.map(() => null) };
    const out = new PassThrough({ highWaterMark: 1024 });
    setTimeout(() => out.destroy(), 20);
    await expect(writeEmbeddings('npy', big, out)).rejects.toBeInstanceOf(ExportAborted);
  });
});

/** The rows of a Parquet file, read with hyparquet (the reader of hyparquet-writer's authors, a separate package). */
async function readParquet(bytes: Buffer): Promise<{ rows: Record<string, unknown>[]; groups: number }> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { rows: await parquetReadObjects({ file }), groups: parquetMetadata(file).row_groups.length };
}

describe('Parquet', () => {
  it('has the columns path, label (null when unlabelled) and embedding (list of float32), in row groups streamed as written', async () => {
    const { out, bytes } = sink();
    expect(await writeParquet(source, out, 6)).toBe(3); // two rows per group
    const file = bytes();
    expect(file.subarray(0, 4).toString('latin1')).toBe('PAR1');
    expect(file.subarray(-4).toString('latin1')).toBe('PAR1');
    const { rows: read, groups } = await readParquet(file);
    expect(groups).toBe(2);
    expect(read.map((r) => ({ path: r.path, label: r.label, embedding: Array.from(r.embedding as number[]).map(Math.fround) }))).toEqual([
      { path: 'b/x,y.png', label: 'b', embedding: Array.from(rows[0]!.vector) },
      { path: 'loose.png', label: null, embedding: [1, 2, 3] },
      { path: 'a/t.csv#2', label: 'a', embedding: [4, 5, 6] },
    ]);
    const schema = parquetMetadata(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer).schema;
    expect(schema.map((e) => [e.name, e.type ?? null, e.repetition_type ?? null])).toEqual([
      ['root', null, null],
      ['path', 'BYTE_ARRAY', 'REQUIRED'],
      ['label', 'BYTE_ARRAY', 'OPTIONAL'],
      ['embedding', null, 'REQUIRED'],
      ['list', null, 'REPEATED'],
      ['element', 'FLOAT', 'REQUIRED'],
    ]);
  });

  it('stops with ExportAborted when its reader goes away', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => ({ path: `p${i}.png`, row: 0, label: null, vector: new Float32Array(64).fill(i) }));
    const out = new PassThrough({ highWaterMark: 1024 });
    setTimeout(() => out.destroy(), 20);
    await expect(writeParquet({ dim: 64, rows: () => many, labels: () => many.map(() => null) }, out, 6400)).rejects.toBeInstanceOf(ExportAborted);
  });
});

describe('exports in every format through the core', () => {
  let dir: string;
  let core: Core;
  let run: SyntheticRun;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pretext-export-formats-'));
    core = createCore({ dbPath: join(dir, 'formats.db'), shell: 'cli' });
    run = syntheticRun(core.db, { n: 30, dim: 8, seed: 3 });
  });
  afterAll(async () => {
    await core.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs.exportCsv writes csv, lightly and npy with the same rows in the same order', async () => {
    const csv = join(dir, 'e.csv');
    const lightly = join(dir, 'embeddings.csv');
    const npy = join(dir, 'e.npy');
    expect(await core.handlers['runs.exportCsv']({ runId: run.runId, path: csv })).toEqual({ path: csv, rows: 30 });
    expect(await core.handlers['runs.exportCsv']({ runId: run.runId, path: lightly, format: 'lightly' })).toEqual({ path: lightly, rows: 30 });
    expect(await core.handlers['runs.exportCsv']({ runId: run.runId, path: npy, format: 'npy' })).toEqual({ path: npy, rows: 30 });
    const ours = readFileSync(csv, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const theirs = readFileSync(lightly, 'utf8').trim().split('\n');
    expect(theirs[0]).toBe(['filenames', ...Array.from({ length: 8 }, (_, i) => `embedding_${i}`), 'labels'].join(','));
    const classes = ['circle', 'square', 'triangle'];
    theirs.slice(1).forEach((line, i) => {
      const fields = line.split(',');
      expect(fields[0]).toBe(ours[i]![0]); // filenames relative to the dataset
      expect(fields.slice(1, -1)).toEqual(ours[i]!.slice(2));
      expect(Number(fields.at(-1))).toBe(classes.indexOf(ours[i]![1]!));
    });
    const { values, dict } = parseNpy(readFileSync(npy));
    expect(dict).toContain("'shape': (30, 8)");
    expect(Array.from(values.subarray(8, 16))).toEqual(ours[1]!.slice(2).map((x) => Math.fround(Number(x))));
    // Refused without overwrite, like every export; an unknown format is a bad request naming the choices.
    await expect(core.handlers['runs.exportCsv']({ runId: run.runId, path: npy, format: 'npy' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(core.handlers['runs.exportCsv']({ runId: run.runId, path: join(dir, 'x'), format: 'hdf5' as 'npy' })).rejects.toThrow(
      /format must be one of csv, lightly, npy, parquet, got "hdf5"/,
    );
    const parquet = join(dir, 'e.parquet');
    expect(await core.handlers['runs.exportCsv']({ runId: run.runId, path: parquet, format: 'parquet' })).toEqual({ path: parquet, rows: 30 });
    const { rows: read } = await readParquet(readFileSync(parquet));
    expect(read.map((r) => [r.path, r.label])).toEqual(ours.map((r) => [r[0], r[1]]));
    expect(Array.from(read[1]!.embedding as number[]).map(Math.fround)).toEqual(ours[1]!.slice(2).map((x) => Math.fround(Number(x))));
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });

  it.skipIf(!python)('numpy loads the .npy file as float32 [N, D] equal to the CSV', async () => {
    const npy = join(dir, 'numpy.npy');
    await core.handlers['runs.exportCsv']({ runId: run.runId, path: npy, format: 'npy' });
    const script = 'import numpy, sys; a = numpy.load(sys.argv[1]); print(a.dtype, a.shape, repr(float(a[1, 2])), sep="|")';
    const r = spawnSync(python!, ['-c', script, npy], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const second = readFileSync(join(dir, 'e.csv'), 'utf8').trim().split('\n')[2]!.split(',');
    const [dtype, shape, value] = r.stdout.trim().split('|');
    expect(dtype).toBe('float32');
    expect(shape).toBe('(30, 8)');
    expect(Math.fround(Number(value))).toBe(Math.fround(Number(second[4])));
  });

  it('the download routes serve each format with its name and type', async () => {
    for (const [suffix, format, mime, filename] of [
      ['.csv', 'csv', 'text/csv; charset=utf-8', `pretext-run-${run.runId}-embeddings.csv`],
      ['.lightly.csv', 'lightly', 'text/csv; charset=utf-8', `pretext-run-${run.runId}-embeddings-lightly.csv`],
      ['.npy', 'npy', 'application/octet-stream', `pretext-run-${run.runId}-embeddings.npy`],
      ['.parquet', 'parquet', 'application/vnd.apache.parquet', `pretext-run-${run.runId}-embeddings.parquet`],
    ] as const) {
      const route = core.dataRoute(`/export/run/${run.runId}${suffix}`, new URLSearchParams())!;
      expect(route).toEqual({ method: 'GET', kind: 'embeddings', runId: run.runId, format });
      const response = core.dataResponse(route, null);
      expect(response).toMatchObject({ mime, filename });
      const { out, bytes } = sink();
      expect(await response.write(out)).toBe(30);
      const file = { csv: 'e.csv', lightly: 'embeddings.csv', npy: 'e.npy', parquet: 'e.parquet' }[format];
      expect(bytes().equals(readFileSync(join(dir, file)))).toBe(true);
    }
    expect(core.dataRoute(`/export/run/${run.runId}.hdf5`, new URLSearchParams())).toBeNull();
    expect(core.dataRoute('/export/set/4.npy', new URLSearchParams())).toEqual({ method: 'GET', kind: 'vectorSet', setId: 4, format: 'npy' });
  });
});
