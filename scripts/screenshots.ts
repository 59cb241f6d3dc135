/**
 * Regenerates the README screenshots in docs/screenshots/: the datasets screen, a trained run's view
 * (loss curve and evaluations) and its map, from `pretext serve` on a fresh database holding the
 * bundled demo data, captured in headless Chromium (Debian's, or PRETEXT_CHROMIUM).
 *
 * The image demo is trained with the defaults a first run gets and mapped with a seeded UMAP, as
 * `pretext train` and `pretext project` do it, so the pictures show what a new user sees.
 *
 * Run after `npm run build`: npx tsx scripts/screenshots.ts
 */
import { chromium, type Page } from '@playwright/test';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const outDir = join(root, 'docs', 'screenshots');
const demoRoot = join(root, 'resources', 'demo');
const dir = mkdtempSync(join(tmpdir(), 'pretext-shots-'));
const db = join(dir, 'pretext.db');
const cli = join(root, 'bin', 'pretext.js');

/** Runs a CLI command on the screenshot database and returns its stdout; any failure ends the script. */
function pretext(...args: string[]): string {
  const r = spawnSync(process.execPath, [cli, ...args, '--db', db], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`pretext ${args.join(' ')} exited with ${r.status}`);
  return r.stdout;
}

// The demo datasets, named as `pretext start` names them.
const demos = readdirSync(demoRoot).filter((name) => statSync(join(demoRoot, name)).isDirectory()).sort();
const datasetIds = new Map<string, number>();
for (const name of demos) {
  const report = JSON.parse(pretext('import', join(demoRoot, name), '--name', `demo: ${name}`, '--json')) as { dataset: { id: number } };
  datasetIds.set(name, report.dataset.id);
}
console.log('Training the image demo with the default settings…');
const trained = pretext('train', String(datasetIds.get('patterns')), '--json').trim().split('\n').at(-1)!;
const runId = (JSON.parse(trained) as { run: { id: number } }).run.id;
pretext('project', String(runId), '--method', 'umap', '--seed', '1', '--json');

const server = spawn(process.execPath, [cli, 'serve', '--port', '0', '--db', db], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /Open: (\S+)/.exec(out);
    if (m) resolve(m[1]!);
  });
  server.once('exit', (code) => reject(new Error(`pretext serve exited with ${code}`)));
});

/** Every image in view decoded (lazy ones out of view never load), and two frames drawn since (the map is WebGL). */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() =>
    [...document.querySelectorAll('img')].every((img) => {
      const r = img.getBoundingClientRect();
      const inView = r.width > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth;
      return img.complete || !inView;
    }),
  );
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

const browser = await chromium.launch({
  executablePath: process.env.PRETEXT_CHROMIUM ?? '/usr/bin/chromium',
  // The flags of playwright.config.ts: no GPU here, so WebGL is drawn by SwiftShader.
  args: ['--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  mkdirSync(outDir, { recursive: true });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  await page.goto(url);

  // The datasets screen: the image demo's counts per label and its previews.
  await page.locator(`[data-testid="dataset-item"][data-dataset-id="${datasetIds.get('patterns')}"]`).click();
  await page.getByTestId('preview-card').first().locator('img').waitFor();
  await settled(page);
  await page.screenshot({ path: join(outDir, 'datasets.png') });

  // The trained run: its loss curve, evaluations per epoch and diagnostics (a taller window holds both).
  await page.setViewportSize({ width: 1280, height: 1180 });
  await page.getByTestId('nav-train').click();
  await page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`).click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="loss-chart"]')?.getAttribute('data-points') ?? 0) > 0);
  await page.getByTestId('eval-chart').waitFor();
  await settled(page);
  await page.screenshot({ path: join(outDir, 'training.png') });

  // The run's map, with the nearest neighbours of the point nearest the map's centre ringed.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByTestId('nav-explore').click();
  await page.getByTestId('explore-run').selectOption(String(runId));
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="map"]')?.getAttribute('data-points') ?? 0) > 0);
  const box = (await page.getByTestId('map').boundingBox())!;
  const centre = await page.evaluate(({ x, y }) => {
    const hook = (window as unknown as { __pretextExplore: { itemIds(): number[]; pointScreenPosition(id: number): { x: number; y: number } | null } }).__pretextExplore;
    const points = hook.itemIds().map((id) => hook.pointScreenPosition(id)!);
    return points.reduce((best, p) => (Math.hypot(p.x - x, p.y - y) < Math.hypot(best.x - x, best.y - y) ? p : best));
  }, { x: box.x + box.width / 2, y: box.y + box.height / 2 });
  await page.mouse.click(centre.x, centre.y);
  await page.getByTestId('search-result').first().waitFor();
  // The click also selected the point, which dims the others; the search stays.
  await page.getByTestId('clear-selection').click();
  // Away from the map, so no hover card covers it.
  await page.mouse.move(box.x + box.width / 2, 4);
  await settled(page);
  await page.screenshot({ path: join(outDir, 'map.png') });
  for (const name of ['datasets', 'training', 'map']) {
    console.log(`docs/screenshots/${name}.png: ${Math.round(statSync(join(outDir, `${name}.png`)).size / 1024)} KB`);
  }
} finally {
  await browser.close();
  server.kill();
  rmSync(dir, { recursive: true, force: true });
}
