import { createHmac, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isActivationError } from '../../src/errors/activation-error.js';
import { RELAY_VOUCH_INFO, checkVouch, decodeVouch, deriveVouchKey, encodeVouch, vouchMac } from '../../src/transport/relay-vouch.js';

function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isActivationError(err) ? err.code : `not an ActivationError: ${String(err)}`;
  }
  return undefined;
}

describe('relay vouch', () => {
  it('derives the key with HKDF-SHA-256 exactly as node:crypto does', () => {
    for (const token of ['t', 'relay-token-0123456789', 'ünïcødé tøkén']) {
      const expected = new Uint8Array(hkdfSync('sha256', Buffer.from(token, 'utf8'), Buffer.alloc(0), Buffer.from(RELAY_VOUCH_INFO), 32));
      expect(deriveVouchKey(token)).toEqual(expected);
    }
    expect(RELAY_VOUCH_INFO).toBe('enterprise-activation/v1 relay-vouch');
    expect(deriveVouchKey('a')).not.toEqual(deriveVouchKey('b'));
  });

  it('computes HMAC-SHA-256 over LV(source) || frame exactly as node:crypto does', () => {
    const key = deriveVouchKey('relay-token');
    const frame = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
    const source = 'src-3f9a';
    const len = Buffer.alloc(4);
    len.writeUInt32BE(source.length);
    const expected = createHmac('sha256', key).update(len).update(source).update(frame).digest();
    expect(vouchMac(key, frame, source)).toEqual(new Uint8Array(expected));
  });

  it('accepts the right MAC as bytes or base64url and refuses any change', () => {
    const key = deriveVouchKey('relay-token');
    const frame = new TextEncoder().encode('an ETP.DAT frame');
    const mac = vouchMac(key, frame, 'src-1');
    const text = encodeVouch(mac);
    expect(text).toBe(Buffer.from(mac).toString('base64url'));
    expect(decodeVouch(text)).toEqual(mac);
    expect(checkVouch(key, frame, 'src-1', mac)).toBe(true);
    expect(checkVouch(key, frame, 'src-1', text)).toBe(true);

    const altered = frame.slice();
    altered[0] = altered[0]! ^ 1;
    expect(checkVouch(key, altered, 'src-1', mac)).toBe(false);
    expect(checkVouch(key, frame, 'src-2', mac)).toBe(false);
    expect(checkVouch(deriveVouchKey('other-token'), frame, 'src-1', mac)).toBe(false);
    // The length prefix keeps source and frame apart: moving a byte across the boundary changes the MAC.
    const shifted = vouchMac(key, new TextEncoder().encode('1an ETP.DAT frame'), 'src-');
    expect(shifted).not.toEqual(mac);
  });

  it('treats hostile MACs and sources as unvouched without throwing', () => {
    const key = deriveVouchKey('relay-token');
    const frame = new Uint8Array([1, 2, 3]);
    for (const mac of [
      '',
      'A',
      '!!!!',
      'x'.repeat(65),
      `${encodeVouch(vouchMac(key, frame, 's'))}=`,
      42,
      null,
      undefined,
      new Uint8Array(31),
    ]) {
      expect(checkVouch(key, frame, 's', mac)).toBe(false);
    }
    const mac = vouchMac(key, frame, 's');
    for (const source of ['', 'a b', 'a\r\nX-Injected: 1', 'é', 'x'.repeat(129), 7, undefined]) {
      expect(checkVouch(key, frame, source, mac)).toBe(false);
    }
    // Non-canonical base64url (non-zero leftover bits) is refused rather than aliased.
    const canonical = encodeVouch(mac);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // 32 bytes = 43 characters with 2 unused low bits in the last one; setting them aliases the same bytes.
    const lastIndex = alphabet.indexOf(canonical[canonical.length - 1]!);
    expect(lastIndex % 4).toBe(0);
    const alias = canonical.slice(0, -1) + alphabet[lastIndex + 1]!;
    expect(Buffer.from(alias, 'base64url')).toEqual(Buffer.from(mac));
    expect(decodeVouch(alias)).toBeUndefined();
  });

  it('refuses bad keys, tokens and sources when vouching with INVALID_ARGUMENT', () => {
    const frame = new Uint8Array([1]);
    expect(thrownCode(() => deriveVouchKey(''))).toBe('INVALID_ARGUMENT');
    expect(thrownCode(() => deriveVouchKey(undefined as unknown as string))).toBe('INVALID_ARGUMENT');
    expect(thrownCode(() => vouchMac(new Uint8Array(8), frame, 's'))).toBe('INVALID_ARGUMENT');
    expect(thrownCode(() => vouchMac(deriveVouchKey('t'), frame, 'two words'))).toBe('INVALID_ARGUMENT');
    expect(thrownCode(() => checkVouch(new Uint8Array(0), frame, 's', new Uint8Array(32)))).toBe('INVALID_ARGUMENT');
  });
});
