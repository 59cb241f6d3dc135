import { expect, test } from 'vitest';
import { droppedFolder, type DropData } from '../../../src-renderer/src/lib/drop';

const file = (name: string): File => ({ name }) as File;
const drop = (names: string[], directory: boolean | null): DropData => ({
  files: names.map(file),
  items:
    directory === null
      ? undefined
      : names.map(() => ({ kind: 'file', webkitGetAsEntry: () => ({ isDirectory: directory }) })),
});
const paths = (f: File): string => `/Users/me/${f.name}`;

test('a dropped folder gives its path', () => {
  expect(droppedFolder(drop(['pets'], true), paths)).toEqual({ ok: true, path: '/Users/me/pets', note: null });
});

test('without entry information the path is still used', () => {
  expect(droppedFolder(drop(['pets'], null), paths)).toMatchObject({ ok: true, path: '/Users/me/pets' });
});

test('a dropped file is refused with a hint', () => {
  const result = droppedFolder(drop(['cat.jpg'], false), paths);
  expect(result).toMatchObject({ ok: false });
  expect(!result.ok && result.reason).toMatch(/is a file/);
});

test('several folders: the first is imported and the user is told', () => {
  const result = droppedFolder(drop(['a', 'b'], true), paths);
  expect(result).toMatchObject({ ok: true, path: '/Users/me/a' });
  expect(result.ok && result.note).toMatch(/only "a"/);
});

test('nothing dropped, or no path known', () => {
  expect(droppedFolder(null, paths)).toMatchObject({ ok: false });
  expect(droppedFolder(drop(['x'], true), () => '')).toMatchObject({ ok: false });
  expect(
    droppedFolder(drop(['x'], true), () => {
      throw new Error('not a real file');
    }),
  ).toMatchObject({ ok: false });
});
