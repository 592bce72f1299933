/**
 * The driver's one platform timer (issue 14): the core moves its deadline on with almost every
 * frame it sends, and the driver no longer clears and sets a platform timer each time. It keeps one
 * armed while the deadline only moves later, lets it fire at the earlier time and arms it again for
 * the rest; an earlier deadline re-arms at once. The injected TimerApi and clock stay the only
 * source of time, so a virtual clock drives it as before, and a retransmission still goes out
 * exactly one reply timeout after the frame it repeats.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { Handset, type TimerApi } from '../../src/handset/handset.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { createMemoryTransportPair } from '../../src/transport/memory-transport.js';
import { decodeFrame, type MessageType } from '../../src/wire/frame.js';
import { SYNC_ORDER, type SyncData } from '../../src/index.js';
import { VirtualClock } from '../reliability/virtual-clock.js';

const PASSWORD = 'driver-timer-password-1';
const EMAIL = 'timer@example.com';
const REPLY_TIMEOUT_MS = 2_000;

const emptySyncData = (): SyncData => Object.fromEntries(SYNC_ORDER.map((d) => [d, []])) as unknown as SyncData;

/** A TimerApi that counts the calls it passes on. */
function counted(inner: TimerApi): { timers: TimerApi; sets: () => number; clears: () => number } {
  let sets = 0;
  let clears = 0;
  return {
    timers: {
      setTimeout: (fn, ms) => {
        sets++;
        return inner.setTimeout(fn, ms);
      },
      clearTimeout: (handle) => {
        clears++;
        inner.clearTimeout(handle);
      },
    },
    sets: () => sets,
    clears: () => clears,
  };
}

const config = {
  pin: '2100000A',
  routing: { relay: 'relay.test', uid: 'U1' },
  device: { model: '8800', os: '4.5.0' },
  retry: { replyTimeoutMs: REPLY_TIMEOUT_MS, retries: 5 },
};

/**
 * A handset and a simulator on a virtual clock: each server reply arrives `delayMs` of virtual
 * time after the frame it answers (so every handset frame moves the deadline later), and none at
 * all once `cut()` says so.
 */
function world(cut: (sent: readonly MessageType[]) => boolean, delayMs = 100) {
  const clock = new VirtualClock();
  const sim = new BesSimulator({ now: clock.now, random: seededRandom('driver-timer/server'), services: { userData: emptySyncData } });
  sim.addUser({ email: EMAIL, displayName: 'Timer', activationPassword: PASSWORD });
  const [handsetSide, serverSide] = createMemoryTransportPair();
  const sent: { type: MessageType; at: number }[] = [];
  serverSide.onFrame((bytes, meta) => {
    sent.push({ type: decodeFrame(bytes).type, at: clock.now() });
    if (cut(sent.map((s) => s.type))) return;
    for (const out of sim.receive(bytes, meta)) clock.scheduler(() => void serverSide.send(out).catch(() => {}), delayMs);
  });
  const count = counted(clock.timerApi);
  const handset = new Handset({
    config,
    transport: handsetSide,
    random: seededRandom('driver-timer/handset'),
    now: clock.now,
    timers: count.timers,
  });
  return { clock, handset, sent, count };
}

describe('the driver keeps one platform timer while the deadline moves later (issue 14)', () => {
  it('a whole activation on a virtual clock: two setTimeouts for a dozen frames, and none left armed', async () => {
    const { clock, handset, sent, count } = world(() => false);
    let done = false;
    let failed: unknown;
    handset.activate({ email: EMAIL, password: PASSWORD }).then(
      () => (done = true),
      (err: unknown) => (failed = err),
    );
    expect(await clock.runUntil(() => done || failed !== undefined)).toBe(true);
    expect(failed).toBeUndefined();
    expect(handset.state.phase).toBe('complete');
    // Every frame but the last (sync-done's answer) waited for a reply, each with a later deadline.
    expect(sent.length).toBeGreaterThanOrEqual(8);
    // Two platform timers where there was one per frame (12 on main): the core clears its timer
    // once in the middle (while the IT policy is applied) and at the end; in between the deadline
    // only moves later, so nothing re-arms it.
    expect(count.sets()).toBe(2);
    expect(count.clears()).toBe(2);
    // Nothing is left to fire: a minute later nothing was sent again and no timer was armed.
    const frames = sent.length;
    await clock.runUntil(() => false, 60_000);
    expect(sent.length).toBe(frames);
    expect(count.sets()).toBe(2);
  });

  it('a retransmission still goes out exactly one reply timeout after the frame it repeats, the early timer re-armed for the rest', async () => {
    // The server answers the ETP.DAT, then goes silent: the handset's second frame waits, with a
    // deadline later than the one the platform timer was armed for.
    const { clock, handset, sent, count } = world((types) => types.length > 1);
    handset.activate({ email: EMAIL, password: PASSWORD }).catch(() => {});
    expect(await clock.runUntil(() => sent.length >= 3)).toBe(true);
    const [first, second, third] = sent;
    expect(first?.type).toBe('etp-dat');
    expect(second?.at).toBe(first!.at + 100);
    expect(third?.type).toBe(second?.type);
    expect(third!.at).toBe(second!.at + REPLY_TIMEOUT_MS);
    // One timer for the first deadline, fired early (100 ms before the second one), one for the
    // rest, and one after the retransmission.
    expect(count.sets()).toBe(3);
    expect(count.clears()).toBe(0);
  });

  it('a timer that fires while the clock lags still counts as reached (no re-arming loop); a cleared deadline clears the platform timer', async () => {
    let time = 1_000;
    const armed: { fn: () => void; ms: number; cleared: boolean }[] = [];
    const timers: TimerApi = {
      setTimeout: (fn, ms) => {
        armed.push({ fn, ms, cleared: false });
        return armed.length - 1;
      },
      clearTimeout: (handle) => {
        armed[handle as number]!.cleared = true;
      },
    };
    const [handsetSide] = createMemoryTransportPair();
    const sentTypes: MessageType[] = [];
    const handset = new Handset({
      config,
      transport: {
        send: (bytes) => (sentTypes.push(decodeFrame(bytes).type), Promise.resolve()),
        onFrame: () => () => {},
        close: () => handsetSide.close(),
      },
      random: seededRandom('driver-timer/lag'),
      now: () => time,
      timers,
    });
    handset.activate({ email: EMAIL, password: PASSWORD }).catch(() => {});
    await Promise.resolve();
    expect(sentTypes).toEqual(['etp-dat']);
    expect(armed).toHaveLength(1);
    expect(armed[0]!.ms).toBe(REPLY_TIMEOUT_MS);
    // The timer fires while the clock still says 1_000 (an emulator whose timers run ahead of its
    // clock): the deadline counts as reached, the ETP.DAT goes out again, one new timer is armed.
    armed[0]!.fn();
    await Promise.resolve();
    expect(sentTypes).toEqual(['etp-dat', 'etp-dat']);
    expect(armed).toHaveLength(2);
    time += 500;
    handset.cancel(); // clear-timer: the platform timer is cleared, not left to fire
    expect(armed[1]!.cleared).toBe(true);
  });
});
