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

  for (const flow of flows) test(flow.title, () => runFlow(shell!, flow));
});
