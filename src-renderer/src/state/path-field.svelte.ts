import type { PathCheck } from '../../../src-main/contract';
import { debounce, LatestOnly } from '../lib/async';
import type { Backend } from '../lib/client';
import { errorMessage } from '../lib/format';

/** How long typing must pause before the path is checked. */
export const PATH_CHECK_DELAY_MS = 250;

export type PathMessageTone = 'hint' | 'pending' | 'ok' | 'error';

/** The folder path field: validated against the core's disk as the user types. */
export class PathField {
  value = $state('');
  check = $state.raw<PathCheck | null>(null);
  checking = $state(false);
  /** The check itself failed (e.g. the connection dropped), as opposed to "No such folder". */
  failure = $state<string | null>(null);

  readonly #backend: Backend;
  readonly #latest = new LatestOnly();
  readonly #debounced = debounce((path: string) => {
    this.#inflight = this.#run(path);
  }, PATH_CHECK_DELAY_MS);
  /** The check last started (it may be stale). */
  #inflight: Promise<void> | null = null;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  /** Updates the value and schedules a check. */
  set(value: string): void {
    this.value = value;
    this.check = null;
    this.failure = null;
    if (value.trim() === '') {
      this.#debounced.cancel();
      this.#latest.invalidate();
      this.checking = false;
      return;
    }
    this.checking = true;
    this.#debounced(value);
  }

  /** Sets the value and checks it at once (a picked or dropped folder). */
  async setNow(value: string): Promise<void> {
    this.set(value);
    this.#debounced.flush();
  }

  clear(): void {
    this.set('');
  }

  dispose(): void {
    this.#debounced.cancel();
    this.#latest.invalidate();
  }

  /** True when the current value was checked and is a readable folder. */
  get canImport(): boolean {
    return !this.checking && this.check !== null && this.check.ok && this.check.path === this.value.trim();
  }

  /** True when submitting may lead to an import: the value is a folder, or its check is still running. */
  get canSubmit(): boolean {
    return this.value.trim() !== '' && this.failure === null && (this.checking || this.canImport);
  }

  /**
   * The absolute folder the current value names, once checked: a relative path is resolved by the
   * core, against its working directory (the server's, in a browser). Null before the check.
   */
  get resolved(): string | null {
    const check = this.check;
    return !this.checking && check !== null && check.resolved !== '' && check.path === this.value.trim() ? check.resolved : null;
  }

  /**
   * Waits for the check of the current value, starting it at once when it still waits for typing to
   * pause (Enter pressed right after typing), and resolves with it when the folder can be imported.
   */
  async checked(): Promise<PathCheck | null> {
    for (;;) {
      this.#debounced.flush();
      const pending = this.#inflight;
      if (!this.checking || pending === null) break;
      await pending;
      if (this.#inflight === pending) break;
    }
    return this.canImport ? this.check : null;
  }

  get tone(): PathMessageTone {
    if (this.value.trim() === '') return 'hint';
    if (this.checking) return 'pending';
    if (this.failure !== null) return 'error';
    if (this.check === null) return 'pending';
    return this.check.ok ? 'ok' : 'error';
  }

  /** The line under the field; `hint` is shown while it is empty. */
  message(hint: string): string {
    switch (this.tone) {
      case 'hint':
        return hint;
      case 'pending':
        return 'Checking…';
      case 'error':
        return this.failure ?? this.check?.message ?? 'Cannot use this path';
      case 'ok':
        return this.check?.message ?? '';
    }
  }

  async #run(path: string): Promise<void> {
    const ticket = this.#latest.begin();
    try {
      const check = await this.#backend.calls['fs.checkPath']({ path });
      if (!this.#latest.isCurrent(ticket)) return;
      this.check = check;
      this.failure = null;
    } catch (error) {
      if (!this.#latest.isCurrent(ticket)) return;
      this.check = null;
      this.failure = `Could not check this path: ${errorMessage(error)}`;
    } finally {
      if (this.#latest.isCurrent(ticket)) this.checking = false;
    }
  }
}
