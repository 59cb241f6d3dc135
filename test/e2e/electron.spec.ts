import { _electron as electron, expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetsPage } from './support/datasets-page';
import { fixture, repoRoot } from './support/serve';
import { MIXED_COUNTS } from './support/fixture-counts';

/** Electron's binary is fetched on first use; where it cannot be (offline CI), this spec says why and skips. */
function electronBinary(): { path: string } | { reason: string } {
  const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(require('electron'))"], { cwd: repoRoot, encoding: 'utf8' });
  const path = probe.stdout.trim();
  if (probe.status === 0 && path && existsSync(path)) return { path };
  const why = (probe.stderr || 'unknown error').trim().split('\n').filter(Boolean).at(-1);
  return { reason: `Electron's binary is not available on this machine (${why})` };
}

const binary = electronBinary();
if ('reason' in binary) console.log(`[electron.spec] skipped: ${binary.reason}`);

test.describe('Electron window', () => {
  test.skip('reason' in binary, 'reason' in binary ? binary.reason : '');

  test('imports a folder and shows counts, previews and skipped files', async () => {
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
      await expect(page.cards('image').first().locator('img')).toHaveJSProperty('complete', true);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
