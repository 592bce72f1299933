/**
 * The signed IT policy: its canonical CBOR encoding, signed with the server domain's Ed25519 key
 * (the key the handset learned in the key grant). The handset checks the signature over the exact
 * bytes first, then decodes them strictly and insists they are canonical, so one signature can
 * only ever mean one policy. The `it-policy` message that carries a {@link SignedPolicy} is
 * encoded and decoded in src/wire/messages/it-policy.ts.
 */
import * as v from 'valibot';
import { ActivationError } from '../errors/activation-error.js';
import { nobleProvider } from '../crypto/noble-provider.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { prependLen } from '../crypto/cpace/encoding.js';
import { concatBytes, constantTimeEqual, utf8ToBytes } from '../util/bytes.js';
import { encodeCbor, validate } from '../codec/cbor.js';
import { decodeGuarded } from '../codec/decode-guarded.js';
import { bytes, list, text, uint, type SchemaOf } from '../codec/schema.js';
import {
  MAX_POLICY_ID_LENGTH,
  MAX_RULES,
  MAX_RULE_LIST_ITEMS,
  MAX_RULE_NAME_LENGTH,
  MAX_RULE_TEXT_LENGTH,
  MAX_SERVER_VERSION_LENGTH,
  ruleNameProblem,
  validatePolicy,
  type ItPolicy,
} from './policy.js';
import type { RuleValue } from './rules.js';

/** Domain-separation label of the policy signature. */
export const IT_POLICY_SIGNATURE_LABEL = 'enterprise-activation/v1 it-policy';

/** Largest encoded policy accepted (256 KiB). */
export const MAX_POLICY_BYTES = 256 * 1024;

/** Length of a policy hash ({@link policyHash}): SHA-256. */
export const POLICY_HASH_LENGTH = 32;

/** Ed25519 signature and public key lengths. */
const SIGNATURE_LENGTH = 64;
const PUBLIC_KEY_LENGTH = 32;

/** A policy as sent: its canonical CBOR bytes and the server's signature over them. */
export interface SignedPolicy {
  /** Canonical CBOR of the {@link ItPolicy} (see {@link encodePolicy}). */
  readonly policy: Uint8Array;
  /** Ed25519 over {@link policySignatureInput}(policy), 64 bytes. */
  readonly signature: Uint8Array;
}

/**
 * What a {@link SignedPolicy} must look like: 1 to {@link MAX_POLICY_BYTES} policy bytes and a
 * 64-byte signature. {@link verifySignedPolicy} checks its argument against it, and the `it-policy`
 * message (src/wire/messages/it-policy.ts) is exactly this map.
 */
export const signedPolicySchema = v.strictObject({
  policy: bytes(1, MAX_POLICY_BYTES),
  signature: bytes(SIGNATURE_LENGTH),
}) satisfies SchemaOf<SignedPolicy>;

const ruleValueSchema = v.union([
  v.boolean(),
  v.pipe(v.number(), v.safeInteger()),
  text(MAX_RULE_TEXT_LENGTH),
  list(text(MAX_RULE_TEXT_LENGTH), MAX_RULE_LIST_ITEMS),
]);

const ruleNameSchema = v.pipe(
  text(MAX_RULE_NAME_LENGTH, 1),
  v.check((name) => ruleNameProblem(name) === undefined, 'valid rule name'),
);

/**
 * The decoded policy. Unknown rule names pass (the device ignores them, see docs/it-policy.md);
 * every value must still be a boolean, safe integer, string of at most 256 characters or a list
 * of at most 100 such strings.
 */
export const itPolicySchema = v.strictObject({
  id: text(MAX_POLICY_ID_LENGTH, 1),
  serverVersion: text(MAX_SERVER_VERSION_LENGTH, 1),
  issuedAt: uint(),
  rules: v.pipe(
    v.record(ruleNameSchema, ruleValueSchema),
    v.check(
      (rules) => Object.keys(rules).length <= MAX_RULES,
      () => `at most ${MAX_RULES} rules`,
    ),
  ),
});

/**
 * The canonical CBOR of a policy: a map `{ id, serverVersion, issuedAt, rules }` in that order,
 * `rules` a map sorted by name (JavaScript string order, i.e. UTF-16 code units). Checks the
 * policy first (INVALID_ARGUMENT, as `createPolicy` does).
 */
export function encodePolicy(policy: ItPolicy): Uint8Array {
  return canonicalBytes(validatePolicy(policy));
}

/**
 * The bytes the server signs: `prepend_len("enterprise-activation/v1 it-policy") || policyBytes`,
 * where prepend_len is CPace's LEB128 length prefix (here the single byte 0x22).
 */
export function policySignatureInput(policyBytes: Uint8Array): Uint8Array {
  return concatBytes(prependLen(utf8ToBytes(IT_POLICY_SIGNATURE_LABEL)), policyBytes);
}

/** Server side: encodes `policy` canonically and signs it with the server domain's Ed25519 secret key. */
export function signPolicy(provider: CryptoProvider, secretKey: Uint8Array, policy: ItPolicy): SignedPolicy {
  const policyBytes = encodePolicy(policy);
  if (policyBytes.length > MAX_POLICY_BYTES) {
    throw new ActivationError('INVALID_ARGUMENT', `the encoded IT policy exceeds ${MAX_POLICY_BYTES} bytes`, {
      operation: 'sign IT policy',
      size: policyBytes.length,
      limit: MAX_POLICY_BYTES,
    });
  }
  const signature = provider.sign(secretKey, policySignatureInput(policyBytes));
  return Object.freeze({ policy: policyBytes, signature });
}

/**
 * Handset side: checks `signed` has the right shape (MALFORMED), that the signature verifies under
 * the server's `publicKey` (BAD_SIGNATURE), then decodes the policy strictly and requires the bytes
 * to be exactly its canonical encoding (MALFORMED). Known rules are not range-checked here: a value
 * the catalogue does not allow makes `applyPolicy` reject the policy, naming the rule.
 */
export function verifySignedPolicy(provider: CryptoProvider, publicKey: Uint8Array, signed: SignedPolicy): ItPolicy {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_LENGTH) {
    throw new ActivationError('INVALID_ARGUMENT', `the server public key must be ${PUBLIC_KEY_LENGTH} bytes`, {
      operation: 'verify IT policy',
      field: 'publicKey',
    });
  }
  const shaped = validate(signedPolicySchema, signed, 'it-policy');
  if (!provider.verify(publicKey, policySignatureInput(shaped.policy), shaped.signature)) {
    throw new ActivationError('BAD_SIGNATURE', 'the IT policy signature does not verify', {
      operation: 'verify IT policy',
    });
  }
  const decoded = decodeGuarded(itPolicySchema, shaped.policy, 'it-policy body', MAX_POLICY_BYTES);
  const rules: Record<string, RuleValue> = {};
  for (const [name, value] of Object.entries(decoded.rules)) {
    rules[name] = Array.isArray(value) ? Object.freeze([...value]) : value;
  }
  const policy: ItPolicy = Object.freeze({
    id: decoded.id,
    serverVersion: decoded.serverVersion,
    issuedAt: decoded.issuedAt,
    rules: Object.freeze(rules),
  });
  if (!constantTimeEqual(canonicalBytes(policy), shaped.policy)) {
    throw new ActivationError('MALFORMED', 'it-policy body: not in canonical form', {
      operation: 'decode it-policy body',
      reason: 'non-canonical encoding',
    });
  }
  return policy;
}

/**
 * What identifies a policy's content: SHA-256 of its signed bytes (the canonical encoding the
 * signature covers). The id alone does not: a server could reuse an id for other rules (issue 8,
 * finding 7). The device acknowledges this hash and the server checks it is the one it sent. The
 * hash is `provider`'s ({@link nobleProvider}'s when none is given).
 */
export function policyBytesHash(policyBytes: Uint8Array, provider: Pick<CryptoProvider, 'sha256'> = nobleProvider): Uint8Array {
  return provider.sha256(policyBytes);
}

/**
 * {@link policyBytesHash} of a decoded policy: the hash of its canonical encoding, which for a
 * verified policy is exactly the received bytes ({@link verifySignedPolicy} insists on canonical
 * form). Works for any decoded policy, including one whose known rules have values the catalogue
 * does not allow.
 */
export function policyHash(policy: ItPolicy, provider: Pick<CryptoProvider, 'sha256'> = nobleProvider): Uint8Array {
  return provider.sha256(canonicalBytes(policy));
}

function canonicalBytes(policy: ItPolicy): Uint8Array {
  // A Map keeps the sorted order; a plain object would put integer-like names ("9", "10") first.
  const rules = new Map<string, unknown>();
  for (const name of Object.keys(policy.rules).sort()) {
    const value = policy.rules[name] as RuleValue;
    rules.set(name, Array.isArray(value) ? [...value] : typeof value === 'number' && value === 0 ? 0 : value);
  }
  return encodeCbor({ id: policy.id, serverVersion: policy.serverVersion, issuedAt: policy.issuedAt, rules });
}
