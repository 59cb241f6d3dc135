/**
 * `Pretext --self-test=<result.json>`: starts the core the way this build runs it, does what an
 * installed app cannot do without its native and wasm files (a database, an import in a worker
 * thread, a thumbnail by sharp, the wasm training engine), writes what it found as JSON and exits
 * (0 when every step answered). No window opens. The hosted CI runs it on each unpacked app before
 * the installers are published (scripts/smoke-packaged.ts), since a packaged app cannot be driven by
 * Playwright once its fuses refuse --inspect.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppInfo, CallName, DatasetSummary, EngineInfo, ImportReport, ItemsPage } from '../contract';
import type { CoreHost } from './host';

export const SELF_TEST_SWITCH = '--self-test=';

/** An 8×8 blue PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAEUlEQVQImWOIb/uOFTEMLQkAWXp3AfR6ObAAAAAASUVORK5CYII=',
  'base64',
);

export interface SelfTestResult {
  ok: boolean;
  /** The step that failed and why, when one did. */
  error: string | null;
  info: AppInfo | null;
  engine: Pick<EngineInfo, 'backend' | 'threads' | 'simd' | 'unavailable'> | null;
  imported: { total: number; skipped: number; labels: string[] } | null;
  thumbnail: { mime: string; bytes: number } | null;
}

export function selfTestResultPath(argv: readonly string[]): string | null {
  const arg = argv.find((a) => a.startsWith(SELF_TEST_SWITCH));
  return arg ? arg.slice(SELF_TEST_SWITCH.length) : null;
}

/** A fresh database for the self-test, so that it never writes to the user's. */
export function selfTestDatabase(): string {
  return join(mkdtempSync(join(tmpdir(), 'pretext-self-test-db-')), 'self-test.db');
}

/** Records a self-test that could not even start the core. */
export function writeSelfTestFailure(resultPath: string, error: string): void {
  const result: SelfTestResult = { ok: false, error, info: null, engine: null, imported: null, thumbnail: null };
  writeFileSync(resultPath, `${JSON.stringify(result, null, 2)}\n`);
}

/** Runs the checks against a started host and writes the result to `resultPath`; returns the exit code. */
export async function runSelfTest(host: CoreHost, resultPath: string): Promise<number> {
  const result: SelfTestResult = { ok: false, error: null, info: null, engine: null, imported: null, thumbnail: null };
  const folder = mkdtempSync(join(tmpdir(), 'pretext-self-test-'));
  const call = async <T>(name: CallName, request?: unknown): Promise<T> => {
    const outcome = await host.call(name, request);
    if (!outcome.ok) throw new Error(`${name}: ${outcome.error.message}`);
    return outcome.value as T;
  };
  try {
    result.info = await call<AppInfo>('app.info');
    for (const label of ['blue', 'also-blue']) {
      mkdirSync(join(folder, label));
      for (const n of [1, 2]) writeFileSync(join(folder, label, `${label}-${n}.png`), PNG);
    }
    const report = await call<ImportReport>('datasets.import', { path: folder, name: 'self-test' });
    const dataset = await call<DatasetSummary>('datasets.get', { datasetId: report.datasetId });
    result.imported = { total: dataset.total, skipped: dataset.skipped, labels: dataset.labels.map((l) => l.label ?? '(none)').sort() };
    const page = await call<ItemsPage>('datasets.items', { datasetId: report.datasetId, limit: 1 });
    const first = page.items[0];
    if (!first) throw new Error('datasets.items: the imported folder has no items');
    const thumb = await host.media(first.id, 'thumb');
    if ('error' in thumb) throw new Error(`thumbnail: ${thumb.error.message}`);
    result.thumbnail = { mime: thumb.mime, bytes: thumb.body.byteLength };
    const engine = await call<EngineInfo>('engine.info');
    result.engine = { backend: engine.backend, threads: engine.threads, simd: engine.simd, unavailable: engine.unavailable };
    result.ok = true;
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  writeFileSync(resultPath, `${JSON.stringify(result, null, 2)}\n`);
  return result.ok ? 0 : 1;
}
