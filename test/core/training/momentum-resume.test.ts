/**
 * MoCo and BYOL through the training loop: a run cancelled mid-way and resumed from its last
 * checkpoint continues the same loss curve as an uninterrupted run, so the momentum networks, MoCo's
 * queue and its write position, and BYOL's place on its momentum schedule all came back.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParamValues } from '../../../src-main/contract';
import { importFolder } from '../../../src-main/core/datasets/import';
import { initBackend } from '../../../src-main/core/engine/backend';
import { storageLayout } from '../../../src-main/core/paths';
import { openDatabase, type Db } from '../../../src-main/core/storage/db';
import { RunsRepository } from '../../../src-main/core/storage/repositories/runs';
import { TrainingCancelled, trainRun } from '../../../src-main/core/training/train-loop';

let dir: string;
let db: Db;
let datasetId: number;
let runs: RunsRepository;

/** 20 small images in two classes of dotted patterns. */
async function makeImages(root: string): Promise<void> {
  for (const [label, shade] of [['light', 220], ['dark', 40]] as const) {
    mkdirSync(join(root, label), { recursive: true });
    for (let i = 0; i < 10; i++) {
      const pixels = Buffer.alloc(12 * 12 * 3, 128);
      for (let p = 0; p < 12 * 12; p++) if ((p + i) % (label === 'light' ? 3 : 5) === 0) pixels.fill(shade, p * 3, p * 3 + 3);
      writeFileSync(join(root, label, `${label}-${i}.png`), await sharp(pixels, { raw: { width: 12, height: 12, channels: 3 } }).png().toBuffer());
    }
  }
}

/**
 * 5 steps an epoch; MoCo's queue holds 8 keys (two batches, within half the dataset), so the first
 * epoch's checkpoint has its write position in the middle of the queue.
 */
const settings: ParamValues = { epochs: 3, batchSize: 4, imageSize: 8, seed: 5, threads: 1, projectionDim: 16 };

function newRun(method: string): number {
  return runs.create({ datasetId, method, config: { method, backend: 'wasm', given: settings }, seed: 5 }).id;
}

const losses = (runId: number): number[] => runs.metrics(runId).map((m) => m.loss);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-momentum-resume-'));
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

describe.each(['moco', 'byol'])('%s through the training loop', (method) => {
  it('resumes a cancelled run from its last checkpoint onto the same loss curve', async () => {
    const layout = storageLayout(join(dir, 'train.db'));
    const reference = newRun(method);
    await trainRun(db, reference, { resume: false, layout });
    expect(losses(reference)).toHaveLength(15);

    const runId = newRun(method);
    const controller = new AbortController();
    let abortedAt = 0;
    const run = trainRun(db, runId, { resume: false, layout }, {
      signal: controller.signal,
      onProgress: (p) => {
        if (abortedAt === 0 && p.phase === 'training' && p.step >= 7) {
          abortedAt = p.step;
          controller.abort();
        }
      },
    });
    await expect(run).rejects.toBeInstanceOf(TrainingCancelled);
    expect(runs.latestCheckpoint(runId)?.epoch).toBe(Math.floor(abortedAt / 5));

    await trainRun(db, runId, { resume: true, layout });
    expect(runs.metrics(runId).map((m) => m.step)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(losses(runId)).toEqual(losses(reference));
  });
});
