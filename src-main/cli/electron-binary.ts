import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Finds Electron's binary. The `electron` package fetches it on first use; the probe runs in a child
 * process so that the download attempt's output does not spill onto our terminal, and a failure comes
 * back as one readable reason.
 */
export function findElectronBinary(cwd: string): { path: string } | { reason: string } {
  const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(require('electron'))"], {
    cwd,
    encoding: 'utf8',
    timeout: 180_000,
  });
  const path = (probe.stdout ?? '').trim();
  if (probe.status === 0 && path && existsSync(path)) return { path };
  const lines = `${probe.stderr ?? ''}\n${probe.error?.message ?? ''}`.split('\n').map((l) => l.trim()).filter(Boolean);
  const why = lines.find((l) => /failed|cannot|error/i.test(l) && !l.startsWith('at ')) ?? lines.at(-1) ?? 'unknown error';
  return { reason: `Electron's binary is not available (${why})` };
}
