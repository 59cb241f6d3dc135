import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, type ProjectionProgress } from '../../../src-main/contract';
import { createCore, type Core } from '../../../src-main/core/app';
import { startProjectionWorker } from '../../../src-main/core/jobs/projection-job';
import { decodePoints } from '../../../src-main/core/projection/points';
import { computeProjection } from '../../../src-main/core/projection/project';
import { openDatabase } from '../../../src-main/core/storage/db';
import { syntheticRun, type SyntheticRun } from './explore-fixture';

let dir: string;
let core: Core;
let run: SyntheticRun;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-projection-'));
  // No workerDir: projections run on this thread, as imports and training do in tests.
  core = createCore({ dbPath: join(dir, 'explore.db'), shell: 'cli' });
  run = syntheticRun(core.db, { n: 150, dim: 64, seed: 2 });
});
afterAll(async () => {
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

async function body(route: string, requestBody: string | null = null): Promise<Buffer> {
  const url = new URL(route, 'http://x');
  const response = core.dataResponse(core.dataRoute(url.pathname, url.searchParams)!, requestBody);
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  await response.write(sink);
  sink.end();
  return Buffer.concat(chunks);
}

describe('projections through the core', () => {
  it('computes a UMAP projection with progress through each phase, stores it, and lists it', async () => {
    const events: ProjectionProgress[] = [];
    const off = core.events.on('projection.progress', (p) => events.push(p));
    const summary = await core.handlers['projections.compute']({ runId: run.runId, settings: { method: 'umap' } });
    off();
    expect(summary).toMatchObject({
      runId: run.runId,
      method: 'umap',
      settings: { method: 'umap', seed: 1, neighbors: 15, minDist: 0.1 },
      points: 150,
      fittedOn: null,
      pcaComponents: 50,
    });
    expect(summary.seconds).toBeGreaterThan(0);
    const phases = events.map((e) => e.phase);
    expect(phases[0]).toBe('starting');
    expect(phases.at(-1)).toBe('done');
    for (const phase of ['loading', 'pca', 'fitting', 'saving']) expect(phases).toContain(phase);
    const fitting = events.filter((e) => e.phase === 'fitting' && e.total > 0);
    expect(fitting.at(-1)).toMatchObject({ done: 500, total: 500 });
    expect(events.every((e) => e.runId === run.runId)).toBe(true);
    expect(await core.handlers['projections.list']({ runId: run.runId })).toEqual([summary]);
  });

  it('gives identical coordinates for the same seed, and PCA as the fast alternative', async () => {
    const a = await core.handlers['projections.compute']({ runId: run.runId, settings: { method: 'umap', seed: 5, neighbors: 10 } });
    // Computed afresh (not the stored one): the same seed and data draw the same map.
    const fresh = await computeProjection(core.db, run.runId, { method: 'umap', seed: 5, neighbors: 10, minDist: 0.1 });
    expect(fresh.id).not.toBe(a.id);
    expect(core.projections.pointsOf(run.runId, a.id).points.coords).toEqual(core.projections.pointsOf(run.runId, fresh.id).points.coords);
    const pca = await core.handlers['projections.compute']({ runId: run.runId, settings: { method: 'pca' } });
    expect(pca).toMatchObject({ method: 'pca', points: 150, pcaComponents: null, fittedOn: null });
    const list = await core.handlers['projections.list']({ runId: run.runId });
    expect(list[0]!.id).toBe(pca.id); // newest first
  });

  it('returns the stored projection for the same run, method and settings instead of storing a duplicate', async () => {
    const before = await core.handlers['projections.list']({ runId: run.runId });
    const events: ProjectionProgress[] = [];
    const off = core.events.on('projection.progress', (p) => events.push(p));
    const again = await core.handlers['projections.compute']({ runId: run.runId, settings: { method: 'umap' } });
    // Defaults spelled out name the same settings; PCA ignores UMAP's.
    const spelled = await core.handlers['projections.compute']({ runId: run.runId, settings: { method: 'umap', seed: 1, neighbors: 15, minDist: 0.1 } });
    const pca = await core.handlers['projections.compute']({ runId: run.runId, settings: { method: 'pca', neighbors: 40 } });
    off();
    const first = before.find((p) => p.method === 'umap' && p.settings.seed === 1)!;
    expect(again).toEqual(first);
    expect(spelled).toEqual(first);
    expect(pca).toEqual(before.find((p) => p.method === 'pca'));
    expect(events).toEqual([]); // nothing was computed
    expect(await core.handlers['projections.list']({ runId: run.runId })).toEqual(before);
    // Another seed is another map.
    const other = await core.handlers['projections.compute']({ runId: run.runId, settings: { method: 'pca', seed: 2 } });
    expect(before.map((p) => p.id)).not.toContain(other.id);
  });

  it('on fewer points than 50, reduces wide embeddings to one PCA component per point and says so', async () => {
    const small = syntheticRun(core.db, { n: 40, dim: 128, seed: 6 });
    const map = await core.handlers['projections.compute']({ runId: small.runId, settings: { method: 'umap', neighbors: 60 } });
    expect(map).toMatchObject({ points: 40, pcaComponents: 40, settings: { neighbors: 39 } });
    // Neighbours beyond the points are clipped the same way, so this is the same map.
    expect(await core.handlers['projections.compute']({ runId: small.runId, settings: { method: 'umap', neighbors: 45 } })).toEqual(map);
  });

  it('serves the points of a projection (the latest by default) with labels', async () => {
    const latest = (await core.handlers['projections.list']({ runId: run.runId }))[0]!;
    const points = decodePoints(await body(`/data/run/${run.runId}/points.bin`));
    expect(points.labels).toEqual(['circle', 'square', 'triangle']);
    expect(Array.from(points.itemIds)).toEqual(run.itemIds);
    expect(points.xy).toEqual(core.projections.pointsOf(run.runId, latest.id).points.coords);
    expect(points.labelIndex[0]).toBe(0);
    expect(points.labelIndex[1]).toBe(1);
    const oldest = (await core.handlers['projections.list']({ runId: run.runId })).at(-1)!;
    const first = decodePoints(await body(`/data/run/${run.runId}/points.bin?projection=${oldest.id}`));
    expect(first.itemIds).toHaveLength(150);
  });

  it('cancels a projection between epochs: the call rejects as cancelled and nothing is stored', async () => {
    const before = (await core.handlers['projections.list']({ runId: run.runId })).length;
    const events: ProjectionProgress[] = [];
    let doneAtCancel = -1;
    let optimising = false;
    const off = core.events.on('projection.progress', (p) => {
      events.push(p);
      // 'fitting' counts the neighbour search's points first, then the layout's epochs.
      if (p.message?.startsWith('Optimising the layout')) optimising = true;
      if (doneAtCancel < 0 && optimising && p.phase === 'fitting' && p.done >= 3) {
        doneAtCancel = p.done;
        void core.handlers['projections.cancel']({ runId: run.runId });
      }
    });
    const error = await core.handlers['projections.compute']({ runId: run.runId, settings: { method: 'umap', seed: 9 } }).catch((e: unknown) => e);
    off();
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'cancelled' });
    expect(events.at(-1)).toMatchObject({ phase: 'cancelled' });
    // It stopped before the next epoch.
    const epochs = events.slice(events.findIndex((e) => e.message?.startsWith('Optimising the layout')));
    expect(Math.max(...epochs.filter((e) => e.phase === 'fitting').map((e) => e.done))).toBe(doneAtCancel);
    expect(await core.handlers['projections.list']({ runId: run.runId })).toHaveLength(before);
    expect(await core.handlers['projections.cancel']({ runId: run.runId })).toEqual({ cancelled: false });
  });

  it('refuses bad settings, unknown runs, runs without embeddings, and a second projection of the same run', async () => {
    await expect(core.handlers['projections.compute']({ runId: run.runId, settings: { method: 'tsne' as 'umap' } })).rejects.toThrow(/method must be 'umap' or 'pca', got "tsne"/);
    await expect(core.handlers['projections.compute']({ runId: run.runId, settings: { method: 'umap', neighbors: 1 } })).rejects.toThrow(/neighbors must be an integer in 2\.\.200, got 1/);
    await expect(core.handlers['projections.compute']({ runId: 999, settings: { method: 'pca' } })).rejects.toMatchObject({ code: 'not_found' });
    const empty = core.runs.create({ datasetId: run.datasetId, method: 'simclr', config: {}, seed: 1 });
    core.runs.finish(empty.id, 'failed', 'x');
    await expect(core.handlers['projections.compute']({ runId: empty.id, settings: { method: 'pca' } })).rejects.toThrow(/has no embeddings yet/);
    const first = core.handlers['projections.compute']({ runId: run.runId, settings: { method: 'umap', seed: 11 } });
    await expect(core.handlers['projections.compute']({ runId: run.runId, settings: { method: 'pca', seed: 12 } })).rejects.toMatchObject({ code: 'conflict' });
    await first;
  });
});

describe('selection exports and items.get', () => {
  it('writes embeddings of the selected items only, in the same CSV as the run export', async () => {
    const path = join(dir, 'sel.csv');
    const chosen = [run.itemIds[4]!, run.itemIds[1]!];
    const result = await core.handlers['exports.selection']({ runId: run.runId, itemIds: chosen, kind: 'embeddings', path });
    expect(result).toEqual({ path, rows: 2 });
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(['path', 'label', ...Array.from({ length: 64 }, (_, i) => `e${i}`)].join(','));
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual([run.paths[4], run.paths[1]].sort());
    expect(lines[1]!.split(',')).toHaveLength(66);
    const full = (await body(`/export/run/${run.runId}.csv`)).toString('utf8').trim().split('\n');
    expect(full).toContain(lines[1]);
  });

  it('writes coordinates (path,label,x,y) of a projection and a list of paths', async () => {
    const projection = (await core.handlers['projections.list']({ runId: run.runId }))[0]!;
    const coordsPath = join(dir, 'xy.csv');
    await core.handlers['exports.selection']({ runId: run.runId, itemIds: run.itemIds.slice(0, 3), kind: 'coordinates', projectionId: projection.id, path: coordsPath });
    const lines = readFileSync(coordsPath, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('path,label,x,y');
    expect(lines).toHaveLength(4);
    const { points } = core.projections.pointsOf(run.runId, projection.id);
    const [path, label, x, y] = lines.find((l) => l.startsWith(run.paths[0]!))!.split(',');
    expect(path).toBe(run.paths[0]);
    expect(label).toBe('circle');
    expect(Math.fround(Number(x))).toBe(points.coords[0]);
    expect(Math.fround(Number(y))).toBe(points.coords[1]);

    const listPath = join(dir, 'paths.txt');
    expect(await core.handlers['exports.selection']({ runId: run.runId, itemIds: [run.itemIds[2]!, 999_999], kind: 'paths', path: listPath })).toMatchObject({ rows: 1 });
    expect(readFileSync(listPath, 'utf8')).toBe(`${run.paths[2]}\n`);

    const all = await core.exportCoordinates(run.runId, null, join(dir, 'all.csv'));
    expect(all).toMatchObject({ rows: 150, projectionId: projection.id });
  });

  it('says why an export cannot be written', async () => {
    await expect(core.handlers['exports.selection']({ runId: run.runId, itemIds: [1], kind: 'paths', path: join(dir, 'no', 'such', 'dir.txt') })).rejects.toThrow(/^Cannot write .*dir\.txt: no such file or directory\.$/);
    await expect(core.handlers['exports.selection']({ runId: run.runId, itemIds: 'all' as unknown as number[], kind: 'paths', path: join(dir, 'x') })).rejects.toThrow(/itemIds must be an array/);
    await expect(core.handlers['exports.selection']({ runId: run.runId, itemIds: [1], kind: 'zip' as 'paths', path: join(dir, 'x') })).rejects.toThrow(/kind must be one of embeddings, coordinates, paths, got 'zip'/);
    await expect(core.handlers['exports.selection']({ runId: run.runId, itemIds: [1], kind: 'coordinates', projectionId: 424242, path: join(dir, 'x') })).rejects.toThrow(/has no projection 424242/);
  });

  it('items.get returns one item row, or not_found', async () => {
    const item = await core.handlers['items.get']({ itemId: run.itemIds[0]! });
    expect(item).toMatchObject({ id: run.itemIds[0], path: run.paths[0], label: 'circle', modality: 'image', status: 'ok', row: null });
    await expect(core.handlers['items.get']({ itemId: 987654 })).rejects.toMatchObject({ code: 'not_found' });
  });
});

// The built worker (npm run build) against a run big enough that UMAP takes many seconds.
const workerFile = join(__dirname, '..', '..', '..', 'out', 'main', 'projection-worker.js');
describe.skipIf(!existsSync(workerFile))('the projection worker', () => {
  it('stops within the grace period when cancelled mid-fit, reporting cancelled', async () => {
    const dbPath = join(dir, 'big.db');
    const db = openDatabase(dbPath);
    const big = syntheticRun(db, { n: 20_000, dim: 16, seed: 4 });
    db.close();
    const events: ProjectionProgress[] = [];
    let cancelledAt = 0;
    const job = startProjectionWorker(workerFile, { dbPath, runId: big.runId, settings: { method: 'umap', seed: 1, neighbors: 15, minDist: 0.1 } }, (p) => {
      events.push(p);
      if (cancelledAt === 0 && p.phase === 'fitting') {
        cancelledAt = performance.now();
        job.cancel();
      }
    });
    const outcome = await job.done;
    expect(outcome.status).toBe('cancelled');
    expect(performance.now() - cancelledAt).toBeLessThan(3000);
    expect(events.at(-1)?.phase).toBe('cancelled');
  });
});
