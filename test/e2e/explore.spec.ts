import { test } from '@playwright/test';
import { exploreFlows } from './flows/explore';
import { runFlow, serveShell } from './support/app';

// The flows also run in the Electron window (electron.spec.ts).
for (const flow of exploreFlows) test(flow.title, ({ page }) => runFlow(serveShell(page), flow));
