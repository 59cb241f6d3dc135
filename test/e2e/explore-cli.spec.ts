import { expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './support/serve';

/**
 * `pretext project`, `search` and `export --coords` as a user runs them (the built CLI, so the
 * projection and embedding workers run as they do in the app), on one short SimCLR run.
 */
let dir: string;
let db: string;
let runId: number;

function pretext(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'pretext.js'), ...args, '--db', db], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const patterns = join(repoRoot, 'resources', 'demo', 'patterns');

test.describe.serial('explore from the command line', () => {
  test.beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pretext-explore-cli-'));
    db = join(dir, 'explore.db');
    const train = pretext('train', patterns, '--method', 'simclr', '--epochs', '2', '--batch-size', '32', '--image-size', '16', '--json');
    expect(train.status, train.stderr).toBe(0);
    const done = JSON.parse(train.stdout.trim().split('\n').at(-1)!);
    expect(done.run).toMatchObject({ status: 'completed', vectors: 450 });
    runId = done.run.id;
  });
  test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('project --seed 1 twice returns the stored map, not a duplicate; another seed draws another', () => {
    const first = pretext('project', String(runId), '--seed', '1', '--json', '--out', join(dir, 'a.csv'));
    expect(first.status, first.stderr).toBe(0);
    const a = JSON.parse(first.stdout);
    expect(a).toMatchObject({ runId, method: 'umap', points: 450, settings: { seed: 1, neighbors: 15, minDist: 0.1 }, fittedOn: null });
    expect(a.coordinatesSha256).toMatch(/^[0-9a-f]{64}$/);
    const b = JSON.parse(pretext('project', String(runId), '--seed', '1', '--json', '--out', join(dir, 'b.csv')).stdout);
    expect(b.id).toBe(a.id); // identical settings: the stored projection (its seeded coordinates are tested in the core)
    expect(b.coordinatesSha256).toBe(a.coordinatesSha256);
    expect(readFileSync(join(dir, 'b.csv'), 'utf8')).toBe(readFileSync(join(dir, 'a.csv'), 'utf8'));
    const other = JSON.parse(pretext('project', String(runId), '--seed', '2', '--json').stdout);
    expect(other.coordinatesSha256).not.toBe(a.coordinatesSha256);
    const pca = pretext('project', String(runId), '--method', 'pca');
    expect(pca.status, pca.stderr).toBe(0);
    expect(pca.stdout).toMatch(/PCA \(seed 1\) of 450 points/);
  });

  test('search --item returns the item itself first with similarity 1.0', () => {
    const r = pretext('search', String(runId), '--item', 'stripes/stripes-001.png', '-k', '5', '--json');
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.strategy).toBe('exact');
    expect(result.results).toHaveLength(5);
    expect(result.results[0]).toMatchObject({ path: 'stripes/stripes-001.png', label: 'stripes' });
    expect(Math.abs(result.results[0].similarity - 1)).toBeLessThan(1e-5);
    for (let i = 1; i < 5; i++) expect(result.results[i].similarity).toBeLessThanOrEqual(result.results[i - 1].similarity);

    const missing = pretext('search', String(runId), '--item', 'stripes/nope.png');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/No item "stripes\/nope\.png" with an embedding in run #\d+ \(dataset "patterns", folder .*patterns\)/);
  });

  test('search --query embeds a file with the run\'s encoder in the worker; a dataset image finds itself', () => {
    const r = pretext('search', String(runId), '--query', join(patterns, 'checks', 'checks-005.png'), '-k', '3', '--json');
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.results[0].path).toBe('checks/checks-005.png');
    expect(Math.abs(result.results[0].similarity - 1)).toBeLessThan(1e-4);
    const wrong = pretext('search', String(runId), '--query', join(repoRoot, 'README.md'));
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/README\.md is text \(Markdown\); run #\d+ \(simclr\) embeds images only/);
  });

  test('export --coords writes the latest projection: 450 rows and a header', () => {
    const out = join(dir, 'xy.csv');
    const r = pretext('export', String(runId), '--coords', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Wrote 450 rows of projection #\d+ to /);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('path,label,x,y');
    expect(lines).toHaveLength(451);
    expect(lines[1]).toMatch(/^checks\/checks-001\.png,checks,-?[\d.e-]+,-?[\d.e-]+$/);
    const unknown = pretext('export', String(runId), '--coords', '--projection', '9999', '--out', out);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/Run #\d+ has no projection 9999/);
  });
});
