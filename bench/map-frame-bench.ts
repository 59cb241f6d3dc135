/**
 * Map frame-time benchmark: a run of N points (default 1,000,000) with a stored projection, served
 * by `pretext serve`, opened in the Explore tab of headless Chromium; the page's own
 * requestAnimationFrame deltas are recorded while the mouse drags (pans) the map and the wheel
 * zooms. Prints time-to-map and frame-time mean/p95/max.
 *
 *   npm run build && npx tsx bench/map-frame-bench.ts [points]
 *
 * Chromium here has no GPU (WebGL runs on SwiftShader), so this measures the slow-device path.
 */
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src-main/core/storage/db';
import { DatasetsRepository } from '../src-main/core/storage/repositories/datasets';
import { ItemsRepository, type ItemInput } from '../src-main/core/storage/repositories/items';
import { ProjectionsRepository } from '../src-main/core/storage/repositories/projections';
import { RunsRepository } from '../src-main/core/storage/repositories/runs';
import { VectorsRepository } from '../src-main/core/storage/repositories/vectors';
import { Rng } from '../src-main/core/ssl/random';

const count = Number(process.argv[2] ?? 1_000_000);
const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'pretext-map-bench-'));
const dbPath = join(dir, 'map.db');

// A dataset of `count` items in 10 classes, one tiny vector each, and a projection with 10 blobs.
const t0 = performance.now();
const db = openDatabase(dbPath);
const dataset = new DatasetsRepository(db).create({ name: 'synthetic', root: dir, textColumn: null });
const items = new ItemsRepository(db);
const batch: ItemInput[] = [];
for (let i = 0; i < count; i++) {
  batch.push({
    datasetId: dataset.id, path: `class-${i % 10}/img-${i}.png`, row: 0, modality: 'image', format: 'png', size: 1, mtimeMs: 0,
    hash: null, label: `class-${i % 10}`, status: 'ok', error: null, meta: {}, content: null, generation: 1,
  });
  if (batch.length === 10_000) items.upsertBatch(batch.splice(0));
}
items.upsertBatch(batch);
new DatasetsRepository(db).setStatus(dataset.id, 'ready');
const runs = new RunsRepository(db);
const run = runs.create({ datasetId: dataset.id, method: 'simclr', config: { epochs: 1 }, seed: 1 });
const ids = (db.prepare(`SELECT id FROM items WHERE dataset_id = ? ORDER BY id`).pluck().all(dataset.id) as number[]);
for (let start = 0; start < ids.length; start += 10_000) {
  new VectorsRepository(db).add(run.id, ids.slice(start, start + 10_000).map((itemId) => ({ itemId, vector: new Float32Array([itemId % 10, 1]) })));
}
runs.setEmbeddingDim(run.id, 2);
runs.finish(run.id, 'completed');
const rng = new Rng(1);
const coords = new Float32Array(count * 2);
for (let i = 0; i < count; i++) {
  const c = i % 10;
  const r = Math.sqrt(-2 * Math.log(1 - rng.next())) * 1.2;
  const a = rng.next() * Math.PI * 2;
  coords[i * 2] = Math.cos((c / 10) * Math.PI * 2) * 10 + r * Math.cos(a);
  coords[i * 2 + 1] = Math.sin((c / 10) * Math.PI * 2) * 10 + r * Math.sin(a);
}
new ProjectionsRepository(db).insert({
  runId: run.id, method: 'umap', settings: { method: 'umap', seed: 1, neighbors: 15, minDist: 0.1 },
  itemIds: Int32Array.from(ids), coords, fittedOn: null, pcaComponents: null, seconds: 0,
});
db.close();
console.error(`database with ${count} points ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const server = spawn(process.execPath, [join(root, 'bin', 'pretext.js'), 'serve', '--port', '0', '--db', dbPath], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolve) => {
  let out = '';
  server.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /Open: (\S+)/.exec(out);
    if (m) resolve(m[1]!);
  });
});
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(url);
  const opened = performance.now();
  await page.getByTestId('nav-explore').click();
  const map = page.getByTestId('map');
  await map.and(page.locator(`[data-points="${count}"]`)).waitFor({ timeout: 300_000 });
  const timeToMap = (performance.now() - opened) / 1000;
  const box = (await map.boundingBox())!;
  // Passed as source text: tsx's transform would add helpers the page does not have.
  await page.evaluate(`(() => {
    window.__frames = [];
    let last = performance.now();
    const tick = (now) => { window.__frames.push(now - last); last = now; requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  })()`);
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  for (let i = 0; i < 120; i++) await page.mouse.move(cx + 200 * Math.sin(i / 10), cy + 120 * Math.cos(i / 10));
  await page.mouse.up();
  for (let i = 0; i < 20; i++) await page.mouse.wheel(0, i < 10 ? -120 : 120);
  const frames = ((await page.evaluate('window.__frames')) as number[]).slice(2).sort((a, b) => a - b);
  const mean = frames.reduce((s, f) => s + f, 0) / frames.length;
  const p95 = frames[Math.floor(frames.length * 0.95)]!;
  console.log(`points               ${count}`);
  console.log(`time to map          ${timeToMap.toFixed(1)} s`);
  console.log(`render mode          ${await map.getAttribute('data-render')}`);
  console.log(`frames while moving  ${frames.length}`);
  console.log(`frame time           mean ${mean.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${frames.at(-1)!.toFixed(1)} ms`);
} finally {
  await browser.close();
  server.kill();
  rmSync(dir, { recursive: true, force: true });
}
