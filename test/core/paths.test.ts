import { describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import { packageRoot, resolveDbPath, storageLayout, userDataDir } from '../../src-main/core/paths';

describe('paths', () => {
  it('puts the default database in the platform data folder', () => {
    expect(userDataDir({ HOME: '/home/ana' }, 'linux')).toBe('/home/ana/.local/share/pretext');
    expect(userDataDir({ HOME: '/home/ana', XDG_DATA_HOME: '/xdg' }, 'linux')).toBe('/xdg/pretext');
    expect(userDataDir({ HOME: '/Users/ana' }, 'darwin')).toBe('/Users/ana/Library/Application Support/Pretext');
    expect(resolveDbPath(undefined, { HOME: '/home/ana' })).toBe(join(userDataDir({ HOME: '/home/ana' }, process.platform), 'pretext.db'));
  });

  it('gives each database its own folder for checkpoints, caches and indexes; stored paths stay relative to the database', () => {
    const a = storageLayout('/data/a.db');
    const b = storageLayout('/data/b.db');
    expect(a.checkpointDir(1)).toBe('/data/a.db-files/checkpoints/run-1');
    expect(b.checkpointDir(1)).toBe('/data/b.db-files/checkpoints/run-1');
    expect(a.cacheDir).not.toBe(b.cacheDir);
    expect(a.indexDir).toBe('/data/a.db-files/indexes');
    expect(a.toStored(a.checkpointDir(1) + '/epoch-0001.ckpt')).toBe('a.db-files/checkpoints/run-1/epoch-0001.ckpt');
    // A checkpoint recorded by an older version (beside the database) still resolves.
    expect(a.resolveStored('checkpoints/run-1/epoch-0001.ckpt')).toBe('/data/checkpoints/run-1/epoch-0001.ckpt');
    expect(a.legacyCheckpointDir(1)).toBe('/data/checkpoints/run-1');
  });

  it('lets --db win over PRETEXT_DB', () => {
    expect(resolveDbPath('a.db', { PRETEXT_DB: '/env.db' })).toBe(resolve('a.db'));
    expect(resolveDbPath(undefined, { PRETEXT_DB: '/env.db' })).toBe('/env.db');
  });

  it('finds the package root from a nested folder', () => {
    const root = packageRoot(import.meta.dirname);
    expect(root).toBe(resolve(import.meta.dirname, '..', '..'));
    expect(() => packageRoot('/')).toThrow(/Cannot find/);
  });
});
