import type { EmbedProgress, VectorSetSummary } from '../../../src-main/contract';
import type { Backend } from '../lib/client';
import { errorMessage, plural } from '../lib/format';

/**
 * "Embed another folder" in a completed run's view: the folder typed (or picked), the live progress
 * from `embed.progress`, the outcome, and the run's vector sets so far.
 */
export class EmbedFolderState {
  path = $state('');
  busy = $state(false);
  progress = $state.raw<EmbedProgress | null>(null);
  error = $state<string | null>(null);
  /** The last embedding's outcome, in words. */
  outcome = $state<string | null>(null);
  sets = $state.raw<VectorSetSummary[]>([]);
  readonly #off: () => void;

  constructor(
    private readonly backend: Backend,
    readonly runId: number,
  ) {
    this.#off = backend.events.on('embed.progress', (p) => {
      if (p.runId === this.runId) this.progress = p;
    });
  }

  async load(): Promise<void> {
    try {
      this.sets = await this.backend.calls['runs.vectorSets']({ runId: this.runId });
    } catch (error) {
      this.error = `Could not list the embedded folders: ${errorMessage(error)}`;
    }
  }

  async embed(): Promise<VectorSetSummary | null> {
    const path = this.path.trim();
    this.error = null;
    this.outcome = null;
    if (path === '') {
      this.error = 'Type the path of a folder to embed with this run.';
      return null;
    }
    if (this.busy) return null;
    this.busy = true;
    this.progress = null;
    try {
      const set = await this.backend.calls['runs.embed']({ runId: this.runId, path });
      const skipped = set.skipped.length > 0 ? `; ${plural(set.skipped.length, 'file')} could not be read (${set.skipped[0]!.path}: ${set.skipped[0]!.reason})` : '';
      this.outcome = `Embedded ${plural(set.vectors, 'item')} of "${set.datasetName}"${skipped}. Files the import skipped are listed in that dataset.`;
      await this.load();
      return set;
    } catch (error) {
      this.error = `Could not embed the folder: ${errorMessage(error)}`;
      return null;
    } finally {
      this.busy = false;
    }
  }

  /** Electron: writes a set's CSV to a path on this computer. */
  async exportSet(setId: number, path: string, overwrite = false): Promise<void> {
    this.error = null;
    try {
      const written = await this.backend.calls['exports.vectorSet']({ setId, path, ...(overwrite ? { overwrite } : {}) });
      this.outcome = `Wrote ${plural(written.rows, 'row')} to ${written.path}`;
    } catch (error) {
      this.error = `Could not export: ${errorMessage(error)}`;
    }
  }

  /** Electron: the folder picker; false in the browser (the path is typed). */
  get canPick(): boolean {
    return this.backend.shell.kind === 'electron' && this.backend.shell.pickFolder !== undefined;
  }

  async pick(): Promise<void> {
    const chosen = await this.backend.shell.pickFolder?.();
    if (chosen) this.path = chosen;
  }

  dispose(): void {
    this.#off();
  }
}
