/**
 * The simulator's admission check of new activation requests (src/simulator/admission.ts): its
 * options refused with the field they name, the token buckets' refill over time, the bound on the
 * keys it tracks, and the source checked before the PIN. Stepped directly, on explicit times.
 */
import { describe, expect, it } from 'vitest';
import { EtpAdmission } from '../../src/simulator/admission.js';
import { ActivationError } from '../../src/errors/activation-error.js';
import { expectCode } from '../support/errors.js';

describe('EtpAdmission options', () => {
  it.each([
    ['perPin', 'etpRateLimit.perPin'],
    ['perSource', 'etpRateLimit.perSource'],
  ] as const)('refuses a bad %s limit, naming %s', (key, field) => {
    // (null is not among them: `limit ?? fallback` takes the default for it, as for undefined.)
    for (const bad of [
      5,
      { burst: 0, perMinute: 1 },
      { burst: 1.5, perMinute: 1 },
      { burst: 1, perMinute: '5' },
      { burst: 1, perMinute: 0 },
      { burst: 1, perMinute: Infinity },
    ]) {
      const err = expectCode(() => new EtpAdmission({ [key]: bad as never }), 'INVALID_ARGUMENT');
      expect(err.message, JSON.stringify(bad)).toBe(`${field} needs an integer burst >= 1 and perMinute > 0`);
      expect(err.cause).toEqual({ field });
    }
  });

  it('takes the smallest limits it allows: a burst of 1, and one key tracked', () => {
    const admission = new EtpAdmission({ perPin: { burst: 1, perMinute: 1 }, perSource: false, maxTracked: 1 });
    expect(admission.admit('2100000A', undefined, 0)).toBeUndefined();
    expect(admission.admit('2100000A', undefined, 0)).toBe('rate-limited-pin');
  });

  it('refuses a maxTracked that is not a positive integer, naming it', () => {
    for (const bad of [0, -1, 1.5, NaN, '10']) {
      const err = expectCode(() => new EtpAdmission({ maxTracked: bad as number }), 'INVALID_ARGUMENT');
      expect(err.message).toBe('maxTracked must be a positive integer');
      expect(err.cause).toEqual({ field: 'etpRateLimit.maxTracked' });
    }
    expect(() => new EtpAdmission({ maxTracked: 1 })).not.toThrow();
    expect(new EtpAdmission({})).toBeInstanceOf(EtpAdmission);
  });

  it('with false, no limit at all', () => {
    const admission = new EtpAdmission({ perPin: false, perSource: false });
    for (let i = 0; i < 100; i++) expect(admission.admit('2100000A', 'src', 0)).toBeUndefined();
  });
});

describe('EtpAdmission buckets', () => {
  it('refills perMinute tokens a minute: half a token after half the interval is not one', () => {
    // One token a minute, burst 1: after 30 s the bucket holds half a token, after 60 s a whole one.
    const admission = new EtpAdmission({ perPin: { burst: 1, perMinute: 1 }, perSource: false });
    expect(admission.admit('2100000A', undefined, 0)).toBeUndefined();
    expect(admission.admit('2100000A', undefined, 30_000)).toBe('rate-limited-pin');
    expect(admission.admit('2100000A', undefined, 59_999)).toBe('rate-limited-pin');
    expect(admission.admit('2100000A', undefined, 60_000)).toBeUndefined();
  });

  it('refills at the rate, not at once: 2 a minute over a burst of 4', () => {
    const admission = new EtpAdmission({ perPin: { burst: 4, perMinute: 2 }, perSource: false });
    for (let i = 0; i < 4; i++) expect(admission.admit('2100000A', undefined, 0)).toBeUndefined();
    expect(admission.admit('2100000A', undefined, 0)).toBe('rate-limited-pin');
    // 30 s later: one token (2 a minute), not the whole burst.
    expect(admission.admit('2100000A', undefined, 30_000)).toBeUndefined();
    expect(admission.admit('2100000A', undefined, 30_000)).toBe('rate-limited-pin');
  });

  it('checks the source first, so that a flood from one source does not drain the PINs it names', () => {
    const admission = new EtpAdmission({ perPin: { burst: 1, perMinute: 1 }, perSource: { burst: 2, perMinute: 1 } });
    expect(admission.admit('2100000A', 'flood', 0)).toBeUndefined();
    expect(admission.admit('2100000B', 'flood', 0)).toBeUndefined();
    expect(admission.admit('2100000C', 'flood', 0)).toBe('rate-limited-source');
    // 2100000C's own bucket was not touched by the refusal: from another source it is admitted.
    expect(admission.admit('2100000C', 'honest', 0)).toBeUndefined();
  });

  it('forgets the least recently used key beyond maxTracked (a forgotten key starts with a full bucket)', () => {
    const admission = new EtpAdmission({ perPin: { burst: 1, perMinute: 1 }, perSource: false, maxTracked: 2 });
    expect(admission.admit('2100000A', undefined, 0)).toBeUndefined();
    expect(admission.admit('2100000B', undefined, 0)).toBeUndefined();
    expect(admission.admit('2100000A', undefined, 0)).toBe('rate-limited-pin'); // A is now the newest
    expect(admission.admit('2100000C', undefined, 0)).toBeUndefined(); // B, the oldest, is forgotten
    expect(admission.admit('2100000A', undefined, 0)).toBe('rate-limited-pin');
    expect(admission.admit('2100000B', undefined, 0)).toBeUndefined();
  });

  it('refills nothing when the clock goes backwards', () => {
    const admission = new EtpAdmission({ perPin: { burst: 1, perMinute: 60 }, perSource: false });
    expect(admission.admit('2100000A', undefined, 100_000)).toBeUndefined();
    expect(admission.admit('2100000A', undefined, 0)).toBe('rate-limited-pin');
    expect(admission.admit('2100000A', undefined, 100_999)).toBe('rate-limited-pin');
    expect(admission.admit('2100000A', undefined, 101_000)).toBeUndefined();
  });
});

it('its errors are ActivationErrors', () => {
  expect(() => new EtpAdmission({ maxTracked: 0 })).toThrow(ActivationError);
});
