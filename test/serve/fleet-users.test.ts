/**
 * Fleet users (src/simulator/fleet-users.ts): the server and a fleet derive the same accounts from
 * a seed. The derivation is checked against OpenSSL's HMAC-SHA-256 (node:crypto), an independent
 * implementation, with the sampling rule written out again here.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FLEET_PASSWORD_LENGTH, fleetEmail, fleetPassword, fleetUsers } from '../../src/simulator/fleet-users.js';
import { expectCode } from '../support/errors.js';

const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** The documented rule, on node:crypto: bytes below 248 (8 x 31), each mod 31, blocks 0, 1, ... */
function opensslPassword(seed: string, email: string): string {
  let out = '';
  for (let block = 0; out.length < 12; block++) {
    const mac = createHmac('sha256', Buffer.from(seed, 'utf8'))
      .update(
        Buffer.concat([
          Buffer.from('enterprise-activation fleet password v1\u0000', 'utf8'),
          Buffer.from(email.toLowerCase(), 'utf8'),
          Buffer.of(block),
        ]),
      )
      .digest();
    for (const byte of mac) {
      if (byte >= 248) continue;
      out += ALPHABET[byte % 31];
      if (out.length === 12) break;
    }
  }
  return out;
}

describe('fleet users', () => {
  it('derive each password as the documented HMAC-SHA-256 rule does on OpenSSL', () => {
    for (const [seed, email] of [
      ['s', 'user00001@example.com'],
      ['a longer seed with spaces', 'User00042@Example.COM'],
      ['ünïcode-seed', 'x@y.example'],
    ] as const) {
      expect(fleetPassword(seed, email)).toBe(opensslPassword(seed, email));
    }
  });

  it('are the same for the same seed and differ for another', () => {
    const a = fleetUsers({ count: 50, seed: 'seed-1' });
    expect(fleetUsers({ count: 50, seed: 'seed-1' })).toEqual(a);
    const b = fleetUsers({ count: 50, seed: 'seed-2' });
    expect(b.map((u) => u.email)).toEqual(a.map((u) => u.email));
    expect(b.filter((u, i) => u.password === a[i]!.password)).toHaveLength(0);
  });

  it('number from `first`, padded to five digits, in the domain given, with a display name', () => {
    const users = fleetUsers({ count: 3, seed: 's', domain: 'corp.example', first: 9 });
    expect(users.map((u) => u.email)).toEqual(['user00009@corp.example', 'user00010@corp.example', 'user00011@corp.example']);
    expect(users[0]!.displayName).toBe('User 9');
    expect(fleetEmail(123456)).toBe('user123456@example.com');
  });

  it('have passwords of 12 characters from the look-alike-free alphabet, each character about equally likely', () => {
    const counts = new Map<string, number>();
    for (const u of fleetUsers({ count: 2000, seed: 'distribution' })) {
      expect(u.password).toMatch(/^[a-hjkmnp-z2-9]{12}$/);
      expect(u.password).toHaveLength(FLEET_PASSWORD_LENGTH);
      for (const c of u.password) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    expect(counts.size).toBe(31);
    // 24,000 characters, 774 expected each. Without the rejection of bytes 248-255, the first 8
    // characters of the alphabet would each come 9/256 of the time and the other 23 8/256: means
    // about 843 and 750. With it, both means are 774 give or take about 12 (one standard deviation).
    const mean = (chars: string): number => [...chars].reduce((sum, c) => sum + counts.get(c)!, 0) / chars.length;
    expect(Math.abs(mean(ALPHABET.slice(0, 8)) - mean(ALPHABET.slice(8)))).toBeLessThan(45);
  });

  it('refuse bad counts, seeds and domains with INVALID_ARGUMENT', () => {
    expectCode(() => fleetUsers({ count: 0, seed: 's' }), 'INVALID_ARGUMENT');
    expectCode(() => fleetUsers({ count: 1.5, seed: 's' }), 'INVALID_ARGUMENT');
    expectCode(() => fleetUsers({ count: 1_000_001, seed: 's' }), 'INVALID_ARGUMENT');
    expectCode(() => fleetUsers({ count: 1, seed: '' }), 'INVALID_ARGUMENT');
    expectCode(() => fleetUsers({ count: 1, seed: 'x'.repeat(257) }), 'INVALID_ARGUMENT');
    expectCode(() => fleetUsers({ count: 1, seed: 's', domain: 'no dots' }), 'INVALID_ARGUMENT');
    expectCode(() => fleetPassword('s', ''), 'INVALID_ARGUMENT');
    expectCode(() => fleetPassword(undefined as unknown as string, 'a@b.c'), 'INVALID_ARGUMENT');
  });
});
