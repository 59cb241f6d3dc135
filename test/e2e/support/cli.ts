import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './serve';

/** The `pretext` command as a user runs it in a terminal beside the app: the built CLI, on the given database. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

const cliArgs = (db: string, args: string[]): string[] => [join(repoRoot, 'bin', 'pretext.js'), ...args, '--db', db];

/** Runs a command to its end (two minutes at most). */
export function pretextSync(db: string, ...args: string[]): CliResult {
  const r = spawnSync(process.execPath, cliArgs(db, args), { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a command and leaves it running. */
export function startPretext(db: string, ...args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, cliArgs(db, args), { cwd: repoRoot });
}

/** Everything a started command printed, once it exits. Call before its output is needed. */
export function finished(child: ChildProcessWithoutNullStreams): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('exit', (status) => resolve({ status, stdout, stderr })));
}

/** Runs a command to its end without blocking the test process (for commands running side by side). */
export const pretext = (db: string, ...args: string[]): Promise<CliResult> => finished(startPretext(db, ...args));

/** Waits until a started command's output matches `pattern`, and returns the output so far; rejects if it exits first. */
export function outputUntil(child: ChildProcessWithoutNullStreams, pattern: RegExp): Promise<string> {
  let seen = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer): void => {
      seen += d.toString();
      if (pattern.test(seen)) {
        child.stdout.off('data', onData);
        resolve(seen);
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited (${code}) before ${pattern}: ${seen.slice(-500)}`)));
  });
}
