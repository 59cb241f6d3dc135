import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findItem } from '../../src-main/cli/explore';
import { createCore, type Core } from '../../src-main/core/app';
import { syntheticRun, type SyntheticRun } from '../core/projection/explore-fixture';

let dir: string;
let root: string;
let core: Core;
let run: SyntheticRun;

beforeAll(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'pretext-cli-find-')));
  root = join(dir, 'shapes');
  core = createCore({ dbPath: join(dir, 'find.db'), shell: 'cli' });
  run = syntheticRun(core.db, { n: 6, dim: 4, root });
  for (const path of run.paths) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), '');
  }
  writeFileSync(join(dir, 'outside.png'), '');
  symlinkSync(root, join(dir, 'link-to-shapes'));
});
afterAll(async () => {
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('search --item: which item a path names', () => {
  it('takes the path relative to the dataset folder, as pretext export writes it', async () => {
    expect(await findItem(core, run.runId, run.paths[1]!, '/')).toBe(run.itemIds[1]);
    expect(await findItem(core, run.runId, `./${run.paths[1]}`, '/')).toBe(run.itemIds[1]);
  });

  it('takes an absolute path, and a path relative to the current folder, of a file inside the dataset', async () => {
    expect(await findItem(core, run.runId, join(root, run.paths[2]!), '/')).toBe(run.itemIds[2]);
    const sub = join(root, run.paths[2]!, '..');
    expect(await findItem(core, run.runId, run.paths[2]!.split('/').at(-1)!, sub)).toBe(run.itemIds[2]);
    expect(await findItem(core, run.runId, relative(dir, join(root, run.paths[3]!)), dir)).toBe(run.itemIds[3]);
  });

  it('resolves symbolic links on both sides: the dataset folder reached through a link', async () => {
    expect(await findItem(core, run.runId, join(dir, 'link-to-shapes', run.paths[4]!), '/')).toBe(run.itemIds[4]);
  });

  it('refuses a path outside the dataset naming the dataset folder, and a missing item with how to name one', async () => {
    await expect(findItem(core, run.runId, join(dir, 'outside.png'), '/')).rejects.toThrow(
      new RegExp(`outside\\.png is outside the dataset folder of run #${run.runId} \\(dataset "synthetic", folder ${root}\\); give a file inside ${root}`),
    );
    await expect(findItem(core, run.runId, 'outside.png', dir)).rejects.toThrow(/is outside the dataset folder/);
    await expect(findItem(core, run.runId, 'circle/nope.png', dir)).rejects.toThrow(/No item "circle\/nope\.png" with an embedding in run #\d+ .*relative to the dataset folder/);
    await expect(findItem(core, 999, 'x', dir)).rejects.toThrow('No run with id 999');
  });
});
