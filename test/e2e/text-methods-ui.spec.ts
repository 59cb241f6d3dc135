import { expect, test } from '@playwright/test';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFlow, serveShell } from './support/app';
import { DatasetsPage } from './support/datasets-page';
import { methodCatalogue } from './support/methods';
import { repoRoot } from './support/serve';
import { TrainingPage } from './support/training-page';

/**
 * The new-run form on a text dataset (the demo sentences: 90 CSV rows): it offers the text methods of
 * the registry and only them, and each that trains completes two epochs from the form, its loss plotted.
 */
const ITEMS = 90;
const BATCH = 16;
const STEPS_PER_EPOCH = Math.floor(ITEMS / BATCH);

let dir: string;
let folder: string;
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-text-ui-'));
  folder = join(dir, 'sentences');
  mkdirSync(folder);
  copyFileSync(join(repoRoot, 'resources', 'demo', 'sentences', 'sentences.csv'), join(folder, 'sentences.csv'));
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

const textMethods = methodCatalogue().filter((m) => m.modalities.includes('text'));

test('every text method trains two epochs from the new-run form, which offers text methods only', ({ page }) => {
  const trained = textMethods.filter((m) => m.trains);
  test.setTimeout(60_000 + trained.length * 90_000);
  return runFlow(serveShell(page), {
    title: 'text methods from the form',
    async run() {
      const datasets = new DatasetsPage(page);
      await datasets.importByPath(folder);
      await expect(datasets.stat('text')).toHaveText(String(ITEMS));
      const datasetId = await page.getByTestId('dataset-item').first().getAttribute('data-dataset-id');
      const training = new TrainingPage(page);
      await training.open();
      await training.field('dataset').selectOption(datasetId!);
      const select = training.field('method');
      expect(await select.locator('option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual(textMethods.map((m) => m.id));
      let previous: string | null = null;
      for (const method of trained) {
        await test.step(method.id, async () => {
          await select.selectOption(method.id);
          await expect(page.getByTestId('train-method-description')).toHaveText(method.description);
          await training.field('epochs').fill('2');
          await training.field('batch-size').fill(String(BATCH));
          await expect(page.getByTestId('train-estimate')).toContainText(`${STEPS_PER_EPOCH} steps per epoch`);
          await training.startButton.click();
          const row = training.latestRun;
          await expect(row).not.toHaveAttribute('data-run-id', previous ?? '');
          previous = await row.getAttribute('data-run-id');
          await expect(row).toHaveAttribute('data-status', 'completed', { timeout: 90_000 });
          await expect(page.getByTestId('train-error')).toHaveCount(0);
          await expect(training.lossChart).toHaveAttribute('data-points', String(2 * STEPS_PER_EPOCH));
        });
      }
    },
  });
});
