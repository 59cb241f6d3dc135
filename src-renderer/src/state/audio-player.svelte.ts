/** One shared audio element for every preview card: starting a clip stops the one playing. */
export class AudioPlayer {
  /** The item whose clip is loaded, or null. */
  itemId = $state<number | null>(null);
  status = $state<'idle' | 'loading' | 'playing' | 'error'>('idle');
  /** Seconds into the clip, and its length once known. */
  position = $state(0);
  duration = $state(0);
  error = $state<string | null>(null);

  #audio: HTMLAudioElement | null = null;

  isActive(itemId: number): boolean {
    return this.itemId === itemId && (this.status === 'playing' || this.status === 'loading');
  }

  toggle(itemId: number, url: string): void {
    if (this.isActive(itemId)) {
      this.stop();
      return;
    }
    const audio = this.#element();
    audio.pause();
    this.itemId = itemId;
    this.status = 'loading';
    this.position = 0;
    this.duration = 0;
    this.error = null;
    audio.src = url;
    audio.play().catch((error: unknown) => {
      // A newer toggle replaced this clip; its own promise reports for it.
      if (this.itemId !== itemId || (error instanceof DOMException && error.name === 'AbortError')) return;
      this.status = 'error';
      this.error = error instanceof Error ? error.message : 'This clip cannot be played here';
    });
  }

  stop(): void {
    if (this.#audio) {
      this.#audio.pause();
      this.#audio.removeAttribute('src');
      this.#audio.load();
    }
    this.itemId = null;
    this.status = 'idle';
    this.position = 0;
    this.error = null;
  }

  dispose(): void {
    this.stop();
    this.#audio = null;
  }

  #element(): HTMLAudioElement {
    if (this.#audio) return this.#audio;
    const audio = new Audio();
    audio.preload = 'none';
    audio.addEventListener('playing', () => {
      if (this.itemId !== null) this.status = 'playing';
    });
    audio.addEventListener('timeupdate', () => {
      this.position = audio.currentTime;
    });
    audio.addEventListener('loadedmetadata', () => {
      this.duration = Number.isFinite(audio.duration) ? audio.duration : 0;
    });
    audio.addEventListener('ended', () => {
      this.status = 'idle';
      this.itemId = null;
      this.position = 0;
    });
    audio.addEventListener('error', () => {
      // Clearing src in stop() fires an error too; only report errors of a clip we asked for.
      if (this.itemId === null || !audio.getAttribute('src')) return;
      this.status = 'error';
      this.error = 'This clip cannot be played here (the format may not be supported by this browser)';
    });
    this.#audio = audio;
    return audio;
  }
}
