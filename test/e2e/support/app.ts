import { _electron, test, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ShellKind } from '../../../src-main/contract';
import { repoRoot, startServe } from './serve';

/**
 * The app as an end-to-end flow sees it, whichever door it came through: `pretext serve` in
 * Chromium or the Electron window. Flows (test/e2e/flows) are written once against this and run
 * from the serve specs and from electron.spec.ts.
 */
export interface AppWindow {
  readonly shell: ShellKind;
  readonly page: Page;
  /** The database the window opened; the CLI may work on it beside the window, as a user would. */
  readonly dbPath: string;
  /** A folder for files the flow writes (exports under Electron), removed after it. */
  readonly scratch: string;
}

/** Where the window comes from and how it is pointed at a database. */
export interface Shell {
  readonly kind: ShellKind;
  /** Opens the app on the database at `dbPath` (created if missing). */
  open(dbPath: string): Promise<{ page: Page; close(): Promise<void> }>;
}

/** `pretext serve --db <dbPath>`, opened at its printed URL (token included) in Playwright's page. */
export function serveShell(page: Page): Shell {
  return {
    kind: 'browser',
    async open(dbPath) {
      const serve = await startServe([], { dbPath });
      await page.goto(serve.url);
      return { page, close: () => serve.stop() };
    },
  };
}

/** The Electron window of the built app (out/main), with the database given as PRETEXT_DB. */
export function electronShell(executablePath: string): Shell {
  return {
    kind: 'electron',
    async open(dbPath) {
      const app = await _electron.launch({
        executablePath,
        args: [join(repoRoot, 'out', 'main', 'index.js')],
        // The core host runs under this Node, as `npm start` runs it under the user's.
        env: { ...process.env, PRETEXT_DB: dbPath, PRETEXT_NODE: process.execPath },
      });
      return { page: await app.firstWindow(), close: () => app.close() };
    },
  };
}

/** One thing a person does with the app, from an empty (or prepared) database to what they see. */
export interface Flow {
  readonly title: string;
  /** Test timeout in ms where the flow needs more than the config's. */
  readonly timeout?: number;
  /** Fills the database before the window opens, e.g. a CLI run (synchronous, like a terminal before the app starts). */
  prepare?(dbPath: string): void;
  run(app: AppWindow): Promise<void>;
}

/** Runs a flow in a shell on a fresh database in its own folder, and removes both afterwards. */
export async function runFlow(shell: Shell, flow: Flow): Promise<void> {
  if (flow.timeout) test.setTimeout(flow.timeout);
  const scratch = mkdtempSync(join(tmpdir(), `pretext-${shell.kind}-`));
  const dbPath = join(scratch, 'e2e.db');
  try {
    flow.prepare?.(dbPath);
    const opened = await shell.open(dbPath);
    try {
      await flow.run({ shell: shell.kind, page: opened.page, dbPath, scratch });
    } finally {
      await opened.close();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
