/**
 * Issue 8, finding 9 (account-state oracle) and finding 16 (short activation passwords).
 *
 * Before: any ETP.DAT, from any PIN, with any share, was answered UNKNOWN_USER,
 * NO_ACTIVATION_PASSWORD, PASSWORD_EXPIRED or LOCKED_OUT, which told a stranger which accounts
 * exist and which are waiting for activation (the ones worth locking). Now a peer that has not
 * proven the password sees exactly what a wrong guess shows: a server share, then WRONG_PASSWORD.
 * Unknown addresses get no answer. The reason reaches the log and the administrator, and a peer
 * that proves the password (an expired one it knew) learns it, sealed.
 */
import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import type { CPaceSuite, CryptoProvider } from '../../src/crypto/provider.js';
import { isActivationError } from '../../src/errors/activation-error.js';
import { MAX_FAILED_ATTEMPTS, MIN_ACTIVATION_PASSWORD_LENGTH, generateActivationPassword } from '../../src/simulator/accounts.js';
import { dummyPrs } from '../../src/simulator/server-machine-support.js';
import { decodeFrame } from '../../src/wire/frame.js';
import { decodeErrorMessage } from '../../src/wire/messages/error.js';
import { EMAIL, HANDSET_CONFIG, HOUR, T0, USERS } from '../support/fixtures.js';
import { frameType } from '../support/frames.js';
import { createServer } from '../support/pair.js';
import { runActivation, type SecurityHarness } from './harness.js';
import { caught } from '../support/errors.js';

const GUESS = 'not-the-password';

/** What the guesser observes: the frame types it received, and its outcome. */
function observed(h: SecurityHarness): { received: (string | undefined)[]; code: string | undefined } {
  return { received: h.frames.filter((f) => f.direction === 'to-handset').map((f) => frameType(f.sent)), code: h.error?.code };
}

/** A simulator whose account for EMAIL is in the named state. */
function accountIn(state: 'pending' | 'no-password' | 'used' | 'locked' | 'expired') {
  const server = createServer({
    serverSeed: `oracle/${state}`,
    users: state === 'no-password' ? [{ email: EMAIL, displayName: 'Alice' }] : USERS,
  });
  const { sim, clock, log } = server;
  if (state === 'used') {
    const first = runActivation({ sim, clock, log, handsetSeed: 'owner' });
    expect(first.state.phase).toBe('complete');
  }
  if (state === 'locked') {
    for (let i = 0; i < MAX_FAILED_ATTEMPTS; i++) runActivation({ sim, clock, log, handsetSeed: `lock-${i}`, password: `wrong-${i}` });
    expect(sim.account(EMAIL)!.failedAttempts).toBe(MAX_FAILED_ATTEMPTS);
  }
  if (state === 'expired') clock.now = T0 + 48 * HOUR;
  return server;
}

describe('an ETP.DAT that does not prove the password learns nothing about the account (finding 9)', () => {
  it('pending, no password, already used, locked, expired: the same frames and the same WRONG_PASSWORD as a wrong guess', () => {
    const seen = new Map<string, ReturnType<typeof observed>>();
    for (const state of ['pending', 'no-password', 'used', 'locked', 'expired'] as const) {
      const { sim, clock, log } = accountIn(state);
      const logFrom = log.length;
      // The attacker uses its own PIN and a guess.
      const h = runActivation({
        sim,
        clock,
        log,
        handsetSeed: `guesser/${state}`,
        password: GUESS,
        handsetConfig: { ...HANDSET_CONFIG, pin: '2ABCDEF0' },
      });
      seen.set(state, observed(h));
      expect(h.outputsOf('key-established')).toEqual([]);
      // The server answered with a server share and never with an error frame the guesser could read.
      expect(h.sent('to-handset', 'error')).toEqual([]);
      // Before the fix these states gave UNKNOWN_USER / NO_ACTIVATION_PASSWORD / LOCKED_OUT /
      // PASSWORD_EXPIRED in clear; the reason is now in the server's log only.
      if (state !== 'pending' && state !== 'expired') {
        const refused = log.slice(logFrom).filter((e) => e.event === 'ETP.DAT refused');
        expect(refused.map((e) => e.detail?.code)).toEqual([state === 'locked' ? 'LOCKED_OUT' : 'NO_ACTIVATION_PASSWORD']);
        expect(sim.account(EMAIL)!.lastFailure?.code).toBe(state === 'locked' ? 'LOCKED_OUT' : 'NO_ACTIVATION_PASSWORD');
      }
    }
    const expected = { received: ['server-share'], code: 'WRONG_PASSWORD' };
    for (const [state, o] of seen) expect(o, state).toEqual(expected);
  });

  it('a locked account: attempts are not counted further, and the right password sees WRONG_PASSWORD too', () => {
    const { sim, clock, log } = accountIn('locked');
    const right = runActivation({ sim, clock, log, handsetSeed: 'owner-after-lock' });
    expect(observed(right)).toEqual({ received: ['server-share'], code: 'WRONG_PASSWORD' });
    expect(sim.account(EMAIL)).toMatchObject({
      status: 'Activation password locked',
      failedAttempts: MAX_FAILED_ATTEMPTS,
      locked: true,
      hasPassword: false,
      lastFailure: { code: 'LOCKED_OUT' },
    });
  });

  it('an unknown address gets no answer at all (a BES sees only the mailboxes it monitors)', () => {
    const { sim, clock, log } = createServer({ users: USERS });
    const h = runActivation({ sim, clock, log, email: 'nobody@example.com', password: GUESS });
    expect(observed(h)).toEqual({ received: [], code: 'TIMEOUT' });
    expect(log.filter((e) => e.event === 'ETP.DAT refused').map((e) => e.detail?.code)).toEqual(Array(5).fill('UNKNOWN_USER'));
  });

  it('replyToUnknownUsers (opt-in) answers UNKNOWN_USER, in clear, as a hint the handset reports when its wait ends', () => {
    const { sim, clock, log } = createServer({ users: USERS, serverOptions: { replyToUnknownUsers: true } });
    const h = runActivation({ sim, clock, log, email: 'nobody@example.com', password: GUESS });
    expect(decodeErrorMessage(decodeFrame(h.sent('to-handset', 'error')[0]!).body)).toEqual({ code: 'UNKNOWN_USER' });
    expect(h.error?.code).toBe('UNKNOWN_USER');
    expect(h.error?.cause).toMatchObject({ hint: true, authenticated: false });
  });
});

describe('a peer that proves the password may learn why (finding 9)', () => {
  it('an expired password, proven: PASSWORD_EXPIRED, sealed under k_SH (an observer cannot read it)', () => {
    const { sim, clock, log } = accountIn('expired');
    const h = runActivation({ sim, clock, log, handsetSeed: 'owner-late' });
    expect(h.error?.code).toBe('PASSWORD_EXPIRED');
    expect(h.error?.cause).toMatchObject({ reportedBy: 'server', authenticated: true });
    const [error] = h.sent('to-handset', 'error');
    expect(
      isActivationError(
        caught(() => decodeErrorMessage(decodeFrame(error!).body)),
        'MALFORMED',
      ),
    ).toBe(true);
    expect(new TextDecoder().decode(error!)).not.toContain('EXPIRED');
    // Proving it was not a failed attempt; the administrator sees the reason.
    expect(sim.account(EMAIL)).toMatchObject({
      status: 'Activation password expired',
      failedAttempts: 0,
      hasPassword: false,
      lastFailure: { code: 'PASSWORD_EXPIRED' },
    });
  });

  it('one password activates one device: a second device that proves it meanwhile learns NO_ACTIVATION_PASSWORD, sealed', () => {
    const { sim, clock, log } = createServer({ users: USERS });
    const first = runActivation({ sim, clock, log, handsetSeed: 'dev-1', stopWhen: (x) => x.keyEstablished !== undefined });
    expect(first.keyEstablished).toBeDefined();
    const second = runActivation({ sim, clock, log, handsetSeed: 'dev-2', handsetConfig: { ...HANDSET_CONFIG, pin: '2100000B' } });
    expect(second.error?.code).toBe('NO_ACTIVATION_PASSWORD');
    expect(second.error?.cause).toMatchObject({ authenticated: true });
    const [error] = second.sent('to-handset', 'error');
    expect(
      isActivationError(
        caught(() => decodeErrorMessage(decodeFrame(error!).body)),
        'MALFORMED',
      ),
    ).toBe(true);
  });
});

describe('the dummy password (finding 9)', () => {
  /** A provider that counts the CPace group operations the server performs. */
  function counting(): { provider: CryptoProvider; counts: Record<string, number> } {
    const counts: Record<string, number> = {};
    const provider: CryptoProvider = {
      ...nobleProvider,
      cpaceSuite(id) {
        const suite = nobleProvider.cpaceSuite(id);
        const wrap = <K extends keyof CPaceSuite>(name: K) =>
          ((...args: unknown[]) => {
            counts[name] = (counts[name] ?? 0) + 1;
            return (suite[name] as (...a: unknown[]) => unknown)(...args);
          }) as CPaceSuite[K];
        return {
          ...suite,
          calculateGenerator: wrap('calculateGenerator'),
          sampleScalar: wrap('sampleScalar'),
          scalarMult: wrap('scalarMult'),
          scalarMultVfy: wrap('scalarMultVfy'),
          hash: wrap('hash'),
        };
      },
      hkdf: (...args) => {
        counts.hkdf = (counts.hkdf ?? 0) + 1;
        return nobleProvider.hkdf(...args);
      },
    };
    return { provider, counts };
  }

  it('costs the server the same operations as the real password (no timing oracle by work done)', () => {
    const work = (users: typeof USERS | { email: string; displayName: string }[]) => {
      const { provider, counts } = counting();
      const { sim, clock, log } = createServer({ users, serverOptions: { provider } });
      runActivation({ sim, clock, log, password: GUESS, driveTimers: false });
      return counts;
    };
    const real = work(USERS);
    const dummy = work([{ email: EMAIL, displayName: 'Alice' }]);
    expect(real.calculateGenerator).toBe(1);
    expect(dummy).toEqual(real);
  });

  it('is the same for an address every time, differs between addresses and between servers, and is no constant', () => {
    const ctx = (seed: string) => ({ provider: nobleProvider, dummySecret: seededRandom(seed)(32) });
    const a = ctx('server-a');
    expect(dummyPrs(a, EMAIL)).toEqual(dummyPrs(a, EMAIL.toUpperCase()));
    expect(dummyPrs(a, EMAIL)).not.toEqual(dummyPrs(a, 'bob@example.com'));
    expect(dummyPrs(a, EMAIL)).not.toEqual(dummyPrs(ctx('server-b'), EMAIL));
    // Two simulators with their own randomness pick different secrets.
    const s1 = createServer({ serverSeed: 's1', users: USERS }).sim;
    const s2 = createServer({ serverSeed: 's2', users: USERS }).sim;
    const secret = (s: typeof s1) => (s as unknown as { context(): { dummySecret: Uint8Array } }).context().dummySecret;
    expect(secret(s1)).toHaveLength(32);
    expect(secret(s1)).toEqual(secret(s1));
    expect(secret(s1)).not.toEqual(secret(s2));
  });
});

describe('activation passwords of at least 8 characters (finding 16)', () => {
  it('the server refuses to set a shorter one (counted after NFC), by setActivationPassword and addUser', () => {
    const { sim } = createServer({ users: [{ email: EMAIL, displayName: 'Alice' }] });
    for (const short of ['x', '1234567', 'e\u0301'.repeat(7)]) {
      const err = caught(() => sim.setActivationPassword(EMAIL, short));
      expect(isActivationError(err, 'INVALID_ARGUMENT'), JSON.stringify(short)).toBe(true);
      expect((err as { cause?: { field?: string } }).cause?.field).toBe('password');
    }
    expect(sim.account(EMAIL)).toMatchObject({ hasPassword: false, status: 'No activation password' });
    expect(
      isActivationError(
        caught(() => sim.addUser({ email: 'bob@example.com', displayName: 'Bob', activationPassword: 'bob1' })),
        'INVALID_ARGUMENT',
      ),
    ).toBe(true);
    expect(sim.account('bob@example.com')).toBeUndefined();
    // Eight characters after NFC (16 code points before it) is enough.
    sim.setActivationPassword(EMAIL, 'e\u0301'.repeat(MIN_ACTIVATION_PASSWORD_LENGTH));
    expect(sim.account(EMAIL)).toMatchObject({ hasPassword: true });
  });

  it('generateActivationPassword: 10 characters without look-alikes, from the injected randomness, and it activates', () => {
    const { sim, clock, log } = createServer({ users: [{ email: EMAIL, displayName: 'Alice' }] });
    const passwords = Array.from({ length: 50 }, () => sim.generateActivationPassword());
    for (const p of passwords) expect(p).toMatch(/^[abcdefghjkmnpqrstuvwxyz23456789]{10}$/);
    expect(new Set(passwords).size).toBe(50);
    expect(generateActivationPassword(seededRandom('g'), 12)).toBe(generateActivationPassword(seededRandom('g'), 12));
    expect(
      isActivationError(
        caught(() => sim.generateActivationPassword(7)),
        'INVALID_ARGUMENT',
      ),
    ).toBe(true);
    const password = sim.generateActivationPassword();
    sim.setActivationPassword(EMAIL, password);
    const h = runActivation({ sim, clock, log, password });
    expect(h.state.phase).toBe('complete');
  });

  it('the handset still takes what the user types (it cannot know the server rule): a short guess is just wrong', () => {
    const h = runActivation({ users: USERS, password: 'x' });
    expect(h.thrown).toEqual([]);
    expect(h.error?.code).toBe('WRONG_PASSWORD');
  });
});
