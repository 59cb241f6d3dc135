import { expect } from '@playwright/test';
import type { Flow } from '../support/app';
import { DatasetsPage } from '../support/datasets-page';
import { BAD_COUNTS, MIXED_COUNTS } from '../support/fixture-counts';
import { fixture } from '../support/serve';

/** Adding folders: by path in both shells, by drag-and-drop where the shell can tell where a folder is. */
export const datasetFlows: Flow[] = [
  {
    title: 'imports a mixed folder by path and shows counts, labels and previews',
    async run({ page }) {
      const app = new DatasetsPage(page);
      await app.importByPath(fixture('mixed'));
      await app.expectCounts(MIXED_COUNTS);
      await expect(app.labelRow('cats')).toContainText('3');
      await expect(app.labelRow('speech')).toContainText('3');

      // An image preview is a real decoded thumbnail served by the core.
      const thumb = app.cards('image').first().locator('img');
      await expect(thumb).toBeVisible();
      await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
      // Text previews show the first lines; audio previews have a play button.
      await expect(app.cards('text').first()).not.toBeEmpty();
      await expect(app.cards('audio').first().getByTestId('play-audio')).toBeVisible();

      // The dataset is in the sidebar and survives a reload.
      await page.reload();
      await expect(page.getByTestId('dataset-item')).toHaveCount(1);
      await expect(page.getByTestId('dataset-item').first()).toContainText('mixed');
    },
  },
  {
    title: 'a folder of bad files imports the good ones and lists each bad one with its reason',
    async run({ page }) {
      const app = new DatasetsPage(page);
      await app.importByPath(fixture('bad'));
      await app.expectCounts(BAD_COUNTS);
      const rows = await app.openSkipped();
      await expect(rows).toHaveCount(BAD_COUNTS.skipped);
      const reasonOf = (path: string) => page.locator(`[data-testid="skipped-row"][data-path="${path}"]`);
      await expect(reasonOf('truncated.png')).toContainText(/corrupt or truncated PNG/);
      await expect(reasonOf('empty.wav')).toContainText(/empty file/);
      await expect(reasonOf('binary.txt')).toContainText(/binary data/);
      await expect(reasonOf('latin1.txt')).toContainText(/not valid UTF-8/);
    },
  },
  {
    title: 'the path field explains a path that is not a folder',
    async run({ page }) {
      const app = new DatasetsPage(page);
      await app.openAddFolder();
      await app.pathInput.fill('/definitely/not/here');
      await expect(page.getByTestId('path-message')).toContainText('No such folder');
      await expect(page.getByTestId('import-button')).toBeDisabled();
    },
  },
  {
    title: 'a folder dropped on the window is imported where the shell knows its path, and explained where it does not',
    async run({ shell, page }) {
      const app = new DatasetsPage(page);
      await app.dropFolder(fixture('mixed'));
      if (shell === 'electron') {
        // The preload's webUtils.getPathForFile gives the dropped folder's path; it imports as if typed.
        await app.expectCounts(MIXED_COUNTS);
        await expect(page.getByTestId('dataset-item')).toHaveCount(1);
        await expect(page.getByTestId('dataset-item').first()).toContainText('mixed');
      } else {
        // A browser hands the page the folder's name, never where it is: the page says so and
        // offers the path field instead, and imports nothing.
        await expect(page.getByText('A browser does not share where a dropped folder is.')).toBeVisible();
        await expect(app.pathInput).toBeFocused();
        await expect(page.getByTestId('dataset-item')).toHaveCount(0);
      }
    },
  },
];
