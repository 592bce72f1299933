/**
 * The server measures an activation password as the handset does: in code points after NFC
 * (Unicode normalization form C), so that every password the administrator can set is one the
 * handset accepts, and the other way round. A mismatch made `BesSimulator.receive` throw, which
 * it must never do for anything a peer or the administrator can cause.
 */
import { describe, expect, it } from 'vitest';
import { expectCode } from '../support/errors.js';
import { EMAIL } from '../support/fixtures.js';
import { createServer } from '../support/pair.js';
import { runExchange } from './harness.js';

describe('the server measures a password after NFC, as the handset does', () => {
  // Was (fixed): src/simulator/accounts.ts setActivationPassword counted code points BEFORE NFC,
  // the handset (passwordToPrs) AFTER. A password that NFC lengthens (U+2ADC decomposes to 2 code
  // points) was accepted by the administrator API, then every ETP.DAT for that account made
  // onEtpDat call passwordToPrs on it, which threw INVALID_ARGUMENT out of BesSimulator.receive
  // ("never throws for bad input"), after attemptStarted had already counted a failed attempt.
  it('BesSimulator.receive never throws, whatever password the administrator could set', () => {
    const { sim, clock } = createServer({ users: [{ email: EMAIL, displayName: 'Alice Example' }] });
    // 31 code points, 62 after NFC: refused by the administrator API, as the handset refuses it.
    const err = expectCode(() => sim.setActivationPassword(EMAIL, '\u2ADC'.repeat(31)), 'INVALID_ARGUMENT');
    expect(err.cause).toMatchObject({ field: 'password' });
    expect(sim.account(EMAIL)).toMatchObject({ hasPassword: false, failedAttempts: 0 });
    // The longest password the administrator can set (31 characters after NFC, typed decomposed:
    // 62 code points) is stored, and an ETP.DAT for the account is answered, not thrown at.
    sim.setActivationPassword(EMAIL, 'e\u0301'.repeat(31));
    expect(sim.account(EMAIL)).toMatchObject({ hasPassword: true });
    const wrong = runExchange({ sim, clock, password: 'anything-else' });
    expect(wrong.error?.code).toBe('WRONG_PASSWORD');
    expect(sim.account(EMAIL)!.failedAttempts).toBe(1);
    expect(runExchange({ sim, clock, password: '\u00e9'.repeat(31), handsetSeed: 'longest' }).stoppedBy).toBe('key-established');
  });

  // The same mismatch the other way: 16 characters after NFC, typed decomposed (32 code points):
  // the handset accepted it, the administrator API refused it.
  it('setActivationPassword measures the password after NFC, as the handset does', () => {
    const { sim, clock } = createServer({ users: [{ email: EMAIL, displayName: 'Alice Example' }] });
    const password = 'e\u0301'.repeat(16); // NFC: 16 x U+00E9
    sim.setActivationPassword(EMAIL, password);
    expect(runExchange({ sim, clock, password: '\u00e9'.repeat(16) }).stoppedBy).toBe('key-established');
  });
});
