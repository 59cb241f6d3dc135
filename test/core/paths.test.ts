import { describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import { packageRoot, resolveDbPath, userDataDir } from '../../src-main/core/paths';

describe('paths', () => {
  it('puts the default database in the platform data folder', () => {
    expect(userDataDir({ HOME: '/home/ana' }, 'linux')).toBe('/home/ana/.local/share/pretext');
    expect(userDataDir({ HOME: '/home/ana', XDG_DATA_HOME: '/xdg' }, 'linux')).toBe('/xdg/pretext');
    expect(userDataDir({ HOME: '/Users/ana' }, 'darwin')).toBe('/Users/ana/Library/Application Support/Pretext');
    expect(resolveDbPath(undefined, { HOME: '/home/ana' })).toBe(join(userDataDir({ HOME: '/home/ana' }, process.platform), 'pretext.db'));
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
