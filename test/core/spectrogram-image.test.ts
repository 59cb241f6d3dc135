import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src-main/contract';
import { importFolder } from '../../src-main/core/datasets/import';
import { MediaService } from '../../src-main/core/media';
import { SPECTROGRAM_HEIGHT, SPECTROGRAM_WIDTH, spectrogramPixels, spectrogramPng } from '../../src-main/core/spectrogram-image';
import { openDatabase, type Db } from '../../src-main/core/storage/db';
import { DatasetsRepository } from '../../src-main/core/storage/repositories/datasets';
import { ItemsRepository } from '../../src-main/core/storage/repositories/items';
import { sine, wavBytes } from './datasets/helpers';

/** A linear chirp from `f0` to `f1` Hz over `seconds`, amplitude 0.5. */
function chirp(f0: number, f1: number, seconds: number, sampleRate: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * sampleRate));
  const rate = (f1 - f0) / seconds;
  for (let i = 0; i < out.length; i++) {
    const t = i / sampleRate;
    out[i] = 0.5 * Math.sin(2 * Math.PI * (f0 * t + (rate * t * t) / 2));
  }
  return out;
}

async function rgbOf(png: Uint8Array): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** The row (0 = top) of the brightest pixel of each column. */
function brightestRows(image: { data: Buffer; width: number; height: number; channels: number }): number[] {
  const rows: number[] = [];
  for (let x = 0; x < image.width; x++) {
    let best = -1;
    let at = 0;
    for (let y = 0; y < image.height; y++) {
      const p = (y * image.width + x) * image.channels;
      const level = image.data[p]! + image.data[p + 1]! + image.data[p + 2]!;
      if (level > best) [best, at] = [level, y];
    }
    rows.push(at);
  }
  return rows;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('spectrogramPng', () => {
  it('draws a 128 × 64 PNG in which a rising chirp climbs from left to right', async () => {
    // 44.1 kHz, so the clip goes through the resampler as a dataset's clips do.
    const png = await spectrogramPng(wavBytes([chirp(200, 6000, 3, 44_100)], 44_100), 'wav');
    const meta = await sharp(png).metadata();
    expect(meta).toMatchObject({ format: 'png', width: SPECTROGRAM_WIDTH, height: SPECTROGRAM_HEIGHT });
    const rows = brightestRows(await rgbOf(png));
    const quarters = [0, 1, 2, 3].map((q) => mean(rows.slice(q * 32, (q + 1) * 32)));
    // Each quarter's bright band sits higher (a smaller row) than the one before.
    for (let q = 1; q < 4; q++) expect(quarters[q]!, `quarters ${quarters.map((r) => r.toFixed(1)).join(', ')}`).toBeLessThan(quarters[q - 1]! - 2);
    expect(quarters[0]).toBeGreaterThan(SPECTROGRAM_HEIGHT * 0.6);
    expect(quarters[3]).toBeLessThan(SPECTROGRAM_HEIGHT * 0.4);
  });

  it('keeps a steady tone in one row, lower for a lower tone', async () => {
    const rowOf = async (hz: number): Promise<number[]> => brightestRows(await rgbOf(await spectrogramPng(wavBytes([sine(hz, 1, 16_000)], 16_000), 'wav')));
    const low = await rowOf(300);
    const high = await rowOf(3000);
    expect(Math.max(...low) - Math.min(...low)).toBeLessThanOrEqual(1);
    expect(Math.min(...low)).toBeGreaterThan(Math.max(...high));
  });

  it('draws silence in one colour, and refuses log-mels of the wrong size', () => {
    const silent = spectrogramPixels(new Float32Array(10 * 64).fill(-13.8), 10, 64);
    expect(silent.length).toBe(SPECTROGRAM_WIDTH * SPECTROGRAM_HEIGHT * 3);
    expect(new Set(Array.from({ length: silent.length / 3 }, (_, p) => silent.slice(p * 3, p * 3 + 3).join(','))).size).toBe(1);
    expect(() => spectrogramPixels(new Float32Array(10), 2, 64)).toThrow('expected [2 frames × 64 bands] log-mels, got 10 values');
  });

  it('scales each clip by its own percentiles: a quiet clip looks like a loud one', () => {
    const ramp = (gain: number): Float32Array => Float32Array.from({ length: 20 * 64 }, (_, i) => Math.log(gain * (1 + (i % 64))));
    expect(spectrogramPixels(ramp(1e-3), 20, 64)).toEqual(spectrogramPixels(ramp(10), 20, 64));
  });
});

describe('the spectrogram media kind', () => {
  let dir: string;
  let db: Db;
  let items: ItemsRepository;
  let datasets: DatasetsRepository;
  let ids: Record<string, number>;
  const cacheDir = (): string => join(dir, 'cache');
  const cached = (): string[] => readdirSync(join(cacheDir(), 'spectrograms'));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pretext-spectrogram-'));
    const root = join(dir, 'clips');
    mkdirSync(root);
    writeFileSync(join(root, 'up.wav'), wavBytes([chirp(300, 3000, 1, 16_000)], 16_000));
    writeFileSync(join(root, 'broken.wav'), wavBytes([sine(500, 0.5, 16_000)], 16_000));
    writeFileSync(join(root, 'note.txt'), 'not a sound');
    db = openDatabase(join(dir, 'media.db'));
    items = new ItemsRepository(db);
    datasets = new DatasetsRepository(db);
    const { datasetId } = await importFolder(db, { path: root });
    const idOf = (path: string): number => (db.prepare(`SELECT id FROM items WHERE dataset_id = ? AND path = ?`).get(datasetId, path) as { id: number }).id;
    ids = { up: idOf('up.wav'), broken: idOf('broken.wav'), note: idOf('note.txt') };
    // Changed after the import: it cannot be decoded now.
    writeFileSync(join(root, 'broken.wav'), 'RIFF, but not any more');
  });
  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a PNG, cached on disk by content: a second service reads it back without drawing it again', async () => {
    const first = await new MediaService(datasets, items, cacheDir()).get(ids.up!, 'spectrogram');
    expect(first.mime).toBe('image/png');
    expect(await sharp(first.body).metadata()).toMatchObject({ width: SPECTROGRAM_WIDTH, height: SPECTROGRAM_HEIGHT });
    expect(cached()).toHaveLength(1);
    // What the cache holds is what is served: replaced by other bytes, those come back.
    const marker = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#00ff00' } }).png().toBuffer();
    writeFileSync(join(cacheDir(), 'spectrograms', cached()[0]!), marker);
    const again = await new MediaService(datasets, items, cacheDir()).get(ids.up!, 'spectrogram');
    expect(Buffer.from(again.body).equals(marker)).toBe(true);
    // Without a cache folder it is drawn each time, the same drawing.
    expect(Buffer.from((await new MediaService(datasets, items).get(ids.up!, 'spectrogram')).body).equals(Buffer.from(first.body))).toBe(true);
  });

  it('answers a clip that cannot be decoded as the image thumbnail answers a broken image, and refuses a non-audio item', async () => {
    const media = new MediaService(datasets, items, cacheDir());
    const failure = await media.get(ids.broken!, 'spectrogram').then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(ApiError);
    expect((failure as Error).message).toMatch(/WAV/);
    await expect(media.get(ids.note!, 'spectrogram')).rejects.toMatchObject({ code: 'bad_request', message: `Item ${ids.note} is not audio` });
  });
});
