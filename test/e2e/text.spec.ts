import { expect, test } from '@playwright/test';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricPoint, RunSummary } from '../../src-main/contract';
import { pretextSync } from './support/cli';
import { methodCatalogue } from './support/methods';
import { repoRoot, startServe, type ServeProcess } from './support/serve';

/**
 * Text end to end on the demo sentences (90 rows of a CSV, three topics): every learned text method
 * of the registry trains for 2 epochs from the CLI; a typed sentence finds its own row first, from
 * `pretext search --text` and from the explorer's text field, which shows the same five results.
 */
let dir: string;
let folder: string;
/** A small network: seconds a method. */
const SMALL = ['--param', 'layers=1', '--param', 'width=32', '--param', 'heads=2', '--batch-size', '16'];
const SENTENCE = 'Heavy rain swept across the coast in record time.'; // row 2 of sentences.csv

test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-text-'));
  folder = join(dir, 'sentences');
  mkdirSync(folder);
  copyFileSync(join(repoRoot, 'resources', 'demo', 'sentences', 'sentences.csv'), join(folder, 'sentences.csv'));
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

const textMethods = methodCatalogue().filter((m) => m.trains && m.modalities.includes('text'));

test('the registry offers the text methods, and a text dataset trains on one when none is named', () => {
  expect(textMethods.map((m) => m.id)).toEqual(expect.arrayContaining(['mlm', 'simcse', 'clear', 'next-token']));
  const db = join(dir, 'default.db');
  const train = pretextSync(db, 'train', folder, '--epochs', '1', ...SMALL, '--json');
  expect(train.status, train.stderr).toBe(0);
  const run = (JSON.parse(train.stdout.trim().split('\n').at(-1)!) as { run: RunSummary }).run;
  expect(run.status).toBe('completed');
  expect(textMethods.map((m) => m.id)).toContain(run.method);
});

for (const method of textMethods) {
  test(`pretext train --method ${method.id} --epochs 2 completes on text, every step with finite loss parts`, () => {
    const db = join(dir, `${method.id}.db`);
    const train = pretextSync(db, 'train', folder, '--method', method.id, '--epochs', '2', ...SMALL, '--json');
    expect(train.status, train.stderr).toBe(0);
    const events = train.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; run?: RunSummary; metrics?: MetricPoint[] });
    const done = events.at(-1)!;
    expect(done.run!.status, done.run!.error ?? '').toBe('completed');
    expect(done.run!.epochsDone).toBe(2);
    expect(done.run!.vectors).toBe(90);
    expect(done.run!.inputSpec).toMatchObject({ modality: 'text' });
    const metrics = events.flatMap((e) => e.metrics ?? []);
    expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: 2 * Math.floor(90 / 16) }, (_, i) => i + 1));
    for (const m of metrics) for (const value of [m.loss, ...Object.values(m.parts)]) expect(Number.isFinite(value)).toBe(true);
  });
}

test.describe.serial('search by typed text', () => {
  let db: string;
  let runId: number;
  let expected: { path: string; row: number | null; similarity: number }[];

  test.beforeAll(() => {
    test.setTimeout(180_000);
    db = join(dir, 'search.db');
    const train = pretextSync(db, 'train', folder, '--method', 'simcse', '--epochs', '2', ...SMALL, '--json');
    expect(train.status, train.stderr).toBe(0);
    runId = (JSON.parse(train.stdout.trim().split('\n').at(-1)!) as { run: RunSummary }).run.id;
    expect(pretextSync(db, 'project', String(runId)).status).toBe(0);
  });

  test('pretext search --text finds the sentence’s own row first; a non-text query is refused clearly', () => {
    const found = pretextSync(db, 'search', String(runId), '--text', SENTENCE, '-k', '5', '--json');
    expect(found.status, found.stderr).toBe(0);
    const answer = JSON.parse(found.stdout) as { results: { path: string; row: number | null; similarity: number }[] };
    expect(answer.results).toHaveLength(5);
    expect(answer.results[0]).toMatchObject({ path: 'sentences.csv', row: 2 });
    expect(answer.results[0]!.similarity).toBeGreaterThanOrEqual(0.999);
    expected = answer.results;

    const empty = pretextSync(db, 'search', String(runId), '--text', '   ');
    expect(empty.status).not.toBe(0);
    expect(empty.stderr).toContain('Type some text to search for');
  });

  test('the explorer’s text field shows the same five results', async ({ page }) => {
    let serve: ServeProcess | null = null;
    try {
      serve = await startServe([], { dbPath: db });
      await page.goto(serve.url);
      await page.getByTestId('nav-explore').click();
      await page.getByLabel('Results to show').selectOption('6'); // the panel's smallest choice: the CLI's five come first
      await page.getByTestId('search-text').fill(SENTENCE);
      await page.getByTestId('search-text-form').getByRole('button', { name: 'Search' }).click();
      const results = page.getByTestId('search-result');
      await expect(results).toHaveCount(6);
      await expect(results.first()).toHaveAttribute('data-path', 'sentences.csv#2');
      await expect(results.first()).toContainText('Heavy rain swept across the coast');
      const paths = await results.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-path')));
      expect(paths.slice(0, 5)).toEqual(expected.map((r) => (r.row !== null ? `${r.path}#${r.row}` : r.path)));
    } finally {
      await serve?.stop();
    }
  });
});
