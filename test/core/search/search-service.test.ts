import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../../src-main/core/app';
import { initBackend } from '../../../src-main/core/engine/backend';
import { annKey, buildSteps, DEFAULT_ANN_PARAMS, loadAnn, saveAnn, type AnnParams } from '../../../src-main/core/search/ann-index';
import { normaliseRows } from '../../../src-main/core/search/exact';
import { syntheticRun, type SyntheticRun } from '../projection/explore-fixture';

let dir: string;
let core: Core;
let run: SyntheticRun;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-search-'));
  // A low index threshold so the index path runs on a small run; without workerDir it builds on this thread.
  core = createCore({ dbPath: join(dir, 'search.db'), shell: 'cli', searchIndexThreshold: 1000 });
  run = syntheticRun(core.db, { n: 600, dim: 32, seed: 3 });
});
afterAll(async () => {
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('search.similarToItem', () => {
  it('returns the item itself first with similarity 1, then its nearest by cosine, exactly', async () => {
    const result = await core.handlers['search.similarToItem']({ runId: run.runId, itemId: run.itemIds[7]!, k: 5 });
    expect(result.strategy).toBe('exact');
    expect(result.results).toHaveLength(5);
    expect(result.results[0]).toMatchObject({ itemId: run.itemIds[7], path: run.paths[7], row: null, label: 'square', modality: 'image' });
    expect(Math.abs(result.results[0]!.similarity - 1)).toBeLessThan(1e-5);
    // Same class as item 7 (class = index mod 3), in decreasing similarity.
    for (const r of result.results) expect(r.label).toBe('square');
    for (let i = 1; i < 5; i++) expect(result.results[i]!.similarity).toBeLessThanOrEqual(result.results[i - 1]!.similarity);
    expect(result.milliseconds).toBeGreaterThanOrEqual(0);
    expect((await core.handlers['search.similarToItem']({ runId: run.runId, itemId: run.itemIds[0]! })).results).toHaveLength(10);
  });

  it('puts the item first even when an identical item ties with it', async () => {
    const twin = syntheticRun(core.db, { n: 20, dim: 4, seed: 4 });
    // Give items 3 and 9 (both class 0) the same vector: similarity 1 to each other.
    const v = core.vectors.vector(twin.runId, twin.itemIds[3]!)!;
    core.vectors.add(twin.runId, [{ itemId: twin.itemIds[9]!, vector: v }]);
    const a = await core.handlers['search.similarToItem']({ runId: twin.runId, itemId: twin.itemIds[9]!, k: 3 });
    expect(a.results.map((r) => r.itemId).slice(0, 2)).toEqual([twin.itemIds[9], twin.itemIds[3]]);
    const b = await core.handlers['search.similarToItem']({ runId: twin.runId, itemId: twin.itemIds[3]!, k: 3 });
    expect(b.results.map((r) => r.itemId).slice(0, 2)).toEqual([twin.itemIds[3], twin.itemIds[9]]);
  });

  it('uses the usearch index above the threshold once it is built, with the same answers on clustered data', async () => {
    const big = syntheticRun(core.db, { n: 1500, dim: 16, seed: 5 });
    const before = await core.handlers['search.similarToItem']({ runId: big.runId, itemId: big.itemIds[10]!, k: 10 });
    expect(await core.search.indexReady(big.runId)).toBe(true);
    const after = await core.handlers['search.similarToItem']({ runId: big.runId, itemId: big.itemIds[10]!, k: 10 });
    expect(after.strategy).toBe('index');
    expect(after.results[0]!.itemId).toBe(big.itemIds[10]);
    const exact = new Set(before.results.map((r) => r.itemId));
    const overlap = after.results.filter((r) => exact.has(r.itemId)).length;
    expect(overlap).toBeGreaterThanOrEqual(9);
    // Saved in the database's own folder, so the next core reads it instead of building again.
    expect(readFileSync(join(dir, 'search.db-files', 'indexes', `run-${big.runId}.hnsw`)).length).toBeGreaterThan(1000);
  });

  it('reads a saved usearch index back in a new core without building it again, and rebuilds a file of the hand-written HNSW', async () => {
    const big = syntheticRun(core.db, { n: 1200, dim: 16, seed: 8 });
    const file = join(dir, 'search.db-files', 'indexes', `run-${big.runId}.hnsw`);
    // What Pretext 0.x's own HNSW left there: not usearch's, so it is built again and replaced.
    mkdirSync(join(dir, 'search.db-files', 'indexes'), { recursive: true });
    writeFileSync(file, Buffer.concat([Buffer.from('PXHNSW01'), Buffer.alloc(64)]));
    const progress: { done: number; total: number }[] = [];
    const off = core.events.on('index.progress', (p) => {
      if (p.runId === big.runId && p.setId === null) progress.push({ done: p.done, total: p.total });
    });
    await core.handlers['search.similarToItem']({ runId: big.runId, itemId: big.itemIds[3]!, k: 5 });
    expect(await core.search.indexReady(big.runId)).toBe(true);
    off();
    // The build's progress reaches every shell as index.progress events, up to all 1,200 vectors.
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toEqual({ done: 1200, total: 1200 });
    const saved = statSync(file);
    expect(readFileSync(file).subarray(0, 8).toString('ascii')).not.toBe('PXHNSW01');
    const next = createCore({ dbPath: join(dir, 'search.db'), shell: 'cli', searchIndexThreshold: 1000 });
    try {
      const answer = await next.handlers['search.similarToItem']({ runId: big.runId, itemId: big.itemIds[3]!, k: 5 });
      // Ready on the first search: read from the file, which was not written again.
      expect(answer.strategy).toBe('index');
      expect(answer.results[0]!.itemId).toBe(big.itemIds[3]);
      expect(statSync(file).mtimeMs).toBe(saved.mtimeMs);
    } finally {
      await next.close();
    }
  });

  it('builds again over a saved index built with other parameters (the defaults of an earlier version)', async () => {
    const big = syntheticRun(core.db, { n: 1100, dim: 16, seed: 10 });
    const file = join(dir, 'search.db-files', 'indexes', `run-${big.runId}.hnsw`);
    const stamp = core.vectors.stamp(big.runId)!;
    const earlier: AnnParams = { connectivity: 16, expansionAdd: 64, expansionSearch: 256, quantization: 'i8' };
    const rows = normaliseRows(Float32Array.from({ length: 1100 * 16 }, (_, i) => Math.sin(i)), 1100, 16);
    const steps = buildSteps(rows, 1100, 16, earlier, 1);
    let step = steps.next();
    while (!step.done) step = steps.next();
    mkdirSync(join(dir, 'search.db-files', 'indexes'), { recursive: true });
    saveAnn(file, step.value, annKey(stamp, 1100, 16, earlier));
    const progress: number[] = [];
    const off = core.events.on('index.progress', (p) => {
      if (p.runId === big.runId && p.setId === null) progress.push(p.done);
    });
    await core.handlers['search.similarToItem']({ runId: big.runId, itemId: big.itemIds[3]!, k: 5 });
    expect(await core.search.indexReady(big.runId)).toBe(true);
    off();
    expect(progress.at(-1)).toBe(1100);
    // The file now holds the graph of the current parameters, and no longer answers to the old key.
    expect(loadAnn(file, annKey(stamp, 1100, 16, DEFAULT_ANN_PARAMS), 1100, 16, DEFAULT_ANN_PARAMS)).not.toBeNull();
    expect(loadAnn(file, annKey(stamp, 1100, 16, earlier), 1100, 16, earlier)).toBeNull();
    const answer = await core.handlers['search.similarToItem']({ runId: big.runId, itemId: big.itemIds[3]!, k: 5 });
    expect(answer.strategy).toBe('index');
    expect(answer.results[0]!.itemId).toBe(big.itemIds[3]);
  });

  it('takes the threshold from PRETEXT_SEARCH_INDEX_THRESHOLD when the caller gives none', async () => {
    const small = syntheticRun(core.db, { n: 40, dim: 8, seed: 9 });
    process.env.PRETEXT_SEARCH_INDEX_THRESHOLD = '0';
    const next = createCore({ dbPath: join(dir, 'search.db'), shell: 'cli' });
    try {
      const first = await next.handlers['search.similarToItem']({ runId: small.runId, itemId: small.itemIds[2]!, k: 4 });
      expect(await next.search.indexReady(small.runId)).toBe(true);
      const indexed = await next.handlers['search.similarToItem']({ runId: small.runId, itemId: small.itemIds[2]!, k: 4 });
      expect([first.strategy, indexed.strategy]).toEqual(['exact', 'index']);
      // Fewer rows than the re-rank takes: the index answers exactly.
      expect(indexed.results).toEqual(first.results);
    } finally {
      delete process.env.PRETEXT_SEARCH_INDEX_THRESHOLD;
      await next.close();
    }
  });

  it('explains unknown runs and items, items outside the run, and bad k', async () => {
    await expect(core.handlers['search.similarToItem']({ runId: 999, itemId: 1 })).rejects.toMatchObject({ code: 'not_found', message: 'No run with id 999' });
    await expect(core.handlers['search.similarToItem']({ runId: run.runId, itemId: 999_999 })).rejects.toThrow('No item 999999');
    const other = syntheticRun(core.db, { n: 5, dim: 32, seed: 6 });
    await expect(core.handlers['search.similarToItem']({ runId: run.runId, itemId: other.itemIds[0]! })).rejects.toThrow(`Item ${other.itemIds[0]} has no embedding in run #${run.runId}`);
    await expect(core.handlers['search.similarToItem']({ runId: run.runId, itemId: run.itemIds[0]!, k: 0 })).rejects.toThrow(/k must be an integer in 1\.\.1000, got 0/);
  });
});

/** 24 small PNGs in two classes, trained for one short epoch so the run has a checkpoint. */
async function trainedRun(): Promise<{ runId: number; root: string }> {
  const root = join(dir, 'images');
  for (const [label, shade] of [['light', 220], ['dark', 40]] as const) {
    mkdirSync(join(root, label), { recursive: true });
    for (let i = 0; i < 12; i++) {
      const pixels = Buffer.alloc(12 * 12 * 3, 128);
      for (let p = 0; p < 144; p++) if ((p + i) % (label === 'light' ? 3 : 5) === 0) pixels.fill(shade, p * 3, p * 3 + 3);
      // A white pixel of its own: without it, image i and i + 5 (dark) or i + 3 (light) are the same picture, and a query ties with its twin.
      pixels.fill(255, (20 + 7 * i) * 3, (20 + 7 * i) * 3 + 3);
      writeFileSync(join(root, label, `${label}-${i}.png`), await sharp(pixels, { raw: { width: 12, height: 12, channels: 3 } }).png().toBuffer());
    }
  }
  const report = await core.handlers['datasets.import']({ path: root });
  const started = await core.handlers['runs.start']({ datasetId: report.datasetId, settings: { backend: 'wasm', params: { epochs: 1, batchSize: 8, imageSize: 8, threads: 1 } } });
  await core.trainingDone(started.id);
  expect((await core.handlers['runs.get']({ runId: started.id })).status).toBe('completed');
  return { runId: started.id, root };
}

describe('search.similarToFile', () => {
  let trained: { runId: number; root: string };
  beforeAll(async () => {
    await initBackend('wasm', { threads: 1 });
    trained = await trainedRun();
  });

  it('embeds an image with the run\'s encoder as extraction did: a dataset image finds itself with similarity 1', async () => {
    const bytes = readFileSync(join(trained.root, 'dark', 'dark-3.png'));
    const result = await core.handlers['search.similarToFile']({ runId: trained.runId, fileName: 'query.png', base64: bytes.toString('base64'), k: 3 });
    expect(result.results[0]).toMatchObject({ path: 'dark/dark-3.png', label: 'dark' });
    expect(Math.abs(result.results[0]!.similarity - 1)).toBeLessThan(1e-4);
    expect(result.results).toHaveLength(3);
  });

  it('refuses files of another modality, undecodable files and unknown types, naming the file and the reason', async () => {
    const ask = (fileName: string, bytes: Buffer) => core.handlers['search.similarToFile']({ runId: trained.runId, fileName, base64: bytes.toString('base64') });
    await expect(ask('note.txt', Buffer.from('hello there'))).rejects.toThrow(/note\.txt is text \(plain text\); run #\d+ \(simclr\) embeds images only/);
    const wav = readFileSync(join(__dirname, '..', '..', 'fixtures', 'mixed', 'tones', 'a440.wav'));
    await expect(ask('tone.wav', wav)).rejects.toThrow(/tone\.wav is an audio file \(WAV\)/);
    const truncated = readFileSync(join(__dirname, '..', '..', 'fixtures', 'bad', 'truncated.png'));
    await expect(ask('truncated.png', truncated)).rejects.toMatchObject({ code: 'bad_request', message: expect.stringMatching(/^truncated\.png: .*truncated/) });
    await expect(ask('data.bin', Buffer.from([1, 2, 3, 4]))).rejects.toThrow(/^data\.bin: unsupported file type \.bin/);
    await expect(ask('empty.png', Buffer.alloc(0))).rejects.toThrow(/^empty\.png: empty file/);
  });

  it('uses the input spec stored with the run: after a re-import whose images changed size, an unchanged file finds the same neighbours', async () => {
    const root = join(dir, 'resized');
    const png = async (side: number, label: string, i: number): Promise<Buffer> => {
      const pixels = Buffer.alloc(side * side * 3, 100);
      for (let p = 0; p < side * side; p++) if ((p + i) % (label === 'a' ? 3 : 4) === 0) pixels.fill(label === 'a' ? 230 : 20, p * 3, p * 3 + 3);
      return sharp(pixels, { raw: { width: side, height: side, channels: 3 } }).png().toBuffer();
    };
    for (const label of ['a', 'b']) {
      mkdirSync(join(root, label), { recursive: true });
      for (let i = 0; i < 8; i++) writeFileSync(join(root, label, `${i}.png`), await png(16, label, i));
    }
    const report = await core.handlers['datasets.import']({ path: root });
    // Image size Auto: chosen from the images (16 px) when training starts, and stored with the run.
    const started = await core.handlers['runs.start']({ datasetId: report.datasetId, settings: { backend: 'wasm', params: { epochs: 1, batchSize: 8, threads: 1 } } });
    await core.trainingDone(started.id);
    expect((await core.handlers['runs.get']({ runId: started.id })).inputSpec).toEqual({ modality: 'image', size: 16, channels: 3, scale: '0-1' });
    const query = readFileSync(join(root, 'a', '0.png')).toString('base64');
    const ask = () => core.handlers['search.similarToFile']({ runId: started.id, fileName: 'q.png', base64: query, k: 5 });
    const before = await ask();

    // Every other image becomes 48×48: the dataset's median side (what Auto would choose now) changes.
    for (const label of ['a', 'b']) for (let i = 1; i < 8; i++) writeFileSync(join(root, label, `${i}.png`), await png(48, label, i));
    await core.handlers['datasets.import']({ path: root });
    core.search.forget(started.id); // as a new process would: nothing cached
    const after = await ask();
    expect(after.results.map((r) => r.path)).toEqual(before.results.map((r) => r.path));
    after.results.forEach((r, i) => expect(r.similarity).toBeCloseTo(before.results[i]!.similarity, 5));
  });

  it('refuses a run without a checkpoint', async () => {
    const bytes = readFileSync(join(trained.root, 'dark', 'dark-3.png')).toString('base64');
    await expect(core.handlers['search.similarToFile']({ runId: run.runId, fileName: 'q.png', base64: bytes })).rejects.toThrow(`Run #${run.runId} has no checkpoint to embed new files with`);
  });
});
