/**
 * Every learned audio method through the training loop, on the demo tones (30 clips, 3 kinds): the
 * spectrogram settings and normalisation statistics are measured once and stored with the run (its
 * spec), and a run cancelled mid-way and resumed from its last checkpoint continues the same loss
 * curve as an uninterrupted run (same views, mixup partners, crops and CPC negatives).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudioInputSpec, ParamValues } from '../../../src-main/contract';
import { importFolder } from '../../../src-main/core/datasets/import';
import { initBackend } from '../../../src-main/core/engine/backend';
import { getMethod, METHODS } from '../../../src-main/core/ssl/methods';
import { storageLayout } from '../../../src-main/core/paths';
import { openDatabase, type Db } from '../../../src-main/core/storage/db';
import { RunsRepository } from '../../../src-main/core/storage/repositories/runs';
import { paramsOf, runConfigOf } from '../../../src-main/core/training/params';
import { TrainingCancelled, trainRun } from '../../../src-main/core/training/train-loop';

let dir: string;
let db: Db;
let datasetId: number;
let runs: RunsRepository;

/** 30 clips, batches of 8: 3 steps an epoch. 32 mel bands keep each run to seconds. */
const settings: ParamValues = { epochs: 3, batchSize: 8, seed: 5, threads: 1, melBands: 32, projectionDim: 16 };
const STEPS = 9;

function newRun(method: string): number {
  const known = new Set(paramsOf(getMethod(method)).map((p) => p.name));
  const given = Object.fromEntries(Object.entries(settings).filter(([name]) => known.has(name)));
  return runs.create({ datasetId, method, config: { method, backend: 'wasm', given }, seed: 5 }).id;
}
const losses = (runId: number): number[] => runs.metrics(runId).map((m) => m.loss);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-audio-resume-'));
  cpSync(join(import.meta.dirname, '../../../resources/demo/tones'), join(dir, 'tones'), { recursive: true });
  db = openDatabase(join(dir, 'train.db'));
  datasetId = (await importFolder(db, { path: join(dir, 'tones') })).datasetId;
  runs = new RunsRepository(db);
  await initBackend('wasm', { threads: 1 });
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const audioMethods = METHODS.filter((m) => m.trains && m.modalities.includes('audio')).map((m) => m.id);

describe.each(audioMethods)('%s on audio through the training loop', (method) => {
  it('stores the measured spectrogram settings with the run and resumes a cancelled run onto the same loss curve', async () => {
    const layout = storageLayout(join(dir, 'train.db'));
    const reference = newRun(method);
    await trainRun(db, reference, { resume: false, layout });
    expect(losses(reference)).toHaveLength(STEPS);
    for (const loss of losses(reference)) expect(Number.isFinite(loss)).toBe(true);
    const spec = runConfigOf(runs.get(reference)!.config).inputSpec as AudioInputSpec;
    expect(spec).toMatchObject({ modality: 'audio', melBands: 32 });
    expect(spec.std).toBeGreaterThan(0);
    expect(spec.frames).toBeGreaterThan(0);

    const runId = newRun(method);
    const controller = new AbortController();
    let abortedAt = 0;
    const run = trainRun(db, runId, { resume: false, layout }, {
      signal: controller.signal,
      onProgress: (p) => {
        if (abortedAt === 0 && p.phase === 'training' && p.step >= 4) {
          abortedAt = p.step;
          controller.abort();
        }
      },
    });
    await expect(run).rejects.toBeInstanceOf(TrainingCancelled);
    expect(runs.latestCheckpoint(runId)?.epoch).toBeGreaterThanOrEqual(1);
    await trainRun(db, runId, { resume: true, layout });
    expect(runConfigOf(runs.get(runId)!.config).inputSpec).toEqual(spec);
    expect(runs.metrics(runId).map((m) => m.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    expect(losses(runId)).toEqual(losses(reference));
  });
});
