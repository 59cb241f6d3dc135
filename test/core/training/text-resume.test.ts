/**
 * Every learned text method through the training loop, on the demo sentences: the tokenizer is
 * trained once and stored with the run (its spec), and a run cancelled mid-way and resumed from its
 * last checkpoint continues the same loss curve as an uninterrupted run (same vocabulary, same ids,
 * same dropout and masking streams).
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParamValues, TextInputSpec } from '../../../src-main/contract';
import { importFolder } from '../../../src-main/core/datasets/import';
import { initBackend } from '../../../src-main/core/engine/backend';
import { METHODS } from '../../../src-main/core/ssl/methods';
import { storageLayout } from '../../../src-main/core/paths';
import { openDatabase, type Db } from '../../../src-main/core/storage/db';
import { RunsRepository } from '../../../src-main/core/storage/repositories/runs';
import { runConfigOf } from '../../../src-main/core/training/params';
import { TrainingCancelled, trainRun } from '../../../src-main/core/training/train-loop';

let dir: string;
let db: Db;
let datasetId: number;
let runs: RunsRepository;

/** 90 sentences, batches of 16: 5 steps an epoch. A small network keeps each run to seconds. */
const settings: ParamValues = { epochs: 3, batchSize: 16, seed: 5, threads: 1, layers: 1, width: 32, heads: 2, vocabSize: 300 };
const STEPS = 15;

function newRun(method: string): number {
  return runs.create({ datasetId, method, config: { method, backend: 'wasm', given: settings }, seed: 5 }).id;
}
const losses = (runId: number): number[] => runs.metrics(runId).map((m) => m.loss);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-text-resume-'));
  mkdirSync(join(dir, 'sentences'));
  copyFileSync(join(import.meta.dirname, '../../../resources/demo/sentences/sentences.csv'), join(dir, 'sentences', 'sentences.csv'));
  db = openDatabase(join(dir, 'train.db'));
  datasetId = (await importFolder(db, { path: join(dir, 'sentences') })).datasetId;
  runs = new RunsRepository(db);
  await initBackend('wasm', { threads: 1 });
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const textMethods = METHODS.filter((m) => m.trains && m.modalities.includes('text')).map((m) => m.id);

describe.each(textMethods)('%s through the training loop', (method) => {
  it('stores the trained tokenizer with the run and resumes a cancelled run onto the same loss curve', async () => {
    const layout = storageLayout(join(dir, 'train.db'));
    const reference = newRun(method);
    await trainRun(db, reference, { resume: false, layout });
    expect(losses(reference)).toHaveLength(STEPS);
    for (const loss of losses(reference)) expect(Number.isFinite(loss)).toBe(true);
    const spec = runConfigOf(runs.get(reference)!.config).inputSpec as TextInputSpec;
    expect(spec.modality).toBe('text');
    expect(spec.vocabSize).toBeGreaterThan(6);
    expect(JSON.parse(spec.tokenizer).model.vocab).toBeDefined();

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
    expect(runs.latestCheckpoint(runId)?.epoch).toBeGreaterThanOrEqual(1);
    await trainRun(db, runId, { resume: true, layout });
    expect(runConfigOf(runs.get(runId)!.config).inputSpec).toEqual(spec);
    expect(runs.metrics(runId).map((m) => m.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    expect(losses(runId)).toEqual(losses(reference));
  });
});
