/**
 * The CPace protocol (draft-irtf-cfrg-cpace-21) on top of a {@link CPaceSuite}: share generation,
 * ISK derivation, the optional session-identifier output and explicit key confirmation.
 *
 * The shared point K never leaves this module: it is hashed into ISK and then zeroized
 * (draft section "Key derivation": an implementation "MUST NOT expose K").
 */
import { ActivationError } from '../../errors/activation-error.js';
import { nobleProvider } from '../noble-provider.js';
import type { CPaceSuite, CryptoProvider, RandomSource } from '../provider.js';
import { concatBytes, constantTimeEqual, utf8ToBytes } from '../../util/bytes.js';
import { lvCat, transcriptIr, transcriptOc } from './encoding.js';

/** Inputs both parties must share for their ISKs to match (draft section "CPace inputs"). */
export interface CPaceSessionInputs {
  /** Password-related string PRS. */
  readonly prs: Uint8Array;
  /** Channel identifier CI (party identities, etc.); may be empty. */
  readonly ci: Uint8Array;
  /** Session identifier sid; may be empty. */
  readonly sid: Uint8Array;
}

/** One party's ephemeral state after {@link cpaceStart}. */
export interface CPaceStartResult {
  /** The secret scalar y; keep it only until the ISK is derived, then zeroize it. */
  readonly scalar: Uint8Array;
  /** The public share Y = y*g to send to the peer. */
  readonly share: Uint8Array;
}

/** Inputs for ISK derivation. `Ya`/`ADa` are always party A's message, `Yb`/`ADb` party B's. */
export interface CPaceIskInputs {
  /** The session id both parties use. */
  readonly sid: Uint8Array;
  /** This party's secret scalar from {@link cpaceStart}. */
  readonly scalar: Uint8Array;
  /** The share received from the peer (equal to `Yb` for A, to `Ya` for B). */
  readonly peerShare: Uint8Array;
  /** Party A's (the handset's) share. */
  readonly Ya: Uint8Array;
  /** Party A's associated data. */
  readonly ADa: Uint8Array;
  /** Party B's (the server's) share. */
  readonly Yb: Uint8Array;
  /** Party B's associated data. */
  readonly ADb: Uint8Array;
}

const ISK_SUFFIX = /* @__PURE__ */ utf8ToBytes('_ISK');
const SID_OUTPUT_PREFIX = /* @__PURE__ */ utf8ToBytes('CPaceSidOutput');
const MAC_PREFIX = /* @__PURE__ */ utf8ToBytes('CPaceMac');

/**
 * Starts a CPace run (draft section "CPace protocol instructions"): g = G.calculate_generator(H,
 * PRS, CI, sid), y = G.sample_scalar(), Y = G.scalar_mult(y, g). The generator is secret (it is
 * derived from the password) and is zeroized before returning (best effort).
 */
export function cpaceStart(suite: CPaceSuite, inputs: CPaceSessionInputs, random: RandomSource): CPaceStartResult {
  const generator = suite.calculateGenerator(inputs.prs, inputs.ci, inputs.sid);
  try {
    const scalar = suite.sampleScalar(random);
    const share = suite.scalarMult(scalar, generator);
    return { scalar, share };
  } finally {
    generator.fill(0);
  }
}

/**
 * ISK = H.hash(lv_cat(G.DSI || b"_ISK", sid, K) || transcript), K = G.scalar_mult_vfy(y, peerShare),
 * aborting when K = G.I. K and the hash input are zeroized after use.
 */
function deriveIsk(suite: CPaceSuite, inputs: CPaceIskInputs, transcript: Uint8Array): Uint8Array {
  if (inputs.peerShare.length !== suite.shareLength) {
    throw new ActivationError('PROTOCOL_ERROR', 'invalid CPace share', {
      operation: 'cpace',
      reason: 'invalid-length',
      length: inputs.peerShare.length,
      expected: suite.shareLength,
    });
  }
  const k = suite.scalarMultVfy(inputs.scalar, inputs.peerShare);
  if (k === undefined) {
    throw new ActivationError('PROTOCOL_ERROR', 'invalid CPace share', { operation: 'cpace', reason: 'invalid-point' });
  }
  const prefix = lvCat(concatBytes(suite.dsi, ISK_SUFFIX), inputs.sid, k);
  const message = concatBytes(prefix, transcript);
  try {
    return suite.hash(message);
  } finally {
    k.fill(0);
    prefix.fill(0);
    message.fill(0);
  }
}

/**
 * Derives ISK in the initiator-responder setting, with transcript_ir(Ya, ADa, Yb, ADb)
 * (draft sections "CPace protocol instructions" and "Notation for string operations").
 * Throws ActivationError('PROTOCOL_ERROR') when the peer's share has the wrong length or
 * G.scalar_mult_vfy returns G.I.
 */
export function cpaceDeriveIsk(suite: CPaceSuite, inputs: CPaceIskInputs): Uint8Array {
  return deriveIsk(suite, inputs, transcriptIr(inputs.Ya, inputs.ADa, inputs.Yb, inputs.ADb));
}

/**
 * Derives ISK in the symmetric (parallel) setting, with transcript_oc(Ya, ADa, Yb, ADb), so the
 * result does not depend on which party is labelled A. Same errors as {@link cpaceDeriveIsk}.
 */
export function cpaceIskSymmetric(suite: CPaceSuite, inputs: CPaceIskInputs): Uint8Array {
  return deriveIsk(suite, inputs, transcriptOc(inputs.Ya, inputs.ADa, inputs.Yb, inputs.ADb));
}

/**
 * The optional public session identifier sid_output = H.hash(b"CPaceSidOutput" || transcript)
 * (draft section "Calculating a session identifier alongside with the CPace run"); pass
 * `transcriptIr(...)` or `transcriptOc(...)` as `transcript`.
 */
export function cpaceSidOutput(suite: CPaceSuite, transcript: Uint8Array): Uint8Array {
  return suite.hash(concatBytes(SID_OUTPUT_PREFIX, transcript));
}

/**
 * mac_key = H.hash(b"CPaceMac" || sid || ISK) (draft section "Key confirmation").
 */
export function confirmationKey(suite: CPaceSuite, sid: Uint8Array, isk: Uint8Array): Uint8Array {
  const message = concatBytes(MAC_PREFIX, sid, isk);
  try {
    return suite.hash(message);
  } finally {
    message.fill(0);
  }
}

/**
 * The key-confirmation tag over the message a party sent: HMAC-SHA-512(mac_key, lv_cat(Y, AD))
 * (draft section "Key confirmation": Ta over (Ya, ADa), Tb over (Yb, ADb)). 64 bytes. The HMAC is
 * `provider`'s ({@link nobleProvider}'s when none is given).
 */
export function confirmationTag(
  macKey: Uint8Array,
  share: Uint8Array,
  ad: Uint8Array,
  provider: Pick<CryptoProvider, 'hmac'> = nobleProvider,
): Uint8Array {
  return provider.hmac('SHA-512', macKey, lvCat(share, ad));
}

/**
 * Checks a peer's key-confirmation tag in constant time (for a given length); false on any
 * mismatch, including a wrong length. The HMAC is `provider`'s, as in {@link confirmationTag}.
 */
export function verifyConfirmationTag(
  macKey: Uint8Array,
  share: Uint8Array,
  ad: Uint8Array,
  tag: Uint8Array,
  provider: Pick<CryptoProvider, 'hmac'> = nobleProvider,
): boolean {
  const expected = confirmationTag(macKey, share, ad, provider);
  try {
    return constantTimeEqual(expected, tag);
  } finally {
    expected.fill(0);
  }
}
