import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { findElectronBinary } from '../../src-main/cli/electron-binary';
import { pretextSync } from './support/cli';
import { PATTERNS, PATTERNS_IMAGES } from './support/demo';
import { ExplorePage, loneliest } from './support/explore-page';
import { repoRoot, startServe, type ServeProcess } from './support/serve';

/**
 * What a new user meets: the first screen of `npm start` (`pretext start`, which falls back to
 * serve where Electron cannot start), adding a folder by a relative path, a dataset no method can
 * train, and comparing with a run that has no map yet.
 */

let dir: string;
let db: string;
let serve: ServeProcess | null = null;
test.beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-first-run-'));
  db = join(dir, 'first-run.db');
});
test.afterEach(async () => {
  await serve?.stop();
  serve = null;
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI on the test's database and fails with its output when it fails. */
function cli(...args: string[]): string {
  const result = pretextSync(db, ...args);
  expect(result.status, `pretext ${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

const datasetNames = (): string[] => (JSON.parse(cli('datasets', '--json')) as { name: string }[]).map((d) => d.name);

test.describe('npm start', () => {
  // With Electron's binary present, `pretext start` opens the Electron window instead of serving.
  const electron = findElectronBinary(repoRoot);
  test.skip('path' in electron, 'Electron is installed here: pretext start opens its window, not serve');

  test('the first screen says the three steps, opens on a dataset that can be trained and names its shell', async ({ page }) => {
    test.setTimeout(120_000);
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'pretext.js'), 'start', '--port', '0', '--db', db], { cwd: repoRoot });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await expect.poll(() => /Open: (http:\/\/\S+)/.exec(output)?.[1] ?? '', { timeout: 90_000 }).not.toBe('');
      await page.goto(/Open: (http:\/\/\S+)/.exec(output)![1]!);

      // The header names the door the app came through: serve, not "cli".
      await expect(page.getByTestId('app-shell')).toHaveText('serve');

      // Add a folder → train → explore; the demo is imported, so training is next.
      const steps = page.getByTestId('first-step');
      await expect(steps).toHaveCount(3);
      await expect(steps.nth(0)).toContainText('Add a folder');
      await expect(steps.nth(1)).toContainText('Train');
      await expect(steps.nth(2)).toContainText('Explore');
      await expect(steps.nth(0)).toHaveAttribute('data-done', 'true');
      await expect(steps.nth(1)).toHaveAttribute('data-done', 'false');

      // The text demo comes first by name, but nothing trains text yet: the app opens on the image demo.
      await expect(page.getByTestId('dataset-name')).toHaveText('demo: patterns');
      await expect(page.getByTestId('train-dataset-button')).toBeEnabled();
      await expect(page.getByTestId('train-reason')).toHaveCount(0);

      // The Train step leads to the Train tab with that dataset chosen.
      await page.getByTestId('first-step-train').click();
      await expect(page.getByTestId('nav-train')).toHaveAttribute('aria-current', 'page');
      await expect(page.getByTestId('train-dataset').locator('option:checked')).toHaveText('demo: patterns');
      await expect(page.getByTestId('start-run')).toBeEnabled();
    } finally {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    }
  });
});

test('a relative path shows the absolute folder it imports, and an existing dataset keeps its name', async ({ page }) => {
  cli('import', PATTERNS, '--name', 'demo: patterns');
  // The server resolves relative paths against its working directory: the repository here.
  serve = await startServe([], { dbPath: db });
  await page.goto(serve.url);
  await expect(page.getByTestId('dataset-name')).toHaveText('demo: patterns');

  await page.getByTestId('add-folder').click();
  const input = page.getByTestId('path-input');
  await input.fill('resources/demo/patterns');
  await expect(page.getByTestId('path-resolved')).toContainText(join(repoRoot, 'resources', 'demo', 'patterns'));
  await expect(page.getByTestId('path-existing')).toContainText('already imported as “demo: patterns”');

  // Enter works even before the path check has answered: the import starts once it does.
  await input.fill('resources/demo/./patterns');
  await input.press('Enter');
  await expect(page.getByTestId('dataset-name')).toHaveText('demo: patterns');
  await expect(page.getByTestId('dataset-root')).toHaveText(PATTERNS);
  await expect(page.getByTestId('dataset-item')).toHaveCount(1);
  await expect(page.getByTestId('stat-image')).toHaveText(String(PATTERNS_IMAGES));

  // The CLI's re-import without --name keeps the name as well.
  cli('import', PATTERNS);
  expect(datasetNames()).toEqual(['demo: patterns']);
});

test('the reason a Train button is disabled is shown beside it, without hovering', async ({ page }) => {
  // A folder where nothing imports (every method trains images, text or audio now), then the image
  // demo: the app opens on the dataset that can train.
  const nothing = join(dir, 'nothing');
  mkdirSync(nothing, { recursive: true });
  writeFileSync(join(nothing, 'data.bin'), Buffer.from([1, 2, 3, 4]));
  cli('import', nothing, '--name', 'nothing');
  cli('import', PATTERNS, '--name', 'demo: patterns');
  serve = await startServe([], { dbPath: db });
  await page.goto(serve.url);
  await expect(page.getByTestId('dataset-name')).toHaveText('demo: patterns');
  await expect(page.getByTestId('train-reason')).toHaveCount(0);

  await page.getByTestId('dataset-item').filter({ hasText: 'nothing' }).click();
  await expect(page.getByTestId('dataset-name')).toHaveText('nothing');
  await expect(page.getByTestId('train-dataset-button')).toBeDisabled();
  const reason = page.getByTestId('train-reason');
  await expect(reason).toBeVisible();
  await expect(reason).toHaveText('Nothing to train on: no item of this folder imported.');
  // It sits beside the button, in the dataset's header.
  const button = await page.getByTestId('train-dataset-button').boundingBox();
  const box = await reason.boundingBox();
  expect(box!.y).toBeGreaterThanOrEqual(button!.y + button!.height - 1);
  expect(box!.y - (button!.y + button!.height)).toBeLessThan(40);
});

test('compare with a run that has no map offers to compute it there, and Explore opens on the run that has one', async ({ page }) => {
  test.setTimeout(180_000);
  const train = ['train', PATTERNS, '--method', 'simclr', '--epochs', '2', '--batch-size', '32', '--image-size', '16', '--json'];
  cli(...train);
  cli(...train, '--seed', '2');
  cli('project', '1');
  serve = await startServe([], { dbPath: db });
  await page.goto(serve.url);
  const explore = new ExplorePage(page);
  await explore.open();

  // Run #2 is the newest but has no map: the tab opens on run #1, which has one.
  await expect(page.getByTestId('explore-run')).toHaveValue('1');
  await expect(explore.map).toHaveAttribute('data-points', String(PATTERNS_IMAGES), { timeout: 60_000 });

  // A click on a point searches its neighbours and takes its hover card away.
  const lone = loneliest(await explore.points());
  await page.mouse.move(lone.x, lone.y);
  const card = page.getByTestId('hover-card');
  await expect(card).toHaveAttribute('data-item-id', String(lone.itemId));
  await page.mouse.click(lone.x, lone.y);
  await expect(page.getByTestId('search-results')).toHaveAttribute('data-query-item-id', String(lone.itemId));
  await expect(card).toHaveCount(0);

  // Comparing with run #2: its pane says it has no map and offers to compute it like the left one.
  await page.getByTestId('compare-run').selectOption('2');
  await expect(page.getByTestId('compare-no-map')).toContainText('No map of run #2 yet');
  await expect(page.getByTestId('compare-run-details')).toContainText('no map yet');
  // The map tools keep their names when only their icons show.
  await expect(page.getByRole('button', { name: 'Lasso' })).toBeVisible();
  await page.getByTestId('compute-compare-map').click();
  await expect(page.getByTestId('compare-map')).toHaveAttribute('data-points', String(PATTERNS_IMAGES), { timeout: 90_000 });
  await expect(page.getByTestId('compare-no-map')).toHaveCount(0);
  // It is stored with the run, as `pretext project 2` would have stored it.
  const runs = JSON.parse(cli('runs', '--json')) as { id: number; projections: number }[];
  expect(runs.find((r) => r.id === 2)?.projections).toBe(1);
  // The overlaid loss legend says which value is which.
  await expect(page.getByTestId('compare-loss-legend').first()).toContainText(/smoothed[\s\S]*last/);
});
