import { readFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { ExplorePage, loneliest } from './support/explore-page';
import { repoRoot, startServe, type ServeProcess } from './support/serve';

/** The bundled demo: 120 images of 64×64 pixels in 3 classes. */
const SHAPES = join(repoRoot, 'resources', 'demo', 'shapes');
const SHAPES_IMAGES = 120;

let dir: string;
let db: string;
let serve: ServeProcess;
test.beforeEach(async () => {
  // A short run trained with the CLI on the database the server then opens: faster than the UI.
  dir = mkdtempSync(join(tmpdir(), 'pretext-explore-'));
  db = join(dir, 'explore.db');
  const train = spawnSync(
    process.execPath,
    [join(repoRoot, 'bin', 'pretext.js'), 'train', SHAPES, '--method', 'simclr', '--epochs', '2', '--batch-size', '32', '--image-size', '16', '--json', '--db', db],
    { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 },
  );
  expect(train.status, train.stderr).toBe(0);
  serve = await startServe([], { dbPath: db });
});
test.afterEach(async () => {
  await serve.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('maps a run, previews on hover, lassoes and exports the selection, and searches by a clicked point', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(serve.url);
  const explore = new ExplorePage(page);
  await explore.open();
  await expect(page.getByTestId('explore-run')).toHaveValue(/^\d+$/);
  const runId = await page.getByTestId('explore-run').inputValue();

  // Compute a UMAP map: progress while it runs, then every point on the map, coloured by label.
  await explore.computeProjection('umap', 1);
  await expect(explore.map).toHaveAttribute('data-points', String(SHAPES_IMAGES), { timeout: 60_000 });
  await expect(explore.map).not.toHaveAttribute('data-projection-id', '');
  const projectionId = await explore.map.getAttribute('data-projection-id');
  await expect(page.getByTestId('legend-item')).toHaveCount(3);
  for (const label of ['circle', 'square', 'triangle']) await expect(explore.legendItem(label)).toContainText('40');
  await expect(page.getByTestId('export-embeddings')).toHaveAttribute('href', `/export/run/${runId}.csv`);
  await expect(page.getByTestId('export-coordinates')).toHaveAttribute('href', `/export/run/${runId}/coordinates.csv?projection=${projectionId}`);

  // Hovering a point shows its item: the thumbnail, its path and label.
  const points = await explore.points();
  expect(points).toHaveLength(SHAPES_IMAGES);
  const lone = loneliest(points);
  await page.mouse.move(lone.x, lone.y);
  const card = page.getByTestId('hover-card');
  await expect(card).toHaveAttribute('data-item-id', String(lone.itemId));
  await expect.poll(() => card.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await expect(card).toContainText(/\.png/);

  // Clicking it searches its nearest neighbours: first the item itself, at similarity 1.000.
  await page.mouse.click(lone.x, lone.y);
  const results = page.getByTestId('search-results');
  await expect(results).toHaveAttribute('data-query-item-id', String(lone.itemId));
  const first = page.getByTestId('search-result').first();
  await expect(first).toHaveAttribute('data-item-id', String(lone.itemId));
  await expect(first).toContainText('1.000');
  await expect(page.getByTestId('search-result')).toHaveCount(12);
  // The renderer's top five are the five `pretext search --item <path> -k 5` prints.
  const itemPath = (await page.getByTestId('search-result').first().getAttribute('data-path')) ?? '';
  const cli = spawnSync(
    process.execPath,
    [join(repoRoot, 'bin', 'pretext.js'), 'search', runId, '--item', itemPath, '-k', '5', '--json', '--db', db],
    { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 },
  );
  expect(cli.status, cli.stderr).toBe(0);
  const cliTop = (JSON.parse(cli.stdout) as { results: { itemId: number; similarity: number }[] }).results;
  expect(cliTop[0]!.similarity).toBeCloseTo(1, 5);
  const uiTop = await page.getByTestId('search-result').evaluateAll((rows) => rows.slice(0, 5).map((r) => Number(r.getAttribute('data-item-id'))));
  expect(uiTop).toEqual(cliTop.map((r) => r.itemId));

  // A lasso around the left part of the map selects the points inside it, and only those.
  const xs = points.map((p) => p.x).sort((a, b) => a - b);
  const ys = points.map((p) => p.y);
  // Cut between two points near the middle where the gap is widest, so no point sits on the line.
  let cut = 0;
  let widest = -1;
  for (let i = Math.floor(xs.length * 0.3); i < Math.floor(xs.length * 0.7); i++) {
    if (xs[i + 1]! - xs[i]! > widest) {
      widest = xs[i + 1]! - xs[i]!;
      cut = (xs[i]! + xs[i + 1]!) / 2;
    }
  }
  const top = Math.min(...ys) - 14;
  const bottom = Math.max(...ys) + 14;
  const left = xs[0]! - 14;
  await page.getByTestId('clear-selection').click();
  await expect(page.getByTestId('selection-count')).toHaveCount(0);
  // Start at the bottom-left corner: the map's toolbar floats over its top-left.
  await page.mouse.move(left, bottom);
  await expect(card).toHaveCount(0);
  await explore.lasso([
    [left, bottom],
    [left, top],
    [cut, top],
    [cut, bottom],
  ]);
  const inside = points.filter((p) => p.x < cut).map((p) => p.itemId);
  expect(inside.length).toBeGreaterThan(0);
  await expect(page.getByTestId('selection-count')).toHaveText(String(inside.length));
  const selected = await explore.selectedItemIds();
  expect([...selected].sort((a, b) => a - b)).toEqual([...inside].sort((a, b) => a - b));

  // Its embeddings download as CSV: a header, then exactly one row per selected item.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-selection-embeddings').click()]);
  const lines = (await readFile(await download.path(), 'utf8')).trimEnd().split(/\r?\n/);
  expect(lines[0]).toMatch(/^path,label,e0/);
  expect(lines).toHaveLength(inside.length + 1);
  // The rows are the selected items: compare with the core's own list of their paths.
  const paths = await page.request.post(`${serve.origin}/export/run/${runId}/selection?kind=paths`, {
    headers: { 'Content-Type': 'application/json', Origin: serve.origin },
    data: JSON.stringify({ itemIds: selected }),
  });
  expect(paths.ok(), await paths.text()).toBe(true);
  const expectedPaths = (await paths.text()).trim().split(/\r?\n/).sort();
  const csvPaths = lines.slice(1).map((line) => line.split(',')[0]!).sort();
  expect(csvPaths).toEqual(expectedPaths);

  // Clear empties the selection.
  await page.getByTestId('clear-selection').click();
  await expect(page.getByTestId('selection-count')).toHaveCount(0);
});
