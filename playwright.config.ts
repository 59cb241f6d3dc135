import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests drive the real app: `pretext serve` in Debian's Chromium, and the Electron window
 * where Electron's binary is installed. Never `npx playwright install`: the browser is /usr/bin/chromium.
 */
export default defineConfig({
  testDir: 'test/e2e',
  timeout: 90_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  use: {
    headless: true,
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: process.env.PRETEXT_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // The Explore map is WebGL: without a GPU, Chromium draws it with SwiftShader, which newer
        // versions only allow when asked.
        '--enable-unsafe-swiftshader',
      ],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
