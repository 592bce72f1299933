import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { allAlgorithms } from '../support/providers.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { ActivationError, type ActivationErrorCode } from '../../src/errors/activation-error.js';
import { type HandsetConfig, resolveHandsetConfig } from '../../src/handset/config.js';
import { handsetStep } from '../../src/handset/machine.js';
import { initialHandsetState } from '../../src/handset/state.js';
import { EMAIL, HANDSET_CONFIG, HOUR, PASSWORD, T0 } from '../support/fixtures.js';
import { frameType } from '../support/frames.js';
import { createServer } from '../support/pair.js';
import { type ExchangeResult, runExchange } from './harness.js';
import { caught } from '../support/errors.js';

const WRONG = 'not-the-password';
/**
 * The documented attempt limit (docs/protocol.md, "locked (5 failed attempts)"; RIM's five-attempt
 * rule), written out here rather than imported, so that a change to the constant fails these tests.
 */
const MAX_FAILED_ATTEMPTS = 5;
const alice = (lifetimeHours?: number) =>
  lifetimeHours === undefined
    ? { email: EMAIL, displayName: 'Alice Example', activationPassword: PASSWORD }
    : { email: EMAIL, displayName: 'Alice Example', activationPassword: PASSWORD, passwordLifetimeHours: lifetimeHours };

function server(lifetimeHours?: number) {
  return createServer({ serverSeed: 'password-rules', users: [alice(lifetimeHours)] });
}

function expectFailure(run: ExchangeResult, code: ActivationErrorCode): void {
  expect(run.stoppedBy).toBe('failed');
  expect(run.error).toBeInstanceOf(ActivationError);
  expect(run.error!.code).toBe(code);
  expect(run.keyEstablished).toBeUndefined();
  expect(run.state.transportKey).toBeUndefined();
  expect(run.state.phase).toBe('failed');
  expect(run.state.failure?.code).toBe(code);
  const last = run.statuses.at(-1)!;
  expect(last.id).toBe('activation-failed');
  expect(run.state.status).toEqual(last);
}

function expectInvalidArgument(fn: () => unknown, field?: string): ActivationError {
  const err = caught(fn);
  expect(err).toBeInstanceOf(ActivationError);
  expect((err as ActivationError).code).toBe('INVALID_ARGUMENT');
  if (field !== undefined) expect((err as ActivationError).cause?.field).toBe(field);
  return err as ActivationError;
}

describe('wrong password', () => {
  it('fails with WRONG_PASSWORD, shows activation-failed, and the server counts the attempt', () => {
    const run = runExchange({ password: WRONG, users: [alice()] });
    expectFailure(run, 'WRONG_PASSWORD');
    expect(run.statuses.map((s) => s.id)).toEqual(['activating', 'activation-failed']);
    expect(run.statuses.at(-1)!.text).toBe('Activation failed: the activation password is incorrect');
    // The handset told the server (error frame) after the server's share did not verify.
    expect(run.frames.map((f) => `${f.direction}:${frameType(f.sent)}`)).toEqual([
      'to-server:etp-dat',
      'to-handset:server-share',
      'to-server:error',
    ]);
    expect(run.sim.account(EMAIL)).toMatchObject({ status: 'Activating', failedAttempts: 1, hasPassword: true });
    expect(run.sim.accounts.get(EMAIL)!.device).toBeUndefined();
  });

  it('counts the attempt even when the handset walks away after the server share (no error frame)', () => {
    const run = runExchange({
      password: WRONG,
      users: [alice()],
      // Drop every handset frame after the ETP.DAT: the server never hears back.
      tamper: (frame, direction, index) => (direction === 'to-server' && index > 0 ? null : frame),
    });
    expectFailure(run, 'WRONG_PASSWORD');
    expect(run.sim.account(EMAIL)!.failedAttempts).toBe(1);
  });

  it(`after ${MAX_FAILED_ATTEMPTS} wrong attempts the password is locked, even for the right password`, () => {
    const { sim, clock } = server();
    let state;
    for (let i = 1; i <= MAX_FAILED_ATTEMPTS; i++) {
      const run = runExchange({ sim, clock, state, password: `${WRONG}-${i}`, handsetSeed: `lock/${i}` });
      expectFailure(run, 'WRONG_PASSWORD');
      expect(sim.account(EMAIL)!.failedAttempts).toBe(i);
      state = run.state; // the same handset tries again from its failed state
      clock.now += 60_000;
    }
    const locked = runExchange({ sim, clock, state, password: PASSWORD, handsetSeed: 'lock/right' });
    // A locked password is no longer valid: CPace runs against a dummy, so even the right
    // password looks wrong, and the lock is not an account-state oracle (docs/protocol.md,
    // "What a peer learns"). The attempt is not counted further; the administrator sees why.
    expectFailure(locked, 'WRONG_PASSWORD');
    expect(locked.frames.map((f) => `${f.direction}:${frameType(f.sent)}`)).toEqual([
      'to-server:etp-dat',
      'to-handset:server-share',
      'to-server:error',
    ]);
    // Issue 12, finding 3: the account said "Activating" and hasPassword: true here.
    expect(sim.account(EMAIL)).toMatchObject({
      status: 'Activation password locked',
      failedAttempts: MAX_FAILED_ATTEMPTS,
      locked: true,
      hasPassword: false,
      lastFailure: { code: 'LOCKED_OUT' },
    });

    // A new password from the administrator unlocks the account.
    sim.setActivationPassword(EMAIL, 'a-new-password');
    expect(sim.account(EMAIL)).toMatchObject({ status: 'Initializing', failedAttempts: 0 });
    const fresh = runExchange({ sim, clock, state: locked.state, password: 'a-new-password', handsetSeed: 'lock/new', until: 'end' });
    expect(fresh.stoppedBy).toBe('complete');
    expect(sim.account(EMAIL)!.status).toBe('Activated');
  });

  it(`${MAX_FAILED_ATTEMPTS - 1} wrong attempts and then the right password succeeds`, () => {
    const { sim, clock } = server();
    for (let i = 1; i < MAX_FAILED_ATTEMPTS; i++) {
      expectFailure(runExchange({ sim, clock, password: `${WRONG}-${i}`, handsetSeed: `almost/${i}` }), 'WRONG_PASSWORD');
    }
    expect(sim.account(EMAIL)!.failedAttempts).toBe(MAX_FAILED_ATTEMPTS - 1);
    const run = runExchange({ sim, clock, password: PASSWORD, handsetSeed: 'almost/right', until: 'end' });
    expect(run.stoppedBy).toBe('complete');
    expect(run.keyEstablished).toBeDefined();
    expect(run.statuses.slice(0, 3).map((s) => s.id)).toEqual(['activating', 'verifying-encryption', 'encryption-verified']);
    expect(sim.account(EMAIL)).toMatchObject({ status: 'Activated', hasPassword: false });
  });
});

describe('password lifetime', () => {
  it('the default lifetime is 48 hours: 1 ms later the password is expired', () => {
    const { sim, clock } = server();
    clock.now = T0 + 48 * HOUR + 1;
    const run = runExchange({ sim, clock });
    // The handset proved the (expired) password, so it may learn why: sealed under k_SH.
    expectFailure(run, 'PASSWORD_EXPIRED');
    expect(run.error!.cause).toMatchObject({ reportedBy: 'server', authenticated: true });
    expect(run.statuses.at(-1)!.text).toMatch(/expired/);
    expect(run.frames.map((f) => `${f.direction}:${frameType(f.sent)}`)).toEqual([
      'to-server:etp-dat',
      'to-handset:server-share',
      'to-server:handset-confirm',
      'to-handset:error',
    ]);
    expect(sim.account(EMAIL)).toMatchObject({
      status: 'Activation password expired',
      failedAttempts: 0,
      hasPassword: false,
      passwordExpiresAt: T0 + 48 * HOUR,
      lastFailure: { code: 'PASSWORD_EXPIRED' },
    });
  });

  it('1 ms before 48 hours the password still works', () => {
    const { sim, clock } = server();
    clock.now = T0 + 48 * HOUR - 1;
    const run = runExchange({ sim, clock, until: 'end' });
    expect(run.stoppedBy).toBe('complete');
    expect(sim.account(EMAIL)!.status).toBe('Activated');
  });

  it('with a 720-hour lifetime the password works at 719 hours and is expired after 720', () => {
    const { sim, clock } = server(720);
    clock.now = T0 + 720 * HOUR;
    expectFailure(runExchange({ sim, clock, handsetSeed: 'lifetime/late' }), 'PASSWORD_EXPIRED');
    clock.now = T0 + 719 * HOUR;
    const run = runExchange({ sim, clock, handsetSeed: 'lifetime/ok', until: 'end' });
    expect(run.stoppedBy).toBe('complete');
    expect(sim.account(EMAIL)!.status).toBe('Activated');
  });

  it('setActivationPassword accepts a 720-hour lifetime', () => {
    const { sim, clock } = createServer({ users: [{ email: EMAIL, displayName: 'Alice Example' }] });
    sim.setActivationPassword(EMAIL, PASSWORD, 720);
    clock.now = T0 + 719 * HOUR;
    expect(runExchange({ sim, clock }).stoppedBy).toBe('key-established');
  });

  // 0 hours expires the current password now (password-rules-as-documented.test.ts).
  it.each([721, 0.5, -1, Number.NaN, Number.POSITIVE_INFINITY])('a lifetime of %s hours is INVALID_ARGUMENT', (hours) => {
    const { sim } = createServer({ users: [{ email: EMAIL, displayName: 'Alice Example' }] });
    expectInvalidArgument(() => sim.setActivationPassword(EMAIL, PASSWORD, hours), 'lifetimeHours');
    expect(sim.account(EMAIL)).toMatchObject({ status: 'No activation password', hasPassword: false });
    expectInvalidArgument(() => sim.addUser({ ...alice(hours), email: 'bob@example.com' }), 'lifetimeHours');
  });
});

describe('single use and unknown accounts', () => {
  it('after a successful activation the same password cannot be used again: it is gone, so it looks wrong (WRONG_PASSWORD)', () => {
    const { sim, clock } = server();
    const first = runExchange({ sim, clock, handsetSeed: 'single/1', until: 'end' });
    expect(first.stoppedBy).toBe('complete');
    expect(sim.account(EMAIL)).toMatchObject({ status: 'Activated', hasPassword: false });
    const keyBefore = sim.accounts.get(EMAIL)!.device!.transportKey.slice();

    clock.now += 60_000;
    const second = runExchange({ sim, clock, handsetSeed: 'single/2' });
    // The server no longer has the password and runs CPace against a dummy: the handset cannot
    // prove anything, so it learns no more than from a wrong guess; the administrator sees why.
    expectFailure(second, 'WRONG_PASSWORD');
    expect(sim.account(EMAIL)!.lastFailure).toMatchObject({ code: 'NO_ACTIVATION_PASSWORD' });
    // The activated device keeps its key.
    expect(sim.account(EMAIL)).toMatchObject({ status: 'Activated', hasPassword: false });
    expect(sim.accounts.get(EMAIL)!.device!.transportKey).toEqual(keyBefore);
  });

  it('an account that never had a password: WRONG_PASSWORD to the handset, NO_ACTIVATION_PASSWORD to the administrator', () => {
    const run = runExchange({ users: [{ email: EMAIL, displayName: 'Alice Example' }] });
    expectFailure(run, 'WRONG_PASSWORD');
    expect(run.sim.account(EMAIL)).toMatchObject({ status: 'No activation password', lastFailure: { code: 'NO_ACTIVATION_PASSWORD' } });
  });

  it('an unknown email address: no answer (TIMEOUT), as from a BES that does not monitor that mailbox', () => {
    const run = runExchange({ email: 'mallory@example.com', users: [alice()] });
    expectFailure(run, 'TIMEOUT');
    expect(run.frames.filter((f) => f.direction === 'to-handset')).toEqual([]);
    expect(run.sim.account(EMAIL)).toMatchObject({ status: 'Initializing', failedAttempts: 0 });
  });

  it('an unknown email address with replyToUnknownUsers: UNKNOWN_USER (a hint in clear, reported when the wait ends)', () => {
    const run = runExchange({ email: 'mallory@example.com', users: [alice()], serverOptions: { replyToUnknownUsers: true } });
    expectFailure(run, 'UNKNOWN_USER');
    expect(run.error!.cause).toMatchObject({ hint: true, authenticated: false });
    expect(run.statuses.at(-1)!.text).toMatch(/not known/);
    expect(run.sim.account(EMAIL)).toMatchObject({ status: 'Initializing', failedAttempts: 0 });
  });
});

describe('invalid input to activate', () => {
  const env = { provider: nobleProvider, random: seededRandom('invalid-input') };
  const idle = initialHandsetState(resolveHandsetConfig(HANDSET_CONFIG));
  const activate = (email: string, password: string) => () => handsetStep(idle, { type: 'activate', email, password, now: T0 }, env);

  it.each(['', 'alice', 'alice@', '@example.com', 'alice @example.com', 'a@b@c', `${'a'.repeat(250)}@example.com`])(
    'email %j throws INVALID_ARGUMENT synchronously',
    (email) => {
      expectInvalidArgument(activate(email, PASSWORD), 'email');
    },
  );

  it.each([
    ['empty', ''],
    ['32 characters', 'p'.repeat(32)],
    ['32 characters outside the BMP', '\u{1F511}'.repeat(32)],
  ])('a password that is %s throws INVALID_ARGUMENT synchronously', (_name, password) => {
    expectInvalidArgument(activate(EMAIL, password), 'password');
  });

  it('a 31-character password (31 code points, 62 UTF-16 units) is accepted and works', () => {
    const password = '\u{1F511}'.repeat(31);
    const run = runExchange({ password, users: [{ email: EMAIL, displayName: 'Alice Example', activationPassword: password }] });
    expect(run.stoppedBy).toBe('key-established');
  });

  it('activate while an activation is running is INVALID_STATE', () => {
    const started = handsetStep(idle, { type: 'activate', email: EMAIL, password: PASSWORD, now: T0 }, env);
    expect(started.state.phase).toBe('awaiting-server-share');
    const err = caught(() => handsetStep(started.state, { type: 'activate', email: EMAIL, password: PASSWORD, now: T0 }, env));
    expect(err).toBeInstanceOf(ActivationError);
    expect((err as ActivationError).code).toBe('INVALID_STATE');
  });
});

describe('PIN and configuration validation in resolveHandsetConfig', () => {
  const withPin = (pin: unknown): HandsetConfig => ({ ...HANDSET_CONFIG, pin: pin as string });

  it('upper-cases a lower-case PIN', () => {
    expect(resolveHandsetConfig(withPin('2100000a')).pin).toBe('2100000A');
    expect(resolveHandsetConfig(withPin('abcdef01')).pin).toBe('ABCDEF01');
  });

  it.each(['', '2100000', '2100000AB', '2100000G', ' 2100000A', '2100000A ', '0x2100000', '2100-00A', 0x2100000a, null, undefined])(
    'PIN %j is INVALID_ARGUMENT',
    (pin) => {
      expectInvalidArgument(() => resolveHandsetConfig(withPin(pin)), 'pin');
    },
  );

  it('applies defaults: the suites and ciphers are what the provider has (the default provider: X25519 and AES-256)', () => {
    const resolved = resolveHandsetConfig(HANDSET_CONFIG);
    expect(resolved.suites).toEqual(['CPACE-X25519-SHA512']);
    expect(resolved.ciphers).toEqual(['AES-256-CBC']);
    expect(resolved.retry).toEqual({ replyTimeoutMs: 15_000, retries: 4 });
    const full = resolveHandsetConfig(HANDSET_CONFIG, allAlgorithms);
    expect(full.suites).toEqual(['CPACE-X25519-SHA512', 'CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512']);
    expect(full.ciphers).toEqual(['AES-256-CBC', 'TDES-EDE2-CBC']);
  });

  it('a suite or cipher the provider lacks is INVALID_ARGUMENT, naming the way to add it', () => {
    const p521 = expectInvalidArgument(
      () => resolveHandsetConfig({ ...HANDSET_CONFIG, suites: ['CPACE-P521_XMD:SHA-512_SSWU_NU_-SHA512'] }),
      'suites',
    );
    expect(p521.message).toMatch(/createNobleProvider/);
    const tdes = expectInvalidArgument(
      () => resolveHandsetConfig({ ...HANDSET_CONFIG, ciphers: ['AES-256-CBC', 'TDES-EDE2-CBC'] }),
      'ciphers',
    );
    expect(tdes.message).toMatch(/TDES-EDE2-CBC/);
    expect(resolveHandsetConfig({ ...HANDSET_CONFIG, ciphers: ['TDES-EDE2-CBC'] }, allAlgorithms).ciphers).toEqual(['TDES-EDE2-CBC']);
  });

  it.each([
    ['routing', { routing: { relay: '', uid: 'u' } }],
    ['device', { device: { model: '8800', os: '' } }],
    ['suites', { suites: [] }],
    ['suites', { suites: ['CPACE-X448-SHAKE256'] }],
    ['ciphers', { ciphers: [] }],
    ['ciphers', { ciphers: ['DES-CBC'] }],
    ['retry', { retry: { replyTimeoutMs: 0 } }],
    ['retry', { retry: { retries: -1 } }],
    ['maxPageRecords', { maxPageRecords: 0 }],
  ])('an invalid %s is INVALID_ARGUMENT', (field, patch) => {
    expectInvalidArgument(() => resolveHandsetConfig({ ...HANDSET_CONFIG, ...(patch as Partial<HandsetConfig>) }), field);
  });
});
