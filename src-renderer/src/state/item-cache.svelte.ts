import type { ItemRow } from '../../../src-main/contract';
import type { Backend } from '../lib/client';

/**
 * Items the explorer has shown (hover cards, search results), kept by id so that moving back and forth
 * over the same points asks the core once. The map is plain (least recently used entries are dropped
 * past `capacity`); `version` is the one reactive signal that it changed.
 */
export class ItemCache {
  version = $state(0);
  readonly #backend: Backend;
  readonly #capacity: number;
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #items = new Map<number, ItemRow>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #inflight = new Map<number, Promise<ItemRow | null>>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #failed = new Map<number, string>();

  constructor(backend: Backend, capacity = 500) {
    this.#backend = backend;
    this.#capacity = capacity;
  }

  /** The item if it was loaded; reading it follows `version`. */
  get(itemId: number): ItemRow | undefined {
    void this.version;
    return this.#items.get(itemId);
  }

  /** Why loading the item failed, if it did. */
  errorOf(itemId: number): string | undefined {
    void this.version;
    return this.#failed.get(itemId);
  }

  /** Loads an item once; concurrent calls share one request. Resolves with null when it failed. */
  load(itemId: number): Promise<ItemRow | null> {
    const known = this.#items.get(itemId);
    if (known) {
      // Refresh its place in the recency order.
      this.#items.delete(itemId);
      this.#items.set(itemId, known);
      return Promise.resolve(known);
    }
    const pending = this.#inflight.get(itemId);
    if (pending) return pending;
    const request = this.#backend.calls['items.get']({ itemId }).then(
      (item) => {
        this.#inflight.delete(itemId);
        this.#failed.delete(itemId);
        this.#items.set(itemId, item);
        while (this.#items.size > this.#capacity) this.#items.delete(this.#items.keys().next().value!);
        this.version++;
        return item;
      },
      (error: unknown) => {
        this.#inflight.delete(itemId);
        this.#failed.set(itemId, error instanceof Error ? error.message : String(error));
        this.version++;
        return null;
      },
    );
    this.#inflight.set(itemId, request);
    return request;
  }

  get size(): number {
    return this.#items.size;
  }
}
