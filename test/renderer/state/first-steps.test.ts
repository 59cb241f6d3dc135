import { beforeAll, expect, test } from 'vitest';
import { loadSvelteModule } from '../load-runes.mjs';
import type * as StateModule from '../../../src-renderer/src/state/first-steps.svelte.ts';

type Module = typeof StateModule;
let FirstStepsPanel: Module['FirstStepsPanel'];
let KEY: string;
beforeAll(async () => {
  const module = await loadSvelteModule<Module>(new URL('../../../src-renderer/src/state/first-steps.svelte.ts', import.meta.url));
  FirstStepsPanel = module.FirstStepsPanel;
  KEY = module.FIRST_STEPS_HIDDEN_KEY;
});

function memoryStore(): { getItem(key: string): string | null; setItem(key: string, value: string): void; data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (key) => data.get(key) ?? null, setItem: (key, value) => void data.set(key, value) };
}

test('the steps show until hidden, and stay hidden for the next window', () => {
  const store = memoryStore();
  const panel = new FirstStepsPanel(store);
  expect(panel.hidden).toBe(false);
  panel.hide();
  expect(panel.hidden).toBe(true);
  expect(store.data.get(KEY)).toBe('1');
  expect(new FirstStepsPanel(store).hidden).toBe(true);
});

test('storage that refuses (or none) still hides them for this page', () => {
  const refusing = {
    getItem: (): string | null => {
      throw new Error('SecurityError');
    },
    setItem: (): void => {
      throw new Error('QuotaExceededError');
    },
  };
  const panel = new FirstStepsPanel(refusing);
  expect(panel.hidden).toBe(false);
  panel.hide();
  expect(panel.hidden).toBe(true);
  const none = new FirstStepsPanel(null);
  none.hide();
  expect(none.hidden).toBe(true);
});
