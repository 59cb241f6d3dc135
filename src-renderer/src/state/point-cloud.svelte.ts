import { LatestOnly } from '../lib/async';
import { errorMessage } from '../lib/format';
import { indexOfItem } from '../lib/points';
import { pointsUrl } from '../lib/routes';
import type { PointsCompute } from '../lib/points-compute';
import type { ClusterResult, DisagreementResult, PreparedPoints } from '../lib/points-engine';

export type CloudStatus = 'empty' | 'loading' | 'ready' | 'error';

export interface PointCloudOptions {
  /** Makes the map's worker (or an in-process stand-in in tests). */
  compute: () => PointsCompute;
  /** Fetches a points file; the default uses `fetch` on the same origin. */
  fetchPoints?: (url: string) => Promise<ArrayBuffer>;
}

/** `fetch` of a binary file, with the server's message when it refuses. */
export async function fetchBinary(url: string): Promise<ArrayBuffer> {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) {
    const text = (await response.text().catch(() => '')).trim();
    throw new Error(text || `The server answered ${response.status} ${response.statusText}`);
  }
  return response.arrayBuffer();
}

/**
 * The points of one map: fetched once per projection, decoded and indexed in the map's worker, held as
 * typed arrays (never as per-point objects, never deeply reactive). Clusters and kNN disagreement are
 * computed in the same worker the first time a colour mode needs them, and kept until the map changes.
 */
export class PointCloud {
  runId = $state<number | null>(null);
  projectionId = $state<number | null>(null);
  status = $state<CloudStatus>('empty');
  error = $state<string | null>(null);
  points = $state.raw<PreparedPoints | null>(null);
  clusters = $state.raw<ClusterResult | null>(null);
  clustersBusy = $state(false);
  disagreement = $state.raw<DisagreementResult | null>(null);
  disagreementBusy = $state(false);
  /** Bumped on each new map, so work started for an old one is dropped. */
  generation = $state(0);

  readonly #options: PointCloudOptions;
  readonly #latest = new LatestOnly();
  #compute: PointsCompute | null = null;
  #clusterKey = '';
  #clusterRequest: Promise<ClusterResult | null> | null = null;
  #disagreementK = 0;
  #disagreementRequest: Promise<DisagreementResult | null> | null = null;

  constructor(options: PointCloudOptions) {
    this.#options = options;
  }

  get count(): number {
    return this.points?.count ?? 0;
  }

  /** Loads a projection's points (a no-op when it is already on the map). */
  async load(runId: number, projectionId: number): Promise<void> {
    if (this.runId === runId && this.projectionId === projectionId && (this.status === 'ready' || this.status === 'loading')) return;
    const ticket = this.#latest.begin();
    this.runId = runId;
    this.projectionId = projectionId;
    this.#reset('loading');
    try {
      const buffer = await (this.#options.fetchPoints ?? fetchBinary)(pointsUrl(runId, projectionId));
      if (!this.#latest.isCurrent(ticket)) return;
      const points = await this.#worker().prepare(buffer);
      if (!this.#latest.isCurrent(ticket)) return;
      this.points = points;
      this.status = 'ready';
    } catch (error) {
      if (!this.#latest.isCurrent(ticket)) return;
      this.status = 'error';
      this.error = `Could not load the map: ${errorMessage(error)}`;
    }
  }

  /** Loads the same projection again (after an error). */
  reload(): Promise<void> {
    const { runId, projectionId } = this;
    if (runId === null || projectionId === null) return Promise.resolve();
    this.status = 'empty';
    return this.load(runId, projectionId);
  }

  /** Empties the map and stops its worker. */
  close(): void {
    this.#latest.invalidate();
    this.runId = null;
    this.projectionId = null;
    this.#reset('empty');
    this.#compute?.dispose();
    this.#compute = null;
  }

  /** k-means clusters of the map (computed once per k and seed). */
  ensureClusters(k: number, seed = 1): Promise<ClusterResult | null> {
    const key = `${k}:${seed}`;
    if (this.clusters && this.#clusterKey === key) return Promise.resolve(this.clusters);
    if (this.#clusterRequest && this.#clusterKey === key) return this.#clusterRequest;
    if (!this.points) return Promise.resolve(null);
    const generation = this.generation;
    this.#clusterKey = key;
    this.clustersBusy = true;
    const request = this.#worker()
      .clusters(k, seed)
      .then(
        (result) => {
          if (generation !== this.generation || this.#clusterKey !== key) return null;
          this.clusters = result;
          return result;
        },
        (error: unknown) => {
          if (generation === this.generation) this.error = `Could not compute clusters: ${errorMessage(error)}`;
          return null;
        },
      )
      .finally(() => {
        if (this.#clusterRequest === request) {
          this.#clusterRequest = null;
          this.clustersBusy = false;
        }
      });
    this.#clusterRequest = request;
    return request;
  }

  /** kNN label disagreement of every point (computed once per k). */
  ensureDisagreement(k: number): Promise<DisagreementResult | null> {
    if (this.disagreement && this.#disagreementK === k) return Promise.resolve(this.disagreement);
    if (this.#disagreementRequest && this.#disagreementK === k) return this.#disagreementRequest;
    if (!this.points) return Promise.resolve(null);
    const generation = this.generation;
    this.#disagreementK = k;
    this.disagreementBusy = true;
    const request = this.#worker()
      .disagreement(k)
      .then(
        (result) => {
          if (generation !== this.generation || this.#disagreementK !== k) return null;
          this.disagreement = result;
          return result;
        },
        (error: unknown) => {
          if (generation === this.generation) this.error = `Could not compute the disagreement: ${errorMessage(error)}`;
          return null;
        },
      )
      .finally(() => {
        if (this.#disagreementRequest === request) {
          this.#disagreementRequest = null;
          this.disagreementBusy = false;
        }
      });
    this.#disagreementRequest = request;
    return request;
  }

  /** For each point of this map, the index of the same item in `other` (-1 when absent). */
  async alignTo(other: PreparedPoints): Promise<Int32Array | null> {
    if (!this.points) return null;
    const generation = this.generation;
    const result = await this.#worker().align(other.itemIds.slice());
    return generation === this.generation ? result : null;
  }

  /** Points inside a polygon of map coordinates (a lasso or a box), computed in the worker. */
  async selectPolygon(vertices: Float64Array): Promise<Uint32Array> {
    if (!this.points) return new Uint32Array(0);
    const generation = this.generation;
    const inside = await this.#worker().polygon(vertices);
    return generation === this.generation ? inside : new Uint32Array(0);
  }

  /** The point showing an item, or -1. */
  indexOf(itemId: number): number {
    return this.points ? indexOfItem(this.points.itemIndex, itemId) : -1;
  }

  /** Item ids of some points (in the order given). */
  itemIdsOf(indices: ArrayLike<number>): Int32Array {
    const ids = this.points?.itemIds;
    const out = new Int32Array(indices.length);
    if (!ids) return out;
    for (let i = 0; i < indices.length; i++) out[i] = ids[indices[i]!]!;
    return out;
  }

  #worker(): PointsCompute {
    this.#compute ??= this.#options.compute();
    return this.#compute;
  }

  #reset(status: CloudStatus): void {
    this.generation++;
    this.status = status;
    this.error = null;
    this.points = null;
    this.clusters = null;
    this.disagreement = null;
    this.clustersBusy = false;
    this.disagreementBusy = false;
    this.#clusterKey = '';
    this.#clusterRequest = null;
    this.#disagreementK = 0;
    this.#disagreementRequest = null;
  }
}
