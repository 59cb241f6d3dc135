import { expect, test, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MethodInfo } from '../../src-main/contract';
import { runFlow, serveShell } from './support/app';
import { DatasetsPage } from './support/datasets-page';
import { methodCatalogue, smallPatterns } from './support/methods';
import { TrainingPage } from './support/training-page';

/**
 * The new-run form against the method registry (read through `pretext methods --json`, so methods
 * added later are checked without editing this file): every image method is offered with its
 * description and its own parameters, and each one that trains completes two epochs from the form.
 */
const PER_CLASS = 8;
const BATCH = 8;
const STEPS = 2 * ((3 * PER_CLASS) / BATCH);

let dir: string;
let folder: string;
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-methods-ui-'));
  folder = smallPatterns(join(dir, 'patterns'), PER_CLASS);
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

const imageMethods = methodCatalogue().filter((m) => m.modalities.includes('image'));
const testid = (name: string): string => `train-${name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}`;

/** Imports the small folder and opens the Train tab with it chosen. */
async function trainTabOnSmallFolder(page: Page): Promise<TrainingPage> {
  const datasets = new DatasetsPage(page);
  await datasets.importByPath(folder);
  await expect(datasets.stat('image')).toHaveText(String(3 * PER_CLASS));
  const datasetId = await page.getByTestId('dataset-item').first().getAttribute('data-dataset-id');
  const training = new TrainingPage(page);
  await training.open();
  await training.field('dataset').selectOption(datasetId!);
  return training;
}

/** The method's own parameters on images (not the loop's or the data's, which every method shows; not those of its other modalities). */
const ownParams = (m: MethodInfo): string[] =>
  m.params.filter((p) => p.scope === 'method' && (!p.modalities || p.modalities.includes('image'))).map((p) => p.name);

test('the new-run form lists every image method of the registry, with its description and its own parameters', ({ page }) =>
  runFlow(serveShell(page), {
    title: 'methods in the form',
    async run() {
      const training = await trainTabOnSmallFolder(page);
      const select = training.field('method');
      await expect(select.locator('option')).toHaveText(imageMethods.map((m) => `${m.name}${m.trains ? '' : ' (baseline)'}`));
      expect(await select.locator('option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual(imageMethods.map((m) => m.id));

      // Advanced parameters live under "More settings": open it once, it stays open across methods.
      await page.locator('details.advanced > summary').click();
      const everyOwn = new Set(imageMethods.flatMap(ownParams));
      for (const method of imageMethods) {
        await select.selectOption(method.id);
        await expect(page.getByTestId('train-method-description')).toHaveText(method.description);
        const own = new Set(ownParams(method));
        for (const name of own) await expect(page.getByTestId(testid(name)), `${method.id}: ${name}`).toBeVisible();
        // Another method's parameter that this one does not declare is not offered.
        for (const name of everyOwn) if (!own.has(name)) await expect(page.getByTestId(testid(name)), `${method.id} must not show ${name}`).toHaveCount(0);
        if (method.trains) await expect(training.field('epochs')).toBeVisible();
      }
    },
  }));

test('every image method that trains completes two epochs from the new-run form, its loss and parts plotted', ({ page }) => {
  const trained = imageMethods.filter((m) => m.trains);
  test.setTimeout(60_000 + trained.length * 90_000);
  return runFlow(serveShell(page), {
    title: 'each method trains from the form',
    async run() {
      const training = await trainTabOnSmallFolder(page);
      let previous: string | null = null;
      for (const method of trained) {
        await test.step(method.id, async () => {
          await training.field('method').selectOption(method.id);
          await training.field('epochs').fill('2');
          await training.field('batch-size').fill(String(BATCH));
          await training.field('image-size').fill('16');
          await expect(page.getByTestId('train-estimate')).toContainText(`${STEPS / 2} steps per epoch`);
          await training.startButton.click();
          const row = training.latestRun;
          await expect(row).not.toHaveAttribute('data-run-id', previous ?? '');
          previous = await row.getAttribute('data-run-id');
          await expect(row).toHaveAttribute('data-status', 'completed', { timeout: 90_000 });
          await expect(page.getByTestId('train-error')).toHaveCount(0);
          await expect(training.lossChart).toHaveAttribute('data-points', String(STEPS));
          await expect(page.getByTestId('run-loss')).toHaveText(/^\d+\.\d+(e[-+]\d+)?$/);
          if (method.id === 'rotation') {
            // Its accuracy is a part shown as a percentage, beside the loss.
            await expect(page.getByTestId('loss-part')).toHaveCount(1);
            await expect(page.getByTestId('loss-part')).toHaveText(/^accuracy\d{1,3}\.\d %$/);
          }
        });
      }
    },
  });
});
