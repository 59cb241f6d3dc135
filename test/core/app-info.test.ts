import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src-main/core/app';

const opened: { dir: string; core: Core }[] = [];
afterEach(async () => {
  for (const { dir, core } of opened.splice(0)) {
    await core.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

function open(options: Omit<Parameters<typeof createCore>[0], 'dbPath'>): Core {
  const dir = mkdtempSync(join(tmpdir(), 'pretext-app-info-'));
  const core = createCore({ dbPath: join(dir, 'info.db'), ...options });
  opened.push({ dir, core });
  return core;
}

describe('app.info', () => {
  it('says the core runs in the process of pretext serve or the CLI, on its Node', async () => {
    const serve = await open({ shell: 'serve' }).handlers['app.info']();
    expect(serve.core).toEqual({ host: 'in-process', runtime: `Node ${process.versions.node}`, reason: 'pretext serve runs the core in its own Node process' });
    const cli = await open({ shell: 'cli' }).handlers['app.info']();
    expect(cli.core?.reason).toBe('the pretext command runs the core in its own Node process');
  });

  it("reports the window's core host as the shell describes it", async () => {
    const runtime = { host: 'utility-process' as const, runtime: 'Electron 45.5.0 (Node 22.20.0)', reason: 'installed app' };
    expect((await open({ shell: 'electron', runtime }).handlers['app.info']()).core).toEqual(runtime);
  });
});
