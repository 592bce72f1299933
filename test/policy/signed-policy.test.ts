import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ActivationError } from '../../src/errors/activation-error.js';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { concatBytes, utf8ToBytes } from '../../src/util/bytes.js';
import { encodeCbor } from '../../src/codec/cbor.js';
import { createPolicy, type ItPolicy } from '../../src/policy/policy.js';
import {
  IT_POLICY_SIGNATURE_LABEL,
  MAX_POLICY_BYTES,
  encodePolicy,
  policySignatureInput,
  signPolicy,
  verifySignedPolicy,
  type SignedPolicy,
} from '../../src/policy/signed-policy.js';
import { decodeSignedPolicy, encodeSignedPolicy } from '../../src/wire/messages/it-policy.js';
import { applyPolicy } from '../../src/policy/apply-policy.js';
import { InMemoryPolicyEnforcer } from '../../src/policy/enforcer.js';
import { caught, expectCode, ISSUED, otherKeys, serverKeys } from './helpers.js';

const server = serverKeys;
const other = otherKeys;

const POLICY = createPolicy('policy-2024-01', 'BlackBerry Enterprise Server 5.0.4', ISSUED, {
  'Password Required': true,
  'Minimum Password Length': 8,
  'Set Maximum Password Attempts': 5,
  'Forbidden Passwords': ['password', 'blackberry'],
  'Content Protection Strength': 'Stronger',
  'Disable Bluetooth': true,
  'Some Future Rule': 'on',
});

/** Signs arbitrary bytes the way a server would sign a policy (for malformed-but-signed inputs). */
function signRaw(policyBytes: Uint8Array, key = server.secretKey): SignedPolicy {
  return { policy: policyBytes, signature: nobleProvider.sign(key, policySignatureInput(policyBytes)) };
}

function verify(signed: SignedPolicy, publicKey = server.publicKey): ItPolicy {
  return verifySignedPolicy(nobleProvider, publicKey, signed);
}

function wire(p: { id?: unknown; serverVersion?: unknown; issuedAt?: unknown; rules?: unknown; [k: string]: unknown }): Uint8Array {
  return encodeCbor(p);
}

const BASE = { id: 'p1', serverVersion: 'BES 5', issuedAt: ISSUED };

describe('signed IT policy', () => {
  it('round-trips: sign, encode, decode, verify', () => {
    const signed = signPolicy(nobleProvider, server.secretKey, POLICY);
    expect(signed.signature.length).toBe(64);
    const received = decodeSignedPolicy(encodeSignedPolicy(signed));
    expect(received.policy).toEqual(signed.policy);
    expect(received.signature).toEqual(signed.signature);
    const verified = verify(received);
    expect(verified).toEqual(POLICY);
    expect(Object.isFrozen(verified)).toBe(true);
    expect(Object.isFrozen(verified.rules)).toBe(true);
  });

  it('encodes canonically: same policy, same bytes, whatever the rule order', () => {
    const a = createPolicy('p', 'v', 1, { 'Disable Camera': true, 'Password Required': true, Alpha: 1 });
    const b = createPolicy('p', 'v', 1, { Alpha: 1, 'Password Required': true, 'Disable Camera': true });
    expect(encodePolicy(a)).toEqual(encodePolicy(b));
    expect(encodePolicy({ ...a, rules: { 'Password Required': true, Alpha: 1, 'Disable Camera': true } })).toEqual(encodePolicy(a));
    expect(signPolicy(nobleProvider, server.secretKey, a).signature).toEqual(signPolicy(nobleProvider, server.secretKey, b).signature);
    expect(encodePolicy(a)).toEqual(
      encodeCbor({ id: 'p', serverVersion: 'v', issuedAt: 1, rules: { Alpha: 1, 'Disable Camera': true, 'Password Required': true } }),
    );
  });

  it('signs a domain-separated message', () => {
    const body = encodePolicy(POLICY);
    const input = policySignatureInput(body);
    expect(input[0]).toBe(IT_POLICY_SIGNATURE_LABEL.length);
    expect(input.subarray(1, 1 + IT_POLICY_SIGNATURE_LABEL.length)).toEqual(utf8ToBytes('enterprise-activation/v1 it-policy'));
    expect(input.subarray(1 + IT_POLICY_SIGNATURE_LABEL.length)).toEqual(body);
    // A signature over the bare bytes (no label) does not verify.
    expectCode(() => verify({ policy: body, signature: nobleProvider.sign(server.secretKey, body) }), 'BAD_SIGNATURE');
  });

  it('rejects every single-byte change of the policy bytes', () => {
    const signed = signPolicy(nobleProvider, server.secretKey, POLICY);
    for (let i = 0; i < signed.policy.length; i++) {
      const policy = signed.policy.slice();
      policy[i] = (policy[i] as number) ^ 0x01;
      expectCode(() => verify({ policy, signature: signed.signature }), 'BAD_SIGNATURE');
    }
  });

  it('rejects every single-byte change of the signature', () => {
    const signed = signPolicy(nobleProvider, server.secretKey, POLICY);
    for (let i = 0; i < 64; i++) {
      for (const mask of [0x01, 0x80]) {
        const signature = signed.signature.slice();
        signature[i] = (signature[i] as number) ^ mask;
        expectCode(() => verify({ policy: signed.policy, signature }), 'BAD_SIGNATURE');
      }
    }
  });

  it('rejects a policy signed with another key, or checked against another key', () => {
    const signed = signPolicy(nobleProvider, server.secretKey, POLICY);
    expectCode(() => verify(signed, other.publicKey), 'BAD_SIGNATURE');
    expectCode(() => verify(signPolicy(nobleProvider, other.secretKey, POLICY)), 'BAD_SIGNATURE');
  });

  it('rejects a policy spliced with another signature', () => {
    const a = signPolicy(nobleProvider, server.secretKey, POLICY);
    const b = signPolicy(nobleProvider, server.secretKey, createPolicy('other', 'v', 0, { 'Disable Camera': true }));
    expectCode(() => verify({ policy: a.policy, signature: b.signature }), 'BAD_SIGNATURE');
  });

  it('treats truncation as MALFORMED or BAD_SIGNATURE, never anything else', () => {
    const signed = signPolicy(nobleProvider, server.secretKey, POLICY);
    for (let n = 0; n < signed.policy.length; n++) {
      expectCode(() => verify({ policy: signed.policy.subarray(0, n), signature: signed.signature }), ['MALFORMED', 'BAD_SIGNATURE']);
    }
    for (let n = 0; n < 64; n++) {
      expectCode(() => verify({ policy: signed.policy, signature: signed.signature.subarray(0, n) }), ['MALFORMED', 'BAD_SIGNATURE']);
    }
    const message = encodeSignedPolicy(signed);
    for (let n = 0; n < message.length; n++) {
      expectCode(() => decodeSignedPolicy(message.subarray(0, n)), 'MALFORMED');
    }
  });

  it('rejects garbage shapes as MALFORMED', () => {
    const signed = signPolicy(nobleProvider, server.secretKey, POLICY);
    for (const bad of [
      null,
      undefined,
      42,
      'policy',
      {},
      { policy: signed.policy },
      { signature: signed.signature },
      { policy: 'x', signature: signed.signature },
      { policy: Array.from(signed.policy), signature: signed.signature },
      { policy: signed.policy, signature: new Uint8Array(65) },
      { policy: new Uint8Array(0), signature: signed.signature },
      { policy: new Uint8Array(MAX_POLICY_BYTES + 1), signature: signed.signature },
      { ...signed, extra: 1 },
    ]) {
      expectCode(() => verify(bad as SignedPolicy), 'MALFORMED');
    }
    expectCode(() => decodeSignedPolicy(encodeCbor({ ...signed, extra: 1 })), 'MALFORMED');
    expectCode(() => decodeSignedPolicy(encodeCbor([signed.policy, signed.signature])), 'MALFORMED');
    expectCode(() => decodeSignedPolicy(concatBytes(encodeSignedPolicy(signed), new Uint8Array([0]))), 'MALFORMED');
    expectCode(() => encodeSignedPolicy({ policy: signed.policy, signature: new Uint8Array(3) }), 'INVALID_ARGUMENT');
  });

  it('rejects a bad public key argument as INVALID_ARGUMENT', () => {
    const signed = signPolicy(nobleProvider, server.secretKey, POLICY);
    expectCode(() => verify(signed, new Uint8Array(31)), 'INVALID_ARGUMENT');
    expectCode(() => verify(signed, 'key' as never), 'INVALID_ARGUMENT');
    // A 32-byte string that is not a valid point simply does not verify.
    expectCode(() => verify(signed, new Uint8Array(32).fill(0xff)), 'BAD_SIGNATURE');
  });

  it('refuses to sign an invalid policy', () => {
    const bad = { ...POLICY, rules: { 'Minimum Password Length': 3 } };
    const err = expectCode(() => signPolicy(nobleProvider, server.secretKey, bad), 'INVALID_ARGUMENT');
    expect(err.message).toContain('Minimum Password Length');
  });

  describe('correctly signed but defective bodies are MALFORMED', () => {
    const cases: [string, Uint8Array][] = [
      ['not CBOR', new Uint8Array([0xff, 0xfe, 0xfd])],
      ['a CBOR array', encodeCbor([1, 2, 3])],
      ['trailing bytes', concatBytes(encodePolicy(POLICY), new Uint8Array([0]))],
      ['a missing field', wire({ id: 'p1', serverVersion: 'v', rules: {} })],
      ['an extra field', wire({ ...BASE, rules: {}, note: 'hi' })],
      ['an empty id', wire({ ...BASE, id: '', rules: {} })],
      ['a 65-character id', wire({ ...BASE, id: 'x'.repeat(65), rules: {} })],
      ['a negative issuedAt', wire({ ...BASE, issuedAt: -1, rules: {} })],
      ['a float value', wire({ ...BASE, rules: { 'Minimum Password Length': 8.5 } })],
      ['an object value', wire({ ...BASE, rules: { 'Future Rule': { a: 1 } } })],
      ['a byte-string value', wire({ ...BASE, rules: { 'Future Rule': new Uint8Array(2) } })],
      ['a null value', wire({ ...BASE, rules: { 'Future Rule': null } })],
      ['a 257-character string', wire({ ...BASE, rules: { 'Future Rule': 'x'.repeat(257) } })],
      ['a 101-entry list', wire({ ...BASE, rules: { 'Future Rule': Array(101).fill('x') } })],
      ['a mixed list', wire({ ...BASE, rules: { 'Future Rule': ['x', 1] } })],
      ['an empty rule name', wire({ ...BASE, rules: { '': true } })],
      ['a 129-character rule name', wire({ ...BASE, rules: { ['n'.repeat(129)]: true } })],
      ['a reserved rule name', wire({ ...BASE, rules: { constructor: true } })],
      ['257 rules', wire({ ...BASE, rules: Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`R${1000 + i}`, true])) })],
      ['unsorted rules', wire({ ...BASE, rules: { 'Password Required': true, 'Disable Camera': true } })],
      ['fields out of order', wire({ rules: {}, ...BASE })],
      ['an integer rule key', new Uint8Array([...wire({ ...BASE, rules: {} }).slice(0, -1), 0xa1, 0x01, 0xf5])],
    ];
    it.each(cases)('%s', (_name, body) => {
      expectCode(() => verify(signRaw(body)), 'MALFORMED');
    });

    it('duplicate rule names', () => {
      const body = encodePolicy(createPolicy('p1', 'v', ISSUED, { 'Rule A': true, 'Rule B': false }));
      const at = Buffer.from(body).indexOf('Rule B');
      body.set(utf8ToBytes('Rule A'), at);
      expectCode(() => verify(signRaw(body)), 'MALFORMED');
    });

    it('a non-canonical integer encoding', () => {
      const p = createPolicy('p1', 'v', 5, {});
      const body = encodePolicy(p);
      const at = Buffer.from(body).indexOf('issuedAt') + 'issuedAt'.length;
      expect(body[at]).toBe(0x05);
      // issuedAt 5 as a two-byte integer (0x18 0x05) instead of the one-byte form.
      const longer = concatBytes(body.subarray(0, at), new Uint8Array([0x18, 0x05]), body.subarray(at + 1));
      expect(verify(signRaw(body))).toEqual(p);
      expectCode(() => verify(signRaw(longer)), 'MALFORMED');
    });
  });

  it('lets unknown rule names through, and known rules with disallowed values through to applyPolicy', () => {
    const body = wire({ ...BASE, rules: { 'Minimum Password Length': 40, 'Password Required': true, 'Zeta Rule': [] } });
    const policy = verify(signRaw(body));
    expect(policy.rules).toEqual({ 'Minimum Password Length': 40, 'Password Required': true, 'Zeta Rule': [] });
    const ack = applyPolicy(new InMemoryPolicyEnforcer(), policy);
    expect(ack.status).toBe('rejected');
    expect(ack.rejected).toEqual([{ rule: 'Minimum Password Length', reason: 'invalid value: must be 4..14' }]);
    expect(ack.ignored).toEqual(['Zeta Rule']);
    expect(ack.applied).toEqual([]);
  });

  it('never throws anything but an ActivationError on arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ minLength: 0, maxLength: 80 }), (policy, signature) => {
        // The shape is checked first (a policy of 1 byte or more, a 64-byte signature): MALFORMED;
        // a well-shaped pair is then checked against the signature: BAD_SIGNATURE.
        const wellShaped = policy.length >= 1 && signature.length === 64;
        const err = caught(() => verify({ policy, signature }));
        expect(err).toBeInstanceOf(ActivationError);
        expect((err as ActivationError).code).toBe(wellShaped ? 'BAD_SIGNATURE' : 'MALFORMED');
        // Random bytes as a whole message: decoded or refused as MALFORMED, never anything else;
        // and whatever decodes does not verify.
        const joined = concatBytes(policy, signature);
        const err2 = caught(() => decodeSignedPolicy(joined));
        expect(err2 === undefined || (err2 instanceof ActivationError && err2.code === 'MALFORMED'), String(err2)).toBe(true);
        if (err2 === undefined) expectCode(() => verify(decodeSignedPolicy(joined)), 'BAD_SIGNATURE');
      }),
      { numRuns: 300 },
    );
  });

  it('never accepts a mutated signed message (property)', () => {
    const message = encodeSignedPolicy(signPolicy(nobleProvider, server.secretKey, POLICY));
    fc.assert(
      fc.property(fc.nat({ max: message.length - 1 }), fc.integer({ min: 1, max: 255 }), (index, mask) => {
        const mutated = message.slice();
        mutated[index] = (mutated[index] as number) ^ mask;
        // Either the mutation breaks the message's structure (MALFORMED, when decoding) or it
        // leaves a well-formed message whose signature no longer verifies (BAD_SIGNATURE).
        const decodeError = caught(() => decodeSignedPolicy(mutated));
        if (decodeError !== undefined) {
          expect(decodeError).toBeInstanceOf(ActivationError);
          expect((decodeError as ActivationError).code).toBe('MALFORMED');
        } else {
          expectCode(() => verify(decodeSignedPolicy(mutated)), 'BAD_SIGNATURE');
        }
      }),
      { numRuns: 300 },
    );
  });
});
