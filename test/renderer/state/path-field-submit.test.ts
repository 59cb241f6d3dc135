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

/** The core resolves relative paths against its working directory, /srv/pretext here. */
const resolveOnServer = (path: string): string => (path.startsWith('/') ? path : `/srv/pretext/${path.replace(/^\.\//, '')}`);

test('a relative path shows the absolute folder the core resolved it to', async () => {
  const fake = fakeBackend({ 'fs.checkPath': async ({ path }) => folder(path, resolveOnServer(path)) });
  const field = new PathField(fake.backend);
  field.set('resources/demo/shapes');
  expect(field.resolved).toBeNull();
  await vi.advanceTimersByTimeAsync(300);
  expect(field.resolved).toBe('/srv/pretext/resources/demo/shapes');
  // Typing again hides the old answer until the new one arrives.
  field.set('resources/demo/shape');
  expect(field.resolved).toBeNull();
});

test('a missing folder still says where it was looked for', async () => {
  const fake = fakeBackend({ 'fs.checkPath': async ({ path }) => ({ ...missing(path), resolved: resolveOnServer(path) }) });
  const field = new PathField(fake.backend);
  field.set('nope');
  await vi.advanceTimersByTimeAsync(300);
  expect(field.tone).toBe('error');
  expect(field.resolved).toBe('/srv/pretext/nope');
});

test('Enter right after typing checks at once and answers with the folder to import', async () => {
  const fake = fakeBackend({ 'fs.checkPath': async ({ path }) => folder(path, resolveOnServer(path)) });
  const field = new PathField(fake.backend);
  field.set('data');
  expect(field.canImport).toBe(false);
  expect(field.canSubmit).toBe(true);
  // No timer has fired: checked() starts the check without waiting for the typing pause.
  const check = await field.checked();
  expect(check?.resolved).toBe('/srv/pretext/data');
  expect(fake.callsTo('fs.checkPath')).toEqual([{ path: 'data' }]);
  await vi.advanceTimersByTimeAsync(300);
  expect(fake.callsTo('fs.checkPath')).toHaveLength(1);
});

test('Enter while the check is running waits for its answer', async () => {
  const reply = deferred<PathCheck>();
  const fake = fakeBackend({ 'fs.checkPath': () => reply.promise });
  const field = new PathField(fake.backend);
  field.set('/data');
  await vi.advanceTimersByTimeAsync(300);
  expect(field.checking).toBe(true);
  let answered: PathCheck | null | undefined;
  void field.checked().then((c) => (answered = c));
  await vi.advanceTimersByTimeAsync(10);
  expect(answered).toBeUndefined();
  reply.resolve(folder('/data'));
  await vi.advanceTimersByTimeAsync(0);
  expect(answered?.path).toBe('/data');
});

test('Enter on a path that is not a folder answers null, and a known error disables submitting', async () => {
  const fake = fakeBackend({ 'fs.checkPath': async ({ path }) => missing(path) });
  const field = new PathField(fake.backend);
  field.set('/nope');
  expect(await field.checked()).toBeNull();
  expect(field.canSubmit).toBe(false);
  field.set('');
  expect(field.canSubmit).toBe(false);
  expect(await field.checked()).toBeNull();
});

test('typing after Enter: the answer is for what the field holds when the last check returns', async () => {
  const replies = new Map<string, ReturnType<typeof deferred<PathCheck>>>();
  const fake = fakeBackend({
    'fs.checkPath': ({ path }) => {
      const d = deferred<PathCheck>();
      replies.set(path, d);
      return d.promise;
    },
  });
  const field = new PathField(fake.backend);
  field.set('/a');
  const answer = field.checked();
  field.set('/ab');
  field.setNow('/ab');
  replies.get('/a')!.resolve(folder('/a'));
  await vi.advanceTimersByTimeAsync(0);
  replies.get('/ab')!.resolve(folder('/ab'));
  expect((await answer)?.path).toBe('/ab');
});
