/**
 * The harness proves itself: if the Pair delivered frames wrongly, lost time, or were not
 * reproducible, every end-to-end test built on it would prove less than it says.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY } from '../../src/handset/config.js';
import { bytesToHex } from '../../src/util/bytes.js';
import { EMAIL, T0 } from './fixtures.js';
import { frameType, reframe } from './frames.js';
import { type PairEvent, Pair, activatePair, faults } from './pair.js';

const TIMEOUT = DEFAULT_RETRY.replyTimeoutMs;

/** The log as text, byte strings as hex: two runs are the same run when their texts are equal. */
function logText(events: readonly PairEvent[]): string {
  return JSON.stringify(events, (_key, value: unknown) => {
    if (value instanceof Uint8Array) return `hex:${bytesToHex(value)}`;
    if (value instanceof Error) return { name: value.name, message: value.message };
    return value;
  });
}

/** Message types of the frames that passed the link, in order, per direction. */
function types(pair: Pair, direction: 'to-server' | 'to-handset'): (string | undefined)[] {
  return pair.frames.filter((f) => f.direction === direction).map((f) => frameType(f.sent));
}

const REQUESTS = ['etp-dat', 'handset-confirm', 'key-verified', 'policy-ack', 'books-ack', 'sync-ack'];

describe('Pair: both sides and a virtual clock', () => {
  it('drive() runs a full activation to Activation Complete on both sides, without the clock moving', () => {
    const pair = activatePair();
    expect(pair.stoppedBy).toBe('quiet');
    expect(pair.handset.phase).toBe('complete');
    expect(pair.result?.email).toBe(EMAIL);
    expect(pair.server.account(EMAIL)?.status).toBe('Activated');
    // Request and reply alternate on one wire: the handset's requests, each answered.
    expect(types(pair, 'to-server').filter((t, i, all) => all.indexOf(t) === i)).toEqual(REQUESTS);
    expect(types(pair, 'to-handset')[0]).toBe('server-share');
    expect(types(pair, 'to-handset').at(-1)).toBe('sync-done');
    expect(pair.frames.every((f) => f.delivered.length === 1)).toBe(true);
    // Nothing waited: no timer fired, so the clock stayed where it started.
    expect(pair.clock.now).toBe(T0);
    expect(pair.inputs.filter((i) => i.type === 'timer')).toEqual([]);
    // The log holds every input, output and frame, in order; the views agree with it.
    expect(pair.log.filter((e) => e.kind === 'frame')).toHaveLength(pair.frames.length);
    expect(pair.log.filter((e) => e.kind === 'output')).toHaveLength(pair.outputs.length);
    expect(pair.states).toHaveLength(pair.inputs.length + 1);
    expect(pair.step()).toBe(false);
  });

  it('step() does one thing at a time and says when nothing is left', () => {
    const pair = new Pair({ users: [{ email: EMAIL, displayName: 'Alice', activationPassword: 'Pw-for-steps-1' }] });
    pair.activate(EMAIL, 'Pw-for-steps-1');
    expect(pair.pending).toBe(1); // the ETP.DAT on the wire
    expect(pair.step()).toBe(true); // ...reaches the server, whose share goes on the wire
    expect(pair.frames.map((f) => frameType(f.sent))).toEqual(['etp-dat']);
    expect(pair.handset.phase).toBe('awaiting-server-share');
    expect(pair.step()).toBe(true); // the share reaches the handset, which confirms
    expect(pair.handset.phase).toBe('awaiting-key');
    let steps = 2;
    while (pair.step()) steps++;
    expect(pair.handset.phase).toBe('complete');
    expect(steps).toBe(pair.frames.length + pair.inputs.filter((i) => i.type === 'policy-applied').length);
  });

  it('drive(until) stops when the condition holds, before the next step', () => {
    const full = activatePair();
    const stopped = activatePair({ until: (p) => p.keyEstablished !== undefined });
    expect(stopped.stoppedBy).toBe('until');
    expect(stopped.handset.phase).toBe('awaiting-policy');
    expect(stopped.frames.length).toBeLessThan(full.frames.length);
    // It can be driven on from there, to the same end as an uninterrupted run.
    expect(stopped.drive()).toBe('quiet');
    expect(logText(stopped.log)).toBe(logText(full.log));
    expect(new Pair().step()).toBe(false); // a Pair nobody activated has nothing to do
  });

  it('is deterministic for a seed: two Pairs step for step give the same log; another seed another run', () => {
    const a = new Pair({
      handsetSeed: 'det',
      serverSeed: 'det-server',
      users: [{ email: EMAIL, displayName: 'A', activationPassword: 'Det-password-1' }],
    });
    const b = new Pair({
      handsetSeed: 'det',
      serverSeed: 'det-server',
      users: [{ email: EMAIL, displayName: 'A', activationPassword: 'Det-password-1' }],
    });
    a.activate(EMAIL, 'Det-password-1');
    b.activate(EMAIL, 'Det-password-1');
    for (;;) {
      const more = a.step();
      expect(b.step()).toBe(more);
      expect(logText(b.log)).toBe(logText(a.log));
      if (!more) break;
    }
    expect(a.handset.phase).toBe('complete');
    expect(bytesToHex(b.handset.transportKey!.key)).toBe(bytesToHex(a.handset.transportKey!.key));

    const other = activatePair({
      handsetSeed: 'det-2',
      serverSeed: 'det-server',
      users: [{ email: EMAIL, displayName: 'A', activationPassword: 'Det-password-1' }],
      password: 'Det-password-1',
    });
    expect(bytesToHex(other.frames[0]!.sent)).not.toBe(bytesToHex(a.frames[0]!.sent));
  });
});

describe('Pair: fault modes on the link', () => {
  it('a dropped reply is recovered by retransmission on the virtual clock', () => {
    const pair = activatePair({ link: faults.drop({ direction: 'to-handset', type: 'server-share', nth: 0 }) });
    expect(pair.handset.phase).toBe('complete');
    // The handset waited one reply timeout (virtual), sent its ETP.DAT again, and the server
    // answered the repeat with the same share.
    expect(pair.clock.now).toBe(T0 + TIMEOUT);
    expect(pair.inputs.filter((i) => i.type === 'timer').map((i) => i.now)).toEqual([T0 + TIMEOUT]);
    const etp = pair.sent('to-server', 'etp-dat');
    expect(etp).toHaveLength(2);
    expect(bytesToHex(etp[1]!)).toBe(bytesToHex(etp[0]!));
    const shares = pair.sent('to-handset', 'server-share');
    expect(shares).toHaveLength(2);
    expect(bytesToHex(shares[1]!)).toBe(bytesToHex(shares[0]!));
    expect(pair.frames.find((f) => frameType(f.sent) === 'server-share')!.delivered).toEqual([]);
  });

  it('a dropped request is sent again after the reply timeout; a lost link ends in TIMEOUT at the retry limit', () => {
    const once = activatePair({ link: faults.drop({ direction: 'to-server', type: 'key-verified', nth: 0 }) });
    expect(once.handset.phase).toBe('complete');
    expect(once.sent('to-server', 'key-verified')).toHaveLength(2);

    const never = activatePair({ link: faults.drop({ direction: 'to-server' }) });
    expect(never.error?.code).toBe('TIMEOUT');
    expect(never.frames.map((f) => f.at)).toEqual(Array.from({ length: DEFAULT_RETRY.retries + 1 }, (_, i) => T0 + i * TIMEOUT));
  });

  it('a duplicate is ignored: the handset drops the second copy, the server answers a repeat with its last reply', () => {
    const clean = activatePair();
    const toHandset = activatePair({ link: faults.duplicate({ direction: 'to-handset', type: 'key-issue' }) });
    expect(toHandset.handset.phase).toBe('complete');
    expect(toHandset.ignored).toEqual([{ reason: 'duplicate frame' }]);

    const toServer = activatePair({ link: faults.duplicate({ direction: 'to-server', type: 'handset-confirm' }) });
    expect(toServer.handset.phase).toBe('complete');
    const keyIssues = toServer.sent('to-handset', 'key-issue');
    expect(keyIssues).toHaveLength(2);
    expect(bytesToHex(keyIssues[1]!)).toBe(bytesToHex(keyIssues[0]!));
    expect(toServer.ignored).toEqual([{ reason: 'duplicate frame' }]);
    // Neither side did anything twice: the same key as a clean run, and no time lost.
    for (const run of [toHandset, toServer]) {
      expect(bytesToHex(run.handset.transportKey!.key)).toBe(bytesToHex(clean.handset.transportKey!.key));
      expect(run.clock.now).toBe(T0);
    }
  });

  it('a delayed reply arrives on the virtual clock; later than the timeout it crosses the retransmission', () => {
    const short = activatePair({ link: faults.delay({ direction: 'to-handset', type: 'server-share' }, 1_000) });
    expect(short.handset.phase).toBe('complete');
    expect(short.frames.find((f) => frameType(f.sent) === 'server-share')).toMatchObject({ at: T0, arrivedAt: T0 + 1_000 });
    expect(short.sent('to-server', 'etp-dat')).toHaveLength(1);
    expect(short.clock.now).toBe(T0 + 1_000);

    const long = activatePair({ link: faults.delay({ direction: 'to-handset', type: 'server-share', nth: 0 }, TIMEOUT + 1) });
    expect(long.handset.phase).toBe('complete');
    expect(long.sent('to-server', 'etp-dat')).toHaveLength(2);
    // The retransmission's answer came first; the late original is a duplicate.
    expect(long.ignored).toEqual([{ reason: 'duplicate frame' }]);
  });

  it('a reordered frame is delivered after the next one in its direction', () => {
    // The first ETP.DAT is overtaken by its retransmission: both reach the server, in swapped order.
    const pair = activatePair({ link: faults.reorder({ direction: 'to-server', type: 'etp-dat', nth: 0 }) });
    expect(pair.handset.phase).toBe('complete');
    const etpFrames = pair.frames.filter((f) => frameType(f.sent) === 'etp-dat');
    expect(etpFrames.map((f) => f.delivered.length)).toEqual([0, 2]);
    expect(pair.sent('to-handset', 'server-share')).toHaveLength(2);
  });

  it('a corrupted frame fails its checksum and is ignored; the retransmission gets through', () => {
    const pair = activatePair({ link: faults.corrupt({ direction: 'to-handset', type: 'key-issue', nth: 0 }) });
    expect(pair.handset.phase).toBe('complete');
    expect(pair.ignored).toEqual([{ reason: 'undecodable frame', code: 'MALFORMED' }]);
    expect(pair.sent('to-server', 'handset-confirm')).toHaveLength(2);
  });

  it('tamper rewrites with a function; inject adds frames; chain composes', () => {
    // A man in the middle moves the server share to another session id: the handset ignores it.
    const moved = activatePair({
      link: faults.chain(
        faults.tamper({ type: 'server-share', nth: 0 }, (bytes) => reframe(bytes, { sid: new Uint8Array(16) })),
        faults.duplicate({ type: 'sync-done' }),
      ),
    });
    expect(moved.handset.phase).toBe('complete');
    expect(moved.ignored.map((i) => i.reason)).toEqual(['frame of another session', 'duplicate frame']);

    // Injected frames pass the link too, and are told apart in the log.
    const pair = new Pair({ users: [{ email: EMAIL, displayName: 'A', activationPassword: 'Inject-pw-1' }] });
    pair.activate(EMAIL, 'Inject-pw-1');
    pair.drive();
    pair.inject('to-handset', pair.sent('to-handset', 'sync-done')[0]!);
    expect(pair.drive()).toBe('quiet');
    expect(pair.frames.at(-1)).toMatchObject({ direction: 'to-handset', injected: true });
    expect(pair.ignored).toEqual([{ reason: 'duplicate frame' }]);
    expect(pair.sent('to-handset', 'sync-done')).toHaveLength(1); // `sent` leaves injected frames out
  });

  it("the server's own timers run when the test moves the clock and polls: a lost policy update is sent again", () => {
    const pair = activatePair({ serverOptions: { policyRetransmitMs: 60_000 } });
    pair.link = faults.drop({ direction: 'to-handset', type: 'it-policy', nth: 0 });
    pair.server.updatePolicy('p2', { 'Password Required': true });
    expect(pair.pollServer()).toBe(1); // no route yet: the update goes out at the first poll...
    expect(pair.drive()).toBe('quiet'); // ...and is lost
    expect(pair.server.policyPending(EMAIL)).toMatchObject({ policyId: 'p2' });
    expect(pair.pollServer()).toBe(0); // not due yet
    pair.advance(60_000);
    expect(pair.pollServer()).toBe(1);
    pair.drive();
    expect(pair.handset.policy?.policy.id).toBe('p2');
    expect(pair.server.policyPending(EMAIL)).toBeUndefined();
  });

  it('drive() gives up after maxSteps, whatever the link does', () => {
    const pair = activatePair({ maxSteps: 50, link: (bytes, direction, ctx) => (ctx.inject(direction, bytes), [bytes]) });
    expect(pair.stoppedBy).toBe('max-steps');
  });

  it('flushToServer lets the server hear the handset last words and keeps the replies off the handset', () => {
    const pair = activatePair({ until: (p) => p.keyEstablished !== undefined });
    expect(pair.handset.phase).toBe('awaiting-policy');
    const left = pair.flushToServer();
    // key-verified reached the server, whose IT policy is what is left for the handset.
    expect(pair.frames.at(-1)).toMatchObject({ direction: 'to-server' });
    expect(left.map(frameType)).toEqual(['it-policy']);
    expect(pair.pending).toBe(0);
    // A Pair continuing from there finishes the activation.
    const rest = new Pair({
      server: pair.server,
      clock: pair.clock,
      random: pair.env.random,
      state: pair.handset,
      inFlight: left.map((bytes) => ({ direction: 'to-handset' as const, bytes })),
    });
    expect(rest.drive()).toBe('quiet');
    expect(rest.handset.phase).toBe('complete');
  });
});
