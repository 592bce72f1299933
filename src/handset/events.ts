/** A tiny typed event emitter that works the same in Node and browsers. */
export type Listener<T> = (value: T) => void;

/** A small typed event emitter (the base of {@link Handset}): `on` and `off` by event name, with the listener's value type from `Events`. */
export class TypedEmitter<Events extends Record<string, unknown>> {
  /**
   * Per event, its listeners in the order added, each once. Made with the first listener, and
   * each list replaced (never changed) on `on` and `off`: an emit walks the list it started with
   * without copying it, and an emitter nobody listens to (a fleet of idle handsets) holds no
   * Map or Set (a Map and a Set per event cost about 300 bytes).
   */
  private listeners: Map<keyof Events, readonly Listener<never>[]> | undefined;

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    const listeners = (this.listeners ??= new Map());
    const list = listeners.get(event) ?? [];
    if (!list.includes(listener as Listener<never>)) listeners.set(event, [...list, listener as Listener<never>]);
    return () => this.off(event, listener);
  }

  /** Removes a listener added with `on`. */
  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    const listeners = this.listeners;
    const list = listeners?.get(event);
    if (listeners === undefined || list === undefined || !list.includes(listener as Listener<never>)) return;
    const rest = list.filter((l) => l !== listener);
    if (rest.length > 0) listeners.set(event, rest);
    else listeners.delete(event);
  }

  /**
   * Calls each listener of `event` with `value`, in the order they were added; one that throws is
   * skipped. A listener added or removed meanwhile counts from the next emit.
   */
  protected emit<K extends keyof Events>(event: K, value: Events[K]): void {
    const list = this.listeners?.get(event);
    if (list === undefined) return;
    for (const listener of list) {
      try {
        (listener as Listener<Events[K]>)(value);
      } catch {
        // A listener's failure must not break the activation.
      }
    }
  }
}
