/**
 * Hierarchical navigable small-world graphs (Malkov and Yashunin 2016, "Efficient and robust
 * approximate nearest neighbor search using HNSW graphs"), for cosine similarity over unit vectors.
 *
 * Layout is flat typed arrays so a graph over a million points is a handful of allocations that
 * can be moved from the building worker to the searching thread without copying: layer-0 links
 * (2M per node) in one Int32Array, upper-layer links (M per node per layer) in another, addressed
 * by a per-node slot offset. Node levels are drawn up front from a seeded generator and nodes are
 * inserted in index order, so the same seed and data build the same graph.
 */
import { Rng } from '../ssl/random';
import { dotRow } from './exact';

export interface HnswParams {
  /** Links per node on the upper layers (twice this on layer 0). Default 16. */
  m: number;
  /** Beam width while building. Default 100. */
  efConstruction: number;
  seed: number;
}

export const DEFAULT_HNSW_PARAMS: HnswParams = { m: 16, efConstruction: 100, seed: 1 };

/** Everything that defines a built graph (the vectors are kept beside it). */
export interface HnswGraph {
  n: number;
  dim: number;
  m: number;
  entryPoint: number;
  maxLevel: number;
  /** [n] top layer of each node. */
  levels: Uint8Array;
  /** [n] first upper-layer slot of each node (its layer 1), −1 for nodes only on layer 0. */
  upperStart: Int32Array;
  /** [n × 2m] layer-0 neighbours, `count0[i]` of them used. */
  links0: Int32Array;
  count0: Uint8Array;
  /** [slots × m] upper-layer neighbours, slot = upperStart[i] + layer − 1. */
  linksUp: Int32Array;
  countUp: Uint8Array;
}

const MAX_LEVEL = 16;

/** A binary min-heap of (key, id) over typed arrays that grow as needed. */
class MinHeap {
  keys = new Float64Array(64);
  ids = new Int32Array(64);
  size = 0;

  clear(): void {
    this.size = 0;
  }

  push(key: number, id: number): void {
    if (this.size === this.keys.length) {
      const keys = new Float64Array(this.size * 2);
      keys.set(this.keys);
      this.keys = keys;
      const ids = new Int32Array(this.size * 2);
      ids.set(this.ids);
      this.ids = ids;
    }
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.keys[p]! <= key) break;
      this.keys[i] = this.keys[p]!;
      this.ids[i] = this.ids[p]!;
      i = p;
    }
    this.keys[i] = key;
    this.ids[i] = id;
  }

  /** Removes the minimum; read `keys[0]`/`ids[0]` before calling. */
  pop(): void {
    const n = --this.size;
    if (n === 0) return;
    const key = this.keys[n]!;
    const id = this.ids[n]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.keys[c + 1]! < this.keys[c]!) c++;
      if (this.keys[c]! >= key) break;
      this.keys[i] = this.keys[c]!;
      this.ids[i] = this.ids[c]!;
      i = c;
    }
    this.keys[i] = key;
    this.ids[i] = id;
  }
}

export class HnswIndex {
  private readonly visited: Uint32Array;
  private visitEpoch = 0;
  private readonly candidates = new MinHeap(); // key −similarity: the best candidate on top
  private readonly results = new MinHeap(); // key similarity: the worst kept result on top
  private readonly scratchIds: number[] = [];
  private readonly scratchSims: number[] = [];

  /** `vectors` are [n × dim] unit rows: similarity is their dot product. */
  constructor(
    readonly vectors: Float32Array,
    readonly graph: HnswGraph,
  ) {
    this.visited = new Uint32Array(graph.n);
  }

  /** Builds the whole graph on this thread. */
  static build(vectors: Float32Array, n: number, dim: number, params: Partial<HnswParams> = {}, onProgress?: (done: number, total: number) => void): HnswIndex {
    const steps = HnswIndex.buildSteps(vectors, n, dim, params);
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      onProgress?.(step.value, n);
    }
  }

  /** Builds the graph, yielding the number of points inserted every few thousand (to report progress or pause). */
  static *buildSteps(vectors: Float32Array, n: number, dim: number, params: Partial<HnswParams> = {}, every = 2048): Generator<number, HnswIndex> {
    const p = { ...DEFAULT_HNSW_PARAMS, ...params };
    if (p.m < 2 || p.m > 127) throw new RangeError(`m must be in 2..127, got ${p.m}`);
    if (vectors.length < n * dim) throw new Error(`expected [${n}, ${dim}] vectors, got ${vectors.length} values`);
    const rng = new Rng(p.seed);
    const levels = new Uint8Array(n);
    const upperStart = new Int32Array(n).fill(-1);
    const mL = 1 / Math.log(p.m);
    let slots = 0;
    for (let i = 0; i < n; i++) {
      const level = Math.min(MAX_LEVEL, Math.floor(-Math.log(1 - rng.next()) * mL));
      levels[i] = level;
      if (level > 0) {
        upperStart[i] = slots;
        slots += level;
      }
    }
    const graph: HnswGraph = {
      n,
      dim,
      m: p.m,
      entryPoint: -1,
      maxLevel: -1,
      levels,
      upperStart,
      links0: new Int32Array(n * 2 * p.m),
      count0: new Uint8Array(n),
      linksUp: new Int32Array(slots * p.m),
      countUp: new Uint8Array(slots),
    };
    const index = new HnswIndex(vectors, graph);
    for (let i = 0; i < n; i++) {
      index.insert(i, p.efConstruction);
      if ((i + 1) % every === 0) yield i + 1;
    }
    return index;
  }

  /** The k nodes most similar to a unit `query`, best first; `ef` ≥ k trades speed for recall. */
  search(query: Float32Array, k: number, ef = 64): { indices: Int32Array; scores: Float32Array } {
    const { graph } = this;
    if (query.length !== graph.dim) throw new Error(`expected a query of ${graph.dim} values, got ${query.length}`);
    if (graph.entryPoint < 0) return { indices: new Int32Array(0), scores: new Float32Array(0) };
    let ep = graph.entryPoint;
    let epSim = dotRow(this.vectors, ep, query, graph.dim);
    for (let layer = graph.maxLevel; layer > 0; layer--) [ep, epSim] = this.greedy(query, ep, epSim, layer);
    this.searchLayer(query, [ep], Math.max(ef, k), 0);
    const count = Math.min(k, this.results.size);
    const indices = new Int32Array(count);
    const scores = new Float32Array(count);
    // The result heap pops worst first: fill from the back.
    while (this.results.size > count) this.results.pop();
    for (let r = count - 1; r >= 0; r--) {
      scores[r] = this.results.keys[0]!;
      indices[r] = this.results.ids[0]!;
      this.results.pop();
    }
    return { indices, scores };
  }

  private insert(q: number, efConstruction: number): void {
    const g = this.graph;
    const level = g.levels[q]!;
    if (g.entryPoint < 0) {
      g.entryPoint = q;
      g.maxLevel = level;
      return;
    }
    const query = this.vectors.subarray(q * g.dim, (q + 1) * g.dim);
    let ep = g.entryPoint;
    let epSim = dotRow(this.vectors, ep, query, g.dim);
    for (let layer = g.maxLevel; layer > level; layer--) [ep, epSim] = this.greedy(query, ep, epSim, layer);
    let entries = [ep];
    for (let layer = Math.min(level, g.maxLevel); layer >= 0; layer--) {
      this.searchLayer(query, entries, efConstruction, layer);
      // Results, best first.
      const ids: number[] = [];
      const sims: number[] = [];
      while (this.results.size > 0) {
        ids.push(this.results.ids[0]!);
        sims.push(this.results.keys[0]!);
        this.results.pop();
      }
      ids.reverse();
      sims.reverse();
      const chosen = this.selectNeighbours(ids, sims, g.m);
      this.setLinks(q, layer, chosen);
      const cap = layer === 0 ? 2 * g.m : g.m;
      for (const e of chosen) this.addLink(e, q, layer, cap);
      entries = ids;
    }
    if (level > g.maxLevel) {
      g.maxLevel = level;
      g.entryPoint = q;
    }
  }

  /** Greedy walk on one upper layer towards the query (beam width 1). */
  private greedy(query: Float32Array, start: number, startSim: number, layer: number): [number, number] {
    const g = this.graph;
    let best = start;
    let bestSim = startSim;
    for (let changed = true; changed; ) {
      changed = false;
      const slot = (g.upperStart[best]! + layer - 1) * g.m;
      const count = g.countUp[g.upperStart[best]! + layer - 1]!;
      for (let j = 0; j < count; j++) {
        const e = g.linksUp[slot + j]!;
        const s = dotRow(this.vectors, e, query, g.dim);
        if (s > bestSim) {
          bestSim = s;
          best = e;
          changed = true;
        }
      }
    }
    return [best, bestSim];
  }

  /** Beam search of one layer (the paper's Algorithm 2); leaves the ef best in `this.results`. */
  private searchLayer(query: Float32Array, entries: readonly number[], ef: number, layer: number): void {
    const g = this.graph;
    const { candidates, results, visited } = this;
    if (++this.visitEpoch === 0xffffffff) {
      visited.fill(0);
      this.visitEpoch = 1;
    }
    const epoch = this.visitEpoch;
    candidates.clear();
    results.clear();
    for (const e of entries) {
      if (visited[e] === epoch) continue;
      visited[e] = epoch;
      const s = dotRow(this.vectors, e, query, g.dim);
      candidates.push(-s, e);
      results.push(s, e);
      if (results.size > ef) results.pop();
    }
    while (candidates.size > 0) {
      const cSim = -candidates.keys[0]!;
      const c = candidates.ids[0]!;
      candidates.pop();
      if (results.size >= ef && cSim < results.keys[0]!) break;
      let base: number;
      let count: number;
      if (layer === 0) {
        base = c * 2 * g.m;
        count = g.count0[c]!;
      } else {
        const slot = g.upperStart[c]! + layer - 1;
        base = slot * g.m;
        count = g.countUp[slot]!;
      }
      const links = layer === 0 ? g.links0 : g.linksUp;
      for (let j = 0; j < count; j++) {
        const e = links[base + j]!;
        if (visited[e] === epoch) continue;
        visited[e] = epoch;
        const s = dotRow(this.vectors, e, query, g.dim);
        if (results.size < ef || s > results.keys[0]!) {
          candidates.push(-s, e);
          results.push(s, e);
          if (results.size > ef) results.pop();
        }
      }
    }
  }

  /**
   * The paper's neighbour-selection heuristic (Algorithm 4): take candidates best first, keeping one
   * only if it is more similar to the query than to every neighbour already kept, which spreads
   * links across directions instead of into one cluster.
   */
  private selectNeighbours(ids: readonly number[], sims: readonly number[], max: number): number[] {
    const chosen: number[] = [];
    const dim = this.graph.dim;
    for (let c = 0; c < ids.length && chosen.length < max; c++) {
      const id = ids[c]!;
      const row = this.vectors.subarray(id * dim, (id + 1) * dim);
      let keep = true;
      for (const r of chosen) {
        if (dotRow(this.vectors, r, row, dim) > sims[c]!) {
          keep = false;
          break;
        }
      }
      if (keep) chosen.push(id);
    }
    return chosen;
  }

  private setLinks(node: number, layer: number, neighbours: readonly number[]): void {
    const g = this.graph;
    if (layer === 0) {
      g.links0.set(neighbours, node * 2 * g.m);
      g.count0[node] = neighbours.length;
    } else {
      const slot = g.upperStart[node]! + layer - 1;
      g.linksUp.set(neighbours, slot * g.m);
      g.countUp[slot] = neighbours.length;
    }
  }

  /** Links `node` → `other`; a full list is re-chosen with the heuristic among its links and the newcomer. */
  private addLink(node: number, other: number, layer: number, cap: number): void {
    const g = this.graph;
    const links = layer === 0 ? g.links0 : g.linksUp;
    const counts = layer === 0 ? g.count0 : g.countUp;
    const at = layer === 0 ? node : g.upperStart[node]! + layer - 1;
    const base = at * (layer === 0 ? 2 * g.m : g.m);
    const count = counts[at]!;
    if (count < cap) {
      links[base + count] = other;
      counts[at] = count + 1;
      return;
    }
    const dim = g.dim;
    const row = this.vectors.subarray(node * dim, (node + 1) * dim);
    const ids = this.scratchIds;
    const sims = this.scratchSims;
    ids.length = 0;
    sims.length = 0;
    for (let j = 0; j <= count; j++) {
      const e = j < count ? links[base + j]! : other;
      ids.push(e);
      sims.push(dotRow(this.vectors, e, row, dim));
    }
    const order = ids.map((_, i) => i).sort((a, b) => sims[b]! - sims[a]! || ids[a]! - ids[b]!);
    const chosen = this.selectNeighbours(
      order.map((i) => ids[i]!),
      order.map((i) => sims[i]!),
      cap,
    );
    links.set(chosen, base);
    counts[at] = chosen.length;
  }
}
