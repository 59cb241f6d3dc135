import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ParamValues, TrainingProgress } from '../../../src-main/contract';
import * as decodeImage from '../../../src-main/core/datasets/decode-image';
import { importFolder } from '../../../src-main/core/datasets/import';
import { initBackend } from '../../../src-main/core/engine/backend';
import { exportEmbeddingsToFile } from '../../../src-main/core/export';
import { storageLayout } from '../../../src-main/core/paths';
import { openDatabase, type Db } from '../../../src-main/core/storage/db';
import { RunsRepository } from '../../../src-main/core/storage/repositories/runs';
import { VectorsRepository } from '../../../src-main/core/storage/repositories/vectors';
import type { RunConfig } from '../../../src-main/core/training/config';
import { TrainingCancelled, trainRun } from '../../../src-main/core/training/train-loop';
import { finishingInReverse } from '../datasets/helpers';

// probeImage as it is, unless a test makes its calls finish in another order.
vi.mock('../../../src-main/core/datasets/decode-image', async (importOriginal) => {
  const actual = await importOriginal<typeof decodeImage>();
  return { ...actual, probeImage: vi.fn(actual.probeImage) };
});
const { probeImage: realProbeImage } = await vi.importActual<typeof decodeImage>('../../../src-main/core/datasets/decode-image');

let dir: string;
let db: Db;
let datasetId: number;
let runs: RunsRepository;

/** 16 small images in two classes: bright squares on the left, dark discs on the right. */
async function makeImages(root: string): Promise<void> {
  for (const [label, shade] of [['light', 220], ['dark', 40]] as const) {
    mkdirSync(join(root, label), { recursive: true });
    for (let i = 0; i < 8; i++) {
      const pixels = Buffer.alloc(12 * 12 * 3, 128);
      for (let p = 0; p < 12 * 12; p++) if ((p + i) % (label === 'light' ? 3 : 5) === 0) pixels.fill(shade, p * 3, p * 3 + 3);
      writeFileSync(join(root, label, `${label}-${i}.png`), await sharp(pixels, { raw: { width: 12, height: 12, channels: 3 } }).png().toBuffer());
    }
  }
  writeFileSync(join(root, 'readme.txt'), 'not an image: training uses only the images');
}

const settings: ParamValues = { epochs: 3, batchSize: 8, imageSize: 8, seed: 3, threads: 1 };

function newRun(over: ParamValues = {}, method = 'simclr'): number {
  const given = { ...settings, ...over };
  const config: RunConfig = { method, backend: 'wasm', given };
  return runs.create({ datasetId, method, config, seed: given.seed as number }).id;
}

const losses = (runId: number): number[] => runs.metrics(runId).map((m) => m.loss);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-train-'));
  await makeImages(join(dir, 'images'));
  db = openDatabase(join(dir, 'train.db'));
  datasetId = (await importFolder(db, { path: join(dir, 'images') })).datasetId;
  runs = new RunsRepository(db);
  await initBackend('wasm', { threads: 1 });
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('trainRun (SimCLR on a tiny image folder)', () => {
  it('trains, logs every step, checkpoints every epoch and stores one embedding per image', async () => {
    const runId = newRun();
    const events: TrainingProgress[] = [];
    await trainRun(db, runId, { resume: false, layout: storageLayout(join(dir, 'train.db')) }, { onProgress: (p) => events.push(p) });
    const metrics = runs.metrics(runId);
    expect(metrics.map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6]); // 16 images / batch 8 = 2 steps × 3 epochs
    expect(events.flatMap((e) => e.metrics).map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(new Set(events.map((e) => e.phase))).toEqual(new Set(['starting', 'preparing', 'evaluating', 'training', 'extracting', 'completed']));
    // Evaluated before training, after epochs 1 and 2, and on the final embeddings; 16 labelled images in 2 classes.
    const evaluations = runs.evaluations(runId);
    expect(evaluations.map((e) => [e.epoch, e.final])).toEqual([[0, false], [1, false], [2, false], [3, true]]);
    expect(events.flatMap((e) => e.evaluations)).toEqual(evaluations);
    for (const e of evaluations) {
      expect(e.knn).toBeGreaterThanOrEqual(0);
      expect(e.linear).toBeLessThanOrEqual(1);
      expect(e.effectiveRank).toBeGreaterThan(1);
    }
    // The stored config holds every parameter and the input spec the encoder was built for.
    expect(runs.get(runId)!.config).toMatchObject({ params: { temperature: 0.1, imageSize: 8 }, inputSpec: { modality: 'image', size: 8, channels: 3 } });
    expect(runs.checkpoints(runId).map((c) => c.epoch)).toEqual([1, 2, 3]);
    const run = runs.get(runId)!;
    expect(run).toMatchObject({ vectors: 16, embeddingDim: 32 + 64 + 64 + 128, backend: 'wasm', epochsDone: 3, stepsDone: 6 });
    const csv = join(dir, 'e.csv');
    expect(await exportEmbeddingsToFile(new VectorsRepository(db), runId, run.embeddingDim!, csv)).toBe(16);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(['path', 'label', ...Array.from({ length: 288 }, (_, i) => `e${i}`)].join(','));
    expect(lines).toHaveLength(17);
    expect(lines[1]!.split(',')).toHaveLength(290);
    expect(lines[1]).toMatch(/^dark\/dark-0\.png,dark,/);
  });

  it('is reproducible: the same seed gives the same loss curve, another seed a different one', async () => {
    const a = newRun();
    const b = newRun();
    const c = newRun({ seed: 4 });
    for (const id of [a, b, c]) await trainRun(db, id, { resume: false, layout: storageLayout(join(dir, 'train.db')) });
    expect(losses(b)).toEqual(losses(a));
    expect(losses(c)).not.toEqual(losses(a));
  });

  it('trains alike on two fresh imports of the folder with the same seed, whatever order their reads finished in', async () => {
    const images = join(dir, 'images');
    const files = readdirSync(images, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.png')).sort();
    const rankOf = new Map(files.map((f, i) => [readFileSync(join(images, f)).toString('base64'), i]));
    const lossesOfFreshImport = async (name: string, reversed: boolean): Promise<number[]> => {
      const path = join(dir, name);
      const fresh = openDatabase(path);
      try {
        vi.mocked(decodeImage.probeImage).mockImplementation(
          reversed ? finishingInReverse(realProbeImage, (bytes) => rankOf.get(Buffer.from(bytes).toString('base64'))!) : realProbeImage,
        );
        const imported = (await importFolder(fresh, { path: images })).datasetId;
        const freshRuns = new RunsRepository(fresh);
        const given = { ...settings, epochs: 1 };
        const runId = freshRuns.create({ datasetId: imported, method: 'simclr', config: { method: 'simclr', backend: 'wasm', given }, seed: settings.seed as number }).id;
        await trainRun(fresh, runId, { resume: false, layout: storageLayout(path) });
        return freshRuns.metrics(runId).map((m) => m.loss);
      } finally {
        vi.mocked(decodeImage.probeImage).mockImplementation(realProbeImage);
        fresh.close();
      }
    };
    const reversed = await lossesOfFreshImport('fresh-a.db', true);
    const asTheyCome = await lossesOfFreshImport('fresh-b.db', false);
    expect(reversed).toHaveLength(2);
    expect(asTheyCome).toEqual(reversed);
  });

  it('stops within a step when cancelled and resumes from the last checkpoint onto the same curve', async () => {
    const reference = newRun();
    await trainRun(db, reference, { resume: false, layout: storageLayout(join(dir, 'train.db')) });

    const runId = newRun();
    const controller = new AbortController();
    let abortedAt = 0;
    const run = trainRun(db, runId, { resume: false, layout: storageLayout(join(dir, 'train.db')) }, {
      signal: controller.signal,
      onProgress: (p) => {
        if (abortedAt === 0 && p.phase === 'training' && p.step >= 3) {
          abortedAt = p.step;
          controller.abort();
        }
      },
    });
    await expect(run).rejects.toBeInstanceOf(TrainingCancelled);
    expect(abortedAt).toBeLessThan(6);
    // No step starts after the cancel; the last checkpoint is the last completed epoch.
    expect(runs.metrics(runId)).toHaveLength(abortedAt);
    expect(runs.latestCheckpoint(runId)?.epoch).toBe(Math.floor(abortedAt / 2));

    await trainRun(db, runId, { resume: true, layout: storageLayout(join(dir, 'train.db')) });
    expect(runs.metrics(runId).map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(losses(runId)).toEqual(losses(reference));
  });

  it('raw pixels: no training, a checkpoint of its PCA basis, one embedding per image, the same evaluation', async () => {
    const runId = newRun({ pcaDims: 6, seed: 3 }, 'raw-pixels');
    // A baseline takes no training parameters: the given ones of the loop are refused at the API; here only what it takes.
    runs.setConfig(runId, { method: 'raw-pixels', backend: 'wasm', given: { pcaDims: 6, seed: 3, imageSize: 8 } });
    await trainRun(db, runId, { resume: false, layout: storageLayout(join(dir, 'train.db')) });
    expect(runs.get(runId)).toMatchObject({ status: 'completed', vectors: 16, embeddingDim: 6, stepsDone: 0 });
    expect(runs.metrics(runId)).toEqual([]);
    expect(runs.checkpoints(runId).map((c) => c.epoch)).toEqual([0]);
    expect(runs.evaluations(runId).map((e) => [e.epoch, e.final])).toEqual([[0, true]]);
  });

  it('fails with a clear message when the dataset has no images', async () => {
    const empty = join(dir, 'texts');
    mkdirSync(empty);
    writeFileSync(join(empty, 'a.txt'), 'words');
    const textOnly = (await importFolder(db, { path: empty })).datasetId;
    // Rotation prediction trains on images only (SimCLR also takes text).
    const runId = runs.create({ datasetId: textOnly, method: 'rotation', config: { method: 'rotation', given: settings }, seed: 1 }).id;
    await expect(trainRun(db, runId, { resume: false, layout: storageLayout(join(dir, 'train.db')) })).rejects.toThrow(/has no image items to train on/);
  });
});
