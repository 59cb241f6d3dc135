import { expect, type Locator, type Page } from '@playwright/test';
import { join } from 'node:path';
import type { AppWindow } from './app';
import { downloadText, writtenText } from './exports';

/** The Train tab, as a person uses it: the new-run form, the runs list, a run's curve, evaluation and export. */
export class TrainingPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.getByTestId('nav-train').click();
    await expect(this.page.getByTestId('nav-train')).toHaveAttribute('aria-current', 'page');
  }

  /** A field of the new-run form: `train-dataset`, `train-method`, `train-epochs`, `train-image-size`… */
  field(name: string): Locator {
    return this.page.getByTestId(`train-${name}`);
  }

  get startButton(): Locator {
    return this.page.getByTestId('start-run');
  }

  /** The newest run in the runs list. */
  get latestRun(): Locator {
    return this.page.getByTestId('run-row').first();
  }

  get lossChart(): Locator {
    return this.page.getByTestId('loss-chart');
  }

  /**
   * Exports the open run's embeddings as the shell offers it and returns the CSV's text: the
   * browser downloads /export/run/<id>.csv; under Electron the run view writes the file it is given.
   */
  async exportEmbeddings(app: AppWindow, runId: string): Promise<string> {
    const button = this.page.getByTestId('export-csv');
    if (app.shell === 'browser') {
      await expect(button).toHaveAttribute('href', `/export/run/${runId}.csv`);
      return downloadText(button);
    }
    const target = join(app.scratch, `run-${runId}.csv`);
    await this.page.locator('#export-path').fill(target);
    await button.click();
    await expect(this.page.getByTestId('export-result')).toContainText(target);
    return writtenText(target);
  }
}
