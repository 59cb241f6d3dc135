import { expect, type Locator } from '@playwright/test';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/**
 * Exports as each shell offers them. The browser downloads a file from `pretext serve`; the Electron
 * window has the core write the file the user names (exports land under a temporary name and are
 * renamed when complete, so the file existing means it is whole).
 */

/** Clicks a download link or button and returns the downloaded file's text. */
export async function downloadText(trigger: Locator): Promise<string> {
  const [download] = await Promise.all([trigger.page().waitForEvent('download'), trigger.click()]);
  return readFile(await download.path(), 'utf8');
}

/** Waits for the core to write `path` and returns its text. */
export async function writtenText(path: string): Promise<string> {
  await expect.poll(() => existsSync(path), { message: `the export was written to ${path}` }).toBe(true);
  return readFile(path, 'utf8');
}

/** An export's CSV lines, without the trailing newline. */
export const csvLines = (text: string): string[] => text.trimEnd().split(/\r?\n/);
