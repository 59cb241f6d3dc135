/**
 * Regenerates the README screenshots: starts `pretext serve` on a fresh database with the mixed
 * fixture imported, and captures the datasets screen in Debian's Chromium.
 *
 * Run after `npm run build`: npx tsx scripts/screenshots.ts
 */
import { chromium } from '@playwright/test';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'pretext-shots-'));
const db = join(dir, 'shots.db');
const cli = join(root, 'bin', 'pretext.js');
spawnSync(process.execPath, [cli, 'import', join(root, 'test', 'fixtures', 'mixed'), '--db', db], { stdio: 'inherit' });
const server = spawn(process.execPath, [cli, 'serve', '--port', '0', '--db', db], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolve) => {
  let out = '';
  server.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /Open: (\S+)/.exec(out);
    if (m) resolve(m[1]!);
  });
});
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  await page.goto(url);
  await page.getByTestId('dataset-item').first().click();
  await page.getByTestId('preview-card').first().locator('img').waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll('img')].every((i) => i.complete));
  await page.screenshot({ path: join(root, 'docs', 'screenshot-datasets.png') });
} finally {
  await browser.close();
  server.kill();
  rmSync(dir, { recursive: true, force: true });
}
