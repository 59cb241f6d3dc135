import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../../src-main/core/app';
import { initBackend } from '../../../src-main/core/engine/backend';
import { syntheticRun, type SyntheticRun } from '../projection/explore-fixture';
import { bruteForce, syntheticSet, type SyntheticSet } from './set-fixture';

let dir: string;
let core: Core;
let run: SyntheticRun;
let set: SyntheticSet;
const DIM = 24;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-set-search-'));
  // Sets above 500 vectors get an HNSW index (built on this thread: no workerDir).
  core = createCore({ dbPath: join(dir, 'sets.db'), shell: 'cli', searchIndexThreshold: 500 });
  run = syntheticRun(core.db, { n: 300, dim: DIM, seed: 21 });
  set = syntheticSet(core.db, run.runId, { n: 200, dim: DIM, seed: 22 });
});
afterAll(async () => {
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

const setCandidates = (s: SyntheticSet) => s.itemIds.map((itemId, i) => ({ itemId, vector: s.vectors[i]! }));
const runCandidates = (r: SyntheticRun) => r.itemIds.map((itemId) => ({ itemId, vector: core.vectors.vector(r.runId, itemId)! }));

function expectSameNeighbours(actual: { itemId: number; similarity: number }[], expected: { itemId: number; similarity: number }[]): void {
  expect(actual.map((r) => r.itemId)).toEqual(expected.map((r) => r.itemId));
  actual.forEach((r, i) => expect(r.similarity).toBeCloseTo(expected[i]!.similarity, 5));
}

describe('search within a vector set', () => {
  it('by one of its items: the exact nearest neighbours among the set, the item first, named by their paths in the set folder', async () => {
    for (const at of [0, 57, 199]) {
      const result = await core.handlers['search.similarToItem']({ runId: run.runId, itemId: set.itemIds[at]!, k: 8, setId: set.setId, itemSetId: set.setId });
      expect(result.strategy).toBe('exact');
      expectSameNeighbours(result.results, bruteForce(set.vectors[at]!, setCandidates(set), 8));
      expect(result.results[0]).toMatchObject({ itemId: set.itemIds[at], path: set.paths[at], row: null, label: null, modality: 'image' });
      expect(result.set).toEqual({ id: set.setId, datasetId: set.datasetId, datasetName: 'new photos', root: set.root });
    }
  });

  it("with an item of the run as the query: which of the set's items look like this training item", async () => {
    const query = core.vectors.vector(run.runId, run.itemIds[12]!)!;
    const result = await core.handlers['search.similarToItem']({ runId: run.runId, itemId: run.itemIds[12]!, k: 6, setId: set.setId });
    expectSameNeighbours(result.results, bruteForce(query, setCandidates(set), 6));
    for (const r of result.results) expect(set.itemIds).toContain(r.itemId);
  });

  it("with an item of the set as the query, searching the run's own items: which training items look like this new one", async () => {
    const result = await core.handlers['search.similarToItem']({ runId: run.runId, itemId: set.itemIds[33]!, k: 6, itemSetId: set.setId });
    expectSameNeighbours(result.results, bruteForce(set.vectors[33]!, runCandidates(run), 6));
    expect(result.set).toBeUndefined();
    for (const r of result.results) expect(run.itemIds).toContain(r.itemId);
  });

  it('uses an HNSW index for a set above the threshold, saved as set-<id>.hnsw, agreeing with brute force', async () => {
    const big = syntheticSet(core.db, run.runId, { n: 700, dim: DIM, seed: 23 });
    const ask = () => core.handlers['search.similarToItem']({ runId: run.runId, itemId: big.itemIds[5]!, k: 10, setId: big.setId, itemSetId: big.setId });
    expect(await core.search.indexReady(run.runId, big.setId)).toBe(true);
    const indexed = await ask();
    expect(indexed.strategy).toBe('index');
    expect(indexed.results[0]!.itemId).toBe(big.itemIds[5]);
    const expected = bruteForce(big.vectors[5]!, setCandidates(big), 10);
    const exact = new Set(expected.map((r) => r.itemId));
    expect(indexed.results.filter((r) => exact.has(r.itemId)).length).toBeGreaterThanOrEqual(9);
    expect(existsSync(join(dir, 'sets.db-files', 'indexes', `set-${big.setId}.hnsw`))).toBe(true);
  });

  it('refuses an unknown set, a set of another run, a set still embedding or failed, a bad id, and an item the set lacks, saying which', async () => {
    const ask = (extra: Record<string, unknown>, itemId = set.itemIds[0]!) =>
      core.handlers['search.similarToItem']({ runId: run.runId, itemId, k: 3, ...extra } as { runId: number; itemId: number });
    await expect(ask({ setId: 999 })).rejects.toMatchObject({ code: 'not_found', message: 'No vector set with id 999' });
    const other = syntheticRun(core.db, { n: 10, dim: DIM, seed: 24 });
    const othersSet = syntheticSet(core.db, other.runId, { n: 5, dim: DIM, seed: 25 });
    await expect(ask({ setId: othersSet.setId })).rejects.toMatchObject({
      code: 'bad_request',
      message: `Vector set #${othersSet.setId} belongs to run #${other.runId}, not to run #${run.runId}: a set is searched with the run that embedded it`,
    });
    await expect(ask({ itemSetId: othersSet.setId }, othersSet.itemIds[0]!)).rejects.toThrow(`Vector set #${othersSet.setId} belongs to run #${other.runId}`);
    const running = syntheticSet(core.db, run.runId, { n: 5, dim: DIM, seed: 26, status: 'running' });
    await expect(ask({ setId: running.setId })).rejects.toMatchObject({ code: 'conflict', message: `Vector set #${running.setId} is still being embedded; search it when it has finished` });
    const failed = syntheticSet(core.db, run.runId, { n: 5, dim: DIM, seed: 27, status: 'failed' });
    await expect(ask({ setId: failed.setId })).rejects.toThrow(`Vector set #${failed.setId} failed (the worker crashed); embed the folder again to search it`);
    await expect(ask({ setId: 'two' })).rejects.toMatchObject({ code: 'bad_request', message: 'setId must be the id of a vector set (a positive integer), got "two"' });
    await expect(ask({ setId: set.setId, itemSetId: set.setId }, run.itemIds[0]!)).rejects.toMatchObject({
      code: 'not_found',
      message: `Item ${run.itemIds[0]} has no embedding in vector set #${set.setId} of run #${run.runId}`,
    });
    await expect(ask({ setId: set.setId })).rejects.toThrow(`Item ${set.itemIds[0]} has no embedding in run #${run.runId}`);
    await expect(core.handlers['search.similarToFile']({ runId: run.runId, fileName: 'q.png', base64: '', setId: 999 })).rejects.toThrow('No vector set with id 999');
  });

  it('serves the thumbnail of a set result through the item media route, from inside the set folder only', async () => {
    const root = join(dir, 'served');
    mkdirSync(root, { recursive: true });
    const png = await sharp(Buffer.alloc(4 * 4 * 3, 90), { raw: { width: 4, height: 4, channels: 3 } }).png().toBuffer();
    writeFileSync(join(root, 'a.png'), png);
    writeFileSync(join(root, 'b.png'), png);
    const report = await core.handlers['datasets.import']({ path: root });
    const ids = (await core.handlers['datasets.items']({ datasetId: report.datasetId })).items.map((i) => i.id);
    const setId = core.vectorSets.create(run.runId, report.datasetId, DIM);
    core.vectorSets.addVectors(setId, ids.map((itemId, i) => ({ itemId, vector: Float32Array.from({ length: DIM }, (_, j) => (j === i ? 1 : 0.1)) })));
    core.vectorSets.finish(setId, 'completed', []);
    const result = await core.handlers['search.similarToItem']({ runId: run.runId, itemId: ids[0]!, setId, itemSetId: setId });
    expect(result.results.map((r) => r.path)).toEqual(['a.png', 'b.png']);
    expect((await core.media.get(result.results[1]!.itemId, 'thumb')).mime).toBe('image/webp');
    // The file swapped for a link that leads out of the folder is refused, not served.
    rmSync(join(root, 'a.png'));
    writeFileSync(join(dir, 'secret.png'), png);
    symlinkSync(join(dir, 'secret.png'), join(root, 'a.png'));
    await expect(core.media.get(result.results[0]!.itemId, 'thumb')).rejects.toThrow(/outside|link/);
  });
});

/** 24 small PNGs in two classes, trained for one short epoch, and a folder of new images embedded with it. */
describe('a vector set made by runs.embed, searched by a new file and across spaces', () => {
  let runId: number;
  let trainRoot: string;
  let setId: number;
  const shapes = async (label: 'light' | 'dark', i: number, side = 12): Promise<Buffer> => {
    const shade = label === 'light' ? 220 : 40;
    const pixels = Buffer.alloc(side * side * 3, 128);
    for (let p = 0; p < side * side; p++) if ((p + i) % (label === 'light' ? 3 : 5) === 0) pixels.fill(shade, p * 3, p * 3 + 3);
    // A white pixel of its own: without it, image i and i + 5 (dark) or i + 3 (light) are the same picture, and a query ties with its twin.
    pixels.fill(255, (20 + 7 * i) * 3, (20 + 7 * i) * 3 + 3);
    return sharp(pixels, { raw: { width: side, height: side, channels: 3 } }).png().toBuffer();
  };

  beforeAll(async () => {
    await initBackend('wasm', { threads: 1 });
    trainRoot = join(dir, 'train');
    for (const label of ['light', 'dark'] as const) {
      mkdirSync(join(trainRoot, label), { recursive: true });
      for (let i = 0; i < 12; i++) writeFileSync(join(trainRoot, label, `${label}-${i}.png`), await shapes(label, i));
    }
    const report = await core.handlers['datasets.import']({ path: trainRoot });
    const started = await core.handlers['runs.start']({ datasetId: report.datasetId, settings: { backend: 'wasm', params: { epochs: 1, batchSize: 8, imageSize: 8, threads: 1 } } });
    await core.trainingDone(started.id);
    runId = started.id;
    expect((await core.handlers['runs.get']({ runId })).inputSpec).toEqual({ modality: 'image', size: 8, channels: 3, scale: '0-1' });
    // The new folder: two copies of training images under other names, and new images of another size.
    const newRoot = join(dir, 'new');
    mkdirSync(newRoot, { recursive: true });
    copyFileSync(join(trainRoot, 'dark', 'dark-3.png'), join(newRoot, 'copy-of-dark-3.png'));
    copyFileSync(join(trainRoot, 'light', 'light-7.png'), join(newRoot, 'copy-of-light-7.png'));
    for (let i = 0; i < 4; i++) writeFileSync(join(newRoot, `fresh-${i}.png`), await shapes(i % 2 === 0 ? 'light' : 'dark', i + 20, 30));
    const embedded = await core.handlers['runs.embed']({ runId, path: newRoot });
    expect(embedded).toMatchObject({ status: 'completed', vectors: 6 });
    setId = embedded.id;
  }, 120_000);

  it("embeds a query file through the run's stored input spec, as the set was: a file of the set finds itself with similarity 1", async () => {
    const bytes = readFileSync(join(dir, 'new', 'fresh-1.png')).toString('base64');
    const result = await core.handlers['search.similarToFile']({ runId, fileName: 'query.png', base64: bytes, k: 6, setId });
    expect(result.results).toHaveLength(6);
    expect(result.results[0]!.path).toBe('fresh-1.png');
    expect(result.results[0]!.similarity).toBeCloseTo(1, 4);
    expect(result.set).toMatchObject({ id: setId, root: join(dir, 'new') });
    // Exactly the set's own stored vectors, ranked by cosine to the embedded file's.
    const first = core.vectorSets.vector(setId, result.results[0]!.itemId)!;
    const candidates = [...core.vectorSets.iterateVectors(setId, first.length)].map((r) => ({ itemId: r.itemId, vector: r.vector }));
    expect(result.results.map((r) => r.itemId)).toEqual(bruteForce(first, candidates, 6).map((r) => r.itemId));
  });

  it('finds the training image a new file copies, both ways: set item → run, run item → set', async () => {
    const items = (await core.handlers['datasets.items']({ datasetId: core.vectorSets.get(setId)!.datasetId })).items;
    const copy = items.find((i) => i.path === 'copy-of-dark-3.png')!;
    const inRun = await core.handlers['search.similarToItem']({ runId, itemId: copy.id, k: 3, itemSetId: setId });
    expect(inRun.results[0]).toMatchObject({ path: 'dark/dark-3.png', label: 'dark' });
    expect(inRun.results[0]!.similarity).toBeCloseTo(1, 4);

    const original = inRun.results[0]!.itemId;
    const inSet = await core.handlers['search.similarToItem']({ runId, itemId: original, k: 3, setId });
    expect(inSet.results[0]).toMatchObject({ itemId: copy.id, path: 'copy-of-dark-3.png' });
    expect(inSet.results[0]!.similarity).toBeCloseTo(1, 4);
  });
});
