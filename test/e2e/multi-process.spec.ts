import { expect, test } from '@playwright/test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { finished, outputUntil, pretext as pretextOn, startPretext } from './support/cli';
import { PATTERNS } from './support/demo';

/**
 * Several Pretext processes on one database, as people run them: the window or `pretext serve`
 * open while a CLI run trains in a terminal, two terminals importing the same folder, two
 * processes opening a new database at the same moment.
 */
let dir: string;
let db: string;
test.beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-multi-'));
  db = join(dir, 'shared.db');
});
test.afterEach(() => rmSync(dir, { recursive: true, force: true }));

const start = (...args: string[]) => startPretext(db, ...args);
const pretext = (...args: string[]) => pretextOn(db, ...args);

test('the same folder imported by two processes at once: every item present, nothing interleaved', async () => {
  const folder = join(dir, 'notes');
  for (let i = 0; i < 3000; i++) {
    const sub = join(folder, `topic-${i % 3}`);
    if (i < 3) mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `note-${String(i).padStart(4, '0')}.txt`), `note number ${i}\n`);
  }
  await pretext('datasets'); // the database exists before both start, as when a second terminal joins
  const [a, b] = await Promise.all([pretext('import', folder, '--json'), pretext('import', folder, '--json')]);
  const outcomes = [a, b];
  expect(outcomes.some((o) => o.status === 0), a.stderr + b.stderr).toBe(true);
  for (const o of outcomes) {
    // The second either waited its turn or was refused with the reason; it never interleaved.
    if (o.status !== 0) expect(o.stderr).toMatch(/is being imported in another Pretext \(process \d+\)/);
  }
  const listed = await pretext('datasets', '--json');
  const datasets = JSON.parse(listed.stdout) as { total: number; status: string }[];
  expect(datasets).toHaveLength(1);
  expect(datasets[0]).toMatchObject({ total: 3000, status: 'ready' });
});

test('two processes creating one new database at the same moment both succeed', async () => {
  for (let trial = 0; trial < 6; trial++) {
    db = join(dir, `new-${trial}.db`);
    const results = await Promise.all([pretext('datasets', '--json'), pretext('runs', '--json'), pretext('datasets', '--json')]);
    for (const r of results) expect(r.status, r.stderr).toBe(0);
  }
});

test('serve started during a CLI run leaves it running; it cannot be resumed twice; kill -9 shows it interrupted and --resume continues it', async () => {
  const trainer = start('train', PATTERNS, '--epochs', '1000', '--batch-size', '32', '--image-size', '16', '--json');
  const trainerDone = finished(trainer);
  const seen = await outputUntil(trainer, /"phase":"training","epoch":2,/);
  const runId = Number(/"runId":(\d+)/.exec(seen)![1]);

  // A second process opening the database (what serve and the window do at start) sees a live run.
  const server = start('serve', '--port', '0');
  const serverDone = finished(server);
  const served = await outputUntil(server, /Open: (http\S+)/);
  const url = new URL(/Open: (http\S+)/.exec(served)![1]!);
  const call = async (name: string, request: unknown): Promise<{ type: string; response?: { status: string }; error?: { code: string; message: string } }> => {
    const ws = new WebSocket(`ws://${url.host}/api?token=${url.searchParams.get('token')}`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const reply = new Promise<string>((resolve) => ws.once('message', (data) => resolve(data.toString())));
    ws.send(JSON.stringify({ type: 'call', id: 1, name, request }));
    const message = JSON.parse(await reply);
    ws.close();
    return message;
  };
  expect((await call('runs.get', { runId })).response?.status).toBe('running');
  const resumeInServe = await call('runs.resume', { runId });
  expect(resumeInServe.type).toBe('error');
  expect(resumeInServe.error).toMatchObject({ code: 'conflict', message: expect.stringMatching(new RegExp(`Run #${runId} is training in another Pretext \\(process ${trainer.pid}\\)`)) });
  const resumeInCli = await pretext('train', '--resume', String(runId), '--json');
  expect(resumeInCli.status).toBe(1);
  expect(resumeInCli.stderr).toMatch(/is training in another Pretext/);
  const listed = JSON.parse((await pretext('runs', '--json')).stdout) as { id: number; status: string }[];
  expect(listed.find((r) => r.id === runId)?.status).toBe('running');

  // kill -9: no chance to say goodbye. The next look finds its owner gone.
  trainer.kill('SIGKILL');
  await trainerDone;
  const afterKill = JSON.parse((await pretext('runs', '--json')).stdout) as { id: number; status: string; resumable: boolean }[];
  expect(afterKill.find((r) => r.id === runId)).toMatchObject({ status: 'interrupted', resumable: true });
  expect((await call('runs.get', { runId })).response?.status).toBe('interrupted');
  server.kill('SIGTERM');
  await serverDone;

  const resumer = start('train', '--resume', String(runId), '--json');
  const resumerDone = finished(resumer);
  const resumedOutput = await outputUntil(resumer, /"phase":"training".*"metrics":\[\{/);
  const firstTraining = resumedOutput
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .find((e) => e.phase === 'training' && e.metrics.length > 0);
  expect(firstTraining.metrics[0].epoch).toBeGreaterThanOrEqual(2); // continued from a checkpoint, not from scratch
  expect(firstTraining.metrics[0].step).toBeGreaterThan(3);
  resumer.kill('SIGINT'); // Ctrl-C: cancel, resumable again
  expect((await resumerDone).status).toBe(130);
  const end = JSON.parse((await pretext('runs', '--json')).stdout) as { id: number; status: string; resumable: boolean }[];
  expect(end.find((r) => r.id === runId)).toMatchObject({ status: 'cancelled', resumable: true });
});

test('SIGTERM to a CLI run marks it interrupted at once', async () => {
  const trainer = start('train', PATTERNS, '--epochs', '1000', '--batch-size', '32', '--image-size', '16', '--json');
  const trainerDone = finished(trainer);
  const seen = await outputUntil(trainer, /"phase":"training","epoch":1,/);
  const runId = Number(/"runId":(\d+)/.exec(seen)![1]);
  trainer.kill('SIGTERM');
  expect((await trainerDone).status).toBe(143);
  const runs = JSON.parse((await pretext('runs', '--json')).stdout) as { id: number; status: string; error: string }[];
  expect(runs.find((r) => r.id === runId)).toMatchObject({ status: 'interrupted', error: expect.stringMatching(/SIGTERM/) });
});
