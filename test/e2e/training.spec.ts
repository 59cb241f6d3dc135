import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { DatasetsPage } from './support/datasets-page';
import { repoRoot, startServe, type ServeProcess } from './support/serve';

/** The bundled demo: 120 images of 64×64 pixels in 3 classes. */
const SHAPES = join(repoRoot, 'resources', 'demo', 'shapes');
const SHAPES_IMAGES = 120;

let serve: ServeProcess;
test.beforeEach(async () => {
  serve = await startServe();
});
test.afterEach(async () => {
  await serve.stop();
});

test('trains a small run with a live loss curve, then exports its embeddings as CSV', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto(serve.url);
  const datasets = new DatasetsPage(page);
  await datasets.importByPath(SHAPES);
  await expect(datasets.stat('image')).toHaveText(String(SHAPES_IMAGES));
  const datasetId = await page.getByTestId('dataset-item').first().getAttribute('data-dataset-id');
  expect(datasetId).not.toBeNull();

  // The Train tab, with the engine's backend in the top bar.
  await page.getByTestId('nav-train').click();
  await expect(page.getByTestId('nav-train')).toHaveAttribute('aria-current', 'page');
  await expect(page.getByTestId('backend-chip')).not.toHaveAttribute('data-backend', '');

  await page.getByTestId('train-dataset').selectOption(datasetId!);
  await expect(page.getByTestId('train-method')).toHaveValue('simclr');
  await page.getByTestId('train-epochs').fill('2');
  await page.getByTestId('train-batch-size').fill('32');
  await page.getByTestId('train-image-size').selectOption('16');

  // Every value the chart's point count takes, recorded in the page: two epochs of 3 steps can
  // finish between two polls of a test, but not between two redraws of the chart.
  await page.evaluate(() => {
    const seen: number[] = [];
    (window as unknown as { chartPoints: number[] }).chartPoints = seen;
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target as HTMLElement;
        if (el.dataset.testid === 'loss-chart') seen.push(Number(el.dataset.points));
      }
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-points'] });
  });
  await page.getByTestId('start-run').click();

  const row = page.getByTestId('run-row').first();
  await expect(row).toHaveAttribute('data-run-id', /^\d+$/);
  const runId = await row.getAttribute('data-run-id');
  await expect(page.getByTestId('train-error')).toHaveCount(0);

  // The curve receives points, then more of them: it updates while training.
  const chart = page.getByTestId('loss-chart');
  const points = async (): Promise<number> => Number((await chart.getAttribute('data-points')) ?? 0);
  const seen = (): Promise<number[]> => page.evaluate(() => (window as unknown as { chartPoints: number[] }).chartPoints.filter((n) => n > 0));
  await expect.poll(points, { timeout: 90_000 }).toBeGreaterThan(0);
  await expect.poll(async () => new Set(await seen()).size, { timeout: 90_000 }).toBeGreaterThan(1);
  const growth = await seen();
  expect(growth).toEqual([...growth].sort((a, b) => a - b));

  // 120 images in batches of 32 give 3 steps per epoch, so 2 epochs log 6 points.
  await expect(row).toHaveAttribute('data-status', 'completed', { timeout: 90_000 });
  await expect(page.getByTestId('run-status')).toHaveText('Completed');
  await expect.poll(points).toBe(6);
  await expect(page.getByTestId('run-loss')).toHaveText(/^\d+\.\d+$/);
  await expect(row).toContainText(String(SHAPES_IMAGES));

  // The CSV: a header, then one row per image.
  const exportLink = page.getByTestId('export-csv');
  await expect(exportLink).toHaveAttribute('href', `/export/run/${runId}.csv`);
  const [download] = await Promise.all([page.waitForEvent('download'), exportLink.click()]);
  const file = await download.path();
  const lines = (await readFile(file, 'utf8')).trimEnd().split(/\r?\n/);
  expect(lines[0]).toMatch(/^path,label,e0/);
  expect(lines).toHaveLength(SHAPES_IMAGES + 1);
});
