/**
 * A whole run on the webgpu backend (a software adapter in CI): SimCLR on a tiny image folder trains
 * an epoch, records the adapter with the run, caps a batch that would exceed the adapter's buffer
 * limit (lowered here with PRETEXT_WEBGPU_MAX_BUFFER_BYTES) with a message saying so, and its
 * embeddings export.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainingProgress } from '../../../src-main/contract';
import { importFolder } from '../../../src-main/core/datasets/import';
import { exportEmbeddingsToFile } from '../../../src-main/core/export';
import { storageLayout } from '../../../src-main/core/paths';
import { openDatabase } from '../../../src-main/core/storage/db';
import { RunsRepository } from '../../../src-main/core/storage/repositories/runs';
import { VectorsRepository } from '../../../src-main/core/storage/repositories/vectors';
import type { RunConfig } from '../../../src-main/core/training/config';
import { trainRun } from '../../../src-main/core/training/train-loop';
import { webgpuUnavailable } from '../engine/webgpu-adapter';

const unavailable = await webgpuUnavailable();
if (unavailable !== null) console.warn(`webgpu training test skipped: ${unavailable}`);

const dir = mkdtempSync(join(tmpdir(), 'pretext-train-webgpu-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(unavailable !== null)('trainRun on webgpu', () => {
  it('trains SimCLR an epoch, records the adapter, caps the batch to the buffer limit with a message, and exports', { timeout: 600_000 }, async () => {
    const root = join(dir, 'images');
    for (const [label, shade] of [['light', 220], ['dark', 40]] as const) {
      mkdirSync(join(root, label), { recursive: true });
      for (let i = 0; i < 8; i++) {
        const pixels = Buffer.alloc(16 * 16 * 3, 128);
        for (let p = 0; p < 16 * 16; p++) if ((p + i) % (label === 'light' ? 3 : 5) === 0) pixels.fill(shade, p * 3, p * 3 + 3);
        writeFileSync(join(root, label, `${label}-${i}.png`), await sharp(pixels, { raw: { width: 16, height: 16, channels: 3 } }).png().toBuffer());
      }
    }
    const dbPath = join(dir, 'train.db');
    const db = openDatabase(dbPath);
    const runs = new RunsRepository(db);
    const datasetId = (await importFolder(db, { path: root })).datasetId;
    const config: RunConfig = { method: 'simclr', backend: 'webgpu', given: { epochs: 1, batchSize: 16, imageSize: 16, seed: 3 } };
    const runId = runs.create({ datasetId, method: 'simclr', config, seed: 3 }).id;
    const messages = new Set<string>();
    process.env.PRETEXT_WEBGPU_MAX_BUFFER_BYTES = String(600 * 1024);
    try {
      await trainRun(db, runId, { resume: false, layout: storageLayout(dbPath) }, { onProgress: (p: TrainingProgress) => p.message && messages.add(p.message) });
    } finally {
      delete process.env.PRETEXT_WEBGPU_MAX_BUFFER_BYTES;
    }
    const run = runs.get(runId)!;
    expect(run.status).toBe('completed');
    expect(run.backend).toBe('webgpu');
    expect(run.backendDetails?.adapter?.maxBufferBytes).toBe(600 * 1024);
    expect(run.backendDetails?.adapter?.vendor.length).toBeGreaterThan(0);
    const capped = (run.config.params as { batchSize: number }).batchSize;
    expect(capped).toBeLessThan(16);
    expect([...messages].some((m) => m.startsWith(`Batch size 16 needs buffers larger than the 600 KiB`) && m.endsWith(`training with batch size ${capped}`))).toBe(true);
    const losses = runs.metrics(runId).map((m) => m.loss);
    expect(losses).toHaveLength(Math.floor(16 / capped));
    expect(losses.every(Number.isFinite)).toBe(true);
    const out = join(dir, 'embeddings.csv');
    expect(await exportEmbeddingsToFile(new VectorsRepository(db), runId, run.embeddingDim!, out)).toBe(16);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(1 + 16);
    db.close();
  });
});
