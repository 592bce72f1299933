/**
 * Active attacks on the activation protocol, each against the pure cores through the security
 * harness: replay, reflection, downgrade, invalid and low-order CPace points, foreign sessions, a
 * forged IT policy, a server that does not know the password, and online guessing limits. Each
 * test asserts the outcome: no key established, a typed failure, or a state left unchanged.
 */
import { describe, expect, it } from 'vitest';
import vectors from '../vectors/cpace-testvectors.json';
import { hexToBytes } from '../../src/util/bytes.js';
import { isActivationError } from '../../src/errors/activation-error.js';
import { decodeFrame } from '../../src/wire/frame.js';
import { decodeEtpDat, encodeEtpDat } from '../../src/wire/messages/etp-dat.js';
import { decodeEtpHeader, encodeEtpHeader } from '../../src/wire/etp/etp-header.js';
import { decodeServerShare, encodeServerShare } from '../../src/wire/messages/server-share.js';
import { decodeErrorMessage } from '../../src/wire/messages/error.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { InMemoryPolicyEnforcer } from '../../src/policy/enforcer.js';
import { EMAIL, HANDSET_CONFIG, HOUR, P521, PASSWORD, T0, USERS } from '../support/fixtures.js';
import { frameType, reframe } from '../support/frames.js';
import { createServer } from '../support/pair.js';
import { type Adversary, runActivation, SecurityHarness } from './harness.js';

/** The documented attempt limit (docs/protocol.md: "locked (5 failed attempts)"), written out, not imported. */
const MAX_FAILED_ATTEMPTS = 5;

/** No transport key anywhere: not on the handset, not issued by the server, account not activated. */
function expectNoKey(h: SecurityHarness): void {
  expect(h.outputsOf('key-established')).toEqual([]);
  expect(h.state.transportKey).toBeUndefined();
  expect(h.states.every((s) => s.transportKey === undefined)).toBe(true);
  expect(h.logged('transport key issued')).toEqual([]);
  expect(h.frames.filter((f) => f.direction === 'to-handset' && frameType(f.sent) === 'key-issue')).toEqual([]);
  const account = h.sim.accounts.get(EMAIL);
  expect(account?.device).toBeUndefined();
  expect(account?.status).not.toBe('Activated');
}

/** Every step that only reported `ignored` left the handset state exactly as it was. */
function expectIgnoredStepsChangeNothing(h: SecurityHarness): number {
  let count = 0;
  for (const step of h.steps) {
    if (step.outputs.length === 1 && step.outputs[0]!.type === 'ignored') {
      expect(step.after).toBe(step.before);
      count += 1;
    }
  }
  return count;
}

function expectCompleted(h: SecurityHarness): void {
  expect(h.error).toBeUndefined();
  expect(h.state.phase).toBe('complete');
  expect(h.result).toBeDefined();
  expect(h.sim.account(EMAIL)).toMatchObject({ status: 'Activated', hasPassword: false, devicePin: HANDSET_CONFIG.pin });
}

const replaceServerShare =
  (share: Uint8Array): Adversary =>
  (bytes, direction, ctx) => {
    if (direction !== 'to-handset' || ctx.type !== 'server-share') return [bytes];
    const frame = decodeFrame(bytes);
    const msg = decodeServerShare(frame.body);
    return [reframe(bytes, { body: encodeServerShare({ etp: msg.etp, share, adBytes: msg.adBytes, tag: msg.tag }) })];
  };

const replaceHandsetShare =
  (share: Uint8Array): Adversary =>
  (bytes, direction, ctx) => {
    if (direction !== 'to-server' || ctx.type !== 'etp-dat') return [bytes];
    const etp = decodeEtpDat(decodeFrame(bytes).body);
    return [reframe(bytes, { body: encodeEtpDat({ headerBytes: etp.headerBytes, share, sealedBody: etp.sealedBody }) })];
  };

const X25519_POINTS = vectors.X25519_points as Record<string, string>;
/** Low-order after masking bit 255: X25519 gives the all-zero output (G.I). */
const LOW_ORDER = ['Invalid Y0', 'Invalid Y1', 'Invalid Y2', 'Invalid Y3', 'Invalid Y4', 'Invalid Y5', 'Invalid Y7'];
/** In the vectors' "invalid" list but not low-order: the draft gives a non-zero result for them. */
const NOT_LOW_ORDER = ['Invalid Y6', 'Invalid Y8', 'Invalid Y9', 'Invalid Y10', 'Invalid Y11'];
const P521_POINTS = vectors.G_NistP521_points as unknown as Record<string, string>;

describe('replayed ETP.DAT', () => {
  it('the same bytes again after a completed run: no reply, no new session, the account is unchanged', () => {
    const h = runActivation({ users: USERS });
    expectCompleted(h);
    const [etp] = h.sent('to-server', 'etp-dat');
    const sid = Buffer.from(decodeFrame(etp!).sid).toString('hex');
    const before = JSON.stringify(h.sim.account(EMAIL));
    const logBefore = h.simLog.length;
    for (let i = 0; i < 3; i++) expect(h.sim.receive(etp!)).toEqual([]);
    expect(JSON.stringify(h.sim.account(EMAIL))).toBe(before);
    expect(h.sim.sessionPhase(sid)).toBe('complete');
    expect(h.simLog.slice(logBefore).map((e) => e.detail?.reason)).toEqual(['replayed ETP.DAT', 'replayed ETP.DAT', 'replayed ETP.DAT']);
    // A fresh password for the account does not bring the old request back to life either.
    h.sim.setActivationPassword(EMAIL, PASSWORD);
    expect(h.sim.receive(etp!)).toEqual([]);
    expect(h.sim.account(EMAIL)!.failedAttempts).toBe(0);
  });

  it('replayed during the run: the server repeats its reply byte for byte, counts one attempt, runs CPace once', () => {
    const h = runActivation({
      users: USERS,
      driveTimers: false,
      // The ETP.DAT arrives three times; the handset's confirmation never does.
      adversary: (bytes, direction, ctx) => (ctx.type === 'etp-dat' ? [bytes, bytes, bytes] : direction === 'to-server' ? [] : [bytes]),
    });
    const replies = h.frames.filter((f) => f.direction === 'to-handset').map((f) => f.sent);
    expect(replies).toHaveLength(3);
    expect(replies.every((r) => frameType(r) === 'server-share')).toBe(true);
    expect(Buffer.from(replies[1]!).equals(Buffer.from(replies[0]!))).toBe(true);
    expect(Buffer.from(replies[2]!).equals(Buffer.from(replies[0]!))).toBe(true);
    expect(h.logged('ETP.DAT accepted')).toHaveLength(1);
    expect(h.sim.account(EMAIL)!.failedAttempts).toBe(1);
    // The handset used the first and ignored the copies as duplicates.
    expect(h.ignored).toEqual([{ reason: 'duplicate frame' }, { reason: 'duplicate frame' }]);
    expect(h.state.phase).toBe('awaiting-key');
  });

  it('replayed during a run that completes: one session, one activation', () => {
    const h = runActivation({ users: USERS, adversary: (bytes, _d, ctx) => (ctx.type === 'etp-dat' ? [bytes, bytes] : [bytes]) });
    expectCompleted(h);
    expect(h.logged('ETP.DAT accepted')).toHaveLength(1);
    expect(h.logged('transport key issued')).toHaveLength(1);
    expect(expectIgnoredStepsChangeNothing(h)).toBe(1);
  });
});

describe('replayed server replies', () => {
  it('old server-share and key-issue delivered again later in the same session: ignored, the activation completes', () => {
    const old: Uint8Array[] = [];
    const h = runActivation({
      users: USERS,
      adversary: (bytes, direction) => {
        if (direction !== 'to-handset') return [bytes];
        const replays = [...old];
        old.push(bytes);
        // After each genuine server frame, every earlier one again (newest last).
        return [bytes, ...replays];
      },
    });
    expectCompleted(h);
    const serverFrames = h.sent('to-handset').length;
    expect(h.ignored.length).toBe((serverFrames * (serverFrames - 1)) / 2);
    expect(h.ignored.every((i) => i.reason === 'duplicate frame')).toBe(true);
    expect(expectIgnoredStepsChangeNothing(h)).toBe(h.ignored.length);
  });

  it('every server frame of an earlier session (same handset PIN, same server) injected into a new one: ignored', () => {
    const { sim, clock, log } = createServer({ users: USERS });
    const first = runActivation({ sim, clock, log, handsetSeed: 'session-1' });
    expectCompleted(first);
    const oldFrames = first.sent('to-handset');
    expect(oldFrames.length).toBeGreaterThan(5);

    sim.setActivationPassword(EMAIL, 'second-Passw0rd');
    let injected = false;
    const second = runActivation({
      sim,
      clock,
      log,
      handsetSeed: 'session-2',
      password: 'second-Passw0rd',
      adversary: (bytes, direction) => {
        if (direction !== 'to-handset' || injected) return [bytes];
        injected = true;
        // Before the genuine server-share: the whole earlier session, in order.
        return [...oldFrames, bytes];
      },
    });
    expectCompleted(second);
    expect(second.ignored).toEqual(oldFrames.map(() => ({ reason: 'frame of another session' })));
    expect(expectIgnoredStepsChangeNothing(second)).toBe(oldFrames.length);
    // The old session's key is not the new one.
    expect(second.state.transportKey!.key).not.toEqual(first.state.transportKey!.key);
  });

  it('the old session frames delivered to a handset waiting for its key change nothing', () => {
    const first = runActivation({ users: USERS, handsetSeed: 'old' });
    const h = runActivation({ users: USERS, handsetSeed: 'new', stopWhen: (x) => x.state.phase === 'awaiting-key' });
    expect(h.state.phase).toBe('awaiting-key');
    const before = h.state;
    for (const bytes of first.sent('to-handset')) {
      const r = h.step({ type: 'frame', bytes, now: h.clock.now });
      expect(r.outputs).toEqual([{ type: 'ignored', reason: 'frame of another session' }]);
      expect(r.state).toBe(before);
    }
  });
});

describe('cipher downgrade by a man in the middle', () => {
  const downgrade =
    (ciphers: ('AES-256-CBC' | 'TDES-EDE2-CBC')[]): Adversary =>
    (bytes, direction, ctx) => {
      if (direction !== 'to-server' || ctx.type !== 'etp-dat') return [bytes];
      const frame = decodeFrame(bytes);
      const etp = decodeEtpDat(frame.body);
      const headerBytes = encodeEtpHeader({ ...etp.header, ciphers });
      expect(decodeEtpHeader(headerBytes).ciphers).toEqual(ciphers);
      return [reframe(bytes, { body: encodeEtpDat({ headerBytes, share: etp.share, sealedBody: etp.sealedBody }) })];
    };

  it('ciphers rewritten to TDES-EDE2-CBC only (both sides support AES): WRONG_PASSWORD, never a key, never Triple DES', () => {
    const h = runActivation({ users: USERS, adversary: downgrade(['TDES-EDE2-CBC']) });
    expect(h.error?.code).toBe('WRONG_PASSWORD');
    expect(h.state.phase).toBe('failed');
    expectNoKey(h);
    // The server did answer (its share, computed over the altered header), so CPace failed, not routing.
    expect(h.sent('to-handset', 'server-share')).toHaveLength(1);
    expect(h.sent('to-server', 'handset-confirm')).toEqual([]);
    expect(h.simLog.some((e) => e.detail?.algorithm === 'TDES-EDE2-CBC')).toBe(false);
    // The attempt counts against the password (the server cannot tell a MITM from a guess).
    expect(h.sim.account(EMAIL)!.failedAttempts).toBe(1);
  });

  it('ciphers merely reordered (TDES first): the header bytes differ, so no key either', () => {
    const h = runActivation({ users: USERS, adversary: downgrade(['TDES-EDE2-CBC', 'AES-256-CBC']) });
    expect(h.error?.code).toBe('WRONG_PASSWORD');
    expectNoKey(h);
  });

  it('control: without the MITM the same pair agrees on AES-256', () => {
    const h = runActivation({ users: USERS });
    expectCompleted(h);
    expect(h.state.transportKey!.algorithm).toBe('AES-256-CBC');
  });
});

describe('reflection', () => {
  it("the handset's own frames fed back to it are ignored and change nothing; the activation completes", () => {
    const h = runActivation({
      users: USERS,
      adversary: (bytes, direction, ctx) => {
        if (direction === 'to-server') ctx.inject('to-handset', bytes);
        return [bytes];
      },
    });
    expectCompleted(h);
    const own = h.sent('to-server').length;
    const reflected = h.frames.filter((f) => f.injected && f.direction === 'to-handset');
    expect(reflected).toHaveLength(own);
    expect(h.ignored.length).toBe(own);
    expect(expectIgnoredStepsChangeNothing(h)).toBe(own);
  });

  it('server frames fed to the server are dropped: no reply, no change', () => {
    const h = runActivation({
      users: USERS,
      adversary: (bytes, direction, ctx) => {
        if (direction === 'to-handset') ctx.inject('to-server', bytes);
        return [bytes];
      },
    });
    expectCompleted(h);
    // Every reflected server frame reached sim.receive and got no answer.
    const reflected = h.frames.filter((f) => f.injected && f.direction === 'to-server');
    expect(reflected).toHaveLength(h.sent('to-handset').length);
    expect(h.frames.filter((f) => f.direction === 'to-handset').length).toBe(h.sent('to-handset').length);
    for (const f of reflected) expect(h.sim.receive(f.sent)).toEqual([]);
  });
});

describe('invalid and low-order CPace points', () => {
  for (const name of LOW_ORDER) {
    it(`server share replaced by X25519 ${name} (low order): the handset fails PROTOCOL_ERROR, no key`, () => {
      const h = runActivation({ users: USERS, adversary: replaceServerShare(hexToBytes(X25519_POINTS[name]!)) });
      expect(h.error?.code).toBe('PROTOCOL_ERROR');
      expect(h.error?.cause).toMatchObject({ reason: 'invalid-point' });
      expectNoKey(h);
      expect(h.sent('to-server', 'handset-confirm')).toEqual([]);
    });
  }

  for (const name of NOT_LOW_ORDER) {
    it(`server share replaced by X25519 ${name} (not low order after masking): a real but wrong K, WRONG_PASSWORD, no key`, () => {
      const h = runActivation({ users: USERS, adversary: replaceServerShare(hexToBytes(X25519_POINTS[name]!)) });
      expect(h.error?.code).toBe('WRONG_PASSWORD');
      expectNoKey(h);
    });
  }

  it('P-521: server share replaced by a point off the curve (Invalid Y1): PROTOCOL_ERROR, no key', () => {
    const h = runActivation({
      users: USERS,
      handsetConfig: { ...HANDSET_CONFIG, suites: [P521] },
      adversary: replaceServerShare(hexToBytes(P521_POINTS['Invalid Y1']!)),
    });
    expect(h.error?.code).toBe('PROTOCOL_ERROR');
    expectNoKey(h);
  });

  it('P-521: server share replaced by the identity encoding 0x00 (Invalid Y2): not even a well-formed message, dropped, then TIMEOUT; no key', () => {
    const h = runActivation({
      users: USERS,
      handsetConfig: { ...HANDSET_CONFIG, suites: [P521] },
      adversary: replaceServerShare(hexToBytes(P521_POINTS['Invalid Y2']!)),
    });
    expect(h.ignored[0]).toEqual({ reason: 'rejected server-share', code: 'MALFORMED' });
    expect(h.error?.code).toBe('TIMEOUT');
    expectNoKey(h);
  });

  it('P-521: other invalid encodings (all zero, compressed form, x >= p): PROTOCOL_ERROR, no key', () => {
    const valid = hexToBytes(P521_POINTS['Invalid Y1']!);
    const compressed = new Uint8Array(67);
    compressed[0] = 0x02;
    compressed.set(valid.subarray(1, 67), 1);
    const xTooBig = new Uint8Array(133).fill(0xff);
    xTooBig[0] = 0x04;
    for (const share of [new Uint8Array(133), compressed, xTooBig]) {
      const h = runActivation({ users: USERS, handsetConfig: { ...HANDSET_CONFIG, suites: [P521] }, adversary: replaceServerShare(share) });
      expect(h.error?.code).toBe('PROTOCOL_ERROR');
      expectNoKey(h);
    }
  });

  for (const name of LOW_ORDER) {
    it(`handset share in the ETP.DAT replaced by X25519 ${name}: the server refuses with PROTOCOL_ERROR, no key`, () => {
      const h = runActivation({ users: USERS, adversary: replaceHandsetShare(hexToBytes(X25519_POINTS[name]!)) });
      // Refused before any key exists: an error in clear, the same one for each retransmission
      // (1 + 4), which the handset keeps as a hint and reports when its wait ends.
      const errors = h.sent('to-handset', 'error').map((b) => decodeErrorMessage(decodeFrame(b).body));
      expect(errors).toEqual(Array.from({ length: 5 }, () => ({ code: 'PROTOCOL_ERROR' })));
      expect(h.sent('to-handset', 'server-share')).toEqual([]);
      expect(h.error?.code).toBe('PROTOCOL_ERROR');
      expect(h.error?.cause).toMatchObject({ reportedBy: 'server', hint: true, authenticated: false });
      expectNoKey(h);
      expect(h.logged('ETP.DAT accepted')).toEqual([]);
    });
  }

  it('P-521: handset share replaced by invalid points: the server refuses (error frame or drop), no key', () => {
    for (const share of [hexToBytes(P521_POINTS['Invalid Y1']!), new Uint8Array(133)]) {
      const h = runActivation({
        users: USERS,
        handsetConfig: { ...HANDSET_CONFIG, suites: [P521] },
        adversary: replaceHandsetShare(share),
      });
      expect(h.error?.code).toBe('PROTOCOL_ERROR');
      expect(h.sent('to-handset', 'server-share')).toEqual([]);
      expectNoKey(h);
    }
  });
});

describe('messages of another session', () => {
  const OTHER_SID = seededRandom('another-session')(16);

  it('server frames with another sid or another PIN are ignored by the handset; the genuine ones complete', () => {
    const h = runActivation({
      users: USERS,
      adversary: (bytes, direction) =>
        direction === 'to-handset' ? [reframe(bytes, { sid: OTHER_SID }), reframe(bytes, { pin: '2100000B' }), bytes] : [bytes],
    });
    expectCompleted(h);
    const serverFrames = h.sent('to-handset').length;
    expect(h.ignored).toHaveLength(2 * serverFrames);
    expect(h.ignored.every((i) => i.reason === 'frame of another session')).toBe(true);
    expect(expectIgnoredStepsChangeNothing(h)).toBe(2 * serverFrames);
  });

  it('handset frames with another sid or another PIN are dropped by the server without an answer or an attempt', () => {
    const foreignReplies: Uint8Array[] = [];
    const h = runActivation({
      users: USERS,
      adversary: (bytes, direction, ctx) => {
        if (direction !== 'to-server') return [bytes];
        for (const altered of [reframe(bytes, { sid: OTHER_SID }), reframe(bytes, { pin: '2100000B' })]) {
          foreignReplies.push(...ctx.harness.sim.receive(altered));
        }
        return [bytes];
      },
    });
    expectCompleted(h);
    expect(foreignReplies).toEqual([]);
    expect(h.sim.account(EMAIL)!.failedAttempts).toBe(0);
    expect(h.logged('ETP.DAT accepted')).toHaveLength(1);
    const reasons = new Set(h.logged('frame dropped').map((e) => e.detail?.reason));
    expect(reasons).toEqual(new Set(['frame of no known session', 'frame from another PIN', 'rejected etp-dat: MALFORMED']));
  });
});

describe('tampered IT policy signature', () => {
  it('the server signs with another key after phase 2: BAD_SIGNATURE, nothing applied', () => {
    const otherSeed = seededRandom('not-the-domain-key')(32);
    const enforcer = new InMemoryPolicyEnforcer();
    const h = runActivation({
      users: USERS,
      enforcer,
      adversary: (bytes, direction, ctx) => {
        // Phase 2 is over once key-verified is on its way: swap the server's signing key in place.
        if (direction === 'to-server' && ctx.type === 'key-verified') ctx.harness.sim.identity.domainKey.secretKey.set(otherSeed);
        return [bytes];
      },
    });
    expect(h.keyEstablished).toBeDefined();
    expect(h.error?.code).toBe('BAD_SIGNATURE');
    expect(h.state.phase).toBe('failed');
    expect(h.outputsOf('apply-policy')).toEqual([]);
    expect(enforcer.policyId).toBeUndefined();
    expect(h.state.policy).toBeUndefined();
    expect(h.sent('to-server', 'policy-ack')).toEqual([]);
    expect(h.sim.account(EMAIL)).toMatchObject({ status: 'Activating', hasPassword: true });
  });
});

describe('a server that does not know the password', () => {
  it('another password for the user on the server: the handset fails WRONG_PASSWORD and gets no key', () => {
    const h = runActivation({ users: [{ email: EMAIL, displayName: 'Alice', activationPassword: 'Rogue-Guess-42' }] });
    expect(h.error?.code).toBe('WRONG_PASSWORD');
    expectNoKey(h);
    expect(h.sent('to-server', 'handset-confirm')).toEqual([]);
    // The handset told the server, which keeps the attempt counted.
    expect(decodeErrorMessage(decodeFrame(h.sent('to-server', 'error')[0]!).body).code).toBe('WRONG_PASSWORD');
    expect(h.sim.account(EMAIL)!.failedAttempts).toBe(1);
  });

  it('a rogue server with its own signing key and no account for the user: silence, TIMEOUT, never a key', () => {
    const rogue = createServer({
      serverSeed: 'rogue',
      users: [{ email: 'someone@else.test', displayName: 'x', activationPassword: PASSWORD }],
    });
    const h = runActivation({ sim: rogue.sim, clock: rogue.clock, log: rogue.log });
    expect(h.error?.code).toBe('TIMEOUT');
    expect(h.outputsOf('key-established')).toEqual([]);
    expect(h.state.transportKey).toBeUndefined();
  });
});

describe('online guessing limits', () => {
  it(`a sixth attempt after ${MAX_FAILED_ATTEMPTS} wrong ones fails even with the right password (WRONG_PASSWORD: CPace ran against a dummy)`, () => {
    const { sim, clock, log } = createServer({ users: USERS });
    for (let i = 0; i < MAX_FAILED_ATTEMPTS; i++) {
      const h = runActivation({ sim, clock, log, handsetSeed: `guess-${i}`, password: `wrong-${i}` });
      expect(h.error?.code).toBe('WRONG_PASSWORD');
      expect(sim.account(EMAIL)!.failedAttempts).toBe(i + 1);
    }
    const right = runActivation({ sim, clock, log, handsetSeed: 'right' });
    // The lock is no oracle: the same answer as to a wrong guess; the administrator sees LOCKED_OUT.
    expect(right.error?.code).toBe('WRONG_PASSWORD');
    expect(right.sent('to-handset', 'server-share')).toHaveLength(1);
    expect(right.outputsOf('key-established')).toEqual([]);
    expect(sim.account(EMAIL)!.failedAttempts).toBe(MAX_FAILED_ATTEMPTS);
    expect(sim.account(EMAIL)!.lastFailure?.code).toBe('LOCKED_OUT');
  });

  it('an expired password is PASSWORD_EXPIRED, even when right', () => {
    const { sim, clock, log } = createServer({ users: USERS });
    clock.now = T0 + 48 * HOUR;
    const h = runActivation({ sim, clock, log });
    expect(h.error?.code).toBe('PASSWORD_EXPIRED');
    expect(h.outputsOf('key-established')).toEqual([]);
    expect(sim.account(EMAIL)!.failedAttempts).toBe(0);
  });

  it('a client that stops after the server share (never confirms) still uses up an attempt', () => {
    const { sim, clock, log } = createServer({ users: USERS });
    const walkAway: Adversary = (bytes, direction, ctx) => (direction === 'to-server' && ctx.type !== 'etp-dat' ? [] : [bytes]);
    const h = runActivation({ sim, clock, log, adversary: walkAway, driveTimers: false });
    expect(h.state.phase).toBe('awaiting-key');
    expect(sim.account(EMAIL)!.failedAttempts).toBe(1);
    expect(sim.account(EMAIL)!.status).toBe('Activating');
  });

  it(`${MAX_FAILED_ATTEMPTS} clients that walk away lock the password: the genuine handset then fails (WRONG_PASSWORD)`, () => {
    const { sim, clock, log } = createServer({ users: USERS });
    for (let i = 0; i < MAX_FAILED_ATTEMPTS; i++) {
      // A guesser that sends an ETP.DAT, reads Tb offline, and never answers.
      const guesser = new SecurityHarness({ sim, clock, log, handsetSeed: `walk-${i}`, driveTimers: false });
      guesser.activate(EMAIL, `guess-${i}`);
      guesser.adversary = (bytes, direction, ctx) => (direction === 'to-server' && ctx.type !== 'etp-dat' ? [] : [bytes]);
      guesser.run();
      expect(sim.account(EMAIL)!.failedAttempts).toBe(i + 1);
    }
    const h = runActivation({ sim, clock, log, handsetSeed: 'genuine' });
    expect(h.error?.code).toBe('WRONG_PASSWORD');
    expect(sim.account(EMAIL)).toMatchObject({ failedAttempts: MAX_FAILED_ATTEMPTS, lastFailure: { code: 'LOCKED_OUT' } });
  });

  // Issue 12, finding 4: this pinned "a confirmed attempt clears only its own provisional failure".
  // BlackBerry documents the limit as five *consecutive* incorrect entries (docs/server.md,
  // "Activation password rules"), so a proof of the password ends the run. The walk-aways before
  // it bought nothing: the password is now claimed by the genuine activation.
  it('a confirmed attempt ends the run of consecutive failures, walk-aways included', () => {
    const { sim, clock, log } = createServer({ users: USERS });
    const walkAway: Adversary = (bytes, direction, ctx) => (direction === 'to-server' && ctx.type !== 'etp-dat' ? [] : [bytes]);
    runActivation({ sim, clock, log, handsetSeed: 'w1', adversary: walkAway, driveTimers: false });
    runActivation({ sim, clock, log, handsetSeed: 'w2', adversary: walkAway, driveTimers: false });
    expect(sim.account(EMAIL)!.failedAttempts).toBe(2);
    // The genuine handset proves the password, but stops before the IT policy is acknowledged.
    const h = runActivation({ sim, clock, log, handsetSeed: 'g', stopWhen: (x) => x.keyEstablished !== undefined });
    expect(h.keyEstablished).toBeDefined();
    expect(sim.account(EMAIL)!.failedAttempts).toBe(0);
  });
});

describe('frames that skip ahead', () => {
  it('a server share re-sequenced past the next expected number is ignored as out of order and changes nothing; the genuine one completes', () => {
    let skipped: Uint8Array | undefined;
    const h = runActivation({
      adversary: (bytes, direction, ctx) => {
        if (direction !== 'to-handset' || ctx.type !== 'server-share' || skipped) return [bytes];
        // The server's first frame is seq 0; the same share as seq 1 (checksum recomputed) comes first.
        expect(decodeFrame(bytes).seq).toBe(0);
        skipped = reframe(bytes, { seq: 1 });
        return [skipped, bytes];
      },
    });
    expect(skipped).toBeDefined();
    const step = h.steps.find(
      (s) => s.input.type === 'frame' && s.input.bytes.every((b, i) => b === skipped![i]) && s.input.bytes.length === skipped!.length,
    );
    expect(step?.outputs).toEqual([{ type: 'ignored', reason: 'frame out of order' }]);
    expect(step?.after).toBe(step?.before);
    expectCompleted(h);
  });
});

describe('a failure after the transport key was issued', () => {
  it('the IT policy never arrives: TIMEOUT, and the key issued in this activation is not kept', () => {
    const h = runActivation({
      adversary: (bytes, direction, ctx) => (direction === 'to-handset' && ctx.type === 'it-policy' ? [] : [bytes]),
    });
    // The key was issued and held ...
    expect(h.keyEstablished).toBeDefined();
    expect(h.states.some((s) => s.transportKey !== undefined && s.phase === 'awaiting-policy')).toBe(true);
    // ... and is gone with the failure (docs/protocol.md: a failed activation keeps no key).
    expect(h.error?.code).toBe('TIMEOUT');
    expect(h.state.phase).toBe('failed');
    expect(h.state.transportKey).toBeUndefined();
    expect(h.state.server).toBeUndefined();
  });
});

describe('harness sanity', () => {
  it('a clean run completes, both sides hold the same AES-256 key, and the transcript is deterministic', () => {
    const a = runActivation({ users: USERS });
    const b = runActivation({ users: USERS });
    expectCompleted(a);
    expect(a.state.transportKey!.key).toEqual(a.sim.accounts.get(EMAIL)!.device!.transportKey);
    expect(a.frames.map((f) => Buffer.from(f.sent).toString('hex'))).toEqual(b.frames.map((f) => Buffer.from(f.sent).toString('hex')));
    expect(a.thrown).toEqual([]);
    expect(a.stoppedBy).toBe('quiet');
  });

  it('an adversary that keeps injecting is stopped by maxSteps', () => {
    const h = runActivation({
      users: USERS,
      maxSteps: 200,
      adversary: (bytes, _direction, ctx) => {
        ctx.inject('to-handset', bytes);
        return [bytes];
      },
    });
    expect(h.stoppedBy).toBe('max-steps');
    expect(h.thrown.every((e) => isActivationError(e))).toBe(true);
  });
});
