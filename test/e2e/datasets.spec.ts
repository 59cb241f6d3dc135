import { expect, test } from '@playwright/test';
import { datasetFlows } from './flows/datasets';
import { runFlow, serveShell } from './support/app';
import { startServe } from './support/serve';

// The flows also run in the Electron window (electron.spec.ts).
for (const flow of datasetFlows) test(flow.title, ({ page }) => runFlow(serveShell(page), flow));

test('a request without the token is refused', async ({ request }) => {
  const serve = await startServe();
  try {
    const response = await request.get(`${serve.origin}/`);
    expect(response.status()).toBe(401);
  } finally {
    await serve.stop();
  }
});
