import type { IndexProgress, Modality, SearchResult, SimilarItem, VectorSetSummary } from '../../../src-main/contract';
import { SvelteMap } from 'svelte/reactivity';
import { LatestOnly } from '../lib/async';
import type { Backend } from '../lib/client';
import { errorMessage } from '../lib/format';
import { bytesToBase64, DEFAULT_K, queryFileProblem } from '../lib/search';

/** What the results are similar to: a point of the map (or an item of a vector set), or a file dropped on the panel. */
export type SearchQuery =
  | { kind: 'item'; runId: number; itemId: number; /** The vector set the item is from; absent: the run's own items. */ fromSet?: number }
  | { kind: 'file'; runId: number; fileName: string; bytes: Uint8Array; type: string }
  | { kind: 'text'; runId: number; text: string };

/**
 * Top-k search by cosine similarity in the run's embedding space, from an item of the run or from a new
 * file that the core embeds with the run's encoder. Only the latest query's answer is shown. It looks
 * among the run's own items, or among one of its vector sets (other folders embedded with the run):
 * `target`, chosen from `sets`.
 */
export class SimilarSearch {
  query = $state.raw<SearchQuery | null>(null);
  results = $state.raw<SimilarItem[]>([]);
  strategy = $state<SearchResult['strategy'] | null>(null);
  milliseconds = $state<number | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  k = $state(DEFAULT_K);
  /** The run's vector sets that can be searched (finished, with vectors). */
  sets = $state.raw<VectorSetSummary[]>([]);
  /** The vector set searched, or null for the run's own items. */
  target = $state<number | null>(null);
  /** The vector set the shown results come from (their paths are in its folder), or null. */
  resultSet = $state.raw<SearchResult['set'] | null>(null);
  /** Index builds under way, by `runId:setId` (the core answers exactly until each is done). */
  readonly indexBuilds = new SvelteMap<string, IndexProgress>();

  readonly #backend: Backend;
  readonly #latest = new LatestOnly();
  readonly #setsLatest = new LatestOnly();
  #preferredTarget: number | null = null;

  constructor(backend: Backend) {
    this.#backend = backend;
  }

  /** Follows the core's index builds (`index.progress`); returns the unsubscribe. */
  followIndexBuilds(): () => void {
    return this.#backend.events.on('index.progress', (p) => {
      const key = `${p.runId}:${p.setId ?? ''}`;
      if (p.done >= p.total) this.indexBuilds.delete(key);
      else this.indexBuilds.set(key, p);
    });
  }

  /** The build under way of the index the next query of this run searches (its own items, or `target`), or null. */
  indexBuildFor(runId: number | null): IndexProgress | null {
    if (runId === null) return null;
    return this.indexBuilds.get(`${runId}:${this.target ?? ''}`) ?? null;
  }

  byItem(runId: number, itemId: number): Promise<void> {
    return this.#run({ kind: 'item', runId, itemId });
  }

  /** The run's own items most similar to an item of one of its vector sets (a result of a set search). */
  byItemOfSet(runId: number, itemId: number, setId: number): Promise<void> {
    this.target = null;
    return this.#run({ kind: 'item', runId, itemId, fromSet: setId });
  }

  /** Lists the run's searchable vector sets; the target stays if the run still has it (or becomes the preferred one). */
  async loadSets(runId: number | null): Promise<void> {
    const ticket = this.#setsLatest.begin();
    let sets: VectorSetSummary[] = [];
    if (runId !== null) {
      try {
        sets = (await this.#backend.calls['runs.vectorSets']({ runId })).filter((s) => s.status === 'completed' && s.vectors > 0);
      } catch {
        // Without the list the run's own items are still searched; the run view shows why sets fail.
      }
    }
    if (!this.#setsLatest.isCurrent(ticket)) return;
    this.sets = sets;
    const preferred = this.#preferredTarget;
    if (preferred !== null && sets.some((s) => s.id === preferred)) {
      this.#preferredTarget = null;
      void this.setTarget(preferred);
    } else if (this.target !== null && !sets.some((s) => s.id === this.target)) void this.setTarget(null);
  }

  /** Searches this vector set the next time the run's sets are listed (coming from the run view). */
  preferTarget(setId: number): void {
    this.#preferredTarget = setId;
  }

  /** Searches among a vector set's items (or the run's own, null), again for the query on screen. */
  setTarget(setId: number | null): Promise<void> {
    if (setId === this.target) return Promise.resolve();
    this.target = setId;
    return this.query ? this.#run(this.query) : Promise.resolve();
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

  /** Searches a text run with a typed text (embedded by the core with the run's tokenizer and encoder). */
  byText(runId: number, text: string): Promise<void> {
    if (text.trim() === '') {
      this.#latest.invalidate();
      this.loading = false;
      this.error = 'Type some text to search for';
      return Promise.resolve();
    }
    return this.#run({ kind: 'text', runId, text });
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
    this.resultSet = null;
    this.loading = false;
    this.error = null;
  }

  async #run(query: SearchQuery): Promise<void> {
    const ticket = this.#latest.begin();
    this.query = query;
    this.loading = true;
    this.error = null;
    const where = this.target !== null ? { setId: this.target } : {};
    try {
      const answer =
        query.kind === 'item'
          ? await this.#backend.calls['search.similarToItem']({
              runId: query.runId,
              itemId: query.itemId,
              k: this.k,
              ...where,
              ...(query.fromSet !== undefined ? { itemSetId: query.fromSet } : {}),
            })
          : query.kind === 'text'
            ? await this.#backend.calls['search.similarToText']({ runId: query.runId, text: query.text, k: this.k, ...where })
            : await this.#backend.calls['search.similarToFile']({
                runId: query.runId,
                fileName: query.fileName,
                base64: bytesToBase64(query.bytes),
                k: this.k,
                ...where,
              });
      if (!this.#latest.isCurrent(ticket)) return;
      this.results = answer.results;
      this.resultSet = answer.set ?? null;
      this.strategy = answer.strategy;
      this.milliseconds = answer.milliseconds;
    } catch (error) {
      if (!this.#latest.isCurrent(ticket)) return;
      this.results = [];
      this.resultSet = null;
      this.error = errorMessage(error);
    } finally {
      if (this.#latest.isCurrent(ticket)) this.loading = false;
    }
  }
}
