import { afterEach, beforeAll, beforeEach, expect, test, vi } from 'vitest';
import type { PathCheck } from '../../../src-main/contract';
import { deferred, fakeBackend } from '../fake-backend';
import { folder, missing } from '../fixtures';
import { loadSvelteModule } from '../load-runes.mjs';
import type * as StateModule from '../../../src-renderer/src/state/path-field.svelte.ts';

type Module = typeof StateModule;
let PathField: Module['PathField'];
beforeAll(async () => {
  ({ PathField } = await loadSvelteModule<Module>(new URL('../../../src-renderer/src/state/path-field.svelte.ts', import.meta.url)));
});
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const setup = () => {
  const fake = fakeBackend({ 'fs.checkPath': async ({ path }) => (path.includes('nope') ? missing(path) : folder(path)) });
  return { fake, field: new PathField(fake.backend) };
};

test('checks once, 250 ms after typing stops', async () => {
  const { fake, field } = setup();
  field.set('/d');
  await vi.advanceTimersByTimeAsync(100);
  field.set('/da');
  await vi.advanceTimersByTimeAsync(100);
  field.set('/data');
  expect(field.tone).toBe('pending');
  expect(field.message('hint')).toBe('Checking…');
  expect(field.canImport).toBe(false);
  await vi.advanceTimersByTimeAsync(250);
  expect(fake.callsTo('fs.checkPath')).toEqual([{ path: '/data' }]);
  expect(field.tone).toBe('ok');
  expect(field.message('hint')).toBe('Folder with 4 entries');
  expect(field.canImport).toBe(true);
});

test('a missing folder is an error and cannot be imported', async () => {
  const { field } = setup();
  field.set('/nope');
  await vi.advanceTimersByTimeAsync(300);
  expect(field.tone).toBe('error');
  expect(field.message('hint')).toBe('No such folder');
  expect(field.canImport).toBe(false);
});

test('an empty field shows the hint and checks nothing', async () => {
  const { fake, field } = setup();
  field.set('/data');
  field.set('  ');
  await vi.advanceTimersByTimeAsync(300);
  expect(fake.log).toEqual([]);
  expect(field.tone).toBe('hint');
  expect(field.message('Type a path')).toBe('Type a path');
  expect(field.checking).toBe(false);
});

test('a slow answer for an older value is ignored', async () => {
  const { fake, field } = setup();
  const slow = deferred<PathCheck>();
  fake.handlers['fs.checkPath'] = ({ path }) => (path === '/old' ? slow.promise : Promise.resolve(missing(path)));
  field.set('/old');
  await vi.advanceTimersByTimeAsync(250);
  field.set('/nope');
  await vi.advanceTimersByTimeAsync(250);
  slow.resolve(folder('/old'));
  await vi.advanceTimersByTimeAsync(0);
  expect(field.check?.path).toBe('/nope');
  expect(field.canImport).toBe(false);
});

test('editing after a good check disables import until the new value is checked', async () => {
  const { field } = setup();
  field.set('/data');
  await vi.advanceTimersByTimeAsync(250);
  expect(field.canImport).toBe(true);
  field.set('/data2');
  expect(field.canImport).toBe(false);
});

test('setNow checks a picked folder at once', async () => {
  const { fake, field } = setup();
  await field.setNow('/picked');
  await vi.advanceTimersByTimeAsync(0);
  expect(fake.callsTo('fs.checkPath')).toEqual([{ path: '/picked' }]);
  expect(field.canImport).toBe(true);
});

test('a failed check is told apart from a bad path', async () => {
  const { fake, field } = setup();
  fake.handlers['fs.checkPath'] = async () => {
    throw new Error('Lost the connection to Pretext');
  };
  field.set('/data');
  await vi.advanceTimersByTimeAsync(250);
  expect(field.tone).toBe('error');
  expect(field.message('hint')).toBe('Could not check this path: Lost the connection to Pretext');
});
