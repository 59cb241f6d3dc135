/**
 * Decompression-bomb benchmark: imports a folder of a few good images next to files whose headers
 * claim far more than they hold (four copies of each), and prints what was imported, what was
 * skipped and why, the time, and the peak RSS. The bombs are:
 *
 *   - a 16383×16383 RLE8 BMP of about 2 MB of real RLE data (it would decode to 1 GB of RGBA),
 *   - an 83-byte PNG whose IHDR says 100000×100000,
 *   - a WAV of 444 bytes whose data chunk claims 4 GB.
 *
 * Goal: every bomb skipped with a reason, and the peak RSS under 300 MB, both in this process
 * (importFolder) and for the real command (`pretext import`, a separate process with its import
 * worker, its peak read from /proc/<pid>/status VmHWM on Linux). Needs `npm run build` for the latter.
 *
 *   npm run bench:bombs
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { importFolder } from '../src-main/core/datasets/import';
import { openDatabase } from '../src-main/core/storage/db';
import { pngHeaderBomb, rleBmp, wav } from '../test/core/datasets/bombs';

const PEAK_GOAL_MB = 300;
const COPIES = 4;

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function makeFolder(root: string): Promise<void> {
  mkdirSync(join(root, 'good'), { recursive: true });
  mkdirSync(join(root, 'bombs'), { recursive: true });
  const colours = ['#cc3322', '#22aa44', '#2255cc', '#eeeeee', '#885511'];
  for (const [i, background] of colours.entries()) {
    const png = await sharp({ create: { width: 640, height: 480, channels: 3, background } }).png().toBuffer();
    writeFileSync(join(root, 'good', `photo-${i}.png`), png);
  }
  const bmp = rleBmp(16383, 16383);
  const png = pngHeaderBomb(100000, 100000);
  const audio = wav(200, { dataSize: 0xfffffff0 });
  for (let i = 0; i < COPIES; i++) {
    writeFileSync(join(root, 'bombs', `rle-${i}.bmp`), bmp);
    writeFileSync(join(root, 'bombs', `ihdr-${i}.png`), png);
    writeFileSync(join(root, 'bombs', `claims-4gb-${i}.wav`), audio);
  }
  process.stdout.write(
    `folder: ${colours.length} good PNGs (640×480); ${COPIES}× each bomb: ` +
      `RLE BMP ${(bmp.length / 1024 / 1024).toFixed(1)} MB, PNG header ${png.length} bytes, WAV ${audio.length} bytes\n`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'pretext-bomb-bench-'));
try {
  const folder = join(dir, 'data');
  await makeFolder(folder);
  const db = openDatabase(join(dir, 'bench.db'));

  const startRss = process.memoryUsage().rss;
  let peakRss = startRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 10);
  const started = performance.now();
  const report = await importFolder(db, { path: folder });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const maxRssKb = process.resourceUsage().maxRSS;

  const rows = db
    .prepare('SELECT path, status, error FROM items WHERE dataset_id = ? ORDER BY path')
    .all(report.datasetId) as Array<{ path: string; status: string; error: string | null }>;
  const ok = rows.filter((r) => r.status === 'ok');
  const skipped = rows.filter((r) => r.status !== 'ok');
  db.close();

  process.stdout.write(`items ok: ${ok.length} (${ok.map((r) => r.path).join(', ')})\n`);
  process.stdout.write(`skipped: ${skipped.length}\n`);
  for (const r of skipped) process.stdout.write(`  ${r.path}: ${r.error}\n`);
  process.stdout.write(`seconds: ${seconds.toFixed(2)}\n`);
  process.stdout.write(`RSS before the import: ${mb(startRss)}\n`);
  process.stdout.write(`peak RSS (sampled every 10 ms): ${mb(peakRss)}\n`);
  process.stdout.write(`maxRSS (process.resourceUsage, whole process): ${(maxRssKb / 1024).toFixed(0)} MB (${maxRssKb} KB)\n`);
  const peakMb = Math.max(peakRss, maxRssKb * 1024) / 1024 / 1024;
  const bombsSkipped = skipped.length === 3 * COPIES && ok.length === 5;
  const pass = peakMb < PEAK_GOAL_MB && bombsSkipped;
  process.stdout.write(
    `goal: peak under ${PEAK_GOAL_MB} MB and every bomb skipped: ${pass ? 'PASS' : 'FAIL'} (peak ${peakMb.toFixed(0)} MB)\n`,
  );
  if (!pass) process.exitCode = 1;

  const cli = join(import.meta.dirname, '..', 'bin', 'pretext.js');
  if (existsSync(join(import.meta.dirname, '..', 'out', 'main', 'cli.js'))) {
    const child = spawn(process.execPath, [cli, 'import', folder, '--json', '--db', join(dir, 'cli.db')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    let hwmKb = 0;
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) hwmKb = Math.max(hwmKb, Number(m[1]));
      } catch {
        // gone, or not Linux
      }
    }, 5);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearInterval(poll);
    const cliReport = JSON.parse(out) as { skippedFiles: unknown[]; dataset: { total: number } };
    const cliPass = code === 0 && hwmKb > 0 && hwmKb / 1024 < PEAK_GOAL_MB && cliReport.skippedFiles.length === 3 * COPIES;
    process.stdout.write(
      `pretext import (separate process): ${cliReport.dataset.total} ok, ${cliReport.skippedFiles.length} skipped, ` +
        `peak RSS ${hwmKb > 0 ? `${(hwmKb / 1024).toFixed(0)} MB` : 'unknown (no /proc)'}: ${cliPass ? 'PASS' : 'FAIL'}\n`,
    );
    if (!cliPass) process.exitCode = 1;
  } else {
    process.stdout.write('pretext import: skipped (run `npm run build` first)\n');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
