import { beforeAll, expect, test, vi } from 'vitest';
import { fakeBackend } from '../fake-backend';
import { loadSvelteModule } from '../load-runes.mjs';
import type * as StateModule from '../../../src-renderer/src/state/connection.svelte.ts';

type Module = typeof StateModule;
let ConnectionState: Module['ConnectionState'];
beforeAll(async () => {
  ({ ConnectionState } = await loadSvelteModule<Module>(new URL('../../../src-renderer/src/state/connection.svelte.ts', import.meta.url)));
});

test('follows the connection and reports a reconnection once', () => {
  const fake = fakeBackend();
  const connection = new ConnectionState(fake.backend);
  const onReconnect = vi.fn();
  const stop = connection.start(onReconnect);
  expect(connection.status).toBe('open');
  fake.setConnection('closed');
  expect(connection.status).toBe('closed');
  expect(connection.label).toMatch(/Disconnected/);
  fake.setConnection('connecting');
  fake.setConnection('open');
  expect(onReconnect).toHaveBeenCalledTimes(1);
  fake.setConnection('open');
  expect(onReconnect).toHaveBeenCalledTimes(1);
  stop();
  fake.setConnection('closed');
  expect(connection.status).toBe('open');
});

test('the first connection is not a reconnection', () => {
  const fake = fakeBackend();
  fake.setConnection('connecting');
  const connection = new ConnectionState(fake.backend);
  const onReconnect = vi.fn();
  connection.start(onReconnect);
  fake.setConnection('open');
  expect(onReconnect).not.toHaveBeenCalled();
});
