import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SelfTestResult } from '../../src-main/electron/self-test';
import { problemsOf, unpackedExecutable } from '../../scripts/smoke-packaged';

const installed: SelfTestResult = {
  ok: true,
  error: null,
  info: {
    name: 'Pretext',
    version: '0.1.0',
    databasePath: '/tmp/self-test.db',
    shell: 'electron',
    node: '22.20.0',
    platform: 'linux',
    core: { host: 'utility-process', runtime: 'Electron 45.5.0 (Node 22.20.0)', reason: 'installed app' },
  },
  engine: { backend: 'wasm', threads: 4, simd: true, unavailable: [] },
  imported: { total: 4, skipped: 0, labels: ['also-blue', 'blue'] },
  thumbnail: { mime: 'image/webp', bytes: 66 },
};

const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('problemsOf (the packaged app self-test)', () => {
  it('accepts an installed app whose core runs in a utility process on Electron, with the wasm engine', () => {
    expect(problemsOf(installed)).toEqual([]);
  });

  it('refuses a core forked with Node, a cpu fallback, a failed step and a wrong import', () => {
    const bad: SelfTestResult = {
      ...installed,
      ok: false,
      error: 'datasets.import: Cannot find module better_sqlite3.node',
      info: { ...installed.info!, core: { host: 'node', runtime: 'Node 20.20.2', reason: 'checkout' } },
      engine: { backend: 'cpu', threads: 1, simd: false, unavailable: [{ backend: 'wasm', why: 'tfjs-backend-wasm is inside an asar archive' }] },
      imported: { total: 0, skipped: 4, labels: [] },
    };
    expect(problemsOf(bad)).toEqual([
      'the self-test failed: datasets.import: Cannot find module better_sqlite3.node',
      'the core ran as node, not as an Electron utility process',
      "the core ran on Node 20.20.2, not on Electron's runtime",
      'the import found 0 items and skipped 4; expected 4 and 0',
      'the engine fell back to the cpu backend: wasm is unavailable (tfjs-backend-wasm is inside an asar archive)',
    ]);
  });
});

describe('unpackedExecutable', () => {
  it("finds electron-builder's unpacked app for each platform", () => {
    const dist = mkdtempSync(join(tmpdir(), 'pretext-dist-'));
    scratch.push(dist);
    for (const file of ['linux-unpacked/pretext', 'win-unpacked/Pretext.exe', 'mac-arm64/Pretext.app/Contents/MacOS/Pretext']) {
      mkdirSync(join(dist, file, '..'), { recursive: true });
      writeFileSync(join(dist, file), '');
    }
    expect(unpackedExecutable(dist, 'linux')).toBe(join(dist, 'linux-unpacked', 'pretext'));
    expect(unpackedExecutable(dist, 'win32')).toBe(join(dist, 'win-unpacked', 'Pretext.exe'));
    expect(unpackedExecutable(dist, 'darwin')).toBe(join(dist, 'mac-arm64', 'Pretext.app', 'Contents', 'MacOS', 'Pretext'));
    expect(unpackedExecutable(join(dist, 'nothing-here'), 'darwin')).toBeNull();
  });
});
