import { expect, test } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { runFlow, serveShell, type Flow } from './support/app';
import { DatasetsPage } from './support/datasets-page';
import { PATTERNS, PATTERNS_IMAGES } from './support/demo';
import { TrainingPage } from './support/training-page';

/** A VAE trained from the Train tab shows its reconstructions of held-out images, refreshed every epoch, and saves them as a PNG. */
const vaeStrip: Flow = {
  title: 'a VAE run shows its reconstruction strip in the run view, refreshed every epoch, downloadable as a PNG',
  timeout: 180_000,
  async run(app) {
    const { page } = app;
    const datasets = new DatasetsPage(page);
    await datasets.importByPath(PATTERNS);
    await expect(datasets.stat('image')).toHaveText(String(PATTERNS_IMAGES));
    const datasetId = await page.getByTestId('dataset-item').first().getAttribute('data-dataset-id');

    const training = new TrainingPage(page);
    await training.open();
    await training.field('dataset').selectOption(datasetId!);
    await training.field('method').selectOption('vae');
    await expect(page.getByTestId('train-method-description')).toContainText('β·KL');
    // β and the latent size are the VAE's own settings, generated from its parameters.
    await expect(training.field('beta')).toHaveValue('1');
    await training.field('epochs').fill('2');
    await training.field('batch-size').fill('64');
    await training.field('image-size').fill('16');
    await expect(page.getByTestId('train-estimate')).toContainText('7 steps per epoch');

    // Every epoch the strip shows, recorded in the page: the strip of epoch 1 may be replaced by
    // epoch 2's between two polls of the test, but not between two renders.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { stripEpochs: string[] }).stripEpochs = seen;
      new MutationObserver(() => {
        const epoch = document.querySelector<HTMLElement>('[data-testid="reconstructions"]')?.dataset.epoch;
        if (epoch !== undefined && seen.at(-1) !== epoch) seen.push(epoch);
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-epoch'] });
    });
    await training.startButton.click();
    const row = training.latestRun;
    await expect(row).toHaveAttribute('data-run-id', /^\d+$/);
    const runId = (await row.getAttribute('data-run-id'))!;
    await expect(page.getByTestId('train-error')).toHaveCount(0);

    const strip = page.getByTestId('reconstructions');
    await expect(strip).toBeVisible({ timeout: 120_000 });
    await expect(row).toHaveAttribute('data-status', 'completed', { timeout: 120_000 });
    await expect(strip).toHaveAttribute('data-epoch', '2');
    expect(await page.evaluate(() => (window as unknown as { stripEpochs: string[] }).stripEpochs)).toEqual(['1', '2']);

    // Originals beside their reconstructions, of held-out images of every class, as a loaded picture.
    await expect(strip.getByTestId('reconstruction-row-label')).toHaveText(['Original', 'Reconstruction']);
    await expect(strip).toContainText('8 held-out images after epoch 2');
    const image = strip.getByTestId('reconstruction-strip');
    await expect(image).toHaveAttribute('src', `/data/run/${runId}/previews/2.png`);
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(8 * 64 + 7 * 2);
    await expect(strip.locator('.column[title^="checks/"]').first()).toBeAttached();
    await expect(strip.locator('.column[title^="dots/"]').first()).toBeAttached();
    await expect(strip.locator('.column[title^="stripes/"]').first()).toBeAttached();

    // Earlier epochs stay: choose epoch 1, then the newest again.
    const epochs = strip.getByTestId('reconstructions-epoch');
    await expect(epochs.locator('option')).toHaveText(['Epoch 1', 'Epoch 2 (latest)']);
    await epochs.selectOption('1');
    await expect(strip).toHaveAttribute('data-epoch', '1');
    await expect(image).toHaveAttribute('src', `/data/run/${runId}/previews/1.png`);
    await epochs.selectOption('2');

    // The download is the PNG itself.
    const link = strip.getByTestId('reconstructions-download');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe(`pretext-run-${runId}-reconstructions-epoch-2.png`);
    const png = await readFile(await download.path());
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(8 * 64 + 7 * 2); // IHDR width
    expect(png.readUInt32BE(20)).toBe(2 * 64 + 2); // IHDR height

    // The two parts of the ELBO are plotted beside the total.
    await expect(page.getByTestId('loss-part').locator('.k')).toHaveText(['reconstruction', 'kl']);
  },
};

test(vaeStrip.title, ({ page }) => runFlow(serveShell(page), vaeStrip));
