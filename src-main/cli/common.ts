import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ImportReport } from '../contract';
import { createCore, type Core } from '../core/app';
import { resolveDbPath } from '../core/paths';
import { ProgressBar, type ProgressPart } from './progress';

/** Folder of the built CLI: the worker entries sit beside it. */
export const here = dirname(fileURLToPath(import.meta.url));

export class UsageError extends Error {}

const common = {
  db: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined> & { db?: string; json?: boolean };
  positionals: string[];
}

export function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>): ParsedArgs {
  try {
    const parsed = parseArgs({ args, options: { ...common, ...options }, allowPositionals: true, strict: true });
    return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** A string option's value (parseArgs types every value as string | boolean). */
export function str(values: ParsedArgs['values'], name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Opens the core for one command. If the process is told to stop (SIGTERM, or a second Ctrl-C
 * when the command handles the first one by cancelling gracefully), the runs and imports this
 * process owns are marked interrupted at once, so the next `pretext runs` says so and
 * `pretext train --resume` can continue them; then it exits.
 */
export function openCore(dbFlag: string | undefined, shell: 'cli' | 'serve' = 'cli'): Core {
  const core = createCore({ dbPath: resolveDbPath(dbFlag), shell, workerDir: here });
  openCores.add(core);
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    // A command with its own Ctrl-C handler (cancel and wait) gets the first one.
    if (signal === 'SIGINT' && ++interrupts === 1 && process.listenerCount('SIGINT') > 1) return;
    core.abandon(`Pretext was stopped (${signal}) during this work; resume or re-run it to continue`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const close = core.close.bind(core);
  return Object.assign(core, {
    close: async () => {
      openCores.delete(core);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await close();
    },
  });
}

/** Cores this process has open, for an exit that cannot wait for their close (a broken pipe). */
const openCores = new Set<Core>();

/**
 * Exits at once when the reader of our output went away (`pretext import … | head -1`): there is
 * nobody left to tell anything, so quietly, with status 0 as for a reader that had read enough. Work
 * this process owns is marked interrupted first, as on SIGTERM, so it can be resumed.
 */
export function exitOnBrokenPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    for (const core of openCores) core.abandon("Pretext's output was closed (broken pipe) during this work; resume or re-run it to continue");
    process.exit(0);
  });
}

export async function importWithProgress(core: Core, path: string, extra: { name?: string; textColumn?: string }): Promise<ImportReport> {
  const bar = new ProgressBar();
  let phase: string | null = null;
  const off = core.events.on('import.progress', (p) => {
    const label: ProgressPart[] =
      p.phase === 'counting'
        ? [{ text: 'counting files…' }]
        : [
            { text: `${p.filesDone}/${p.filesTotal} files`, keep: 2 },
            { text: `${p.skipped} skipped`, keep: 1 },
            ...(p.current ? [{ text: p.current, shorten: true }] : []),
          ];
    bar.update(p.filesDone, p.filesTotal, label, p.phase !== 'importing');
    if (p.phase !== phase) {
      phase = p.phase;
      if (p.phase === 'counting') bar.milestone(`import: counting the files of ${p.root}`);
      else if (p.phase === 'importing') bar.milestone(`import: reading ${p.filesTotal} files`);
      else if (p.phase === 'finishing') bar.milestone(`import: ${p.filesDone} files read, ${p.skipped} skipped; finishing`);
    }
  });
  const onSigint = (): void => {
    void core.handlers['datasets.cancelImport']({ root: path });
  };
  process.once('SIGINT', onSigint);
  try {
    return await core.handlers['datasets.import']({ path, ...extra });
  } finally {
    process.off('SIGINT', onSigint);
    off();
    bar.clear();
  }
}

