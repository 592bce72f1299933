/**
 * Issue 8, finding 17: the handset alone picks the session id, the id travels in clear, and the
 * server keyed its sessions by it alone. Whoever saw a victim's id (and PIN) first could send an
 * ETP.DAT with it: the victim's own request was then "a replay" and got the attacker's answer,
 * so the victim failed (WRONG_PASSWORD, or a timeout when the attacker used its own PIN).
 *
 * Now sessions are keyed by (sid, PIN, email, share), the server share names the session it
 * answers, later frames go to the session they authenticate under, and a cache of answered
 * ETP.DATs keeps replays from starting a second CPace run.
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { resolveHandsetConfig } from '../../src/handset/config.js';
import { handsetStep } from '../../src/handset/machine.js';
import { initialHandsetState } from '../../src/handset/state.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { ReplayCache, SessionTable, sessionKey } from '../../src/simulator/session-table.js';
import type { HandsetOutput } from '../../src/handset/io.js';
import { decodeEtpDat, encodeEtpDat } from '../../src/wire/messages/etp-dat.js';
import { decodeEtpHeader, encodeEtpHeader } from '../../src/wire/etp/etp-header.js';
import { decodeFrame, encodeFrame } from '../../src/wire/frame.js';
import { decodeServerShare } from '../../src/wire/messages/server-share.js';
import { sessionDigest } from '../../src/protocol/session-digest.js';
import { EMAIL, HANDSET_CONFIG, USERS } from '../support/fixtures.js';
import { frameType } from '../support/frames.js';
import { type Adversary, runActivation, type SecurityHarness } from './harness.js';
import { allAlgorithms } from '../support/providers.js';

/**
 * The attacker's ETP.DAT: made by its own handset (its own share, a guess at the password), then
 * given the victim's session id, and the victim's PIN unless `pin` says otherwise.
 */
function attackerEtpDat(victimEtp: Uint8Array, opts: { pin?: string; email?: string; seed?: string } = {}): Uint8Array {
  const victim = decodeFrame(victimEtp);
  const pin = opts.pin ?? victim.pin;
  const email = opts.email ?? EMAIL;
  const state = initialHandsetState(resolveHandsetConfig({ ...HANDSET_CONFIG, pin }));
  const random = seededRandom(`attacker/${pin}/${email}/${opts.seed ?? ''}`);
  const started = handsetStep(state, { type: 'activate', email, password: 'attackers-guess', now: 0 }, { provider: nobleProvider, random });
  const send = started.outputs.find((o): o is Extract<HandsetOutput, { type: 'send' }> => o.type === 'send')!;
  const own = decodeFrame(send.bytes);
  const etp = decodeEtpDat(own.body);
  const headerBytes = encodeEtpHeader({ ...decodeEtpHeader(etp.headerBytes), nonce: victim.sid });
  return encodeFrame({ ...own, sid: victim.sid, body: encodeEtpDat({ headerBytes, share: etp.share, sealedBody: etp.sealedBody }) });
}

/** Delivers the attacker's ETP.DAT(s) to the server just before the victim's first one. */
function claimFirst(make: (victimEtp: Uint8Array) => Uint8Array[]): Adversary {
  let done = false;
  return (bytes, direction, ctx) => {
    if (done || direction !== 'to-server' || ctx.type !== 'etp-dat') return [bytes];
    done = true;
    for (const forged of make(bytes)) for (const reply of ctx.harness.sim.receive(forged)) ctx.inject('to-handset', reply);
    return [bytes];
  };
}

/** Delivers the victim's first ETP.DAT to the server, then the attacker's ETP.DAT(s) right after it. */
function claimAfter(make: (victimEtp: Uint8Array) => Uint8Array[]): Adversary {
  let done = false;
  return (bytes, direction, ctx) => {
    if (done || direction !== 'to-server' || ctx.type !== 'etp-dat') return [bytes];
    done = true;
    for (const frame of [bytes, ...make(bytes)]) for (const reply of ctx.harness.sim.receive(frame)) ctx.inject('to-handset', reply);
    return [];
  };
}

function expectCompleted(h: SecurityHarness): void {
  expect(h.error).toBeUndefined();
  expect(h.state.phase).toBe('complete');
  expect(h.sim.account(EMAIL)).toMatchObject({ status: 'Activated', devicePin: HANDSET_CONFIG.pin });
}

describe('claiming a victim session id, before or after the victim (finding 17)', () => {
  it("same sid and PIN, the attacker's own share, sent first: the victim still activates", () => {
    const h = runActivation({ users: USERS, adversary: claimFirst((etp) => [attackerEtpDat(etp)]) });
    expectCompleted(h);
    // The attacker's server share reached the victim's PIN, and was recognised as another session's.
    expect(h.ignored).toContainEqual({ reason: 'server-share for another ETP.DAT' });
    // Two sessions ran CPace (the attacker's counts as a failed attempt, the victim's was proven).
    expect(h.logged('ETP.DAT accepted')).toHaveLength(2);
    expect(h.logged('frame dropped').map((e) => e.detail?.reason)).not.toContain('replayed ETP.DAT');
  });

  it("same sid and PIN, the attacker's own share, sent right after the victim's: the victim's session is still found, and it activates", () => {
    const h = runActivation({ users: USERS, adversary: claimAfter((etp) => [attackerEtpDat(etp)]) });
    expectCompleted(h);
    expect(h.logged('ETP.DAT accepted')).toHaveLength(2);
  });

  it("same sid, the attacker's own PIN (its server share goes elsewhere): the victim still activates", () => {
    const h = runActivation({ users: USERS, adversary: claimFirst((etp) => [attackerEtpDat(etp, { pin: '2DEADBEE' })]) });
    expectCompleted(h);
  });

  it("eight ETP.DATs with the victim's sid and PIN (other addresses, other shares) and junk confirmations: the victim still activates", () => {
    const h = runActivation({
      users: [...USERS, { email: 'bob@example.com', displayName: 'Bob', activationPassword: 'bobs-password' }],
      adversary: (() => {
        // Two for the victim's address (each is a counted attempt: five would lock it, finding 10's
        // subject), six for another account (the per-PIN rate limit allows 10 new requests at once).
        const first = claimFirst((etp) =>
          Array.from({ length: 8 }, (_, i) => attackerEtpDat(etp, { email: i < 2 ? EMAIL : 'bob@example.com', seed: String(i) })),
        );
        return (bytes, direction, ctx) => {
          // Each victim confirmation is preceded by a junk one with the same header.
          if (direction === 'to-server' && ctx.type === 'handset-confirm') {
            const f = decodeFrame(bytes);
            const junk = f.body.slice();
            junk[10]! ^= 0xff;
            ctx.harness.sim.receive(encodeFrame({ ...f, body: junk }));
          }
          return first(bytes, direction, ctx);
        };
      })(),
    });
    expectCompleted(h);
    expect(h.logged('frame dropped').map((e) => e.detail?.reason)).toContain('confirmation tag did not verify');
  });
});

describe('replayed ETP.DATs never start a second CPace run (finding 17)', () => {
  it('the same request again gets the same reply; a copy with other bytes under the same key is dropped', () => {
    let copies: Uint8Array[] = [];
    const h = runActivation({
      users: USERS,
      driveTimers: false,
      adversary: (bytes, direction, ctx) => {
        if (direction === 'to-server' && ctx.type === 'etp-dat' && copies.length === 0) {
          // A modified copy: same sid, PIN, email and share, other cipher offer.
          const f = decodeFrame(bytes);
          const etp = decodeEtpDat(f.body);
          const header = decodeEtpHeader(etp.headerBytes);
          const altered = encodeEtpHeader({ ...header, ciphers: ['TDES-EDE2-CBC'] });
          const copy = encodeFrame({ ...f, body: encodeEtpDat({ headerBytes: altered, share: etp.share, sealedBody: etp.sealedBody }) });
          copies = [bytes, copy];
        }
        return [bytes];
      },
      stopWhen: (x) => x.keyEstablished !== undefined,
    });
    expect(h.keyEstablished).toBeDefined();
    const [original, copy] = copies;
    const first = h.sent('to-handset', 'server-share')[0]!;
    // While the session is in phase 1 a replay got the same bytes; now it has moved on: nothing.
    expect(h.sim.receive(original!)).toEqual([]);
    expect(h.sim.receive(copy!)).toEqual([]);
    expect(
      h
        .logged('frame dropped')
        .slice(-2)
        .map((e) => e.detail?.reason),
    ).toEqual(['replayed ETP.DAT', 'conflicting ETP.DAT']);
    expect(h.logged('ETP.DAT accepted')).toHaveLength(1);
    expect(frameType(first)).toBe('server-share');
    // The server share names the session: sid, PIN, email and the handset's share.
    const etp = decodeEtpDat(decodeFrame(original!).body);
    expect(decodeServerShare(decodeFrame(first).body).etp).toEqual(
      sessionDigest(etp.header.nonce, etp.header.pin, etp.header.email, etp.share),
    );
    expect(h.sim.account(EMAIL)!.failedAttempts).toBe(0);
  });

  it('a restored server keeps its replay cache and its dummy secret (a replay after a restart starts no CPace run)', () => {
    let original: Uint8Array | undefined;
    const h = runActivation({
      users: USERS,
      driveTimers: false,
      adversary: (bytes, direction, ctx) => {
        if (direction === 'to-server' && ctx.type === 'etp-dat') original ??= bytes;
        return [bytes];
      },
      stopWhen: (x) => x.keyEstablished !== undefined,
    });
    expect(original).toBeDefined();
    const storageKey = new Uint8Array(32).fill(7);
    const secretOf = (s: BesSimulator) => (s as unknown as { context(): { dummySecret: Uint8Array } }).context().dummySecret;
    const before = secretOf(h.sim);
    const accepted: string[] = [];
    const restored = BesSimulator.restore(h.sim.snapshot(storageKey), storageKey, {
      provider: allAlgorithms,
      random: seededRandom('after restart'),
      log: (event) => void accepted.push(event),
    });
    // The session has moved past phase 1: the replay gets nothing, and no second CPace run starts.
    expect(restored.receive(original!)).toEqual([]);
    expect(accepted).not.toContain('ETP.DAT accepted');
    expect(secretOf(restored)).toEqual(before);
  });

  it('the replay cache keeps a digest until the password expires, and is bounded', () => {
    const cache = new ReplayCache(3);
    const d = (n: number) => new Uint8Array(32).fill(n);
    cache.remember('a', d(1), 100);
    expect(cache.check('a', d(1), 99)).toBe('same');
    expect(cache.check('a', d(2), 99)).toBe('other');
    expect(cache.check('a', d(1), 100)).toBeUndefined();
    for (const k of ['b', 'c', 'd', 'e']) cache.remember(k, d(1), 1_000);
    expect(cache.size).toBe(3);
    expect(cache.check('b', d(1), 0)).toBeUndefined();
    expect(cache.check('e', d(1), 0)).toBe('same');
  });

  it('session keys differ in each of sid, PIN, email and share, and ignore the case of the email', () => {
    const sid = new Uint8Array(16).fill(1);
    const share = new Uint8Array(32).fill(2);
    const k = sessionKey(sid, '2100000A', 'alice@example.com', share);
    expect(sessionKey(sid, '2100000A', 'Alice@Example.COM', share)).toBe(k);
    expect(sessionKey(new Uint8Array(16).fill(3), '2100000A', 'alice@example.com', share)).not.toBe(k);
    expect(sessionKey(sid, '2100000B', 'alice@example.com', share)).not.toBe(k);
    expect(sessionKey(sid, '2100000A', 'bob@example.com', share)).not.toBe(k);
    expect(sessionKey(sid, '2100000A', 'alice@example.com', new Uint8Array(32).fill(4))).not.toBe(k);
    const table = new SessionTable();
    expect(table.candidates(sid, '2100000A')).toEqual([]);
  });
});
