import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cmdSearch, findItem } from '../../src-main/cli/explore';
import { UsageError } from '../../src-main/cli/common';
import { cmdRuns } from '../../src-main/cli/training';
import { createCore, type Core } from '../../src-main/core/app';
import { syntheticRun, type SyntheticRun } from '../core/projection/explore-fixture';
import { bruteForce, syntheticSet, type SyntheticSet } from '../core/search/set-fixture';

let dir: string;
let db: string;
let core: Core;
let run: SyntheticRun;
let other: SyntheticRun;
let set: SyntheticSet;
let othersSet: SyntheticSet;
const DIM = 8;

const touch = (root: string, paths: readonly string[]): void => {
  for (const path of paths) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), '');
  }
};

beforeAll(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'pretext-cli-sets-')));
  db = join(dir, 'sets.db');
  core = createCore({ dbPath: db, shell: 'cli' });
  run = syntheticRun(core.db, { n: 30, dim: DIM, root: join(dir, 'train') });
  set = syntheticSet(core.db, run.runId, { n: 20, dim: DIM, root: join(dir, 'new') });
  other = syntheticRun(core.db, { n: 5, dim: DIM, root: join(dir, 'other'), seed: 9 });
  othersSet = syntheticSet(core.db, other.runId, { n: 3, dim: DIM, root: join(dir, 'others-new'), seed: 10 });
  touch(join(dir, 'train'), run.paths);
  touch(join(dir, 'new'), set.paths);
  writeFileSync(join(dir, 'outside.png'), '');
});
afterAll(async () => {
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => vi.restoreAllMocks());

/** Runs a command in this process and returns what it printed on stdout. */
async function output(command: () => Promise<unknown>): Promise<string> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void (out += parts.join(' ') + '\n'));
  await command();
  return out;
}

const search = (...args: string[]) => output(() => cmdSearch([String(run.runId), ...args, '--db', db]));

describe('search --set: which item of a vector set a path names', () => {
  it('takes the path relative to the set folder, or the file itself, absolute or relative to the current folder', async () => {
    expect(await findItem(core, run.runId, set.paths[3]!, '/', set.setId)).toBe(set.itemIds[3]);
    expect(await findItem(core, run.runId, join(dir, 'new', set.paths[4]!), '/', set.setId)).toBe(set.itemIds[4]);
    expect(await findItem(core, run.runId, join('new', set.paths[5]!), dir, set.setId)).toBe(set.itemIds[5]);
  });

  it("refuses a file outside the set's folder (a training image among them), an unknown set, and a set of another run", async () => {
    await expect(findItem(core, run.runId, join(dir, 'outside.png'), '/', set.setId)).rejects.toThrow(
      `outside.png is outside the folder of vector set #${set.setId} of run #${run.runId} (dataset "new photos", folder ${join(dir, 'new')}); give a file inside ${join(dir, 'new')}`,
    );
    await expect(findItem(core, run.runId, join(dir, 'train', run.paths[0]!), '/', set.setId)).rejects.toThrow(/is outside the folder of vector set/);
    await expect(findItem(core, run.runId, 'new/nope.png', '/', set.setId)).rejects.toThrow(`No item "new/nope.png" with an embedding in vector set #${set.setId}`);
    await expect(findItem(core, run.runId, 'x.png', '/', 999)).rejects.toThrow('No vector set with id 999 (pretext runs lists each run\'s sets)');
    await expect(findItem(core, run.runId, 'x.png', '/', othersSet.setId)).rejects.toThrow(`Vector set #${othersSet.setId} belongs to run #${other.runId}, not to run #${run.runId}`);
  });
});

describe('pretext search --set', () => {
  it('searches within the set by one of its items: the exact nearest neighbours, paths under the set folder, the set named', async () => {
    const json = JSON.parse(await search('--set', String(set.setId), '--item', set.paths[2]!, '-k', '5', '--json'));
    const expected = bruteForce(set.vectors[2]!, set.itemIds.map((itemId, i) => ({ itemId, vector: set.vectors[i]! })), 5);
    expect(json.results.map((r: { itemId: number }) => r.itemId)).toEqual(expected.map((r) => r.itemId));
    expect(json).toMatchObject({ runId: run.runId, setId: set.setId, query: set.paths[2], set: { id: set.setId, root: join(dir, 'new'), datasetName: 'new photos' } });
    expect(json.results[0].path).toBe(set.paths[2]);
    expect(json.itemSetId).toBe(set.setId);

    const text = await search('--set', String(set.setId), '--item', set.paths[2]!, '-k', '3');
    expect(text.split('\n')[0]).toBe(`Most similar to ${set.paths[2]} in vector set #${set.setId} of run #${run.runId} ("new photos", ${join(dir, 'new')}) (exact search, ${text.split('(exact search, ')[1]!.split(' ms')[0]} ms):`);
    expect(text).toContain(`   1  1.0000  ${set.paths[2]}`);
  });

  it('searches the set with a training item (--item-from run), and the run with an item of the set (--item-from <set>)', async () => {
    const toSet = JSON.parse(await search('--set', String(set.setId), '--item', run.paths[4]!, '--item-from', 'run', '-k', '4', '--json'));
    const query = core.vectors.vector(run.runId, run.itemIds[4]!)!;
    expect(toSet.results.map((r: { itemId: number }) => r.itemId)).toEqual(bruteForce(query, set.itemIds.map((itemId, i) => ({ itemId, vector: set.vectors[i]! })), 4).map((r) => r.itemId));
    expect(toSet.itemSetId).toBeUndefined();

    const toRun = JSON.parse(await search('--item', join(dir, 'new', set.paths[6]!), '--item-from', String(set.setId), '-k', '4', '--json'));
    const runVectors = run.itemIds.map((itemId) => ({ itemId, vector: core.vectors.vector(run.runId, itemId)! }));
    expect(toRun.results.map((r: { itemId: number }) => r.itemId)).toEqual(bruteForce(set.vectors[6]!, runVectors, 4).map((r) => r.itemId));
    expect(toRun).toMatchObject({ itemSetId: set.setId, query: `${join(dir, 'new', set.paths[6]!)} (of vector set #${set.setId} of run #${run.runId})` });
    expect(toRun.set).toBeUndefined();
  });

  it('says which flag takes an item from where it is, when --item is not in the folder searched', async () => {
    await expect(search('--set', String(set.setId), '--item', run.paths[1]!)).rejects.toThrow(
      `. It is an item of run #${run.runId}: pretext search ${run.runId} --set ${set.setId} --item ${run.paths[1]} --item-from run --db ${db}`,
    );
    await expect(search('--item', set.paths[1]!)).rejects.toThrow(`. It is an item of vector set #${set.setId} of run #${run.runId}: pretext search ${run.runId} --item ${set.paths[1]} --item-from ${set.setId} --db ${db}`);
  });

  it('refuses bad flags with the usage error, and a set of another run or an unknown one with the reason', async () => {
    await expect(search('--set', 'two', '--item', 'x')).rejects.toThrow(new UsageError('--set must be a vector set id (pretext runs lists them), got two'));
    await expect(search('--item-from', 'mine', '--item', 'x')).rejects.toThrow('--item-from must be "run" or a vector set id');
    await expect(search('--set', String(set.setId), '--item-from', 'run', '--query', 'q.png')).rejects.toThrow('--item-from says where the --item is');
    await expect(search('--set', String(othersSet.setId), '--item', othersSet.paths[0]!)).rejects.toThrow(`Vector set #${othersSet.setId} belongs to run #${other.runId}, not to run #${run.runId}`);
    await expect(search('--set', '999', '--query', join(dir, 'outside.png'))).rejects.toThrow('No vector set with id 999');
  });
});

describe('pretext runs', () => {
  it('lists the vector sets of each run, with the command that searches one', async () => {
    const text = await output(() => cmdRuns(['--db', db]));
    expect(text).toContain(`   vector set #${set.setId}: 20 embeddings × ${DIM} of "new photos" (${join(dir, 'new')}), completed; search it: pretext search ${run.runId} --set ${set.setId} --db ${db} --query <file>`);
    const json = JSON.parse(await output(() => cmdRuns(['--db', db, '--json'])));
    expect(json.find((r: { id: number }) => r.id === run.runId).vectorSets).toMatchObject([{ id: set.setId, runId: run.runId, vectors: 20, root: join(dir, 'new') }]);
  });
});
