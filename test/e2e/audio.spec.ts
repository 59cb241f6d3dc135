import { expect, test } from '@playwright/test';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricPoint, RunSummary } from '../../src-main/contract';
import { pretextSync } from './support/cli';
import { methodCatalogue } from './support/methods';
import { repoRoot } from './support/serve';

/**
 * Audio end to end on the demo tones (30 clips: chirps, hums, whistles): every learned audio method of
 * the registry trains for 2 epochs from the CLI, and a clip of the dataset dropped as a query finds
 * itself first (`pretext search --query`), embedded with the run's stored spectrogram settings.
 */
let dir: string;
let folder: string;
const SMALL = ['--batch-size', '8', '--param', 'melBands=32'];
const CLIPS = 30;

test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-audio-'));
  folder = join(dir, 'tones');
  cpSync(join(repoRoot, 'resources', 'demo', 'tones'), folder, { recursive: true });
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

const audioMethods = methodCatalogue().filter((m) => m.modalities.includes('audio'));

test('the registry offers audio methods: SimCLR, BYOL and CPC train on spectrograms, MFCC is the baseline', () => {
  const ids = audioMethods.map((m) => m.id);
  expect(ids).toEqual(expect.arrayContaining(['simclr', 'byol', 'cpc', 'mfcc']));
  expect(audioMethods.find((m) => m.id === 'mfcc')!.trains).toBe(false);
});

for (const method of audioMethods.filter((m) => m.trains)) {
  test(`pretext train --method ${method.id} --epochs 2 completes on audio, every step with finite loss parts`, () => {
    const db = join(dir, `${method.id}.db`);
    const train = pretextSync(db, 'train', folder, '--method', method.id, '--epochs', '2', ...SMALL, '--json');
    expect(train.status, train.stderr).toBe(0);
    const events = train.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; run?: RunSummary; metrics?: MetricPoint[] });
    const done = events.at(-1)!;
    expect(done.run!.status, done.run!.error ?? '').toBe('completed');
    expect(done.run!.epochsDone).toBe(2);
    expect(done.run!.vectors).toBe(CLIPS);
    expect(done.run!.inputSpec).toMatchObject({ modality: 'audio', melBands: 32 });
    const metrics = events.flatMap((e) => e.metrics ?? []);
    expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: 2 * Math.floor(CLIPS / 8) }, (_, i) => i + 1));
    for (const m of metrics) for (const value of [m.loss, ...Object.values(m.parts)]) expect(Number.isFinite(value)).toBe(true);

    const query = join(folder, 'chirp', 'chirp-03.wav');
    const found = pretextSync(db, 'search', String(done.run!.id), '--query', query, '-k', '5', '--json');
    expect(found.status, found.stderr).toBe(0);
    const answer = JSON.parse(found.stdout) as { results: { path: string; similarity: number }[] };
    expect(answer.results).toHaveLength(5);
    expect(answer.results[0]!.path).toBe('chirp/chirp-03.wav');
    expect(answer.results[0]!.similarity).toBeGreaterThanOrEqual(0.999);
  });
}
