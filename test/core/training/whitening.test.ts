/**
 * A run's whitening through the training loop: fitted after training on the trained encoder's
 * embeddings, kept in the last checkpoint, and applied to the stored vectors, so that any later
 * embedding of the run (search by file, a new folder) is whitened the same way.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParamValues } from '../../../src-main/contract';
import { dataFor } from '../../../src-main/core/data';
import { importFolder } from '../../../src-main/core/datasets/import';
import { initBackend, tf } from '../../../src-main/core/engine/backend';
import { evaluateEmbeddings } from '../../../src-main/core/evaluation';
import { storageLayout } from '../../../src-main/core/paths';
import { createMethod, getMethod } from '../../../src-main/core/ssl/methods';
import { WhitenedMethod } from '../../../src-main/core/ssl/whitening';
import { openDatabase, type Db } from '../../../src-main/core/storage/db';
import { RunsRepository } from '../../../src-main/core/storage/repositories/runs';
import { VectorsRepository } from '../../../src-main/core/storage/repositories/vectors';
import { loadCheckpoint } from '../../../src-main/core/training/checkpoint';
import type { RunConfig } from '../../../src-main/core/training/config';
import { runConfigOf } from '../../../src-main/core/training/params';
import { trainRun } from '../../../src-main/core/training/train-loop';

let dir: string;
let db: Db;
let datasetId: number;
let runs: RunsRepository;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-whiten-'));
  const root = join(dir, 'images');
  for (const [label, period] of [['stripes', 3], ['dots', 5]] as const) {
    mkdirSync(join(root, label), { recursive: true });
    for (let i = 0; i < 8; i++) {
      const pixels = Buffer.alloc(12 * 12 * 3, 128);
      for (let p = 0; p < 12 * 12; p++) if ((p + i) % period === 0) pixels.fill(30 + 20 * i, p * 3, p * 3 + 3);
      writeFileSync(join(root, label, `${label}-${i}.png`), await sharp(pixels, { raw: { width: 12, height: 12, channels: 3 } }).png().toBuffer());
    }
  }
  db = openDatabase(join(dir, 'whiten.db'));
  datasetId = (await importFolder(db, { path: root })).datasetId;
  runs = new RunsRepository(db);
  await initBackend('wasm', { threads: 1 });
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function train(over: ParamValues): Promise<number> {
  const given: ParamValues = { epochs: 2, batchSize: 8, imageSize: 8, seed: 5, threads: 1, ...over };
  const config: RunConfig = { method: 'simclr', backend: 'wasm', given };
  const runId = runs.create({ datasetId, method: 'simclr', config, seed: 5 }).id;
  await trainRun(db, runId, { resume: false, layout: storageLayout(join(dir, 'whiten.db')) });
  return runId;
}

/** Per-dimension mean of the stored vectors, largest magnitude. */
function largestMean(matrix: Float32Array, n: number, dim: number): number {
  let largest = 0;
  for (let j = 0; j < dim; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += matrix[i * dim + j]!;
    largest = Math.max(largest, Math.abs(s / n));
  }
  return largest;
}

describe('a whitened run', () => {
  it('is the default; stores centred, whitened vectors and a last checkpoint that embeds the items as stored', async () => {
    const runId = await train({});
    const config = runConfigOf(runs.get(runId)!.config);
    expect(config.params?.whiten).toBe(true);
    const vectors = new VectorsRepository(db).loadMatrix(runId);
    const n = vectors.itemIds.length;
    const dim = vectors.dim;
    expect(n).toBe(16);
    // Fitted on all 16 items, so their whitened mean is 0 (the unwhitened pooled ReLU features are all ≥ 0).
    expect(largestMean(vectors.vectors, n, dim)).toBeLessThan(1e-3);

    const spec = config.inputSpec!;
    const method = createMethod(getMethod('simclr'), { spec, params: config.params!, seed: 5 });
    expect(method).toBeInstanceOf(WhitenedMethod);
    loadCheckpoint(storageLayout(join(dir, 'whiten.db')).resolveStored(runs.latestCheckpoint(runId)!.path), method.stateVariables());
    const module = dataFor('image');
    const data = await module.load(db, datasetId, spec, { cacheDir: join(dir, 'cache') });
    const shape = module.inputShape(spec);
    const inputs = new Float32Array(n * shape.reduce((a, b) => a * b, 1));
    module.centre(data, Array.from({ length: n }, (_, i) => i), inputs);
    const again = tf.tidy(() => method.embed(tf.tensor(inputs, [n, ...shape])).dataSync() as Float32Array);
    const own = tf.tidy(() => (method as WhitenedMethod).inner.embed(tf.tensor(inputs, [n, ...shape])).dataSync() as Float32Array);
    method.dispose();
    // The final evaluation's label-free diagnostics describe the encoder's own embeddings, not the
    // whitened ones (whitening spreads any embedding out, and would hide a collapse).
    const final = runs.evaluations(runId).at(-1)!;
    expect(final.final).toBe(true);
    expect(final.effectiveRank).toBeCloseTo(evaluateEmbeddings(own, dim).effectiveRank, 3);
    expect(final.effectiveRank).toBeLessThan(evaluateEmbeddings(vectors.vectors, dim).effectiveRank - 1);
    const row = new Map(Array.from(vectors.itemIds, (id, i) => [id, i]));
    for (let i = 0; i < n; i++) {
      const stored = row.get(data.itemIds[i]!)!;
      for (let j = 0; j < dim; j++) expect(again[i * dim + j]).toBeCloseTo(vectors.vectors[stored * dim + j]!, 3);
    }
  });

  it('can be turned off: the vectors are then the encoder’s pooled ReLU features', async () => {
    const runId = await train({ whiten: false });
    const vectors = new VectorsRepository(db).loadMatrix(runId);
    expect(Array.from(vectors.vectors).every((v) => v >= 0)).toBe(true);
    expect(largestMean(vectors.vectors, vectors.itemIds.length, vectors.dim)).toBeGreaterThan(1e-2);
  });
});
