import type { ItemRow } from '../../../src-main/contract';
import { debounce, type Debounced } from '../lib/async';
import type { ItemCache } from './item-cache.svelte';

/** Which map the pointer is over, the point under it and the item it shows. */
export interface HoverTarget {
  map: 'primary' | 'compare';
  index: number;
  itemId: number;
}

/**
 * The point under the pointer and the item behind it. The card appears at once with what the map
 * knows (label, thumbnail); the item's details (`items.get`) are asked for only once the pointer
 * rests `delayMs` on a point, so sweeping across thousands of points sends a handful of calls.
 */
export class HoverPreview {
  target = $state.raw<HoverTarget | null>(null);
  readonly #cache: ItemCache;
  readonly #load: Debounced<[number]>;

  constructor(cache: ItemCache, delayMs = 90) {
    this.#cache = cache;
    this.#load = debounce((itemId: number) => void this.#cache.load(itemId), delayMs);
  }

  get item(): ItemRow | null {
    const t = this.target;
    return t ? (this.#cache.get(t.itemId) ?? null) : null;
  }

  get error(): string | null {
    const t = this.target;
    return t ? (this.#cache.errorOf(t.itemId) ?? null) : null;
  }

  show(target: HoverTarget): void {
    const current = this.target;
    if (current && current.map === target.map && current.index === target.index && current.itemId === target.itemId) return;
    this.target = target;
    if (this.#cache.get(target.itemId)) this.#load.cancel();
    else this.#load(target.itemId);
  }

  hide(): void {
    this.#load.cancel();
    this.target = null;
  }

  dispose(): void {
    this.#load.cancel();
  }
}
