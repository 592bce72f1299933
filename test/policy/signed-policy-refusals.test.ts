import { describe, expect, it } from 'vitest';
import { nobleProvider } from '../../src/crypto/noble-provider.js';
import { decodeCbor, encodeCbor } from '../../src/codec/cbor.js';
import { MAX_RULES, createPolicy, type ItPolicy } from '../../src/policy/policy.js';
import type { RuleValue } from '../../src/policy/rules.js';
import {
  MAX_POLICY_BYTES,
  encodePolicy,
  policyHash,
  policySignatureInput,
  signPolicy,
  verifySignedPolicy,
  type SignedPolicy,
} from '../../src/policy/signed-policy.js';
import { expectCode, ISSUED, otherKeys, serverKeys } from './helpers.js';

const server = serverKeys;
const other = otherKeys;

const POLICY = createPolicy('policy-1', 'BES 5.0.4', ISSUED, { 'Disable Camera': true, 'X-Level': 3, 'X-Name': 'on' });

function signRaw(policyBytes: Uint8Array): SignedPolicy {
  return { policy: policyBytes, signature: nobleProvider.sign(server.secretKey, policySignatureInput(policyBytes)) };
}

function rawBody(rules: Map<string, unknown>): Uint8Array {
  return encodeCbor({ id: 'policy-1', serverVersion: 'BES', issuedAt: ISSUED, rules });
}

describe('verifySignedPolicy refusals', () => {
  it('a public key of the wrong length: INVALID_ARGUMENT naming the field', () => {
    const signed = signPolicy(nobleProvider, server.secretKey, POLICY);
    for (const key of [new Uint8Array(31), new Uint8Array(33), 'key']) {
      const err = expectCode(() => verifySignedPolicy(nobleProvider, key as Uint8Array, signed), 'INVALID_ARGUMENT');
      expect(err.message).toBe('the server public key must be 32 bytes');
      expect(err.cause).toEqual({ operation: 'verify IT policy', field: 'publicKey' });
    }
  });

  it('a badly shaped message: MALFORMED from decoding the it-policy message', () => {
    const signed = signPolicy(nobleProvider, server.secretKey, POLICY);
    const err = expectCode(
      () => verifySignedPolicy(nobleProvider, server.publicKey, { policy: signed.policy, signature: new Uint8Array(63) }),
      'MALFORMED',
    );
    expect(err.message).toBe('it-policy: invalid field signature');
    expect(err.cause).toMatchObject({ operation: 'decode it-policy', field: 'signature' });
  });

  it('a signature by another key: BAD_SIGNATURE with the operation only', () => {
    const signed = signPolicy(nobleProvider, server.secretKey, POLICY);
    const err = expectCode(() => verifySignedPolicy(nobleProvider, other.publicKey, signed), 'BAD_SIGNATURE');
    expect(err.message).toBe('the IT policy signature does not verify');
    expect(err.cause).toEqual({ operation: 'verify IT policy' });
  });

  it('a signed body that breaks the schema: MALFORMED from decoding the it-policy body', () => {
    const bytes = encodeCbor({ id: '', serverVersion: 'BES', issuedAt: ISSUED, rules: new Map() });
    const err = expectCode(() => verifySignedPolicy(nobleProvider, server.publicKey, signRaw(bytes)), 'MALFORMED');
    expect(err.message).toBe('it-policy body: invalid field id');
    expect(err.cause).toMatchObject({ operation: 'decode it-policy body', field: 'id' });
  });

  it.each(['__proto__', 'prototype', 'constructor'])('a reserved rule name (%s) in a signed body is MALFORMED', (name) => {
    const bytes = rawBody(new Map<string, unknown>([[name, true]]));
    const err = expectCode(() => verifySignedPolicy(nobleProvider, server.publicKey, signRaw(bytes)), 'MALFORMED');
    expect(err.cause).toMatchObject({ operation: 'decode it-policy body' });
  });

  it('a signed body that is not canonical: MALFORMED with the exact cause', () => {
    // issuedAt before serverVersion: valid fields, wrong order.
    const bytes = encodeCbor({ id: 'policy-1', issuedAt: ISSUED, serverVersion: 'BES', rules: new Map() });
    const err = expectCode(() => verifySignedPolicy(nobleProvider, server.publicKey, signRaw(bytes)), 'MALFORMED');
    expect(err.message).toBe('it-policy body: not in canonical form');
    expect(err.cause).toEqual({ operation: 'decode it-policy body', reason: 'non-canonical encoding' });
  });

  it('at most 256 rules on the wire: exactly 256 verify, 257 are MALFORMED', () => {
    const rules = (n: number) => new Map<string, unknown>(Array.from({ length: n }, (_, i) => [`X-Rule ${String(i).padStart(3, '0')}`, i]));
    const ok = verifySignedPolicy(nobleProvider, server.publicKey, signRaw(rawBody(rules(MAX_RULES))));
    expect(Object.keys(ok.rules)).toHaveLength(MAX_RULES);
    const err = expectCode(() => verifySignedPolicy(nobleProvider, server.publicKey, signRaw(rawBody(rules(MAX_RULES + 1)))), 'MALFORMED');
    expect(err.cause).toMatchObject({ operation: 'decode it-policy body', field: 'rules' });
  });
});

describe('signPolicy size limit', () => {
  it('refuses a policy whose encoding exceeds 256 KiB, with size and limit', () => {
    const list = Array.from({ length: 100 }, (_, i) => `${i}`.padEnd(256, 'x'));
    const rules: Record<string, RuleValue> = {};
    for (let i = 0; i < 12; i++) rules[`X-List ${i}`] = list;
    const policy = createPolicy('big', 'BES', ISSUED, rules);
    const size = encodePolicy(policy).length;
    expect(size).toBeGreaterThan(MAX_POLICY_BYTES);
    const err = expectCode(() => signPolicy(nobleProvider, server.secretKey, policy), 'INVALID_ARGUMENT');
    expect(err.message).toBe(`the encoded IT policy exceeds ${MAX_POLICY_BYTES} bytes`);
    expect(err.cause).toEqual({ operation: 'sign IT policy', size, limit: MAX_POLICY_BYTES });
  });

  it('signs a policy just under the limit', () => {
    const list = Array.from({ length: 100 }, (_, i) => `${i}`.padEnd(256, 'x'));
    const rules: Record<string, RuleValue> = {};
    for (let i = 0; i < 10; i++) rules[`X-List ${i}`] = list;
    const policy = createPolicy('big', 'BES', ISSUED, rules);
    expect(encodePolicy(policy).length).toBeLessThanOrEqual(MAX_POLICY_BYTES);
    const signed = signPolicy(nobleProvider, server.secretKey, policy);
    expect(verifySignedPolicy(nobleProvider, server.publicKey, signed)).toEqual(policy);
  });

  it('signs and verifies a policy whose encoding is exactly 256 KiB: the limit is inclusive', () => {
    const list = Array.from({ length: 100 }, (_, i) => `${i}`.padEnd(256, 'x'));
    const rules: Record<string, RuleValue> = {};
    for (let i = 0; i < 10; i++) rules[`X-List ${i}`] = list;
    rules['X-Fill'] = [...list.slice(0, 11), 'y'.repeat(124)];
    const policy = createPolicy('big', 'BES', ISSUED, rules);
    expect(encodePolicy(policy).length).toBe(262_144);
    const signed = signPolicy(nobleProvider, server.secretKey, policy);
    expect(signed.policy.length).toBe(262_144);
    expect(verifySignedPolicy(nobleProvider, server.publicKey, signed)).toEqual(policy);
  });
});

describe('canonical encoding of values', () => {
  it('keeps booleans, strings and integers as they are', () => {
    const decoded = decodeCbor(encodePolicy(POLICY), 'test') as { rules: Map<string, unknown> | Record<string, unknown> };
    const rules = decoded.rules instanceof Map ? Object.fromEntries(decoded.rules) : decoded.rules;
    expect(rules).toEqual({ 'Disable Camera': true, 'X-Level': 3, 'X-Name': 'on' });
  });

  it('hashes -0 like 0', () => {
    const withZero: ItPolicy = { id: 'p', serverVersion: 'BES', issuedAt: ISSUED, rules: { 'X-Zero': 0 } };
    const withMinusZero: ItPolicy = { id: 'p', serverVersion: 'BES', issuedAt: ISSUED, rules: { 'X-Zero': -0 } };
    const withOne: ItPolicy = { id: 'p', serverVersion: 'BES', issuedAt: ISSUED, rules: { 'X-Zero': 1 } };
    expect(policyHash(withMinusZero)).toEqual(policyHash(withZero));
    expect(policyHash(withOne)).not.toEqual(policyHash(withZero));
  });
});
