import { expect, test } from '@playwright/test';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
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
const patterns = join(repoRoot, 'resources', 'demo', 'patterns');

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
  const train = pretext('train', patterns, '--method', 'simclr', '--epochs', '2', '--batch-size', '32', '--image-size', '16', '--json');
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
  expect(csv).toHaveLength(451);
  expect(csv[1]).toMatch(/^checks\/checks-001\.png,checks,-?\d/);
});

test('a training process killed mid-epoch resumes from its last checkpoint', async () => {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'pretext.js'), 'train', patterns, '--epochs', '6', '--batch-size', '32', '--image-size', '24', '--json', '--db', db], { cwd: repoRoot });
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
  expect(firstTraining.metrics[0]).toMatchObject({ epoch: 3, step: 29 }); // continues after epoch 2's 28 steps
  const done = events.at(-1);
  expect(done.run).toMatchObject({ status: 'completed', epochsDone: 6, stepsDone: 84, vectors: 450 });
});

test('--version names the compute backend and why faster ones are unavailable', () => {
  const r = pretext('--version');
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^pretext \d+\.\d+\.\d+/);
  expect(r.stdout).toMatch(/compute backend: (wasm|tensorflow|tensorflow-gpu|cpu)/);
  if (/compute backend: wasm/.test(r.stdout)) expect(r.stdout).toMatch(/tensorflow unavailable: .+/);
});

test('methods --json lists SimCLR and raw pixels with their parameters', () => {
  const r = pretext('methods', '--json');
  expect(r.status, r.stderr).toBe(0);
  const methods = JSON.parse(r.stdout) as { id: string; modalities: string[]; trains: boolean; params: { name: string; default: unknown; min?: number; max?: number; help: string }[] }[];
  const simclr = methods.find((m) => m.id === 'simclr')!;
  expect(simclr).toMatchObject({ modalities: ['image', 'audio', 'text'], trains: true });
  expect(simclr.params.find((p) => p.name === 'temperature')).toMatchObject({ default: 0.2, min: 0.01, max: 10 });
  expect(simclr.params.map((p) => p.name)).toEqual(expect.arrayContaining(['epochs', 'batchSize', 'learningRate', 'imageSize', 'melBands', 'minutes']));
  expect(simclr.params.find((p) => p.name === 'melBands')).toMatchObject({ scope: 'data', modalities: ['audio'] });
  const raw = methods.find((m) => m.id === 'raw-pixels')!;
  expect(raw).toMatchObject({ trains: false });
  expect(raw.params.map((p) => p.name)).toContain('pcaDims');
  const text = pretext('methods');
  expect(text.stdout).toMatch(/simclr {2}SimCLR \(contrastive; image, audio, text\)/);
  expect(text.stdout).toMatch(/temperature +0\.2 /);
});

test('train --param sets a method parameter; a bad value is refused naming the field and its range; eval --json prints the evaluations', () => {
  const bad = pretext('train', patterns, '--param', 'temperature=-1', '--epochs', '1');
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain('temperature must be a number in 0.01..10, got -1');
  const unknown = pretext('train', patterns, '--param', 'tau=1');
  expect(unknown.status).toBe(2);
  expect(unknown.stderr).toMatch(/Unknown parameter 'tau'; this method takes: /);

  const train = pretext('train', patterns, '--method', 'simclr', '--param', 'temperature=0.2', '--epochs', '1', '--batch-size', '32', '--image-size', '16', '--json');
  expect(train.status, train.stderr).toBe(0);
  const done = JSON.parse(train.stdout.trim().split('\n').at(-1)!);
  expect(done.run).toMatchObject({ status: 'completed', params: { temperature: 0.2, epochs: 1 }, inputSpec: { modality: 'image', size: 16 } });
  // The demo patterns have three labelled classes: held-out kNN and linear-probe accuracy are measured.
  expect(done.run.evaluation).toMatchObject({ final: true, items: 450 });
  expect(done.run.evaluation.knn).toBeGreaterThan(0);

  const evals = pretext('eval', String(done.run.id), '--json');
  expect(evals.status, evals.stderr).toBe(0);
  const report = JSON.parse(evals.stdout) as { evaluations: { epoch: number; final: boolean; knn: number; linear: number }[] };
  expect(report.evaluations.map((e) => [e.epoch, e.final])).toEqual([[0, false], [1, true]]);
  expect(report.evaluations.at(-1)).toEqual(done.run.evaluation);
  const text = pretext('eval', String(done.run.id));
  expect(text.stdout).toMatch(/before training \(450 items\): kNN \d\.\d{3}, linear \d\.\d{3}/);
  expect(text.stdout).toMatch(/final \(450 items\): kNN/);

  const raw = pretext('train', patterns, '--method', 'raw-pixels', '--param', 'pcaDims=8', '--json');
  expect(raw.status, raw.stderr).toBe(0);
  expect(JSON.parse(raw.stdout.trim().split('\n').at(-1)!).run).toMatchObject({ status: 'completed', embeddingDim: 8, vectors: 450 });
});

test('embed writes one row per good image of a new folder and lists the bad ones', () => {
  const train = pretext('train', patterns, '--epochs', '1', '--batch-size', '32', '--image-size', '16', '--json');
  expect(train.status, train.stderr).toBe(0);
  const runId = JSON.parse(train.stdout.trim().split('\n').at(-1)!).run.id as number;
  const folder = join(dir, 'new-images');
  mkdirSync(folder);
  copyFileSync(join(patterns, 'stripes', 'stripes-001.png'), join(folder, 'a.png'));
  copyFileSync(join(patterns, 'dots', 'dots-002.png'), join(folder, 'b.png'));
  copyFileSync(join(fixture('bad'), 'truncated.png'), join(folder, 'broken.png'));
  const out = join(dir, 'new.csv');
  const r = pretext('embed', String(runId), folder, '--out', out, '--json');
  expect(r.status, r.stderr).toBe(0);
  const report = JSON.parse(r.stdout) as { set: { vectors: number; dim: number }; skipped: { path: string; reason: string }[]; out: { rows: number } };
  expect(report.set).toMatchObject({ vectors: 2, dim: 288 });
  expect(report.out.rows).toBe(2);
  expect(report.skipped).toEqual([{ path: 'broken.png', reason: expect.stringMatching(/truncated/) }]);
  const csv = readFileSync(out, 'utf8').trim().split('\n');
  expect(csv[0]!.startsWith('path,label,e0,e1,')).toBe(true);
  expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(['a.png', 'b.png']);
  // The same image embeds the same in the run and in the new set.
  const runCsv = join(dir, 'run.csv');
  expect(pretext('export', String(runId), '--out', runCsv).status).toBe(0);
  const runRow = readFileSync(runCsv, 'utf8').split('\n').find((l) => l.startsWith('stripes/stripes-001.png,'))!;
  const a = runRow.split(',').slice(2).map(Number);
  const b = csv[1]!.split(',').slice(2).map(Number);
  a.forEach((x, i) => expect(b[i]!).toBeCloseTo(x, 4));
  // Refuses to overwrite without --force.
  const again = pretext('embed', String(runId), folder, '--out', out);
  expect(again.status).toBe(1);
  expect(again.stderr).toMatch(/already exists/);
});

/** A shell pipeline starting with `pretext …` (its exit status is pretext's: pipefail). */
function piped(pipeline: string): { status: number | null; stdout: string; stderr: string } {
  const command = `set -o pipefail; ${JSON.stringify(process.execPath)} ${JSON.stringify(join(repoRoot, 'bin', 'pretext.js'))} ${pipeline}`;
  const r = spawnSync('bash', ['-c', command], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('pretext import <folder> | head -1 exits quietly, as does a reader that leaves at once', () => {
  const head = piped(`import ${JSON.stringify(fixture('bad'))} --db ${JSON.stringify(db)} | head -1`);
  expect(head.status, head.stderr).toBe(0);
  expect(head.stdout.trim().split('\n')).toHaveLength(1);
  expect(head.stderr).not.toMatch(/EPIPE|Error|at .*\.js:\d+/);
  // `true` reads nothing: the first write meets a closed pipe (--json writes to stdout directly, where console.log would swallow the error).
  const gone = piped(`datasets --json --db ${JSON.stringify(db)} | true`);
  expect(gone.status, gone.stderr).toBe(0);
  expect(gone.stderr).toBe('');
  // Piped, the import reports its phases as plain lines, not a redrawn bar.
  const again = pretext('import', fixture('bad'));
  expect(again.stderr).toMatch(/^import: counting the files of .*\n(.*\n)*import: reading \d+ files\n/m);
  expect(again.stderr).not.toContain('\r');
});

test('piped training prints a line per epoch; exports in Lightly and NumPy layouts; search by absolute path; next commands spelled out', () => {
  const train = pretext('train', patterns, '--epochs', '2', '--batch-size', '32', '--image-size', '16');
  expect(train.status, train.stderr).toBe(0);
  expect(train.stderr).toMatch(/^epoch 1\/2 {2}step 14\/28 {2}loss \d\.\d{4} {2}\d+ ex\/s {2}ETA \d+:\d\d$/m);
  expect(train.stderr).toMatch(/^epoch 2\/2 {2}step 28\/28 /m);
  expect(train.stderr).not.toContain('\r');
  const runId = Number(/#(\d+) simclr/.exec(train.stdout)![1]);

  const lightly = join(dir, 'embeddings.csv');
  const exported = pretext('export', String(runId), '--format', 'lightly', '--out', lightly);
  expect(exported.status, exported.stderr).toBe(0);
  const rows = readFileSync(lightly, 'utf8').trim().split('\n');
  expect(rows[0]).toBe(['filenames', ...Array.from({ length: 288 }, (_, i) => `embedding_${i}`), 'labels'].join(','));
  expect(rows).toHaveLength(451);
  expect(rows[1]).toMatch(/^checks\/checks-001\.png,(-?[\d.e-]+,){288}0$/);
  expect(rows.find((r) => r.startsWith('stripes/'))).toMatch(/,2$/);

  const npy = join(dir, 'e.npy');
  const numpy = pretext('export', String(runId), '--format', 'npy', '--out', npy);
  expect(numpy.status, numpy.stderr).toBe(0);
  expect(numpy.stdout).toMatch(/Wrote float32 \[450, 288\]/);
  const bytes = readFileSync(npy);
  expect(bytes.subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
  expect(bytes.subarray(10, 10 + bytes.readUInt16LE(8)).toString('latin1')).toContain("'shape': (450, 288)");
  expect(bytes.length).toBe(10 + bytes.readUInt16LE(8) + 450 * 288 * 4);
  expect(pretext('export', String(runId), '--format', 'npy', '--out', npy).stderr).toMatch(/already exists.*--force/);
  expect(pretext('export', String(runId), '--format', 'hdf5', '--out', npy).stderr).toContain('--format must be one of csv, lightly, npy, parquet, got hdf5');
  const parquet = join(dir, 'e.parquet');
  expect(pretext('export', String(runId), '--format', 'parquet', '--out', parquet).stdout).toContain(`Wrote 450 rows to ${parquet}`);
  const pq = readFileSync(parquet);
  expect([pq.subarray(0, 4).toString(), pq.subarray(-4).toString()]).toEqual(['PAR1', 'PAR1']);

  const absolute = join(patterns, 'stripes', 'stripes-001.png');
  const search = pretext('search', String(runId), '--item', absolute, '-k', '3', '--json');
  expect(search.status, search.stderr).toBe(0);
  expect(JSON.parse(search.stdout).results[0]).toMatchObject({ path: 'stripes/stripes-001.png', similarity: expect.closeTo(1, 4) });
  const outside = pretext('search', String(runId), '--item', join(fixture('bad'), 'good.png'));
  expect(outside.status).toBe(1);
  expect(outside.stderr).toContain(`is outside the dataset folder of run #${runId} (dataset "patterns", folder ${patterns})`);
  const both = pretext('search', String(runId), '--item', absolute, '--query', absolute);
  expect(both.status).toBe(2);
  expect(both.stderr).toContain('--item, --query and --text are exclusive');
  const missing = pretext('search', String(runId), '--query', 'nope.png');
  expect(missing.stderr).toContain('Cannot read nope.png: no such file or directory.');

  const coords = pretext('export', String(runId), '--coords', '--out', join(dir, 'xy.csv'));
  expect(coords.status).toBe(1);
  expect(coords.stderr).toContain(`Run #${runId} has no projection yet; compute one with: pretext project ${runId} --db ${db}`);
  const first = JSON.parse(pretext('project', String(runId), '--method', 'pca', '--json').stdout);
  const second = JSON.parse(pretext('project', String(runId), '--method', 'pca', '--json').stdout);
  expect(second.id).toBe(first.id); // the same map is not stored twice
});

test('pretext serve keeps its URL between starts: the port, and with --keep-token the token (in a file only its owner reads)', async () => {
  const serveOnce = async (...args: string[]): Promise<{ url: string; output: string }> => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'pretext.js'), 'serve', '--db', db, ...args], { cwd: repoRoot });
    let output = '';
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        output += d.toString();
        const m = /Open: (\S+)\n[^\n]+\n/.exec(output);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
    });
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    return { url, output };
  };
  const first = await serveOnce('--keep-token');
  const second = await serveOnce();
  expect(second.url).toBe(first.url);
  expect(second.output).toContain('This URL stays the same on every start');
  const config = `${db}-files/serve.json`;
  expect(statSync(config).mode & 0o777).toBe(0o600);
  expect(JSON.parse(readFileSync(config, 'utf8'))).toEqual({ port: Number(new URL(first.url).port), token: new URL(first.url).searchParams.get('token') });
  const fresh = await serveOnce('--new-token');
  expect(new URL(fresh.url).port).toBe(new URL(first.url).port);
  expect(fresh.url).not.toBe(first.url);
  expect(pretext('serve', '--token', 'short').stderr).toContain('--token must be 16 to 256 characters');
});
