import { describe, expect, it } from 'vitest';
import { createMemoryTransportPair } from '../../src/transport/memory-transport.js';
import { withFaults, type Scheduler } from '../../src/transport/fault-injector.js';
import type { Transport } from '../../src/transport/transport.js';
import { isActivationError } from '../../src/errors/activation-error.js';

/** A transport that records what it is asked to send. */
function recorder(): Transport & { sent: Uint8Array[]; emit(f: Uint8Array): void; closed: boolean } {
  const handlers = new Set<(f: Uint8Array) => void>();
  const t = {
    sent: [] as Uint8Array[],
    closed: false,
    async send(f: Uint8Array) {
      t.sent.push(f);
    },
    onFrame(h: (f: Uint8Array) => void) {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    async close() {
      t.closed = true;
    },
    emit(f: Uint8Array) {
      for (const h of handlers) h(f);
    },
  };
  return t;
}

/** A manual scheduler: nothing runs until `run()`. */
function manualScheduler(): { schedule: Scheduler; run(): void; pending(): number } {
  const tasks = new Map<number, { fn: () => void; ms: number }>();
  let next = 0;
  return {
    schedule(fn, ms) {
      const id = next++;
      tasks.set(id, { fn, ms });
      return () => tasks.delete(id);
    },
    run() {
      const all = [...tasks.entries()].sort((a, b) => a[1].ms - b[1].ms || a[0] - b[0]);
      tasks.clear();
      for (const [, t] of all) t.fn();
    },
    pending: () => tasks.size,
  };
}

const frames = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => new Uint8Array([i, i, i, i, 0xaa]));
const ids = (list: Uint8Array[]): number[] => list.map((f) => f[0]!);

async function sendAll(t: Transport, list: Uint8Array[]): Promise<void> {
  for (const f of list) await t.send(f);
}

describe('withFaults', () => {
  it('passes everything through when no fault is configured', async () => {
    const inner = recorder();
    const t = withFaults(inner, { seed: 'clean' });
    await sendAll(t, frames(20));
    expect(ids(inner.sent)).toEqual([...Array(20).keys()]);
    expect(t.stats).toMatchObject({ sent: 20, forwarded: 20, dropped: 0, duplicated: 0, reordered: 0, corrupted: 0, delayed: 0 });
  });

  it('is deterministic for a seed and differs between seeds', async () => {
    const run = async (seed: string) => {
      const inner = recorder();
      const t = withFaults(inner, { seed, loss: 0.2, duplicate: 0.2, reorder: 0.2, corrupt: 0.1 });
      await sendAll(t, frames(200));
      return { sent: inner.sent.map((f) => Array.from(f).join(',')), stats: { ...t.stats } };
    };
    const a = await run('seed-a');
    const b = await run('seed-a');
    const c = await run('seed-c');
    expect(a).toEqual(b);
    expect(a.sent).not.toEqual(c.sent);
    // 200 frames at 20%: each fault happens, and not on every frame.
    expect(a.stats.dropped).toBeGreaterThan(15);
    expect(a.stats.dropped).toBeLessThan(70);
    expect(a.stats.duplicated).toBeGreaterThan(10);
    expect(a.stats.reordered).toBeGreaterThan(5);
    expect(a.stats.corrupted).toBeGreaterThan(3);
  });

  it('loss 1 drops every frame and send still resolves', async () => {
    const inner = recorder();
    const t = withFaults(inner, { seed: 'x', loss: 1 });
    await sendAll(t, frames(10));
    expect(inner.sent).toHaveLength(0);
    expect(t.stats.dropped).toBe(10);
  });

  it('duplicate 1 delivers every frame twice', async () => {
    const inner = recorder();
    const t = withFaults(inner, { seed: 'x', duplicate: 1 });
    await sendAll(t, frames(3));
    expect(ids(inner.sent)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(t.stats.duplicated).toBe(3);
  });

  it('reorder holds a frame and releases it after the next one', async () => {
    const inner = recorder();
    const t = withFaults(inner, { seed: 'x', reorder: 1 });
    await sendAll(t, frames(5));
    // 0 held, 1 then 0, 2 held, 3 then 2, 4 held (released by a later frame or lost on close)
    expect(ids(inner.sent)).toEqual([1, 0, 3, 2]);
    expect(t.stats.reordered).toBe(3);
    await t.send(new Uint8Array([9]));
    expect(ids(inner.sent)).toEqual([1, 0, 3, 2, 9, 4]);
  });

  it("corrupt flips exactly one bit and never touches the caller's buffer", async () => {
    const inner = recorder();
    const t = withFaults(inner, { seed: 'bits', corrupt: 1 });
    const list = frames(50);
    const copies = list.map((f) => f.slice());
    await sendAll(t, list);
    expect(list).toEqual(copies);
    for (let i = 0; i < 50; i++) {
      let bits = 0;
      for (let j = 0; j < list[i]!.length; j++) {
        let x = list[i]![j]! ^ inner.sent[i]![j]!;
        while (x) {
          bits += x & 1;
          x >>= 1;
        }
      }
      expect(bits).toBe(1);
    }
    expect(t.stats.corrupted).toBe(50);
  });

  it('delays frames through the injected scheduler; close cancels what is pending', async () => {
    const clock = manualScheduler();
    const inner = recorder();
    const t = withFaults(inner, { seed: 'x', delayMs: [10, 50], schedule: clock.schedule });
    await sendAll(t, frames(4));
    expect(inner.sent).toHaveLength(0);
    expect(clock.pending()).toBe(4);
    clock.run();
    await Promise.resolve();
    expect(inner.sent).toHaveLength(4);
    expect(t.stats.delayed).toBe(4);

    await sendAll(t, frames(3));
    expect(clock.pending()).toBe(3);
    await t.close();
    expect(clock.pending()).toBe(0);
    expect(inner.closed).toBe(true);
    clock.run();
    expect(inner.sent).toHaveLength(4);
  });

  it('close cancels real timers too', async () => {
    const inner = recorder();
    const t = withFaults(inner, { seed: 'x', delayMs: 30 });
    await t.send(new Uint8Array([1]));
    await t.close();
    await new Promise((r) => setTimeout(r, 60));
    expect(inner.sent).toHaveLength(0);
  });

  it('applies a script to chosen frames instead of random faults', async () => {
    const clock = manualScheduler();
    const inner = recorder();
    const t = withFaults(inner, {
      seed: 'x',
      loss: 1, // overridden for scripted frames
      schedule: clock.schedule,
      script: [
        { frame: 1, action: 'duplicate' },
        { frame: 2, action: 'corrupt' },
        { frame: 3, action: 'delay', ms: 100 },
        { frame: 4, action: 'drop' },
      ],
    });
    const list = frames(5);
    await sendAll(t, list);
    expect(inner.sent).toHaveLength(3);
    expect(inner.sent[0]).toEqual(list[0]);
    expect(inner.sent[1]).toEqual(list[0]);
    expect(inner.sent[2]).toHaveLength(list[1]!.length);
    expect(inner.sent[2]).not.toEqual(list[1]);
    clock.run();
    await Promise.resolve();
    expect(inner.sent).toHaveLength(4);
    expect(inner.sent[3]).toEqual(list[2]);
    expect(t.stats).toMatchObject({ sent: 5, duplicated: 1, corrupted: 1, delayed: 1, dropped: 2 });
  });

  it('faults the receive direction when asked, and leaves sends alone', async () => {
    const inner = recorder();
    const t = withFaults(inner, { seed: 'rx', direction: 'receive', loss: 1 });
    const got: Uint8Array[] = [];
    t.onFrame((f) => got.push(f));
    await sendAll(t, frames(3));
    expect(inner.sent).toHaveLength(3);
    for (const f of frames(3)) inner.emit(f);
    await Promise.resolve();
    expect(got).toHaveLength(0);
    expect(t.stats).toMatchObject({ received: 3, dropped: 3 });
  });

  it('faults both directions with independent decisions', async () => {
    const [a, b] = createMemoryTransportPair();
    const fa = withFaults(a, { seed: 'both', direction: 'both', script: [{ frame: 1, action: 'drop', direction: 'receive' }] });
    const got: Uint8Array[] = [];
    fa.onFrame((f) => got.push(f));
    const bGot: Uint8Array[] = [];
    b.onFrame((f) => bGot.push(f));
    await fa.send(new Uint8Array([1]));
    await b.send(new Uint8Array([2]));
    await b.send(new Uint8Array([3]));
    await new Promise((r) => setTimeout(r, 5));
    expect(ids(bGot)).toEqual([1]);
    expect(ids(got)).toEqual([3]);
    await fa.close();
    await b.close();
  });

  it('rejects sends after close and invalid options', async () => {
    const t = withFaults(recorder(), { seed: 'x' });
    await t.close();
    await t.close();
    await expect(t.send(new Uint8Array([1]))).rejects.toSatisfy((e) => isActivationError(e, 'TRANSPORT_ERROR'));
    expect(() => withFaults(recorder(), { seed: 'x', loss: 2 })).toThrow(/probability/);
    expect(() => withFaults(recorder(), { seed: 'x', delayMs: [5, 1] })).toThrow(/delayMs/);
    expect(() => withFaults(recorder(), { seed: 'x', script: [{ frame: 0, action: 'drop' }] })).toThrow(/script/);
    expect(() => withFaults(recorder(), {} as never)).toThrow(/seed/);
  });
});
