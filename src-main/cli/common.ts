import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ImportReport } from '../contract';
import { createCore, type Core } from '../core/app';
import { resolveDbPath } from '../core/paths';
import { ProgressBar } from './progress';

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
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await close();
    },
  });
}

export async function importWithProgress(core: Core, path: string, extra: { name?: string; textColumn?: string }): Promise<ImportReport> {
  const bar = new ProgressBar();
  const off = core.events.on('import.progress', (p) => {
    const label =
      p.phase === 'counting'
        ? 'counting files…'
        : `${p.filesDone}/${p.filesTotal} files, ${p.skipped} skipped${p.current ? `  ${p.current}` : ''}`;
    bar.update(p.filesDone, p.filesTotal, label, p.phase !== 'importing');
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

