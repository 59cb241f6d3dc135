import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src-main/core/storage/db';
import { DatasetsRepository } from '../../../src-main/core/storage/repositories/datasets';
import { ItemsRepository } from '../../../src-main/core/storage/repositories/items';
import { RunsRepository } from '../../../src-main/core/storage/repositories/runs';
import { VectorsRepository } from '../../../src-main/core/storage/repositories/vectors';

function setup() {
  const db = openDatabase(':memory:');
  const d = new DatasetsRepository(db).create({ name: 'pics', root: '/pics', textColumn: null });
  new ItemsRepository(db).upsertBatch(
    ['b.png', 'a.png'].map((path) => ({
      datasetId: d.id, path, row: 0, modality: 'image' as const, format: 'png', size: 1, mtimeMs: 0, hash: path,
      label: 'x', status: 'ok' as const, error: null, meta: {}, content: null, generation: 1,
    })),
  );
  const runs = new RunsRepository(db);
  const run = runs.create({ datasetId: d.id, method: 'simclr', config: { epochs: 2 }, seed: 5 });
  return { db, runs, run, d };
}

describe('RunsRepository', () => {
  it('creates queued runs with their config and lists them newest first', () => {
    const { runs, run, d } = setup();
    expect(run).toMatchObject({ status: 'queued', method: 'simclr', config: { epochs: 2 }, seed: 5, datasetName: 'pics', vectors: 0 });
    const second = runs.create({ datasetId: d.id, method: 'simclr', config: {}, seed: 1 });
    expect(runs.list().map((r) => r.id)).toEqual([second.id, run.id]);
    expect(runs.list(d.id + 1)).toEqual([]);
  });

  it('keeps every metric, reports the loss range, and rewinds past a checkpoint', () => {
    const { runs, run } = setup();
    runs.addMetrics(run.id, [1, 2, 3, 4].map((step) => ({ step, epoch: Math.ceil(step / 2), loss: 5 - step, parts: (step === 1 ? { kl: 0.5 } : {}) as Record<string, number>, lr: 0.1, examplesPerSec: 10, elapsedSec: step })));
    runs.addCheckpoint(run.id, 1, 2, 'c1', 10);
    runs.addCheckpoint(run.id, 2, 4, 'c2', 10);
    expect(runs.lossRange(run.id)).toEqual({ first: 4, last: 1 });
    expect(runs.metrics(run.id, 2).map((m) => m.step)).toEqual([3, 4]);
    expect(runs.metrics(run.id)[0]).toMatchObject({ parts: { kl: 0.5 }, examplesPerSec: 10 });
    expect(runs.metrics(run.id)[1]!.parts).toEqual({});
    runs.rewindTo(run.id, 1, 2);
    expect(runs.metrics(run.id).map((m) => m.step)).toEqual([1, 2]);
    expect(runs.latestCheckpoint(run.id)?.epoch).toBe(1);
  });

  it('stores vectors as float32 blobs and streams them back in path order with labels', () => {
    const { runs, run, db } = setup();
    const ids = (db.prepare(`SELECT id, path FROM items ORDER BY path`).all() as { id: number; path: string }[]);
    new VectorsRepository(db).add(run.id, ids.map((r, i) => ({ itemId: r.id, vector: new Float32Array([i, 0.5, -1.25]) })));
    const rows = [...new VectorsRepository(db).iterateVectors(run.id)];
    expect(rows.map((r) => r.path)).toEqual(['a.png', 'b.png']);
    expect(Array.from(rows[1]!.vector)).toEqual([1, 0.5, -1.25]);
    expect(runs.get(run.id)?.vectors).toBe(2);
    const blob = db.prepare(`SELECT dim, length(vector) AS bytes FROM vectors LIMIT 1`).get();
    expect(blob).toEqual({ dim: 3, bytes: 12 });
  });

  it('marks runs left running by a dead process as interrupted', () => {
    const { runs, run } = setup();
    runs.markStarted(run.id, 'wasm', { pretext: 'test' });
    expect(runs.activeIds()).toEqual([run.id]);
    expect(runs.markInterrupted(run.id)).toBe(true);
    expect(runs.get(run.id)).toMatchObject({ status: 'interrupted', error: expect.stringMatching(/resume/) });
    expect(runs.markInterrupted(run.id)).toBe(false);
    expect(runs.activeIds()).toEqual([]);
  });
});
