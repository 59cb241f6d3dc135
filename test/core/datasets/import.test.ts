import { mkdirSync, mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ImportProgress } from '../../../src-main/contract';
import * as decodeImage from '../../../src-main/core/datasets/decode-image';
import { importFolder } from '../../../src-main/core/datasets/import';
import { openDatabase, type Db } from '../../../src-main/core/storage/db';
import { ItemsRepository } from '../../../src-main/core/storage/repositories/items';
import { finishingInReverse } from './helpers';

// probeImage as it is, unless a test makes its calls finish in another order.
vi.mock('../../../src-main/core/datasets/decode-image', async (importOriginal) => {
  const actual = await importOriginal<typeof decodeImage>();
  return { ...actual, probeImage: vi.fn(actual.probeImage) };
});
const { probeImage: realProbeImage } = await vi.importActual<typeof decodeImage>('../../../src-main/core/datasets/decode-image');

let root: string;
let db: Db;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'pretext-import-'));
  db = openDatabase(':memory:');
});
afterEach(() => {
  vi.mocked(decodeImage.probeImage).mockImplementation(realProbeImage);
  db.close();
  rmSync(root, { recursive: true, force: true });
});

function write(rel: string, content: string | Uint8Array): void {
  const path = join(root, 'data', rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
}

async function png(shade: number, size = 8): Promise<Buffer> {
  return sharp(Buffer.alloc(size * size * 3, shade), { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
}

/** A 16-bit mono PCM WAV with `n` samples of a sine. */
function wav(n: number, sampleRate = 8000): Buffer {
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) data.writeInt16LE(Math.round(Math.sin(i / 5) * 8000), i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

async function makeMixedFolder(): Promise<string> {
  write('cats/a.png', await png(10));
  write('cats/b.png', await png(20));
  write('dogs/c.png', await png(30));
  write('dogs/d.txt', 'A dog story.\nSecond line.');
  write('songs/e.wav', wav(4000));
  write('notes.md', '# Notes\n\nUnlabelled because it sits at the root.');
  write('quotes/q.csv', 'text,author\n"Hello, world",ana\nSecond quote,bo\n');
  write('.hidden.png', await png(40));
  return join(root, 'data');
}

const items = (datasetId: number, status?: 'ok' | 'skipped') =>
  new ItemsRepository(db).page({ datasetId, limit: 500, ...(status ? { status } : {}) }).items;

describe('importFolder', () => {
  it('imports images, text, audio and table rows with labels from class sub-folders', async () => {
    const folder = await makeMixedFolder();
    const report = await importFolder(db, { path: folder });
    expect(report.dataset.counts).toEqual({ image: 3, text: 4, audio: 1 });
    expect(report.dataset.skipped).toBe(0);
    expect(report.added).toBe(8);
    expect(report.ignored).toBe(1); // the hidden file
    expect(report.dataset.labels).toEqual([
      { label: 'cats', count: 2 },
      { label: 'dogs', count: 2 },
      { label: 'quotes', count: 2 },
      { label: 'songs', count: 1 },
      { label: null, count: 1 },
    ]);
    const rows = items(report.datasetId).filter((i) => i.path === 'quotes/q.csv');
    expect(rows.map((r) => [r.row, r.meta.snippet])).toEqual([
      [1, 'Hello, world'],
      [2, 'Second quote'],
    ]);
    const image = items(report.datasetId).find((i) => i.path === 'cats/a.png')!;
    expect(image.meta).toMatchObject({ width: 8, height: 8, format: 'png' });
    const audio = items(report.datasetId).find((i) => i.path === 'songs/e.wav')!;
    expect(audio.meta.durationSec).toBeCloseTo(0.5, 2);
  });

  it('gives the same counts when the same folder is imported twice, and duplicates nothing', async () => {
    const folder = await makeMixedFolder();
    const first = await importFolder(db, { path: folder });
    const second = await importFolder(db, { path: folder });
    expect(second.datasetId).toBe(first.datasetId);
    expect(second.dataset.counts).toEqual(first.dataset.counts);
    expect(second.dataset.labels).toEqual(first.dataset.labels);
    expect(second).toMatchObject({ added: 0, updated: 0, removed: 0, unchanged: 8 });
    expect(items(first.datasetId)).toHaveLength(8);
  });

  it('picks up new, changed and removed files on re-import', async () => {
    const folder = await makeMixedFolder();
    const first = await importFolder(db, { path: folder });
    write('cats/new.png', await png(50));
    write('dogs/d.txt', 'The dog story, rewritten and longer.');
    utimesSync(join(folder, 'dogs/d.txt'), new Date(), new Date(Date.now() + 5000));
    unlinkSync(join(folder, 'cats/b.png'));
    const second = await importFolder(db, { path: folder });
    expect(second).toMatchObject({ added: 1, updated: 1, removed: 1, unchanged: 6 });
    expect(second.dataset.total).toBe(first.dataset.total);
    const story = items(first.datasetId).find((i) => i.path === 'dogs/d.txt')!;
    expect(story.meta.snippet).toBe('The dog story, rewritten and longer.');
  });

  it('records every bad file with a reason and imports the good ones', async () => {
    const good = await png(60);
    write('good.png', good);
    write('good.txt', 'fine text');
    write('good.wav', wav(800));
    write('truncated.png', good.subarray(0, Math.floor(good.length / 2)));
    write('empty.wav', new Uint8Array(0));
    write('binary.txt', new Uint8Array([0x00, 0x01, 0x02, 0xff, 0x00, 0x10]));
    write('latin1.txt', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6e, 0x6f, 0x69, 0x72]));
    write('program.exe', 'MZ not a dataset file');
    const report = await importFolder(db, { path: join(root, 'data') });
    expect(report.dataset.counts).toEqual({ image: 1, text: 1, audio: 1 });
    expect(report.dataset.skipped).toBe(5);
    const reasons = Object.fromEntries(items(report.datasetId, 'skipped').map((i) => [i.path, i.error]));
    expect(reasons['truncated.png']).toMatch(/truncated|corrupt/i);
    expect(reasons['empty.wav']).toMatch(/empty|0 bytes/i);
    expect(reasons['binary.txt']).toMatch(/binary/i);
    expect(reasons['latin1.txt']).toMatch(/UTF-8/);
    expect(reasons['program.exe']).toMatch(/unsupported/i);
  });

  it('reports progress: counting, then importing with a known total, then done', async () => {
    const folder = await makeMixedFolder();
    const events: ImportProgress[] = [];
    await importFolder(db, { path: folder }, { onProgress: (p) => events.push(p) });
    const phases = [...new Set(events.map((e) => e.phase))];
    expect(phases).toEqual(['counting', 'importing', 'finishing', 'done']);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ phase: 'done', filesTotal: 7, filesDone: 7, itemsDone: 8 });
  });

  it('imports an empty folder as an empty dataset', async () => {
    mkdirSync(join(root, 'empty'));
    const report = await importFolder(db, { path: join(root, 'empty') });
    expect(report.dataset).toMatchObject({ total: 0, skipped: 0, status: 'ready' });
  });

  it('refuses a path that is missing or a file, naming it', async () => {
    await expect(importFolder(db, { path: join(root, 'nope') })).rejects.toThrow(/no such folder/);
    write('file.txt', 'x');
    await expect(importFolder(db, { path: join(root, 'data', 'file.txt') })).rejects.toThrow(/is a file, not a folder/);
  });

  it('stops when cancelled, keeps what it wrote and marks the dataset failed with the reason', async () => {
    for (let i = 0; i < 30; i++) write(`many/n${i}.txt`, `note ${i}`);
    const controller = new AbortController();
    let seen = 0;
    const run = importFolder(db, { path: join(root, 'data') }, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'importing' && ++seen === 1) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'cancelled', message: expect.stringMatching(/cancelled/i) });
    const dataset = db.prepare(`SELECT status, error FROM datasets`).get() as { status: string; error: string };
    expect(dataset).toEqual({ status: 'failed', error: expect.stringMatching(/cancelled/) });
    // Re-importing afterwards completes and finds every file.
    const report = await importFolder(db, { path: join(root, 'data') });
    expect(report.dataset).toMatchObject({ total: 30, status: 'ready' });
  });

  it('reads table rows again when the text column changes', async () => {
    write('t.csv', 'id,body,title\n1,long body one,T1\n2,long body two,T2\n');
    const first = await importFolder(db, { path: join(root, 'data') });
    expect(items(first.datasetId).map((i) => i.meta.snippet)).toEqual(['long body one', 'long body two']);
    const second = await importFolder(db, { path: join(root, 'data'), textColumn: 'title' });
    expect(second.updated).toBe(2);
    expect(items(first.datasetId).map((i) => i.meta.snippet)).toEqual(['T1', 'T2']);
  });

  it('reads a .tab table again too when the text column changes', async () => {
    write('t.tab', 'body\ttitle\nlong body\tT1\n');
    const first = await importFolder(db, { path: join(root, 'data') });
    expect(items(first.datasetId).map((i) => i.meta.snippet)).toEqual(['long body']);
    const second = await importFolder(db, { path: join(root, 'data'), textColumn: 'title' });
    expect(second.updated).toBe(1);
    expect(items(first.datasetId).map((i) => i.meta.snippet)).toEqual(['T1']);
  });
});

describe('importFolder, re-import of tables', () => {
  it('counts every row of an unchanged table as unchanged, even rows with different labels', async () => {
    write('t.csv', 'text,label\nfirst,a\nsecond,b\nthird,a\n');
    const first = await importFolder(db, { path: join(root, 'data') });
    expect(first.dataset.labels).toEqual([
      { label: 'a', count: 2 },
      { label: 'b', count: 1 },
    ]);
    const second = await importFolder(db, { path: join(root, 'data') });
    expect(second).toMatchObject({ added: 0, updated: 0, unchanged: 3 });
  });
});

describe('importFolder, item order', () => {
  it('stores items in path order, rows in file order, on every fresh import whatever order the reads finish in', async () => {
    const images = ['a/1.png', 'a/2.png', 'a/3.png', 'a/4.png', 'c/5.png', 'c/6.png', 'c/7.png', 'c/8.png'];
    const encoded = await Promise.all(images.map((_, i) => png(10 + 20 * i)));
    images.forEach((path, i) => write(path, encoded[i]!));
    write('b.csv', 'text\nfirst row\nsecond row\nthird row\n');
    write('d.txt', 'last in the walk');
    const rankOf = new Map(encoded.map((bytes, i) => [bytes.toString('base64'), i]));
    const expected = [
      ...images.slice(0, 4).map((path) => [path, 0]),
      ['b.csv', 1],
      ['b.csv', 2],
      ['b.csv', 3],
      ...images.slice(4).map((path) => [path, 0]),
      ['d.txt', 0],
    ];

    const storedOrder = async (reversed: boolean): Promise<{ stored: unknown[]; training: string[] }> => {
      vi.mocked(decodeImage.probeImage).mockImplementation(
        reversed ? finishingInReverse(realProbeImage, (bytes) => rankOf.get(Buffer.from(bytes).toString('base64'))!) : realProbeImage,
      );
      const fresh = openDatabase(':memory:');
      try {
        const { datasetId } = await importFolder(fresh, { path: join(root, 'data') });
        const stored = fresh.prepare(`SELECT path, row FROM items WHERE dataset_id = ? ORDER BY id`).raw(true).all(datasetId);
        const training = new ItemsRepository(fresh).forTraining(datasetId, 'image').map((item) => item.path);
        return { stored, training };
      } finally {
        fresh.close();
      }
    };
    // Once: each sub-folder's four images (read four at a time) finish last first. Then: as they come.
    const reversed = await storedOrder(true);
    const asTheyCome = await storedOrder(false);
    expect(reversed.stored).toEqual(expected);
    expect(asTheyCome.stored).toEqual(expected);
    expect(reversed.training).toEqual(images);
    expect(asTheyCome.training).toEqual(images);
  });
});
