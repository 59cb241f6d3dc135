import { expect, test } from '@playwright/test';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFlow, serveShell } from './support/app';
import { DatasetsPage } from './support/datasets-page';
import { methodCatalogue } from './support/methods';
import { repoRoot } from './support/serve';
import { TrainingPage } from './support/training-page';

/**
 * The new-run form on an audio dataset (the demo tones: 30 clips): it offers the audio methods of the
 * registry and only them, with the spectrogram's settings instead of the image size, and each that
 * trains completes two epochs from the form, its loss plotted.
 */
const ITEMS = 30;
const BATCH = 8;
const STEPS_PER_EPOCH = Math.floor(ITEMS / BATCH);

let dir: string;
let folder: string;
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-audio-ui-'));
  folder = join(dir, 'tones');
  cpSync(join(repoRoot, 'resources', 'demo', 'tones'), folder, { recursive: true });
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

const audioMethods = methodCatalogue().filter((m) => m.modalities.includes('audio'));

test('every audio method trains two epochs from the new-run form, which offers audio methods only', ({ page }) => {
  const trained = audioMethods.filter((m) => m.trains);
  test.setTimeout(60_000 + trained.length * 90_000);
  return runFlow(serveShell(page), {
    title: 'audio methods from the form',
    async run() {
      const datasets = new DatasetsPage(page);
      await datasets.importByPath(folder);
      await expect(datasets.stat('audio')).toHaveText(String(ITEMS));
      const datasetId = await page.getByTestId('dataset-item').first().getAttribute('data-dataset-id');
      const training = new TrainingPage(page);
      await training.open();
      await training.field('dataset').selectOption(datasetId!);
      const select = training.field('method');
      expect(await select.locator('option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual(audioMethods.map((m) => m.id));
      // The spectrogram's settings, not the image size, for a method of images and audio.
      await select.selectOption('simclr');
      await expect(page.getByTestId('train-mel-bands')).toBeVisible();
      await expect(page.getByTestId('train-image-size')).toHaveCount(0);
      let previous: string | null = null;
      for (const method of trained) {
        await test.step(method.id, async () => {
          await select.selectOption(method.id);
          await expect(page.getByTestId('train-method-description')).toHaveText(method.description);
          await training.field('epochs').fill('2');
          await training.field('batch-size').fill(String(BATCH));
          await page.getByTestId('train-mel-bands').fill('32');
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
