import type { Modality, SearchResult, SimilarItem } from '../../../src-main/contract';
import { LatestOnly } from '../lib/async';
import type { Backend } from '../lib/client';
import { errorMessage } from '../lib/format';
import { bytesToBase64, DEFAULT_K, queryFileProblem } from '../lib/search';

/** What the results are similar to: a point of the map, or a file dropped on the panel. */
export type SearchQuery =
  | { kind: 'item'; runId: number; itemId: number }
  | { kind: 'file'; runId: number; fileName: string; bytes: Uint8Array; type: string };

/**
 * Top-k search by cosine similarity in the run's embedding space, from an item of the run or from a new
 * file that the core embeds with the run's encoder. Only the latest query's answer is shown.
 */
export class SimilarSearch {
  query = $state.raw<SearchQuery | null>(null);
  results = $state.raw<SimilarItem[]>([]);
  strategy = $state<SearchResult['strategy'] | null>(null);
  milliseconds = $state<number | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  k = $state(DEFAULT_K);

  readonly #backend: Backend;
  readonly #latest = new LatestOnly();

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  byItem(runId: number, itemId: number): Promise<void> {
    return this.#run({ kind: 'item', runId, itemId });
  }

  /** Reads the file and searches with it; refuses files of another modality or too large to send. */
  async byFile(runId: number, file: File, modality: Modality | null): Promise<void> {
    const problem = queryFileProblem(file, modality);
    if (problem) {
      this.#latest.invalidate();
      this.loading = false;
      this.error = problem;
      return;
    }
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await file.arrayBuffer());
    } catch (error) {
      this.error = `Could not read “${file.name}”: ${errorMessage(error)}`;
      return;
    }
    return this.#run({ kind: 'file', runId, fileName: file.name, bytes, type: file.type });
  }

  /** Asks for a different number of results for the same query. */
  setK(k: number): Promise<void> {
    this.k = k;
    return this.query ? this.#run(this.query) : Promise.resolve();
  }

  clear(): void {
    this.#latest.invalidate();
    this.query = null;
    this.results = [];
    this.strategy = null;
    this.milliseconds = null;
    this.loading = false;
    this.error = null;
  }

  async #run(query: SearchQuery): Promise<void> {
    const ticket = this.#latest.begin();
    this.query = query;
    this.loading = true;
    this.error = null;
    try {
      const answer =
        query.kind === 'item'
          ? await this.#backend.calls['search.similarToItem']({ runId: query.runId, itemId: query.itemId, k: this.k })
          : await this.#backend.calls['search.similarToFile']({
              runId: query.runId,
              fileName: query.fileName,
              base64: bytesToBase64(query.bytes),
              k: this.k,
            });
      if (!this.#latest.isCurrent(ticket)) return;
      this.results = answer.results;
      this.strategy = answer.strategy;
      this.milliseconds = answer.milliseconds;
    } catch (error) {
      if (!this.#latest.isCurrent(ticket)) return;
      this.results = [];
      this.error = errorMessage(error);
    } finally {
      if (this.#latest.isCurrent(ticket)) this.loading = false;
    }
  }
}
