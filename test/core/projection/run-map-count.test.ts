import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCore, type Core } from '../../../src-main/core/app';
import { syntheticRun, type SyntheticRun } from './explore-fixture';

let dir: string;
let core: Core;
let run: SyntheticRun;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-map-count-'));
  core = createCore({ dbPath: join(dir, 'maps.db'), shell: 'cli' });
  run = syntheticRun(core.db, { n: 30, dim: 8, seed: 3 });
});
afterAll(async () => {
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

test("a run's summary counts its stored maps, so the Explore tab can open on a run that has one", async () => {
  expect((await core.handlers['runs.get']({ runId: run.runId })).projections).toBe(0);
  await core.handlers['projections.compute']({ runId: run.runId, settings: { method: 'pca' } });
  expect((await core.handlers['runs.get']({ runId: run.runId })).projections).toBe(1);
  const [listed] = await core.handlers['runs.list']({});
  expect(listed).toMatchObject({ id: run.runId, projections: 1 });
});
