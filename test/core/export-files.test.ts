import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileWith } from '../../src-main/core/export';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pretext-export-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lines = (n: number) => async (out: Writable): Promise<number> => {
  for (let i = 0; i < n; i++) out.write(`row ${i}\n`);
  return n;
};

describe('writeFileWith', () => {
  it('writes the file, leaving no temporary file behind', async () => {
    const target = join(dir, 'e.csv');
    expect(await writeFileWith(target, lines(3))).toBe(3);
    expect(readFileSync(target, 'utf8')).toBe('row 0\nrow 1\nrow 2\n');
    expect(readdirSync(dir)).toEqual(['e.csv']);
  });

  it('refuses to replace an existing file unless asked, and then replaces it', async () => {
    const target = join(dir, 'e.csv');
    writeFileSync(target, 'precious');
    await expect(writeFileWith(target, lines(1))).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/already exists.*--force/) });
    expect(readFileSync(target, 'utf8')).toBe('precious');
    expect(readdirSync(dir)).toEqual(['e.csv']);
    await writeFileWith(target, lines(1), { overwrite: true });
    expect(readFileSync(target, 'utf8')).toBe('row 0\n');
  });

  it('never writes through a symbolic link at the target: refused, or with overwrite the link itself is replaced', async () => {
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'do not touch');
    const target = join(dir, 'out.csv');
    symlinkSync(victim, target);
    await expect(writeFileWith(target, lines(2))).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/symbolic link/) });
    expect(readlinkSync(target)).toBe(victim);
    await writeFileWith(target, lines(2), { overwrite: true });
    expect(readFileSync(victim, 'utf8')).toBe('do not touch');
    expect(lstatSync(target).isSymbolicLink()).toBe(false);
    expect(readFileSync(target, 'utf8')).toBe('row 0\nrow 1\n');
  });

  it('an interrupted export leaves nothing under the final name', async () => {
    const target = join(dir, 'half.csv');
    const failing = async (out: Writable): Promise<number> => {
      out.write('row 0\n');
      await new Promise((r) => setTimeout(r, 10));
      throw new Error('the reader went away');
    };
    await expect(writeFileWith(target, failing)).rejects.toThrow('the reader went away');
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a folder as the target, and a missing folder fails with the reason', async () => {
    mkdirSync(join(dir, 'sub'));
    await expect(writeFileWith(join(dir, 'sub'), lines(1))).rejects.toMatchObject({ code: 'bad_request', message: expect.stringMatching(/is a folder/) });
    await expect(writeFileWith(join(dir, 'nope', 'x.csv'), lines(1))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
