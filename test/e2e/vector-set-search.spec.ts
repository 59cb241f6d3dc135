import { expect, test } from '@playwright/test';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { pretextSync } from './support/cli';
import { dropPaths } from './support/drop';
import { startServe, type ServeProcess } from './support/serve';

/**
 * A folder embedded with a trained run (`pretext embed`) is searched as its own vector set: from the
 * CLI (`pretext search --set`, `--item-from`) and from the run view's Search button, which opens the
 * Similar items panel on that set. Tiny generated images and one short epoch keep it quick.
 */
let dir: string;
let db: string;
let runId: number;
let setId: number;
const train = (): string => join(dir, 'train');
const fresh = (): string => join(dir, 'new');

async function png(kind: 'dots' | 'bars', i: number, side: number): Promise<Buffer> {
  const pixels = Buffer.alloc(side * side * 3);
  for (let p = 0; p < side * side; p++) {
    const [x, y] = [p % side, Math.floor(p / side)];
    const on = kind === 'dots' ? (x + y + i) % 3 === 0 : (x + i) % 4 < 2;
    // A little texture that differs for every i, so no two images are the same.
    pixels.fill(on ? (kind === 'dots' ? 230 : 30) : 100 + ((p * 7 + i * 13) % 40), p * 3, p * 3 + 3);
  }
  return sharp(pixels, { raw: { width: side, height: side, channels: 3 } }).png().toBuffer();
}

test.describe.serial('searching a vector set', () => {
  test.beforeAll(async () => {
    test.setTimeout(180_000);
    dir = mkdtempSync(join(tmpdir(), 'pretext-set-search-'));
    db = join(dir, 'sets.db');
    for (const kind of ['dots', 'bars'] as const) {
      mkdirSync(join(train(), kind), { recursive: true });
      for (let i = 0; i < 16; i++) writeFileSync(join(train(), kind, `${kind}-${i}.png`), await png(kind, i, 12));
    }
    const trained = pretextSync(db, 'train', train(), '--epochs', '1', '--batch-size', '8', '--image-size', '8', '--json');
    expect(trained.status, trained.stderr).toBe(0);
    runId = JSON.parse(trained.stdout.trim().split('\n').at(-1)!).run.id;
    // The new folder: a copy of a training image under another name, and new images of another size.
    mkdirSync(fresh(), { recursive: true });
    copyFileSync(join(train(), 'bars', 'bars-5.png'), join(fresh(), 'copy-of-bars-5.png'));
    for (let i = 0; i < 5; i++) writeFileSync(join(fresh(), `fresh-${i}.png`), await png(i % 2 === 0 ? 'dots' : 'bars', i + 7, 24));
    const embedded = pretextSync(db, 'embed', String(runId), fresh(), '--json');
    expect(embedded.status, embedded.stderr).toBe(0);
    setId = JSON.parse(embedded.stdout).set.id;
  });
  test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('pretext search --set by a file and by an item, --item-from both ways; pretext runs lists the set', () => {
    const byFile = pretextSync(db, 'search', String(runId), '--set', String(setId), '--query', join(fresh(), 'fresh-3.png'), '-k', '3', '--json');
    expect(byFile.status, byFile.stderr).toBe(0);
    const file = JSON.parse(byFile.stdout);
    expect(file.set).toMatchObject({ id: setId, root: fresh() });
    expect(file.results[0]).toMatchObject({ path: 'fresh-3.png', similarity: expect.closeTo(1, 4) });

    const within = JSON.parse(pretextSync(db, 'search', String(runId), '--set', String(setId), '--item', join(fresh(), 'fresh-0.png'), '-k', '6', '--json').stdout);
    expect(within.results).toHaveLength(6);
    expect(within.results[0].path).toBe('fresh-0.png');

    const toRun = pretextSync(db, 'search', String(runId), '--item', 'copy-of-bars-5.png', '--item-from', String(setId), '-k', '3');
    expect(toRun.status, toRun.stderr).toBe(0);
    expect(toRun.stdout).toMatch(new RegExp(`Most similar to copy-of-bars-5\\.png \\(of vector set #${setId} of run #${runId}\\) in run #${runId} `));
    expect(toRun.stdout.split('\n')[1]).toMatch(/^ {3}1 {2}1\.0000 {2}bars\/bars-5\.png {2}\[bars\]$/);

    const missed = pretextSync(db, 'search', String(runId), '--item', 'copy-of-bars-5.png');
    expect(missed.status).toBe(1);
    expect(missed.stderr).toContain(`It is an item of vector set #${setId} of run #${runId}: pretext search ${runId} --item copy-of-bars-5.png --item-from ${setId} --db ${db}`);

    const runs = pretextSync(db, 'runs');
    expect(runs.stdout).toContain(`vector set #${setId}: 6 embeddings`);
    expect(runs.stdout).toContain(`search it: pretext search ${runId} --set ${setId} --db ${db} --query <file>`);
  });

  for (const index of [false, true]) {
    test(`the run view's Search opens the panel on the set: a dropped file finds the set's items, a result finds the run's${index ? ' (through the usearch index)' : ''}`, async ({ page }) => {
      let serve: ServeProcess | null = null;
      try {
        // Threshold 0: every space gets its index, built on its first search (answered exactly) and used from then on.
        serve = await startServe([], { dbPath: db, ...(index ? { env: { PRETEXT_SEARCH_INDEX_THRESHOLD: '0' } } : {}) });
        await page.goto(serve.url);
        await page.getByTestId('nav-train').click();
        await page.getByTestId('run-row').first().click();
        await page.getByTestId('embed-search').click();
        await expect(page.getByTestId('nav-explore')).toHaveAttribute('aria-current', 'page');
        await expect(page.getByTestId('search-target')).toHaveValue(String(setId));

        await dropPaths(page.getByTestId('search-drop'), [join(fresh(), 'fresh-3.png')]);
        const first = page.getByTestId('search-result').first();
        await expect(first).toHaveAttribute('data-path', 'fresh-3.png');
        await expect(page.getByTestId('search-result')).toHaveCount(6);
        await expect(page.getByTestId('search-set-foot')).toContainText(fresh());
        // The set's files are served as thumbnails by the item media route.
        await expect.poll(() => first.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);

        // The copy of a training image, searched among the run's own items, finds the original.
        const copy = page.locator('[data-testid="search-result"][data-path="copy-of-bars-5.png"]');
        await copy.getByTestId('search-in-run').click();
        await expect(page.getByTestId('search-target')).toHaveValue('');
        await expect(first).toHaveAttribute('data-path', 'bars/bars-5.png');
        await expect(first).toContainText('1.000');
        await expect(page.getByTestId('search-set-foot')).toHaveCount(0);
        if (index) {
          // The next search of the run's items goes through the index, and finds what exact search finds.
          const exact = JSON.parse(pretextSync(db, 'search', String(runId), '--query', join(fresh(), 'fresh-3.png'), '-k', '12', '--json').stdout) as { results: { path: string }[] };
          // The index is built in the core's index worker after that first search; until it is ready, searches stay exact.
          await expect
            .poll(
              async () => {
                await dropPaths(page.getByTestId('search-drop'), [join(fresh(), 'fresh-3.png')]);
                await page.waitForTimeout(300);
                return page.getByTestId('search-timing').textContent();
              },
              { timeout: 30_000 },
            )
            .toContain('index');
          // The panel's default k.
          await expect(page.getByTestId('search-result')).toHaveCount(12);
          const shown = await page.getByTestId('search-result').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-path')));
          expect(shown).toEqual(exact.results.map((r) => r.path));
        }
      } finally {
        await serve?.stop();
      }
    });
  }
});
