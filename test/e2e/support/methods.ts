import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MethodInfo } from '../../../src-main/contract';
import { PATTERNS, PATTERNS_LABELS } from './demo';
import { repoRoot } from './serve';

/**
 * Every registered method as `pretext methods --json` (the built CLI) lists it, so a spec that loops
 * over them covers the methods added later without being edited. Throws with the CLI's message.
 */
export function methodCatalogue(): MethodInfo[] {
  const dir = mkdtempSync(join(tmpdir(), 'pretext-methods-'));
  try {
    const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'pretext.js'), 'methods', '--json', '--db', join(dir, 'methods.db')], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`pretext methods --json failed (${r.status}): ${r.stderr.trim()}`);
    return JSON.parse(r.stdout) as MethodInfo[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The methods that train on images (what the image catalogue promises), in the registry's order. */
export const trainableImageMethods = (catalogue: readonly MethodInfo[]): MethodInfo[] => catalogue.filter((m) => m.trains && m.modalities.includes('image'));

/**
 * A tiny labelled image folder: the first `perClass` pictures of each class of the image demo, in
 * class sub-folders under `root`, so that each method's run takes seconds.
 */
export function smallPatterns(root: string, perClass: number): string {
  for (const label of PATTERNS_LABELS) {
    mkdirSync(join(root, label), { recursive: true });
    const files = readdirSync(join(PATTERNS, label)).filter((f) => f.endsWith('.png')).sort().slice(0, perClass);
    for (const file of files) copyFileSync(join(PATTERNS, label, file), join(root, label, file));
  }
  return root;
}
