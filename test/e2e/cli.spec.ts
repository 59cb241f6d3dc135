import { expect, test } from '@playwright/test';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, repoRoot } from './support/serve';
import { MIXED_COUNTS } from './support/fixture-counts';

/** The `pretext` command as a user runs it (the built CLI), on a fresh database per test. */
let dir: string;
let db: string;
test.beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-cli-'));
  db = join(dir, 'cli.db');
});
test.afterEach(() => rmSync(dir, { recursive: true, force: true }));

function pretext(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'pretext.js'), ...args, '--db', db], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const shapes = join(repoRoot, 'resources', 'demo', 'shapes');

test('import --json prints counts per modality and label and skipped files, the same twice', () => {
  const first = pretext('import', fixture('mixed'), '--json');
  expect(first.status, first.stderr).toBe(0);
  const a = JSON.parse(first.stdout);
  expect(a.dataset.counts).toEqual({ image: MIXED_COUNTS.image, text: MIXED_COUNTS.text, audio: MIXED_COUNTS.audio });
  expect(a.dataset.labels).toContainEqual({ label: 'cats', count: 3 });
  const b = JSON.parse(pretext('import', fixture('mixed'), '--json').stdout);
  expect(b.dataset.counts).toEqual(a.dataset.counts);
  expect(b.dataset.labels).toEqual(a.dataset.labels);
  expect(b.unchanged).toBe(a.dataset.total);

  const bad = JSON.parse(pretext('import', fixture('bad'), '--json').stdout);
  const reasons = Object.fromEntries(bad.skippedFiles.map((f: { path: string; reason: string }) => [f.path, f.reason]));
  expect(reasons['truncated.png']).toMatch(/truncated/);
  expect(reasons['empty.wav']).toMatch(/empty file/);
});

test('train --json: the loss falls, then export writes one row per image with the stated header', () => {
  const train = pretext('train', shapes, '--method', 'simclr', '--epochs', '2', '--batch-size', '32', '--image-size', '16', '--json');
  expect(train.status, train.stderr).toBe(0);
  const lines = train.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const done = lines.at(-1);
  expect(done.event).toBe('done');
  expect(done.run.status).toBe('completed');
  expect(done.run.lastLoss).toBeLessThan(done.run.firstLoss);
  expect(lines.some((l) => l.event === 'progress' && l.phase === 'training')).toBe(true);

  const out = join(dir, 'e.csv');
  const exported = pretext('export', String(done.run.id), '--out', out);
  expect(exported.status, exported.stderr).toBe(0);
  const csv = readFileSync(out, 'utf8').trim().split('\n');
  expect(csv[0]).toBe(['path', 'label', ...Array.from({ length: done.run.embeddingDim }, (_, i) => `e${i}`)].join(','));
  expect(csv).toHaveLength(121);
  expect(csv[1]).toMatch(/^circle\/circle-01\.png,circle,-?\d/);
});

test('a training process killed mid-epoch resumes from its last checkpoint', async () => {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'pretext.js'), 'train', shapes, '--epochs', '6', '--batch-size', '32', '--image-size', '24', '--json', '--db', db], { cwd: repoRoot });
  let output = '';
  // Kill it as soon as it reports a step of epoch 3: epochs 1 and 2 are checkpointed, epoch 3 is not.
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      if (/"phase":"training","epoch":3,/.test(output)) {
        child.kill('SIGKILL');
        resolve();
      }
    });
  });
  await new Promise((r) => child.once('exit', r));
  const runId = Number(/"runId":(\d+)/.exec(output)![1]);

  const resumed = pretext('train', '--resume', String(runId), '--json');
  expect(resumed.status, resumed.stderr).toBe(0);
  const events = resumed.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const firstTraining = events.find((e) => e.phase === 'training' && e.metrics.length > 0);
  expect(firstTraining.metrics[0]).toMatchObject({ epoch: 3, step: 7 }); // continues after epoch 2's 6 steps
  const done = events.at(-1);
  expect(done.run).toMatchObject({ status: 'completed', epochsDone: 6, stepsDone: 18, vectors: 120 });
});

test('--version names the compute backend and why faster ones are unavailable', () => {
  const r = pretext('--version');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^pretext \d+\.\d+\.\d+/);
  expect(r.stdout).toMatch(/compute backend: (wasm|tensorflow|tensorflow-gpu|cpu)/);
  if (/compute backend: wasm/.test(r.stdout)) expect(r.stdout).toMatch(/tensorflow unavailable: .+/);
});
