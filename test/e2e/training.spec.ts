import { test } from '@playwright/test';
import { trainingFlows } from './flows/training';
import { runFlow, serveShell } from './support/app';

// The flows also run in the Electron window (electron.spec.ts).
for (const flow of trainingFlows) test(flow.title, ({ page }) => runFlow(serveShell(page), flow));
