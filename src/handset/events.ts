/** A tiny typed event emitter that works the same in Node and browsers. */
export type Listener<T> = (value: T) => void;

/** A small typed event emitter (the base of {@link Handset}): `on` and `off` by event name, with the listener's value type from `Events`. */
export class TypedEmitter<Events extends Record<string, unknown>> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => this.off(event, listener);
  }

  /** Removes a listener added with `on`. */
  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    this.listeners.get(event)?.delete(listener as Listener<never>);
  }

  /**
   * Calls each listener of `event` with `value`, in the order they were added; one that throws is
   * skipped. A listener added or removed meanwhile counts from the next emit.
   */
  protected emit<K extends keyof Events>(event: K, value: Events[K]): void {
    const set = this.listeners.get(event);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<Events[K]>)(value);
      } catch {
        // A listener's failure must not break the activation.
      }
    }
  }
}
