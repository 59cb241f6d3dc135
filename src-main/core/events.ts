import type { EventName, EventSource, PayloadOf, Unsubscribe } from '../contract';

/** A typed in-process event bus; every shell subscribes to it and forwards events to its renderer. */
export class EventHub implements EventSource {
  private readonly listeners = new Map<EventName, Set<(payload: never) => void>>();
  private readonly anyListeners = new Set<(name: EventName, payload: unknown) => void>();

  on<K extends EventName>(name: K, listener: (payload: PayloadOf<K>) => void): Unsubscribe {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  /** For transports that forward every event by name. */
  onAny(listener: (name: EventName, payload: unknown) => void): Unsubscribe {
    this.anyListeners.add(listener);
    return () => this.anyListeners.delete(listener);
  }

  emit<K extends EventName>(name: K, payload: PayloadOf<K>): void {
    for (const listener of this.listeners.get(name) ?? []) (listener as (payload: PayloadOf<K>) => void)(payload);
    for (const listener of this.anyListeners) listener(name, payload);
  }
}
