import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countFiles, walkFolder, type FileEntry, type IgnoredEntry } from '../../../src-main/core/datasets/scan';
import { fixturePath } from './helpers';

let base: string;
let root: string;
let servers: Server[] = [];

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'pretext-scan-'));
  root = join(base, 'data');
  mkdirSync(root);
});
afterEach(async () => {
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  servers = [];
  rmSync(base, { recursive: true, force: true });
});

function put(rel: string, content = 'x'): void {
  const path = join(root, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

async function walk(dir = root, signal?: AbortSignal): Promise<Array<FileEntry | IgnoredEntry>> {
  const out: Array<FileEntry | IgnoredEntry> = [];
  for await (const entry of walkFolder(dir, { signal })) out.push(entry);
  return out;
}

/** Entries in a compact, readable form: "file relPath [label]" or "ignored relPath: reason". */
const describeEntry = (e: FileEntry | IgnoredEntry): string =>
  e.type === 'file' ? `file ${e.relPath} [${e.label ?? '-'}]` : `ignored ${e.relPath}: ${e.reason}`;

describe('walkFolder', () => {
  it('walks depth-first in sorted order, with labels from the first sub-folder', async () => {
    put('b.txt');
    put('a.txt');
    put('dogs/rex.png');
    put('cats/tom.png');
    put('cats/kittens/tiny.png');
    put('cats/alpha.png');
    put('B-upper.txt');
    const entries = await walk();
    expect(entries.map(describeEntry)).toEqual([
      'file B-upper.txt [-]', // code-unit order: upper case before lower case, on every machine
      'file a.txt [-]',
      'file b.txt [-]',
      'file cats/alpha.png [cats]',
      'file cats/kittens/tiny.png [cats]',
      'file cats/tom.png [cats]',
      'file dogs/rex.png [dogs]',
    ]);
  });

  it('gives absolute paths, sizes and modification times', async () => {
    put('cats/tom.png', '12345');
    const [entry] = await walk();
    expect(entry).toEqual({
      type: 'file',
      absPath: join(root, 'cats', 'tom.png'),
      relPath: 'cats/tom.png',
      label: 'cats',
      size: 5,
      mtimeMs: expect.any(Number),
      viaLink: false,
    });
    expect((entry as FileEntry).mtimeMs).toBeGreaterThan(Date.now() - 60_000);
  });

  it('ignores hidden files and folders (without entering them) and OS metadata files', async () => {
    put('.DS_Store');
    put('.git/config');
    put('.git/objects/ab/cdef');
    put('cats/.hidden.png');
    put('cats/Thumbs.db');
    put('cats/tom.png');
    put('desktop.ini');
    expect((await walk()).map(describeEntry)).toEqual([
      'ignored .DS_Store: hidden file',
      'ignored .git: hidden folder',
      'ignored cats/.hidden.png: hidden file',
      'ignored cats/Thumbs.db: operating-system metadata file',
      'file cats/tom.png [cats]',
      'ignored desktop.ini: operating-system metadata file',
    ]);
  });

  it('follows symbolic links, but not loops, not folders already walked, and reports broken links', async () => {
    put('cats/tom.png', 'tom');
    put('dogs/rex.png', 'rex');
    symlinkSync('..', join(root, 'cats', 'up')); // cats/up → the root: a loop
    symlinkSync('.', join(root, 'dogs', 'here')); // dogs/here → dogs: a loop
    symlinkSync('../dogs/rex.png', join(root, 'cats', 'rex-link.png')); // a file link: followed
    symlinkSync('cats', join(root, 'zoo')); // a second way into cats: not walked twice
    symlinkSync('nowhere.png', join(root, 'broken.png'));
    symlinkSync('self', join(root, 'self'));
    expect((await walk()).map(describeEntry)).toEqual([
      'ignored broken.png: broken symbolic link (ENOENT: its target does not exist)',
      'file cats/rex-link.png [cats]',
      'file cats/tom.png [cats]',
      'ignored cats/up: symbolic link loop (it leads back to the dataset folder itself)',
      "ignored dogs/here: symbolic link loop (it leads back to 'dogs')",
      'file dogs/rex.png [dogs]',
      'ignored self: symbolic link loop (ELOOP: the link resolves to itself)',
      "ignored zoo: folder already scanned as 'cats' (reached again through a symbolic link)",
    ]);
    const link = (await walk()).find((e) => e.relPath === 'cats/rex-link.png') as FileEntry;
    expect(link.size).toBe(3); // the target's size, not the link's
    expect(link.viaLink).toBe(true);
    expect(((await walk()).find((e) => e.relPath === 'cats/tom.png') as FileEntry).viaLink).toBe(false);
  });

  it('walks a symlinked folder that is not inside the tree, labelled by the link name', async () => {
    const outside = join(base, 'elsewhere');
    mkdirSync(outside);
    writeFileSync(join(outside, 'bird.png'), 'b');
    symlinkSync(outside, join(root, 'birds'));
    expect((await walk()).map(describeEntry)).toEqual(['file birds/bird.png [birds]']);
    expect(((await walk())[0] as FileEntry).viaLink).toBe(true); // inside a linked folder
  });

  it('ignores sockets and named pipes', async () => {
    put('a.txt');
    execFileSync('mkfifo', [join(root, 'pipe')]);
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(join(root, 'sock'), resolve));
    expect((await walk()).map(describeEntry)).toEqual([
      'file a.txt [-]',
      'ignored pipe: not a regular file (named pipe (FIFO))',
      'ignored sock: not a regular file (socket)',
    ]);
  });

  it('reports an unreadable folder with the OS error code and carries on', async () => {
    put('a/one.txt');
    put('locked/secret.txt');
    put('z/two.txt');
    chmodSync(join(root, 'locked'), 0o000);
    // Root ignores permissions, so when running as root, walk as "nobody" for this test only
    // (the effective uid can be switched back because the real uid stays root).
    const asNobody = process.geteuid?.() === 0;
    if (asNobody) {
      for (const dir of [base, root, join(root, 'a'), join(root, 'z')]) chmodSync(dir, 0o755);
      process.seteuid!(65534);
    }
    let entries: Array<FileEntry | IgnoredEntry>;
    let count: number;
    try {
      entries = await walk();
      count = await countFiles(root);
    } finally {
      if (asNobody) process.seteuid!(0);
      chmodSync(join(root, 'locked'), 0o755);
    }
    expect(entries.map(describeEntry)).toEqual([
      'file a/one.txt [a]',
      'ignored locked: unreadable folder (EACCES: permission denied)',
      'file z/two.txt [z]',
    ]);
    expect(count).toBe(2);
  });

  it('throws when the root itself cannot be walked', async () => {
    await expect(walk(join(base, 'missing'))).rejects.toThrow(
      `cannot open the folder ${join(base, 'missing')} (ENOENT: no such file or directory)`,
    );
    put('file.txt');
    await expect(walk(join(root, 'file.txt'))).rejects.toThrow(`${join(root, 'file.txt')} is not a folder`);
  });

  it('gives absolute paths for a relative root', async () => {
    put('cats/tom.png');
    const relativeRoot = relative(process.cwd(), root);
    expect(isAbsolute(relativeRoot)).toBe(false);
    const [entry] = await walk(relativeRoot);
    expect(entry).toMatchObject({ type: 'file', absPath: join(root, 'cats', 'tom.png'), relPath: 'cats/tom.png' });
  });

  it('follows a root that is itself a symbolic link', async () => {
    put('cats/tom.png');
    symlinkSync(root, join(base, 'link-to-data'));
    expect((await walk(join(base, 'link-to-data'))).map(describeEntry)).toEqual(['file cats/tom.png [cats]']);
  });

  it('streams: a folder later in the order is read only when the walk reaches it', async () => {
    put('a/1.txt');
    put('z/1.txt');
    const seen: string[] = [];
    for await (const entry of walkFolder(root)) {
      seen.push(entry.relPath);
      // Created after the walk started but before it reached z/: a walk that listed the whole
      // tree up front would miss it.
      if (entry.relPath === 'a/1.txt') put('z/2.txt');
    }
    expect(seen).toEqual(['a/1.txt', 'z/1.txt', 'z/2.txt']);
  });

  it('stops with the abort reason when the signal is aborted', async () => {
    for (let i = 0; i < 10; i++) put(`d${i}/f.txt`);
    const controller = new AbortController();
    const seen: string[] = [];
    const run = (async () => {
      for await (const entry of walkFolder(root, { signal: controller.signal })) {
        seen.push(entry.relPath);
        if (seen.length === 2) controller.abort();
      }
    })();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual(['d0/f.txt', 'd1/f.txt']);
    const aborted = AbortSignal.abort();
    await expect(countFiles(root, { signal: aborted })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('countFiles', () => {
  it('counts exactly the files walkFolder yields, by the same rules', async () => {
    put('a.txt');
    put('.hidden');
    put('.git/x');
    put('cats/tom.png');
    put('cats/kittens/tiny.png');
    symlinkSync('..', join(root, 'cats', 'up'));
    symlinkSync('cats', join(root, 'zoo'));
    symlinkSync('cats/tom.png', join(root, 'tom-link.png'));
    symlinkSync('nowhere', join(root, 'broken.png'));
    put('Thumbs.db');
    const files = (await walk()).filter((e) => e.type === 'file');
    expect(files.map((f) => f.relPath)).toEqual(['a.txt', 'cats/kittens/tiny.png', 'cats/tom.png', 'tom-link.png']);
    expect(await countFiles(root)).toBe(4);
  });

  it('counts the committed fixture folders', async () => {
    expect(await countFiles(fixturePath('mixed'))).toBe(20);
    expect(await countFiles(fixturePath('bad'))).toBe(15);
  });
});
