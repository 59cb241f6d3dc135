import { expect } from '@playwright/test';
import type { Flow } from '../support/app';
import { pretextSync } from '../support/cli';
import { DatasetsPage } from '../support/datasets-page';
import { PATTERNS, PATTERNS_IMAGES } from '../support/demo';
import { csvLines } from '../support/exports';
import { TrainingPage } from '../support/training-page';

interface EvalReport {
  runId: number;
  status: string;
  evaluations: { epoch: number; final: boolean; knn: number | null; linear: number | null; effectiveRank: number | null }[];
}

/** `pretext eval <run> --json` on the window's database, as a user would run it beside the window. */
function cliEval(runId: string, dbPath: string): EvalReport {
  const r = pretextSync(dbPath, 'eval', runId, '--json');
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as EvalReport;
}

/** Training from the Train tab: the form, the live curve, the evaluations, the CLI's view of the run, the export. */
export const trainingFlows: Flow[] = [
  {
    title: 'trains a small run with a live loss curve and evaluations, then exports its embeddings as CSV',
    timeout: 180_000,
    async run(app) {
      const { page } = app;
      const datasets = new DatasetsPage(page);
      await datasets.importByPath(PATTERNS);
      await expect(datasets.stat('image')).toHaveText(String(PATTERNS_IMAGES));
      const datasetId = await page.getByTestId('dataset-item').first().getAttribute('data-dataset-id');
      expect(datasetId).not.toBeNull();

      // The Train tab, with the engine's backend in the top bar.
      const training = new TrainingPage(page);
      await training.open();
      await expect(page.getByTestId('backend-chip')).not.toHaveAttribute('data-backend', '');

      await training.field('dataset').selectOption(datasetId!);
      await expect(training.field('method')).toHaveValue('simclr');
      await training.field('epochs').fill('2');
      await training.field('batch-size').fill('32');
      // The form is generated from the method's parameters: image size is a number field, empty = Auto.
      const imageSize = training.field('image-size');
      await expect(imageSize).toHaveValue('');
      await expect(imageSize).toHaveAttribute('placeholder', 'Auto');
      await imageSize.fill('4');
      await expect(page.locator('#err-imageSize')).toHaveText(/Enter a whole number from 8 to 256/);
      await expect(training.startButton).toBeDisabled();
      await imageSize.fill('16');
      await expect(page.locator('#err-imageSize')).toHaveCount(0);
      await expect(page.getByTestId('train-estimate')).toContainText('14 steps per epoch');

      // Every value the chart's point count takes, recorded in the page: two epochs of 14 steps can
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
      await training.startButton.click();

      const row = training.latestRun;
      await expect(row).toHaveAttribute('data-run-id', /^\d+$/);
      const runId = (await row.getAttribute('data-run-id'))!;
      await expect(page.getByTestId('train-error')).toHaveCount(0);

      // The curve receives points, then more of them: it updates while training.
      const points = async (): Promise<number> => Number((await training.lossChart.getAttribute('data-points')) ?? 0);
      const seen = (): Promise<number[]> => page.evaluate(() => (window as unknown as { chartPoints: number[] }).chartPoints.filter((n) => n > 0));
      await expect.poll(points, { timeout: 90_000 }).toBeGreaterThan(0);
      await expect.poll(async () => new Set(await seen()).size, { timeout: 90_000 }).toBeGreaterThan(1);
      const growth = await seen();
      expect(growth).toEqual([...growth].sort((a, b) => a - b));

      // 450 images in batches of 32 give 14 steps per epoch, so 2 epochs log 28 points.
      await expect(row).toHaveAttribute('data-status', 'completed', { timeout: 90_000 });
      await expect(page.getByTestId('run-status')).toHaveText('Completed');
      await expect.poll(points).toBe(28);
      await expect(page.getByTestId('run-loss')).toHaveText(/^\d+\.\d+$/);
      await expect(row).toContainText(String(PATTERNS_IMAGES));

      // The evaluation panel: held-out kNN and linear-probe accuracy of the 3 classes, per epoch from the
      // random encoder (epoch 0) to the final evaluation on every image, and the label-free diagnostics.
      const knn = page.getByTestId('eval-knn');
      const linear = page.getByTestId('eval-linear');
      await expect(knn).toHaveText(/^[01]\.\d{3}$/);
      await expect(linear).toHaveText(/^[01]\.\d{3}$/);
      const evalChart = page.getByTestId('eval-chart');
      await expect(evalChart).toBeVisible();
      // Epoch 0 (the random encoder), epoch 1, and the final one after epoch 2.
      await expect(evalChart).toHaveAttribute('data-points', '3');
      const diagnostics = page.getByTestId('eval-diagnostics');
      await expect(diagnostics).toBeVisible();
      await expect(diagnostics).toContainText('Alignment');
      await expect(diagnostics).toContainText('Uniformity');
      await expect(diagnostics).toContainText(/Effective rank\s*\d+(\.\d)? of \d+/);
      await expect(diagnostics).toContainText('Mean variance');
      await expect(page.getByTestId('eval-no-labels')).toHaveCount(0);

      // The CLI reads the same run from the same database: its final numbers are the page's, as rounded there.
      const report = cliEval(runId, app.dbPath);
      expect(report.runId).toBe(Number(runId));
      expect(report.status).toBe('completed');
      expect(report.evaluations.map((e) => e.epoch)).toEqual([0, 1, 2]);
      const final = report.evaluations.find((e) => e.final);
      expect(final).toBeDefined();
      expect(final!.knn).not.toBeNull();
      expect(final!.linear).not.toBeNull();
      await expect(knn).toHaveText(final!.knn!.toFixed(3));
      await expect(linear).toHaveText(final!.linear!.toFixed(3));
      // The runs list shows them beside the loss.
      await expect(row.getByTestId('run-row-eval')).toHaveText(`${final!.knn!.toFixed(3)} / ${final!.linear!.toFixed(3)}`);

      // The CSV: a header, then one row per image.
      const lines = csvLines(await training.exportEmbeddings(app, runId));
      expect(lines[0]).toMatch(/^path,label,e0/);
      expect(lines).toHaveLength(PATTERNS_IMAGES + 1);
    },
  },
];
