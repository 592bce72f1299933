/**
 * `generateActivationPassword(random, length)` (docs/protocol.md, PRS row): 10 characters by
 * default from an alphabet without look-alikes, 8 to 31 characters on request (the server's
 * shortest and the device's longest password, docs/server.md "Activation password rules"), every
 * character equally likely. The 31 characters `abcdefghjkmnpqrstuvwxyz23456789` share 256 byte
 * values 8 times each up to byte 247 (31 × 8 = 248); the bytes 248 to 255 would make `a` to `h`
 * more likely than the rest, so they are dropped.
 */
import { describe, expect, it } from 'vitest';
import type { RandomSource } from '../../src/crypto/provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { generateActivationPassword } from '../../src/simulator/accounts.js';
import { expectCode } from '../support/errors.js';

/** A random source that hands out `stream` in order, as many bytes as asked each time (then zeros). */
function scripted(stream: readonly number[]): { random: RandomSource; calls: number[] } {
  let at = 0;
  const calls: number[] = [];
  const random: RandomSource = (length) => {
    calls.push(length);
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = stream[at++] ?? 0;
    return out;
  };
  return { random, calls };
}

describe('generateActivationPassword: length', () => {
  it('8 and 31 characters are made; 7, 32 and 8.5 are INVALID_ARGUMENT naming the range and the field', () => {
    expect(generateActivationPassword(seededRandom('len'), 8)).toMatch(/^[abcdefghjkmnpqrstuvwxyz23456789]{8}$/);
    expect(generateActivationPassword(seededRandom('len'), 31)).toMatch(/^[abcdefghjkmnpqrstuvwxyz23456789]{31}$/);
    for (const length of [7, 32, 8.5]) {
      const err = expectCode(() => generateActivationPassword(seededRandom('len'), length), 'INVALID_ARGUMENT');
      expect(err.message).toBe('a generated password has 8 to 31 characters');
      expect(err.cause).toEqual({ field: 'length' });
    }
  });
});

describe('generateActivationPassword: every character equally likely', () => {
  it('bytes 0 to 247 map onto the alphabet in order, 8 values per character', () => {
    expect(generateActivationPassword(scripted([0, 1, 2, 3, 4, 5, 6, 7]).random, 8)).toBe('abcdefgh');
    expect(generateActivationPassword(scripted([30, 61, 92, 123, 154, 185, 216, 247]).random, 8)).toBe('99999999');
  });

  it('bytes 248 to 255 are dropped and more bytes are asked for', () => {
    const { random, calls } = scripted([248, 249, 250, 251, 252, 253, 254, 255, 10, 11, 12, 13, 14, 15, 16, 17]);
    expect(generateActivationPassword(random, 8)).toBe('mnpqrstu');
    expect(calls).toEqual([8, 8]);
  });

  it('a byte dropped among good ones is skipped; bytes left over once the password is full are not used', () => {
    // First call: 255 dropped, 0..6 taken (7 characters); second: 7 taken, the rest unused.
    const { random, calls } = scripted([255, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(generateActivationPassword(random, 8)).toBe('abcdefgh');
    expect(calls).toEqual([8, 8]);
  });
});
