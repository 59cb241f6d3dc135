import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '..', '..', '..');
export const fixture = (name: string): string => join(repoRoot, 'test', 'fixtures', name);

export interface ServeProcess {
  url: string;
  origin: string;
  token: string;
  dbPath: string;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * Starts `pretext serve --port 0` and waits for the URL it prints: on a fresh database, or on `dbPath`
 * when a test prepared one (with the CLI) first.
 */
export async function startServe(extraArgs: string[] = [], options: { dbPath?: string; env?: Record<string, string> } = {}): Promise<ServeProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'pretext-e2e-'));
  const dbPath = options.dbPath ?? join(dir, 'e2e.db');
  const child: ChildProcess = spawn(process.execPath, [join(repoRoot, 'bin', 'pretext.js'), 'serve', '--port', '0', '--db', dbPath, ...extraArgs], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`pretext serve printed no URL in 30 s:\n${output}`)), 30_000);
    const check = (): void => {
      const m = /Open: (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        ok(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`pretext serve exited with ${code}:\n${output}`));
    });
  });
  const parsed = new URL(url);
  return {
    url,
    origin: parsed.origin,
    token: parsed.searchParams.get('token') ?? '',
    dbPath,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
