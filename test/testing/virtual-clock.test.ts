/** The virtual clock: timers fire in time order only when the clock is moved, and a stuck run says so. */
import { describe, expect, it } from 'vitest';
import { VIRTUAL_CLOCK_START, VirtualClock } from '../../src/testing/virtual-clock.js';
import { expectCode } from '../support/errors.js';

describe('VirtualClock', () => {
  it('starts at 2024-01-01 or where told, and moves only when advanced', async () => {
    expect(new VirtualClock().now()).toBe(Date.UTC(2024, 0, 1));
    expect(VIRTUAL_CLOCK_START).toBe(Date.UTC(2024, 0, 1));
    const clock = new VirtualClock(1_000);
    await clock.settle();
    expect(clock.now()).toBe(1_000);
    await clock.advance(250);
    expect(clock.now()).toBe(1_250);
  });

  it('fires timers in the order of their times, then of their setting, each with the clock at its time', async () => {
    const clock = new VirtualClock(0);
    const fired: [string, number][] = [];
    const note = (name: string) => () => fired.push([name, clock.now()]);
    clock.timers.setTimeout(note('b'), 20);
    clock.timers.setTimeout(note('a'), 10);
    clock.timers.setTimeout(note('c'), 20);
    const cleared = clock.timers.setTimeout(note('never'), 15);
    clock.timers.clearTimeout(cleared);
    expect(clock.pendingTimers).toBe(3);
    expect(clock.nextTimerAt).toBe(10);
    await clock.advance(19);
    expect(fired).toEqual([['a', 10]]);
    await clock.advance(1);
    expect(fired).toEqual([
      ['a', 10],
      ['b', 20],
      ['c', 20],
    ]);
    expect(clock.pendingTimers).toBe(0);
    expect(clock.nextTimerAt).toBeUndefined();
  });

  it('lets what a timer sets off run before the next timer fires', async () => {
    const clock = new VirtualClock(0);
    const order: string[] = [];
    clock.timers.setTimeout(() => {
      void Promise.resolve().then(() => order.push('microtask after first'));
      // A timer set by a timer, due before the one set earlier, fires first.
      clock.timers.setTimeout(() => order.push('set by first'), 5);
    }, 10);
    clock.timers.setTimeout(() => order.push('second'), 30);
    await clock.advance(100);
    expect(order).toEqual(['microtask after first', 'set by first', 'second']);
  });

  it('gives withFaults a scheduler whose cancel works', async () => {
    const clock = new VirtualClock(0);
    let ran = 0;
    const cancel = clock.schedule(() => ran++, 10);
    clock.schedule(() => ran++, 10);
    cancel();
    await clock.advance(10);
    expect(ran).toBe(1);
  });

  it('runUntil jumps from timer to timer until the condition holds', async () => {
    const clock = new VirtualClock(0);
    let count = 0;
    const tick = (): void => {
      count++;
      clock.timers.setTimeout(tick, 1_000);
    };
    clock.timers.setTimeout(tick, 1_000);
    await clock.runUntil(() => count === 3);
    expect(clock.now()).toBe(3_000);
  });

  it('runUntil refuses to wait when nothing is left to happen, or past its limit', async () => {
    const clock = new VirtualClock(0);
    await expect(clock.runUntil(() => false)).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringMatching(/no timer is set/) });
    const forever = (): void => void clock.timers.setTimeout(forever, 60_000);
    forever();
    await expect(clock.runUntil(() => false, 120_000)).rejects.toMatchObject({
      code: 'TIMEOUT',
      message: expect.stringMatching(/within 120000 ms of virtual time/),
    });
    expect(clock.now()).toBe(120_000);
  });

  it('refuses a bad start or a bad step with INVALID_ARGUMENT', async () => {
    expectCode(() => new VirtualClock(-1), 'INVALID_ARGUMENT');
    expectCode(() => new VirtualClock(1.5), 'INVALID_ARGUMENT');
    const clock = new VirtualClock(0);
    await expect(clock.advance(-1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(clock.advance(Number.NaN)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
