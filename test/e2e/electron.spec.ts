import { expect, test } from '@playwright/test';
import { findElectronBinary } from '../../src-main/cli/electron-binary';
import { datasetFlows } from './flows/datasets';
import { exploreFlows } from './flows/explore';
import { trainingFlows } from './flows/training';
import { electronShell, runFlow, type Flow } from './support/app';
import { repoRoot } from './support/serve';

/**
 * The Electron window runs every flow the serve specs run (import, train, explore, search, export,
 * drag-and-drop of a folder), through the same page objects, where Electron's binary is present.
 */
const binary = findElectronBinary(repoRoot);
// The hosted CI (.github/workflows/ci.yml), where Electron can be downloaded, sets
// PRETEXT_REQUIRE_ELECTRON=1 so that a failed download fails the run instead of skipping this spec.
if ('reason' in binary && process.env.PRETEXT_REQUIRE_ELECTRON === '1') {
  throw new Error(`[electron.spec] PRETEXT_REQUIRE_ELECTRON=1, but ${binary.reason}`);
}
if ('reason' in binary) console.log(`[electron.spec] skipped: ${binary.reason}`);
const shell = 'path' in binary ? electronShell(binary.path) : null;

const flows: Flow[] = [...datasetFlows, ...trainingFlows, ...exploreFlows];

test.describe('Electron window', () => {
  test.skip(shell === null, 'reason' in binary ? binary.reason : '');

  test('the preload bridge is narrow: calls, events, picker and path lookup only', async () => {
    await runFlow(shell!, {
      title: 'bridge',
      async run({ page }) {
        const bridgeKeys = await page.evaluate(() => Object.keys((globalThis as { pretext?: object }).pretext ?? {}).sort());
        expect(bridgeKeys).toEqual(['invoke', 'on', 'pathForFile', 'pickFolder']);
        expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      },
    });
  });

  test('from a checkout the core runs on the Node that npm built the native modules for, and says so', async () => {
    await runFlow(shell!, {
      title: 'core host',
      async run({ page }) {
        type Bridge = { invoke(name: string, request?: unknown): Promise<{ ok: boolean; value?: { core?: { host: string; runtime: string; reason: string } } }> };
        const outcome = await page.evaluate(() => (globalThis as unknown as { pretext: Bridge }).pretext.invoke('app.info'));
        expect(outcome.ok).toBe(true);
        expect(outcome.value?.core).toEqual({
          host: 'node',
          runtime: `Node ${process.versions.node}`,
          reason: expect.stringContaining(`PRETEXT_NODE (${process.execPath})`),
        });
        await page.getByTestId('backend-chip').click();
        await expect(page.getByTestId('core-runtime')).toHaveAttribute('data-host', 'node');
        await expect(page.getByTestId('core-runtime')).toContainText('Node child process');
      },
    });
  });

  for (const flow of flows) test(flow.title, () => runFlow(shell!, flow));
});
