import { _electron as electron, expect, test } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findElectronBinary } from '../../src-main/cli/electron-binary';
import { DatasetsPage } from './support/datasets-page';
import { fixture, repoRoot } from './support/serve';
import { BAD_COUNTS, MIXED_COUNTS } from './support/fixture-counts';

const binary = findElectronBinary(repoRoot);
if ('reason' in binary) console.log(`[electron.spec] skipped: ${binary.reason}`);

test.describe('Electron window', () => {
  test.skip('reason' in binary, 'reason' in binary ? binary.reason : '');

  test('imports folders and shows counts, previews and skipped files with reasons', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pretext-electron-'));
    const app = await electron.launch({
      executablePath: (binary as { path: string }).path,
      args: [join(repoRoot, 'out', 'main', 'index.js')],
      env: { ...process.env, PRETEXT_DB: join(dir, 'electron.db'), PRETEXT_NODE: process.execPath },
    });
    try {
      const win = await app.firstWindow();
      // The preload bridge is narrow: calls, events, picker and path lookup only.
      const bridgeKeys = await win.evaluate(() => Object.keys((globalThis as { pretext?: object }).pretext ?? {}).sort());
      expect(bridgeKeys).toEqual(['calls', 'on', 'pathForFile', 'pickFolder']);
      expect(await win.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      const page = new DatasetsPage(win);
      await page.importByPath(fixture('mixed'));
      await page.expectCounts(MIXED_COUNTS);
      await expect.poll(() => page.cards('image').first().locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
      await page.importByPath(fixture('bad'));
      await page.expectCounts(BAD_COUNTS);
      await expect(await page.openSkipped()).toHaveCount(BAD_COUNTS.skipped);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
