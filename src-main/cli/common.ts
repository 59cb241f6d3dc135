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

export function openCore(dbFlag: string | undefined, shell: 'cli' | 'serve' = 'cli'): Core {
  return createCore({ dbPath: resolveDbPath(dbFlag), shell, workerDir: here });
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

