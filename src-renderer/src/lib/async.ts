/** Small timing helpers: debouncing and dropping stale replies. Pure, tested in test/renderer. */

export interface Debounced<A extends unknown[]> {
  (...args: A): void;
  /** Drops a pending call. */
  cancel(): void;
  /** Runs a pending call now. */
  flush(): void;
  readonly pending: boolean;
}

/** Calls `fn` once `ms` have passed without another call, with the last arguments. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): Debounced<A> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastArgs: A | null = null;
  const run = (): void => {
    timer = null;
    const args = lastArgs;
    lastArgs = null;
    if (args) fn(...args);
  };
  const debounced = ((...args: A) => {
    lastArgs = args;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(run, ms);
  }) as Debounced<A>;
  debounced.cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    lastArgs = null;
  };
  debounced.flush = () => {
    if (timer === null) return;
    clearTimeout(timer);
    run();
  };
  Object.defineProperty(debounced, 'pending', { get: () => timer !== null });
  return debounced;
}

/**
 * Numbers requests so that only the latest reply is applied: typing fast in the path field or
 * paging quickly must never show an older answer after a newer one.
 */
export class LatestOnly {
  private counter = 0;

  /** Starts a request; keep the returned ticket. */
  begin(): number {
    return ++this.counter;
  }

  /** True when no request was started after this ticket. */
  isCurrent(ticket: number): boolean {
    return ticket === this.counter;
  }

  /** Makes every outstanding ticket stale. */
  invalidate(): void {
    this.counter++;
  }
}
