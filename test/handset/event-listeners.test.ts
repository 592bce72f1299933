/**
 * The handset's event emitter (TypedEmitter, the base of Handset) as documented in
 * src/handset/events.ts: `on` adds a listener and returns a function that removes it, `off` removes
 * it, `emit` calls the listeners in the order they were added, skips one that throws, and works on
 * a snapshot of the listeners taken when it starts.
 */
import { describe, expect, it } from 'vitest';
import { TypedEmitter } from '../../src/index.js';

interface Events extends Record<string, unknown> {
  tick: number;
  tock: string;
}

/** An emitter whose `emit` a test can call. */
class Emitter extends TypedEmitter<Events> {
  fire<K extends keyof Events>(event: K, value: Events[K]): void {
    this.emit(event, value);
  }
}

describe('TypedEmitter listeners', () => {
  it('calls each listener of the event, in the order added, with the value; not those of other events', () => {
    const emitter = new Emitter();
    const calls: string[] = [];
    emitter.on('tick', (n) => calls.push(`a${n}`));
    emitter.on('tick', (n) => calls.push(`b${n}`));
    emitter.on('tock', (s) => calls.push(`tock ${s}`));
    emitter.fire('tick', 1);
    expect(calls).toEqual(['a1', 'b1']);
  });

  it('an event nobody listens to is emitted without effect or error', () => {
    const emitter = new Emitter();
    expect(() => emitter.fire('tick', 1)).not.toThrow();
    const calls: number[] = [];
    emitter.on('tock', () => calls.push(1));
    expect(() => emitter.fire('tick', 2)).not.toThrow();
    expect(calls).toEqual([]);
  });

  it('the function `on` returns removes that listener only', () => {
    const emitter = new Emitter();
    const calls: string[] = [];
    const removeA = emitter.on('tick', (n) => calls.push(`a${n}`));
    emitter.on('tick', (n) => calls.push(`b${n}`));
    removeA();
    emitter.fire('tick', 1);
    expect(calls).toEqual(['b1']);
  });

  it('`off` removes a listener added with `on`', () => {
    const emitter = new Emitter();
    const calls: number[] = [];
    const listener = (n: number): void => {
      calls.push(n);
    };
    emitter.on('tick', listener);
    emitter.fire('tick', 1);
    emitter.off('tick', listener);
    emitter.fire('tick', 2);
    expect(calls).toEqual([1]);
    // Removing a listener that was never added, or from an event nobody listens to, is harmless.
    expect(() => emitter.off('tock', () => undefined)).not.toThrow();
  });

  it('a listener that throws is skipped: the next ones are still called', () => {
    const emitter = new Emitter();
    const calls: number[] = [];
    emitter.on('tick', () => {
      throw new Error('listener failure');
    });
    emitter.on('tick', (n) => calls.push(n));
    expect(() => emitter.fire('tick', 7)).not.toThrow();
    expect(calls).toEqual([7]);
  });

  it('a listener removed by an earlier one during an emit is still called in that emit, not the next', () => {
    const emitter = new Emitter();
    const calls: string[] = [];
    const second = (n: number): void => {
      calls.push(`second${n}`);
    };
    emitter.on('tick', (n) => {
      calls.push(`first${n}`);
      emitter.off('tick', second);
    });
    emitter.on('tick', second);
    emitter.fire('tick', 1);
    emitter.fire('tick', 2);
    expect(calls).toEqual(['first1', 'second1', 'first2']);
  });

  it('a listener added twice is called once per emit, and one `off` removes it', () => {
    const emitter = new Emitter();
    const calls: number[] = [];
    const listener = (n: number): void => {
      calls.push(n);
    };
    emitter.on('tick', listener);
    emitter.on('tick', listener);
    emitter.fire('tick', 1);
    emitter.off('tick', listener);
    emitter.fire('tick', 2);
    expect(calls).toEqual([1]);
  });

  it('a listener added by another during an emit is called from the next emit', () => {
    const emitter = new Emitter();
    const calls: string[] = [];
    emitter.on('tick', (n) => {
      calls.push(`first${n}`);
      emitter.on('tick', (m) => calls.push(`added${m}`));
    });
    emitter.fire('tick', 1);
    expect(calls).toEqual(['first1']);
  });
});
