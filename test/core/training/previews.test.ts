import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParamValues } from '../../../src-main/contract';
import { createCore, type Core } from '../../../src-main/core/app';
import { importFolder } from '../../../src-main/core/datasets/import';
import { initBackend } from '../../../src-main/core/engine/backend';
import { storageLayout } from '../../../src-main/core/paths';
import { openDatabase, type Db } from '../../../src-main/core/storage/db';
import { PreviewsRepository } from '../../../src-main/core/storage/repositories/previews';
import { RunsRepository } from '../../../src-main/core/storage/repositories/runs';
import type { RunConfig } from '../../../src-main/core/training/config';
import { composeStrip, displayRows, previewCell, previewCellSize, previewItems } from '../../../src-main/core/training/previews';
import { trainRun } from '../../../src-main/core/training/train-loop';

describe('preview strips', () => {
  it('take items spread over the held-out ones, else over all', () => {
    expect(Array.from(previewItems(Int32Array.from([30, 2, 10, 20]), 40, 2))).toEqual([2, 20]);
    expect(Array.from(previewItems(null, 16, 4))).toEqual([0, 4, 8, 12]);
    expect(Array.from(previewItems(new Int32Array(0), 3, 8))).toEqual([0, 1, 2]);
  });

  it('enlarge small images by a whole factor and cap large ones', () => {
    expect(previewCell(8)).toBe(64);
    expect(previewCell(28)).toBe(84);
    expect(previewCell(32)).toBe(64);
    expect(previewCell(96)).toBe(96);
    expect(previewCell(256)).toBe(128);
  });

  it('lay rows out top to bottom and items left to right, scaled by nearest neighbour, clipped, with grey gaps', () => {
    // Two rows of two 1×1 greyscale images, cells of 2 px and gaps of 1 px: a 5×5 image.
    const rows = [
      { label: 'a', images: Float32Array.from([0, 1]) },
      { label: 'b', images: Float32Array.from([-3, 0.5]) },
    ];
    const { pixels, width, height } = composeStrip(rows, 2, [1, 1, 1], [2, 2], 1);
    expect([width, height]).toEqual([5, 5]);
    const at = (x: number, y: number) => pixels[y * width + x];
    expect([at(0, 0), at(1, 1), at(3, 0), at(4, 1), at(2, 0), at(0, 2)]).toEqual([0, 0, 255, 255, 40, 40]);
    expect([at(0, 3), at(4, 4)]).toEqual([0, 128]);
    expect(() => composeStrip([{ label: 'short', images: new Float32Array(1) }], 2, [1, 1, 1], [2, 2])).toThrow("preview row 'short' has 1 values, expected 2·1·1·1");
  });

  it('size a spectrogram’s cell by its shorter side, keeping its proportions, at most 256 px long', () => {
    expect(previewCellSize(28, 28)).toEqual([84, 84]);
    expect(previewCellSize(64, 100)).toEqual([64, 100]);
    expect(previewCellSize(16, 40)).toEqual([64, 160]);
    expect(previewCellSize(32, 300)).toEqual([27, 256]);
  });

  it('lay rectangles out by their own height and width', () => {
    // One row of two 1×2 images drawn as 2×4 cells with a 1 px gap: 9 × 2.
    const { pixels, width, height } = composeStrip([{ label: 'a', images: Float32Array.from([0, 1, 1, 0]) }], 2, [1, 2, 1], [2, 4], 1);
    expect([width, height]).toEqual([9, 2]);
    expect(Array.from(pixels.subarray(0, 9))).toEqual([0, 0, 255, 255, 40, 255, 255, 0, 0]);
  });

  it('draw spectrogram rows with the highest band on top, on the originals’ scale', () => {
    // One item of 2 bands × 2 frames: band 0 is low (values 0), band 1 high (values 10); the reconstruction overshoots.
    const original = Float32Array.from([0, 0, 10, 10]);
    const rows = displayRows([{ label: 'Original', images: original }, { label: 'Reconstruction', images: Float32Array.from([0, 5, 20, 10]) }], 'spectrogram', 1, 2, 2, 1);
    expect(Array.from(rows[0]!.images)).toEqual([1, 1, 0, 0]);
    expect(Array.from(rows[1]!.images)).toEqual([2, 1, 0, 0.5]);
    expect(displayRows([{ label: 'x', images: original }], 'pixels', 1, 2, 2, 1)[0]!.images).toBe(original);
  });
});

describe('the loop draws a strip after every epoch', () => {
  let dir: string;
  let dbPath: string;
  let db: Db;
  let runs: RunsRepository;
  let datasetId: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pretext-previews-'));
    for (const [label, shade] of [['light', 220], ['dark', 40]] as const) {
      mkdirSync(join(dir, 'images', label), { recursive: true });
      for (let i = 0; i < 8; i++) {
        const pixels = Buffer.alloc(12 * 12 * 3, 128);
        for (let p = 0; p < 144; p++) if ((p + i) % (label === 'light' ? 3 : 5) === 0) pixels.fill(shade, p * 3, p * 3 + 3);
        writeFileSync(join(dir, 'images', label, `${label}-${i}.png`), await sharp(pixels, { raw: { width: 12, height: 12, channels: 3 } }).png().toBuffer());
      }
    }
    dbPath = join(dir, 'train.db');
    db = openDatabase(dbPath);
    datasetId = (await importFolder(db, { path: join(dir, 'images') })).datasetId;
    runs = new RunsRepository(db);
    await initBackend('wasm', { threads: 1 });
  });
  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const train = async (method: string, over: ParamValues = {}): Promise<number> => {
    const given: ParamValues = { epochs: 2, batchSize: 8, imageSize: 8, seed: 3, threads: 1, ...over };
    const config: RunConfig = { method, backend: 'wasm', given };
    const runId = runs.create({ datasetId, method, config, seed: 3 }).id;
    await trainRun(db, runId, { resume: false, layout: storageLayout(dbPath) }, {});
    return runId;
  };

  it('VAE: originals beside their reconstructions, of held-out items, one PNG per epoch, served and removed with the run', async () => {
    const runId = await train('vae');
    expect(runs.get(runId)?.status).toBe('completed');
    const previews = new PreviewsRepository(db).list(runId);
    expect(previews.map((p) => [p.epoch, p.step])).toEqual([
      [1, 2],
      [2, 4],
    ]);
    const [first] = previews;
    expect(first!.rows).toEqual(['Original', 'Reconstruction']);
    // 16 images, 20 % held out stratified: 3 columns, both labels among them.
    expect(first!.items).toHaveLength(3);
    expect(new Set(first!.items.map((i) => i.label))).toEqual(new Set(['light', 'dark']));
    expect(first!).toMatchObject({ cell: 64, gap: 2, width: 3 * 64 + 2 * 2, height: 2 * 64 + 2 });
    const file = new PreviewsRepository(db).get(runId, 2)!.path;
    const meta = await sharp(storageLayout(dbPath).resolveStored(file)).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', first!.width, first!.height, 3]);

    const core: Core = createCore({ dbPath, shell: 'cli' });
    try {
      expect(await core.handlers['runs.previews']({ runId })).toEqual(previews);
      const route = core.dataRoute(`/data/run/${runId}/previews/2.png`, new URLSearchParams())!;
      expect(route).toEqual({ method: 'GET', kind: 'preview', runId, epoch: 2 });
      const response = core.dataResponse(route, null);
      const chunks: Buffer[] = [];
      await response.write(new Writable({ write: (chunk: Buffer, _e, done) => (chunks.push(chunk), done()) }));
      expect(response.mime).toBe('image/png');
      expect(Buffer.concat(chunks).subarray(1, 4).toString()).toBe('PNG');
      expect(() => core.dataResponse({ kind: 'preview', runId, epoch: 9 }, null)).toThrow(`Run #${runId} has no preview of epoch 9`);
      await core.handlers['runs.remove']({ runId });
      expect(existsSync(storageLayout(dbPath).previewDir(runId))).toBe(false);
    } finally {
      await core.close();
    }
  });

  it('masked image modelling: the masked input and its fill-in; the same masks every epoch', async () => {
    const runId = await train('mim');
    const previews = new PreviewsRepository(db);
    expect(previews.list(runId).map((p) => p.rows)).toEqual([
      ['Original', 'Masked input', 'Fill-in'],
      ['Original', 'Masked input', 'Fill-in'],
    ]);
    const layout = storageLayout(dbPath);
    /** A row of the strip's pixels (RGB bytes), for the epoch's strip. */
    const row = async (epoch: number, r: number): Promise<Buffer> => {
      const { path, width, cell, gap } = previews.get(runId, epoch)!;
      return sharp(layout.resolveStored(path)).extract({ left: 0, top: r * (cell + gap), width, height: cell }).raw().toBuffer();
    };
    const original = await row(1, 0);
    const hiddenAt = (masked: Buffer): boolean[] => Array.from({ length: masked.length / 3 }, (_, p) => masked.compare(original, 3 * p, 3 * p + 3, 3 * p, 3 * p + 3) !== 0);
    const hidden1 = hiddenAt(await row(1, 1));
    // Some of the images is hidden, not all; the next epoch hides the same patches.
    expect(hidden1.filter(Boolean).length).toBeGreaterThan(0);
    expect(hidden1.filter((h) => !h).length).toBeGreaterThan(0);
    expect(hiddenAt(await row(2, 1))).toEqual(hidden1);
  });
});
