import type { RunPreview } from '../../../src-main/contract';
import type { Backend } from '../lib/client';
import { errorMessage } from '../lib/format';

/**
 * A run's preview strips (reconstructions after each epoch) in the run view: loaded when the view
 * opens and again whenever the run's progress moves to another epoch or phase (a strip is stored at
 * the end of each epoch, before the phase changes), so the newest strip follows training.
 */
export class RunPreviews {
  previews = $state.raw<RunPreview[]>([]);
  /** The epoch the user chose to look at; null follows the newest. */
  picked = $state<number | null>(null);
  error = $state<string | null>(null);
  readonly #off: () => void;
  #seen = '';
  #loading: Promise<void> | null = null;
  #again = false;

  constructor(
    private readonly backend: Backend,
    readonly runId: number,
  ) {
    this.#off = backend.events.on('training.progress', (p) => {
      if (p.runId !== this.runId) return;
      const at = `${p.epoch}:${p.phase}`;
      if (at === this.#seen) return;
      this.#seen = at;
      void this.load();
    });
  }

  /** The strip on screen: the chosen epoch's, else the newest. */
  get shown(): RunPreview | null {
    return this.previews.find((p) => p.epoch === this.picked) ?? this.previews.at(-1) ?? null;
  }

  /** Reads the list; a call made while one is on its way reads again after it (the newest strip is never missed). */
  async load(): Promise<void> {
    if (this.#loading) {
      this.#again = true;
      return this.#loading;
    }
    this.#loading = (async () => {
      do {
        this.#again = false;
        try {
          this.previews = await this.backend.calls['runs.previews']({ runId: this.runId });
          this.error = null;
        } catch (error) {
          this.error = `Could not load the reconstructions: ${errorMessage(error)}`;
        }
      } while (this.#again);
    })();
    try {
      await this.#loading;
    } finally {
      this.#loading = null;
    }
  }

  dispose(): void {
    this.#off();
  }
}
