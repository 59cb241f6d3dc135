/**
 * `npx tsx scripts/smoke-packaged.ts [app]`: runs the unpacked app that `npm run dist` left in dist/
 * (or the executable given) with `--self-test` (src-main/electron/self-test.ts) and checks that the
 * packaged core works on Electron's own runtime: a utility process, the database, an import with
 * previews, and the wasm engine (which would fall back to the slow cpu backend if its files were not
 * unpacked). On Linux it needs a display: `xvfb-run npx tsx scripts/smoke-packaged.ts`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SelfTestResult } from '../src-main/electron/self-test';

/** Where electron-builder leaves the unpacked app of `platform` under `dist`, if it is there. */
export function unpackedExecutable(dist: string, platform: NodeJS.Platform): string | null {
  const candidates: string[] = [];
  if (platform === 'linux') candidates.push(join(dist, 'linux-unpacked', 'pretext'));
  if (platform === 'win32') candidates.push(join(dist, 'win-unpacked', 'Pretext.exe'));
  if (platform === 'darwin' && existsSync(dist)) {
    for (const name of readdirSync(dist).filter((n) => n.startsWith('mac')).sort()) {
      candidates.push(join(dist, name, 'Pretext.app', 'Contents', 'MacOS', 'Pretext'));
    }
  }
  return candidates.find((path) => existsSync(path)) ?? null;
}

/** What is wrong with a self-test result of an installed app; empty when nothing is. */
export function problemsOf(result: SelfTestResult): string[] {
  const problems: string[] = [];
  if (!result.ok) problems.push(`the self-test failed: ${result.error ?? 'no reason given'}`);
  const core = result.info?.core;
  if (core?.host !== 'utility-process') problems.push(`the core ran as ${core?.host ?? 'nothing'}, not as an Electron utility process`);
  if (core && !core.runtime.startsWith('Electron ')) problems.push(`the core ran on ${core.runtime}, not on Electron's runtime`);
  if (result.imported && (result.imported.total !== 4 || result.imported.skipped !== 0)) {
    problems.push(`the import found ${result.imported.total} items and skipped ${result.imported.skipped}; expected 4 and 0`);
  }
  if (result.thumbnail && result.thumbnail.bytes === 0) problems.push('the thumbnail is empty');
  if (result.engine?.backend === 'cpu') {
    const why = result.engine.unavailable.find((u) => u.backend === 'wasm')?.why ?? 'no reason given';
    problems.push(`the engine fell back to the cpu backend: wasm is unavailable (${why})`);
  }
  return problems;
}

function main(): number {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const app = process.argv[2] ?? unpackedExecutable(join(root, 'dist'), process.platform);
  if (!app) {
    console.error('No unpacked app in dist/: run `npm run dist` (or `npm run dist -- --dir`) first.');
    return 2;
  }
  const scratch = mkdtempSync(join(tmpdir(), 'pretext-smoke-'));
  const resultPath = join(scratch, 'result.json');
  try {
    console.log(`$ ${app} --self-test=${resultPath}`);
    const run = spawnSync(app, [`--self-test=${resultPath}`], { stdio: 'inherit', timeout: 180_000 });
    if (!existsSync(resultPath)) {
      console.error(`The app wrote no result (exit ${run.status ?? run.signal ?? run.error?.message}).`);
      return 1;
    }
    const result = JSON.parse(readFileSync(resultPath, 'utf8')) as SelfTestResult;
    console.log(JSON.stringify(result, null, 2));
    const problems = problemsOf(result);
    for (const problem of problems) console.error(`✗ ${problem}`);
    if (problems.length === 0) console.log(`✓ the packaged app works: core on ${result.info?.core?.runtime}, engine ${result.engine?.backend}`);
    return problems.length === 0 && run.status === 0 ? 0 : 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exit(main());
