/**
 * Import benchmark: generates folders of N tiny files (PNG images and text notes in class
 * sub-folders), imports each through the real import worker, and prints time, throughput and peak
 * RSS. Memory must stay bounded: the peak for 100,000 files should be close to the one for 10,000.
 *
 *   npm run bench:import                 # 10,000 and 100,000 files
 *   npm run bench:import -- 1000 5000    # other sizes
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { createCore } from '../src-main/core/app';
import { packageRoot } from '../src-main/core/paths';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const counts = sizes.length > 0 ? sizes : [10_000, 100_000];
const workerDir = join(packageRoot(import.meta.dirname), 'out', 'main');

async function tinyPngs(): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let i = 0; i < 16; i++) {
    const pixels = Buffer.alloc(8 * 8 * 3, (i * 37) % 256);
    pixels[i] = 255;
    out.push(await sharp(pixels, { raw: { width: 8, height: 8, channels: 3 } }).png().toBuffer());
  }
  return out;
}

async function makeFolder(root: string, n: number): Promise<void> {
  const pngs = await tinyPngs();
  const classes = 10;
  for (let c = 0; c < classes; c++) mkdirSync(join(root, `class-${c}`), { recursive: true });
  for (let i = 0; i < n; i++) {
    const dir = join(root, `class-${i % classes}`);
    if (i % 2 === 0) writeFileSync(join(dir, `img-${i}.png`), pngs[i % pngs.length]!);
    else writeFileSync(join(dir, `note-${i}.txt`), `note number ${i} about class ${i % classes}\n`);
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

const rows: string[][] = [];
for (const n of counts) {
  const dir = mkdtempSync(join(tmpdir(), 'pretext-import-bench-'));
  try {
    const folder = join(dir, 'data');
    process.stderr.write(`generating ${n} files… `);
    const genStart = performance.now();
    await makeFolder(folder, n);
    process.stderr.write(`${((performance.now() - genStart) / 1000).toFixed(1)} s\n`);

    const core = createCore({ dbPath: join(dir, 'bench.db'), shell: 'cli', workerDir });
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    let lastLog = 0;
    core.events.on('import.progress', (p) => {
      if (Date.now() - lastLog > 5000) {
        lastLog = Date.now();
        process.stderr.write(`  ${p.phase} ${p.filesDone}/${p.filesTotal}\n`);
      }
    });
    const started = performance.now();
    const report = await core.handlers['datasets.import']({ path: folder });
    const seconds = (performance.now() - started) / 1000;
    const again = performance.now();
    const second = await core.handlers['datasets.import']({ path: folder });
    const reimportSeconds = (performance.now() - again) / 1000;
    clearInterval(sampler);
    await core.close();
    if (report.dataset.total !== n || second.unchanged !== n) {
      throw new Error(`expected ${n} items, got ${report.dataset.total} (re-import unchanged ${second.unchanged})`);
    }
    rows.push([
      String(n),
      `${seconds.toFixed(1)} s`,
      `${Math.round(n / seconds)} files/s`,
      `${reimportSeconds.toFixed(1)} s`,
      mb(peakRss),
      mb(process.resourceUsage().maxRSS * 1024),
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const header = ['files', 'import', 'throughput', 're-import (unchanged)', 'peak RSS (sampled)', 'max RSS so far (process)'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
console.log(line(header));
for (const r of rows) console.log(line(r));
