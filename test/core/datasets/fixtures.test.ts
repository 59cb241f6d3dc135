/**
 * The committed fixture folders, run through every module the importer uses (walk, detect,
 * decode, rows), so the fixtures stay what test/fixtures/README.md says they are.
 */
import { open, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { probeAudio } from '../../../src-main/core/datasets/decode-audio';
import { probeImage } from '../../../src-main/core/datasets/decode-image';
import { decodeUtf8 } from '../../../src-main/core/datasets/decode-text';
import { detectFormat } from '../../../src-main/core/datasets/detect';
import { walkFolder } from '../../../src-main/core/datasets/scan';
import { readRows } from '../../../src-main/core/datasets/tabular';
import { fixturePath } from './helpers';

interface Outcome {
  path: string;
  row?: number;
  status: 'ok' | 'skipped' | 'ignored';
  modality?: string;
  format?: string;
  label?: string | null;
  detail?: string;
}

async function head(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(64);
    const { bytesRead } = await handle.read(buffer, 0, 64, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** What an import of the folder would record, item by item. */
async function outcomes(folder: string): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for await (const entry of walkFolder(fixturePath(folder))) {
    if (entry.type === 'ignored') {
      out.push({ path: entry.relPath, status: 'ignored', detail: entry.reason });
      continue;
    }
    const detection = detectFormat(entry.relPath, await head(entry.absPath));
    if (detection.kind === 'unsupported') {
      out.push({ path: entry.relPath, status: 'skipped', detail: detection.reason });
      continue;
    }
    const { format, modality } = detection;
    const base = { path: entry.relPath, modality, format, label: entry.label };
    if (format === 'csv' || format === 'tsv' || format === 'jsonl') {
      for await (const row of readRows(entry.absPath, format)) {
        const label = row.label ?? entry.label;
        out.push(row.error ? { ...base, row: row.row, label, status: 'skipped', detail: row.error } : { ...base, row: row.row, label, status: 'ok' });
      }
      continue;
    }
    const bytes = new Uint8Array(await readFile(entry.absPath));
    const result =
      modality === 'image'
        ? await probeImage(bytes, format)
        : modality === 'audio'
          ? await probeAudio(bytes, format)
          : decodeUtf8(bytes);
    out.push(result.ok ? { ...base, status: 'ok', ...(detection.note ? { detail: detection.note } : {}) } : { ...base, status: 'skipped', detail: result.reason });
  }
  return out;
}

function counts(items: Outcome[]): Record<string, number> {
  const result: Record<string, number> = {};
  for (const item of items) {
    const key = item.status === 'ok' ? item.modality! : item.status;
    result[key] = (result[key] ?? 0) + 1;
  }
  return result;
}

describe('test/fixtures/mixed', () => {
  it('imports every file with two or more labels per modality, and ignores .DS_Store', async () => {
    const items = await outcomes('mixed');
    expect(counts(items)).toEqual({ image: 6, text: 12, audio: 7, ignored: 1 });
    const labels = (modality: string): Record<string, number> => {
      const result: Record<string, number> = {};
      for (const item of items.filter((i) => i.status === 'ok' && i.modality === modality)) {
        const label = item.label ?? '(none)';
        result[label] = (result[label] ?? 0) + 1;
      }
      return result;
    };
    expect(labels('image')).toEqual({ cats: 3, dogs: 3 });
    expect(labels('audio')).toEqual({ speech: 3, tones: 4 });
    // Text: two labelled folders, plus table rows labelled by their label column.
    expect(labels('text')).toEqual({ poems: 3, recipes: 2, wisdom: 2, humour: 2, todo: 2, idea: 1 });
    expect(items.find((i) => i.status === 'ignored')).toEqual({ path: '.DS_Store', status: 'ignored', detail: 'hidden file' });
    expect(new Set(items.filter((i) => i.status === 'ok').map((i) => i.format))).toEqual(
      new Set(['png', 'jpeg', 'webp', 'gif', 'bmp', 'txt', 'md', 'csv', 'jsonl', 'wav', 'flac', 'ogg', 'mp3']),
    );
  });
});

describe('test/fixtures/bad', () => {
  it('records each bad file with its reason and imports the good ones', async () => {
    const items = await outcomes('bad');
    const byPath = (path: string, row?: number): Outcome | undefined => items.find((i) => i.path === path && i.row === row);
    expect(byPath('good.png')).toMatchObject({ status: 'ok', modality: 'image' });
    expect(byPath('good.txt')).toMatchObject({ status: 'ok', modality: 'text' });
    expect(byPath('good.wav')).toMatchObject({ status: 'ok', modality: 'audio' });
    expect(byPath('misnamed.jpg')).toMatchObject({ status: 'ok', format: 'png', detail: 'content is PNG although the name ends in .jpg' });

    const skipped = Object.fromEntries(items.filter((i) => i.status === 'skipped' && i.row === undefined).map((i) => [i.path, i.detail]));
    expect(skipped).toEqual({
      'binary.txt': 'binary data in a .txt file (NUL byte at offset 3)',
      'corrupt.flac': 'no audio samples (the FLAC data could not be decoded: corrupt or truncated?)',
      'empty.wav': 'empty file (0 bytes)',
      'fake.png': 'the name ends in .png but the content is not PNG (it starts with 74 68 69 73)',
      'header-only.wav': 'no audio samples',
      'latin1.txt': 'not valid UTF-8 (invalid byte 0xE9 at offset 3)',
      'notes.xyz': 'unsupported file type .xyz',
      'truncated.jpg': 'corrupt or truncated JPEG (VipsJpeg: premature end of JPEG image)',
      'truncated.png': 'corrupt or truncated PNG (vipspng: libpng read error)',
    });

    const rows = (path: string): Array<[number | undefined, string, string | undefined]> =>
      items.filter((i) => i.path === path).map((i) => [i.row, i.status, i.detail]);
    expect(rows('latin1.csv')).toEqual([
      [1, 'ok', undefined],
      [2, 'skipped', "row 2: not valid UTF-8 (invalid byte 0xE9 at offset 35) in column 'text'"],
      [3, 'ok', undefined],
    ]);
    expect(rows('broken.jsonl').map(([row, status]) => [row, status])).toEqual([
      [1, 'ok'],
      [2, 'skipped'],
      [3, 'skipped'],
      [4, 'ok'],
    ]);
    expect(counts(items)).toEqual({ image: 2, text: 5, audio: 1, skipped: 12 });
  });
});
