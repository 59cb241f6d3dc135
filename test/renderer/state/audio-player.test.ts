import { afterEach, beforeAll, beforeEach, expect, test, vi } from 'vitest';
import { settle } from '../fake-backend';
import { loadSvelteModule } from '../load-runes.mjs';
import type * as StateModule from '../../../src-renderer/src/state/audio-player.svelte.ts';

type Module = typeof StateModule;
let AudioPlayer: Module['AudioPlayer'];
beforeAll(async () => {
  ({ AudioPlayer } = await loadSvelteModule<Module>(new URL('../../../src-renderer/src/state/audio-player.svelte.ts', import.meta.url)));
});

/** Just enough of HTMLAudioElement: one instance is expected. */
class FakeAudio extends EventTarget {
  static instances: FakeAudio[] = [];
  preload = '';
  currentTime = 0;
  duration = Number.NaN;
  paused = true;
  attrs = new Map<string, string>();
  playResult: () => Promise<void> = () => Promise.resolve();
  constructor() {
    super();
    FakeAudio.instances.push(this);
  }
  set src(value: string) {
    this.attrs.set('src', value);
  }
  get src(): string {
    return this.attrs.get('src') ?? '';
  }
  getAttribute(name: string): string | null {
    return this.attrs.get(name) ?? null;
  }
  removeAttribute(name: string): void {
    this.attrs.delete(name);
  }
  load(): void {}
  pause(): void {
    this.paused = true;
  }
  play(): Promise<void> {
    this.paused = false;
    return this.playResult();
  }
  fire(type: string): void {
    this.dispatchEvent(new Event(type));
  }
}

beforeEach(() => {
  FakeAudio.instances = [];
  vi.stubGlobal('Audio', FakeAudio);
});
afterEach(() => {
  vi.unstubAllGlobals();
});

test('one element plays one clip at a time', async () => {
  const player = new AudioPlayer();
  player.toggle(1, '/media/audio/1');
  expect(player.itemId).toBe(1);
  expect(player.status).toBe('loading');
  const audio = FakeAudio.instances[0]!;
  audio.fire('playing');
  expect(player.status).toBe('playing');
  expect(player.isActive(1)).toBe(true);

  player.toggle(2, '/media/audio/2');
  expect(FakeAudio.instances).toHaveLength(1);
  expect(audio.src).toBe('/media/audio/2');
  expect(player.isActive(1)).toBe(false);
  expect(player.itemId).toBe(2);
});

test('toggling the playing clip stops it; the end of a clip resets', () => {
  const player = new AudioPlayer();
  player.toggle(1, '/media/audio/1');
  const audio = FakeAudio.instances[0]!;
  audio.fire('playing');
  player.toggle(1, '/media/audio/1');
  expect(player.status).toBe('idle');
  expect(player.itemId).toBeNull();
  expect(audio.paused).toBe(true);
  expect(audio.getAttribute('src')).toBeNull();
  // Clearing the source makes some browsers report an error: it must not show.
  audio.fire('error');
  expect(player.error).toBeNull();

  player.toggle(3, '/media/audio/3');
  audio.fire('playing');
  audio.currentTime = 1.5;
  audio.fire('timeupdate');
  expect(player.position).toBe(1.5);
  audio.fire('ended');
  expect(player.status).toBe('idle');
  expect(player.itemId).toBeNull();
});

test('a clip that cannot play says so', async () => {
  const player = new AudioPlayer();
  player.toggle(1, '/media/audio/1');
  const audio = FakeAudio.instances[0]!;
  audio.fire('error');
  expect(player.status).toBe('error');
  expect(player.error).toMatch(/cannot be played/);
  audio.playResult = () => Promise.reject(new Error('NotSupportedError: no supported source'));
  player.toggle(2, '/media/audio/2');
  await settle();
  expect(player.status).toBe('error');
  expect(player.error).toBe('NotSupportedError: no supported source');
});
