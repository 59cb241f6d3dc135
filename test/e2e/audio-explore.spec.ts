import { expect, test } from '@playwright/test';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '../../src-main/contract';
import { pretextSync } from './support/cli';
import { ExplorePage, loneliest } from './support/explore-page';
import { repoRoot, startServe, type ServeProcess } from './support/serve';

/**
 * Audio in the explorer: on a map of the demo tones (SimCLR, one short epoch), hovering a point
 * shows the clip's spectrogram, and its Play button plays the item's audio. The player's element is
 * `new Audio()`, never in the DOM, so the page records what `play()` was called on.
 */
let dir: string;
let db: string;

test.beforeAll(() => {
  test.setTimeout(180_000);
  dir = mkdtempSync(join(tmpdir(), 'pretext-audio-explore-'));
  const folder = join(dir, 'tones');
  cpSync(join(repoRoot, 'resources', 'demo', 'tones'), folder, { recursive: true });
  db = join(dir, 'tones.db');
  const train = pretextSync(db, 'train', folder, '--method', 'simclr', '--epochs', '1', '--batch-size', '8', '--param', 'melBands=32', '--json');
  expect(train.status, train.stderr).toBe(0);
  const run = (JSON.parse(train.stdout.trim().split('\n').at(-1)!) as { run: RunSummary }).run;
  expect(run.status, run.error ?? '').toBe('completed');
  const projected = pretextSync(db, 'project', String(run.id));
  expect(projected.status, projected.stderr).toBe(0);
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("hovering a clip on the map shows its spectrogram, and Play plays the item's audio", async ({ page }) => {
  await page.addInitScript(() => {
    const played: string[] = [];
    (window as unknown as { __played: string[] }).__played = played;
    const play = HTMLMediaElement.prototype.play;
    HTMLMediaElement.prototype.play = function (this: HTMLMediaElement) {
      played.push(this.src);
      return play.call(this);
    };
  });
  let serve: ServeProcess | null = null;
  try {
    serve = await startServe([], { dbPath: db });
    await page.goto(serve.url);
    const explore = new ExplorePage(page);
    await explore.open();
    await expect(explore.map).toHaveAttribute('data-points', '30', { timeout: 60_000 });

    const lone = loneliest(await explore.points());
    await page.mouse.move(lone.x, lone.y);
    const card = page.getByTestId('hover-card');
    await expect(card).toHaveAttribute('data-item-id', String(lone.itemId));
    await expect(card).toContainText(/\.wav/);
    const spectrogram = card.getByTestId('hover-spectrogram');
    await expect(spectrogram).toHaveAttribute('src', `/media/spectrogram/${lone.itemId}`);
    await expect.poll(() => spectrogram.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(128);

    // The card stays while the pointer moves onto it, to reach Play.
    await card.getByTestId('hover-play').click();
    const audioUrl = new URL(`/media/audio/${lone.itemId}`, serve.origin).href;
    await expect.poll(() => page.evaluate(() => (window as unknown as { __played: string[] }).__played)).toEqual([audioUrl]);

    // Clicking the point searches its neighbours: each result shows its spectrogram beside its Play button.
    await page.mouse.click(lone.x, lone.y);
    const first = page.getByTestId('search-result').first();
    await expect(first).toHaveAttribute('data-item-id', String(lone.itemId));
    const resultSpectrogram = first.getByTestId('search-spectrogram');
    await expect(resultSpectrogram).toHaveAttribute('src', `/media/spectrogram/${lone.itemId}`);
    await expect.poll(() => resultSpectrogram.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(128);
  } finally {
    await serve?.stop();
  }
});
