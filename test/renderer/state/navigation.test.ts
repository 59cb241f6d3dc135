import { beforeAll, expect, test } from 'vitest';
import { loadSvelteModule } from '../load-runes.mjs';
import type * as StateModule from '../../../src-renderer/src/state/navigation.svelte.ts';

type Module = typeof StateModule;
let Navigation: Module['Navigation'];
beforeAll(async () => {
  ({ Navigation } = await loadSvelteModule<Module>(new URL('../../../src-renderer/src/state/navigation.svelte.ts', import.meta.url)));
});

function host(hash = '') {
  const listeners = new Set<() => void>();
  return {
    location: { hash },
    addEventListener: (_type: 'hashchange', l: () => void) => listeners.add(l),
    removeEventListener: (_type: 'hashchange', l: () => void) => listeners.delete(l),
    navigate(next: string) {
      this.location.hash = next;
      for (const l of listeners) l();
    },
    listeners,
  };
}

test('starts from the hash and follows it', () => {
  const h = host('#train');
  const nav = new Navigation(h);
  expect(nav.section).toBe('train');
  const stop = nav.start();
  h.navigate('#datasets');
  expect(nav.section).toBe('datasets');
  stop();
  expect(h.listeners.size).toBe(0);
});

test('go sets the section and the hash', () => {
  const h = host();
  const nav = new Navigation(h);
  expect(nav.section).toBe('datasets');
  nav.go('train');
  expect(nav.section).toBe('train');
  expect(h.location.hash).toBe('#train');
});
