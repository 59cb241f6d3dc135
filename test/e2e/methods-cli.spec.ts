import { expect, test } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricPoint, RunSummary } from '../../src-main/contract';
import { pretextSync } from './support/cli';
import { methodCatalogue, smallPatterns, trainableImageMethods } from './support/methods';

/**
 * `pretext train <folder> --method <id> --epochs 2` completes for every image method in the registry
 * (the list comes from `pretext methods --json`, so a method added later is covered without editing
 * this file). A folder of 24 demo pictures at 16 px in batches of 8: 3 steps an epoch, seconds a method.
 */
const PER_CLASS = 8;
const BATCH = 8;
const STEPS = 2 * ((3 * PER_CLASS) / BATCH);

let dir: string;
let folder: string;
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-methods-cli-'));
  folder = smallPatterns(join(dir, 'patterns'), PER_CLASS);
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

const catalogue = methodCatalogue();

test('the registry lists the image catalogue, each method with a family and a one-sentence description', () => {
  const ids = trainableImageMethods(catalogue).map((m) => m.id);
  expect(ids).toEqual(expect.arrayContaining(['simclr', 'rotation']));
  for (const m of catalogue) {
    expect(m.family.length, m.id).toBeGreaterThan(3);
    expect(m.description, m.id).toMatch(/^[A-Z].{20,}\.$/);
  }
});

for (const method of trainableImageMethods(catalogue)) {
  test(`pretext train --method ${method.id} --epochs 2 completes, logging every step with the same loss parts`, () => {
    const db = join(dir, `${method.id}.db`);
    const train = pretextSync(db, 'train', folder, '--method', method.id, '--epochs', '2', '--batch-size', String(BATCH), '--image-size', '16', '--json');
    expect(train.status, train.stderr).toBe(0);
    const events = train.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; run?: RunSummary; metrics?: MetricPoint[] });
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    expect(done.run!.status, done.run!.error ?? '').toBe('completed');
    expect(done.run!.method).toBe(method.id);
    expect(done.run!.epochsDone).toBe(2);
    expect(done.run!.vectors).toBe(3 * PER_CLASS);
    const metrics = events.flatMap((e) => e.metrics ?? []);
    expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    const partNames = Object.keys(metrics[0]!.parts).sort();
    for (const m of metrics) {
      expect(Number.isFinite(m.loss)).toBe(true);
      expect(Object.keys(m.parts).sort()).toEqual(partNames);
      for (const value of Object.values(m.parts)) expect(Number.isFinite(value)).toBe(true);
    }
  });
}
