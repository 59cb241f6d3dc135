/**
 * Text that a real folder holds, through the training loop: an empty file, a 1 MB file on one line
 * and text in many scripts train and embed without error, each item gets its embedding; a folder
 * with one text is refused with a message that says so.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParamValues } from '../../../src-main/contract';
import { importFolder } from '../../../src-main/core/datasets/import';
import { initBackend } from '../../../src-main/core/engine/backend';
import { storageLayout } from '../../../src-main/core/paths';
import { openDatabase, type Db } from '../../../src-main/core/storage/db';
import { RunsRepository } from '../../../src-main/core/storage/repositories/runs';
import { VectorsRepository } from '../../../src-main/core/storage/repositories/vectors';
import { trainRun } from '../../../src-main/core/training/train-loop';

let dir: string;
let db: Db;
let runs: RunsRepository;
const settings: ParamValues = { epochs: 1, batchSize: 4, seed: 2, threads: 1, layers: 1, width: 16, heads: 2, vocabSize: 300 };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-text-bad-'));
  const texts = join(dir, 'texts');
  mkdirSync(texts);
  writeFileSync(join(texts, 'empty.txt'), '');
  writeFileSync(join(texts, 'blank.txt'), '   \n\t  \n');
  writeFileSync(join(texts, 'huge.txt'), 'lorem ipsum dolor sit amet '.repeat(Math.ceil(1_000_000 / 27)).slice(0, 1_000_000));
  writeFileSync(join(texts, 'scripts.txt'), '猫がマットの上に座った。 القطة نائمة على السجادة 🐱🐶👍🏽 é́ ñ Привет мир 你好世界');
  writeFileSync(join(texts, 'emoji-only.txt'), '🐱🐱🐱🎉🎉');
  for (let i = 0; i < 6; i++) writeFileSync(join(texts, `plain-${i}.txt`), `a plain sentence number ${i} about cats and dogs`);
  mkdirSync(join(dir, 'one'));
  writeFileSync(join(dir, 'one', 'only.txt'), 'a single text');
  db = openDatabase(join(dir, 'train.db'));
  runs = new RunsRepository(db);
  await initBackend('wasm', { threads: 1 });
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('text training on awkward input', () => {
  it('trains and embeds an empty file, a 1 MB line and many scripts, every item embedded', async () => {
    const imported = await importFolder(db, { path: join(dir, 'texts') });
    const textItems = imported.dataset.counts.text;
    expect(textItems).toBeGreaterThanOrEqual(9); // the empty files may be imported or passed over, never lost silently
    const runId = runs.create({ datasetId: imported.datasetId, method: 'simcse', config: { method: 'simcse', backend: 'wasm', given: settings }, seed: 2 }).id;
    await trainRun(db, runId, { resume: false, layout: storageLayout(join(dir, 'train.db')) });
    const run = runs.get(runId)!;
    expect(run.status, run.error ?? '').toBe('completed');
    const vectors = new VectorsRepository(db).loadMatrix(runId);
    expect(vectors.itemIds).toHaveLength(textItems);
    expect(Array.from(vectors.vectors).every(Number.isFinite)).toBe(true);
  });

  it('refuses a dataset with a single text, saying why', async () => {
    const imported = await importFolder(db, { path: join(dir, 'one') });
    const runId = runs.create({ datasetId: imported.datasetId, method: 'simcse', config: { method: 'simcse', backend: 'wasm', given: settings }, seed: 2 }).id;
    await expect(trainRun(db, runId, { resume: false, layout: storageLayout(join(dir, 'train.db')) })).rejects.toThrow('Training needs at least 2 text items; this dataset has 1');
  });
});
