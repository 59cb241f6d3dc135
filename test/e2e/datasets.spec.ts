import { expect, test } from '@playwright/test';
import { DatasetsPage } from './support/datasets-page';
import { BAD_COUNTS, MIXED_COUNTS } from './support/fixture-counts';
import { fixture, startServe, type ServeProcess } from './support/serve';

let serve: ServeProcess;
test.beforeEach(async () => {
  serve = await startServe();
});
test.afterEach(async () => {
  await serve.stop();
});

test('a request without the token is refused', async ({ request }) => {
  const response = await request.get(`${serve.origin}/`);
  expect(response.status()).toBe(401);
});

test('imports a mixed folder by path and shows counts, labels and previews', async ({ page }) => {
  await page.goto(serve.url);
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
});

test('a folder of bad files imports the good ones and lists each bad one with its reason', async ({ page }) => {
  await page.goto(serve.url);
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
});

test('the path field explains a path that is not a folder', async ({ page }) => {
  await page.goto(serve.url);
  const add = page.getByTestId('add-folder');
  if (await add.isVisible()) await add.click();
  await page.getByTestId('path-input').fill('/definitely/not/here');
  await expect(page.getByTestId('path-message')).toContainText('No such folder');
  await expect(page.getByTestId('import-button')).toBeDisabled();
});
