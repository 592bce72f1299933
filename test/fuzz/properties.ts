/**
 * Fuzz properties shared by the CI tests (test/fuzz/*.test.ts) and the long-running script
 * (fuzz/run.ts). Everything here is deterministic given fast-check's seed.
 *
 * Decoder properties: every decoder of untrusted bytes either returns a value or throws an
 * ActivationError, nothing else (no TypeError, RangeError, stack overflow escaping), and leaves
 * no state behind (a known-good message decodes the same afterwards). Inputs are
 *   (a) arbitrary bytes,
 *   (b) mutations of valid encodings captured from a real activation (bit flips, byte sets,
 *       truncation, insertion, deletion, duplication, huge length headers, splices of two valid
 *       messages, any message type with any other),
 *   (c) structured CBOR: arbitrary values encoded with cbor-x, and structure-aware mutations of
 *       the decoded valid messages (a field replaced, removed, added, retyped; nested CBOR byte
 *       strings such as the ETP.DAT header are mutated inside and re-encoded),
 *   plus a fixed list of hostile inputs (deep nesting, huge declared lengths, big maps, exotic tags).
 *
 * State-machine properties: random sequences of inputs to `handsetStep` (recorded server frames
 * in any order, duplicated, dropped, mutated, relabelled; timers at random times; cancel; policy
 * results; activate) and of frames to `BesSimulator.receive`, with invariants (see below).
 */
import fc from 'fast-check';
import { encode as cborxEncode } from 'cbor-x';
import { sha256 } from '@noble/hashes/sha2.js';
// Both peers and the decoders run with every suite and cipher (the default provider has X25519 and AES only).
import { allAlgorithms } from '../support/providers.js';
import type { RandomSource } from '../../src/crypto/provider.js';
import { seededRandom } from '../../src/crypto/seeded-random.js';
import { ActivationError, type ActivationErrorCode } from '../../src/errors/activation-error.js';
import type { HandsetInput, HandsetOutput } from '../../src/handset/io.js';
import { handsetStep } from '../../src/handset/machine.js';
import type { HandsetPhase, HandsetState } from '../../src/handset/state.js';
import { RESTART_REQUIRED, openHandsetState, sealHandsetState } from '../../src/handset/snapshot.js';
import { failedStatus } from '../../src/handset/status.js';
import { sealSnapshot } from '../../src/persistence/sealed-snapshot.js';
import { decodePolicyAck } from '../../src/wire/messages/policy-ack.js';
import { applyPolicy } from '../../src/policy/apply-policy.js';
import { InMemoryPolicyEnforcer } from '../../src/policy/enforcer.js';
import { verifySignedPolicy } from '../../src/policy/signed-policy.js';
import { decodeSignedPolicy } from '../../src/wire/messages/it-policy.js';
import { decodeServiceBooks } from '../../src/wire/messages/service-books.js';
import { BesSimulator } from '../../src/simulator/bes-simulator.js';
import { decodeSyncAck } from '../../src/wire/messages/sync-ack.js';
import { decodeSyncPage } from '../../src/wire/messages/sync-page.js';
import { decodeCbor, encodeCbor } from '../../src/codec/cbor.js';
import { decodeEtpDat } from '../../src/wire/messages/etp-dat.js';
import { decodeEtpHeader } from '../../src/wire/etp/etp-header.js';
import { decodeFrame, encodeFrame, frameAssociatedData, type Frame, MESSAGE_TYPES } from '../../src/wire/frame.js';
import { decodeBooksAck } from '../../src/wire/messages/books-ack.js';
import { decodeErrorMessage, encodeErrorMessage } from '../../src/wire/messages/error.js';
import { decodeHandsetConfirm } from '../../src/wire/messages/handset-confirm.js';
import { decodeKeyGrant, decodeKeyIssue } from '../../src/wire/messages/key-issue.js';
import { decodeKeyVerified } from '../../src/wire/messages/key-verified.js';
import { openBody } from '../../src/wire/messages/sealed-body.js';
import { decodeServerShare } from '../../src/wire/messages/server-share.js';
import { decodeSyncDone } from '../../src/wire/messages/sync-done.js';
import { decodeDeviceCommand, encodeDeviceCommand } from '../../src/wire/messages/device-command.js';
import { decodeDeviceCommandAck, encodeDeviceCommandAck } from '../../src/wire/messages/device-command-ack.js';
import { decodeRekeyRequest, encodeRekeyRequest } from '../../src/wire/messages/rekey-request.js';
import { decodeRekeyOffer, encodeRekeyOffer } from '../../src/wire/messages/rekey-offer.js';
import { decodeRekeyAccept, encodeRekeyAccept } from '../../src/wire/messages/rekey-accept.js';
import { decodeRekeyDone, encodeRekeyDone } from '../../src/wire/messages/rekey-done.js';
import { EMAIL, HANDSET_CONFIG, P521, PASSWORD, T0, USERS } from '../support/fixtures.js';
import { frameType } from '../support/frames.js';
import { domainKeySeedFor } from '../support/pair.js';
import { runActivation, SecurityHarness } from '../security/harness.js';

/**
 * A seeded random source that can be forked: `fork()` gives a new source that continues exactly
 * where this one is now (it replays the lengths requested so far on a fresh seededRandom).
 */
interface ForkableRandom extends RandomSource {
  fork(): ForkableRandom;
  readonly calls: number;
}

function forkableRandom(seed: string, history: number[] = []): ForkableRandom {
  const inner = seededRandom(seed);
  for (const n of history) inner(n);
  const lengths = [...history];
  const fn = ((length: number) => {
    const out = inner(length);
    lengths.push(length);
    return out;
  }) as ForkableRandom;
  Object.defineProperty(fn, 'calls', { get: () => lengths.length });
  fn.fork = () => forkableRandom(seed, lengths);
  return fn;
}

// ---------------------------------------------------------------------------------------------
// Outcome checks
// ---------------------------------------------------------------------------------------------

/** Thrown by a property when the code under test threw something it must not. */
export class UnexpectedOutcome extends Error {
  constructor(
    message: string,
    readonly original?: unknown,
  ) {
    super(message);
    this.name = 'UnexpectedOutcome';
  }
}

function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}${err.stack ? `\n${err.stack.split('\n').slice(1, 6).join('\n')}` : ''}`;
  return `non-Error thrown: ${String(err)}`;
}

/**
 * Runs `fn`: a returned value or an ActivationError (with one of `codes`, if given) is fine;
 * anything else fails the property with a description of what was thrown.
 */
export function typedOutcome(
  where: string,
  fn: () => unknown,
  codes?: readonly ActivationErrorCode[],
): { value?: unknown; code?: ActivationErrorCode } {
  try {
    return { value: fn() };
  } catch (err) {
    if (!(err instanceof ActivationError)) throw new UnexpectedOutcome(`${where}: threw ${describeError(err)}`, err);
    if (codes && !codes.includes(err.code))
      throw new UnexpectedOutcome(`${where}: ActivationError ${err.code} (${err.message}) not in ${codes.join('/')}`, err);
    return { code: err.code };
  }
}

// ---------------------------------------------------------------------------------------------
// The corpus: valid encodings and states from real activations
// ---------------------------------------------------------------------------------------------

export interface Corpus {
  /** The reference X25519 run to Activation Complete. */
  readonly run: SecurityHarness;
  readonly transportKey: { algorithm: 'AES-256-CBC' | 'TDES-EDE2-CBC'; key: Uint8Array };
  readonly serverPublicKey: Uint8Array;
  readonly storageKey: Uint8Array;
  /** Frames as sent, per direction, in order. */
  readonly toServer: readonly Uint8Array[];
  readonly toHandset: readonly Uint8Array[];
  readonly toHandsetBySeq: ReadonlyMap<number, Uint8Array>;
  /** Valid encodings per sample kind (frame, etp-dat, header, bodies, plaintexts, snapshots). */
  readonly samples: Readonly<Record<string, readonly Uint8Array[]>>;
  /** Every sample of every kind (for splices). */
  readonly pool: readonly Uint8Array[];
  /** A small valid frame and its decoding, to detect state left behind by a decoder. */
  readonly probe: { bytes: Uint8Array; decoded: string };
}

let corpus: Corpus | undefined;

const STORAGE_KEY = seededRandom('fuzz-storage-key')(32);

/** Builds the corpus once per process (a few real activations, about 0.5 s). */
export function getCorpus(): Corpus {
  if (corpus) return corpus;
  const run = runActivation({ users: USERS, handsetSeed: 'fuzz-handset', serverSeed: 'fuzz-server' });
  if (run.state.phase !== 'complete') throw new Error(`corpus run did not complete: ${run.state.phase}`);
  const p521 = runActivation({
    users: USERS,
    handsetSeed: 'fuzz-p521',
    handsetConfig: { ...HANDSET_CONFIG, suites: [P521] },
    stopWhen: (h) => h.keyEstablished !== undefined,
  });
  const wrong = runActivation({ users: USERS, handsetSeed: 'fuzz-wrong', password: 'not-the-password' });
  const tdes = runActivation({
    users: USERS,
    handsetSeed: 'fuzz-tdes',
    serverOptions: { ciphers: ['TDES-EDE2-CBC'] },
    stopWhen: (h) => h.keyEstablished !== undefined,
  });

  const tk = run.state.transportKey!;
  const transportKey = { algorithm: tk.algorithm, key: tk.key };
  const samples: Record<string, Uint8Array[]> = {};
  const add = (kind: string, bytes: Uint8Array) => (samples[kind] ??= []).push(bytes);
  const allFrames = [run, p521, wrong, tdes].flatMap((h) => h.frames.map((f) => f.sent));
  for (const bytes of allFrames) {
    add('frame', bytes);
    const frame = decodeFrame(bytes);
    add(`body:${frame.type}`, frame.body);
    if (frame.type === 'etp-dat') add('etp-header', decodeEtpDat(frame.body).headerBytes);
    if (frame.type === 'server-share') add('server-routing', decodeServerShare(frame.body).adBytes);
  }
  // Plaintexts of the bodies sealed under the transport key, and the key grant under k_SH.
  for (const bytes of run.frames.map((f) => f.sent)) {
    const frame = decodeFrame(bytes);
    if (['it-policy', 'service-books', 'sync-page', 'sync-done', 'policy-ack', 'books-ack', 'sync-ack'].includes(frame.type)) {
      add('sealed-frame', bytes);
      add(`plain:${frame.type}`, openBody(allAlgorithms, transportKey, frame.body, frameAssociatedData(frame), frame.type));
    }
    if (frame.type === 'key-issue') {
      const kSH = run.states.find((s) => s.session?.serverToHandset)!.session!.serverToHandset!;
      const msg = decodeKeyIssue(frame.body);
      add('plain:grant', allAlgorithms.aeadOpen(kSH, msg.grant.nonce, msg.grant.ciphertext, frameAssociatedData(frame))!);
    }
  }
  add('body:error', encodeErrorMessage({ code: 'POLICY_REJECTED', rules: ['Disable Bluetooth', 'Password Required'] }));
  // The messages after activation (docs/lifecycle.md), as their encoders write them, with fields
  // of the sizes the machines use (8-byte ids, X25519 shares, a proof sealed under a new key).
  const lifecycle = seededRandom('fuzz-lifecycle');
  for (const command of ['deactivate', 'wipe'] as const) {
    add('plain:device-command', encodeDeviceCommand({ command, id: lifecycle(8) }));
    add('plain:device-command-ack', encodeDeviceCommandAck({ command, id: lifecycle(8) }));
  }
  add('plain:rekey-request', encodeRekeyRequest());
  for (const algorithm of ['AES-256-CBC', 'TDES-EDE2-CBC'] as const) {
    const keyId = lifecycle(8);
    add('plain:rekey-offer', encodeRekeyOffer({ keyId, algorithm, ephemeral: lifecycle(32) }));
    const proof = allAlgorithms.sealMessage(
      algorithm,
      lifecycle(algorithm === 'AES-256-CBC' ? 32 : 16),
      lifecycle(48),
      lifecycle(16),
      lifecycle,
    );
    add('plain:rekey-accept', encodeRekeyAccept({ keyId, ephemeral: lifecycle(32), proof }));
    add('plain:rekey-done', encodeRekeyDone({ keyId, proof: lifecycle(48) }));
  }
  // Sealed handset snapshots: idle, mid-activation, complete.
  const random = seededRandom('fuzz-snapshots');
  for (const state of [run.states[0]!, run.states[1]!, run.states[3]!, run.state])
    add('snapshot', sealHandsetState(state, STORAGE_KEY, allAlgorithms, random));
  // The plain CBOR of a few states (for structure-aware mutations sealed under the storage key).
  for (const state of [run.states[1]!, run.states[3]!, run.states[6]!]) add('state', encodeCbor(state));

  const probe = samples['frame']![1]!;
  corpus = {
    run,
    transportKey,
    serverPublicKey: run.state.server!.publicKey,
    storageKey: STORAGE_KEY,
    toServer: run.sent('to-server'),
    toHandset: run.sent('to-handset'),
    toHandsetBySeq: new Map(run.sent('to-handset').map((b) => [decodeFrame(b).seq, b])),
    samples,
    pool: Object.values(samples).flat(),
    probe: { bytes: probe, decoded: JSON.stringify(decodeFrame(probe), bytesReplacer) },
  };
  return corpus;
}

function bytesReplacer(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value;
}

/** Like {@link bytesReplacer}, with every object's keys sorted: for states, whose key order means nothing. */
function canonicalReplacer(key: string, value: unknown): unknown {
  const v = bytesReplacer(key, value);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

// ---------------------------------------------------------------------------------------------
// Decoder targets
// ---------------------------------------------------------------------------------------------

export interface DecoderTarget {
  readonly name: string;
  /** Sample kinds (keys of `Corpus.samples`) whose bytes this decoder accepts. */
  readonly kinds: readonly string[];
  /** Relative number of runs (slow decoders get fewer). */
  readonly weight: number;
  decode(bytes: Uint8Array, c: Corpus): unknown;
  /** For structured inputs: seal/wrap a decoded value so that it reaches the decoder's interesting part. */
  wrap?(value: unknown, c: Corpus): Uint8Array;
}

export const DECODERS: readonly DecoderTarget[] = [
  { name: 'decodeFrame', kinds: ['frame'], weight: 1, decode: (b) => decodeFrame(b) },
  { name: 'decodeEtpDat', kinds: ['body:etp-dat'], weight: 1, decode: (b) => decodeEtpDat(b) },
  { name: 'decodeEtpHeader', kinds: ['etp-header'], weight: 1, decode: (b) => decodeEtpHeader(b) },
  { name: 'decodeServerShare', kinds: ['body:server-share'], weight: 1, decode: (b) => decodeServerShare(b) },
  { name: 'decodeHandsetConfirm', kinds: ['body:handset-confirm'], weight: 1, decode: (b) => decodeHandsetConfirm(b) },
  { name: 'decodeKeyIssue', kinds: ['body:key-issue'], weight: 1, decode: (b) => decodeKeyIssue(b) },
  { name: 'decodeKeyGrant', kinds: ['plain:grant'], weight: 1, decode: (b) => decodeKeyGrant(b) },
  { name: 'decodeKeyVerified', kinds: ['body:key-verified'], weight: 1, decode: (b) => decodeKeyVerified(b) },
  { name: 'decodeErrorMessage', kinds: ['body:error'], weight: 1, decode: (b) => decodeErrorMessage(b) },
  { name: 'decodeBooksAck', kinds: ['plain:books-ack'], weight: 1, decode: (b) => decodeBooksAck(b) },
  { name: 'decodeSyncDone', kinds: ['plain:sync-done'], weight: 1, decode: (b) => decodeSyncDone(b) },
  {
    name: 'decodeSignedPolicy+verifySignedPolicy',
    kinds: ['plain:it-policy'],
    weight: 0.5,
    decode: (b, c) => verifySignedPolicy(allAlgorithms, c.serverPublicKey, decodeSignedPolicy(b)),
  },
  {
    // Signed with a key the fuzzer holds, so that mutated policies get past the signature into
    // the strict decoding and the canonical-form check.
    name: 'verifySignedPolicy(policy signed by the fuzzer)',
    kinds: ['policy-bytes'],
    weight: 0.15,
    decode: (b) =>
      verifySignedPolicy(allAlgorithms, FUZZ_KEY.publicKey, {
        policy: b,
        // (Signing megabytes is slow; a policy that large is refused before the signature is checked.)
        signature: b.length <= 256 * 1024 ? allAlgorithms.sign(FUZZ_KEY.secretKey, policyInput(b)) : new Uint8Array(64),
      }),
  },
  { name: 'decodePolicyAck', kinds: ['plain:policy-ack'], weight: 1, decode: (b) => decodePolicyAck(b) },
  { name: 'decodeServiceBooks', kinds: ['plain:service-books'], weight: 1, decode: (b) => decodeServiceBooks(b) },
  { name: 'decodeSyncPage', kinds: ['plain:sync-page'], weight: 1, decode: (b) => decodeSyncPage(b) },
  { name: 'decodeSyncAck', kinds: ['plain:sync-ack'], weight: 1, decode: (b) => decodeSyncAck(b) },
  { name: 'decodeDeviceCommand', kinds: ['plain:device-command'], weight: 1, decode: (b) => decodeDeviceCommand(b) },
  { name: 'decodeDeviceCommandAck', kinds: ['plain:device-command-ack'], weight: 1, decode: (b) => decodeDeviceCommandAck(b) },
  { name: 'decodeRekeyRequest', kinds: ['plain:rekey-request'], weight: 0.5, decode: (b) => decodeRekeyRequest(b) },
  { name: 'decodeRekeyOffer', kinds: ['plain:rekey-offer'], weight: 1, decode: (b) => decodeRekeyOffer(b) },
  { name: 'decodeRekeyAccept', kinds: ['plain:rekey-accept'], weight: 1, decode: (b) => decodeRekeyAccept(b) },
  { name: 'decodeRekeyDone', kinds: ['plain:rekey-done'], weight: 1, decode: (b) => decodeRekeyDone(b) },
  {
    // A whole frame of the reference run, opened under its transport key with its header as AD.
    name: 'decodeFrame+openBody (sealed under the transport key)',
    kinds: ['sealed-frame'],
    weight: 1,
    decode: (b, c) => {
      const frame = decodeFrame(b);
      return openBody(allAlgorithms, c.transportKey, frame.body, frameAssociatedData(frame), frame.type);
    },
  },
  { name: 'openHandsetState', kinds: ['snapshot'], weight: 0.5, decode: (b, c) => openHandsetState(b, c.storageKey, allAlgorithms) },
  {
    // The plaintext state, sealed under the right key: reaches the state validation.
    name: 'openHandsetState (sealed arbitrary state)',
    kinds: ['state'],
    weight: 0.5,
    decode: (b, c) =>
      openHandsetState(
        sealSnapshot('handset', decodeAny(b), c.storageKey, allAlgorithms, { random: seededRandom('seal') }),
        c.storageKey,
        allAlgorithms,
      ),
  },
  { name: 'decodeCbor', kinds: ['frame', 'plain:sync-page'], weight: 1, decode: (b) => decodeCbor(b, 'fuzz') },
];

const FUZZ_KEY = allAlgorithms.signingKeyPair(seededRandom('fuzz-policy-key')(32));
function policyInput(policy: Uint8Array): Uint8Array {
  const label = new TextEncoder().encode('enterprise-activation/v1 it-policy');
  const out = new Uint8Array(1 + label.length + policy.length);
  out[0] = label.length;
  out.set(label, 1);
  out.set(policy, 1 + label.length);
  return out;
}

/** Decodes any CBOR for re-sealing (the fuzzer's own decoding: plain cbor-x semantics via the library). */
function decodeAny(bytes: Uint8Array): unknown {
  try {
    return decodeCbor(bytes, 'fuzz input', 64 << 20);
  } catch {
    return bytes;
  }
}

/** Samples of a target (policy-bytes are derived: the signed policy's `policy` field). */
export function samplesOf(target: DecoderTarget, c: Corpus): Uint8Array[] {
  return target.kinds.flatMap((kind) => {
    if (kind === 'policy-bytes') return (c.samples['plain:it-policy'] ?? []).map((b) => decodeSignedPolicy(b).policy);
    const found = c.samples[kind];
    if (!found || found.length === 0) throw new Error(`no samples of ${kind}`);
    return [...found];
  });
}

/** Decodes with `target`, checks the outcome and that the shared decoder still decodes the probe the same. */
export function checkDecoder(target: DecoderTarget, c: Corpus, bytes: Uint8Array): { code?: ActivationErrorCode } {
  const outcome = typedOutcome(target.name, () => target.decode(bytes, c));
  const probe = JSON.stringify(decodeFrame(c.probe.bytes), bytesReplacer);
  if (probe !== c.probe.decoded)
    throw new UnexpectedOutcome(`${target.name}: decoder state changed: the probe frame now decodes differently`);
  return outcome.code === undefined ? {} : { code: outcome.code };
}

// ---------------------------------------------------------------------------------------------
// Byte mutations
// ---------------------------------------------------------------------------------------------

/** CBOR heads that declare enormous lengths or counts. */
export const HUGE_HEADS: readonly number[][] = [
  [0x5a, 0x7f, 0xff, 0xff, 0xff], // byte string, 2^31-1 bytes
  [0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // byte string, 2^64-1 bytes
  [0x7a, 0xff, 0xff, 0xff, 0xff], // text, 2^32-1
  [0x7b, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], // text, 2^53
  [0x9a, 0xff, 0xff, 0xff, 0xff], // array, 2^32-1 items
  [0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // array, 2^64-1 items
  [0x9b, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00], // array, 2^32 items
  [0xba, 0x7f, 0xff, 0xff, 0xff], // map, 2^31-1 pairs
  [0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // map, 2^64-1 pairs
  [0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // uint 2^64-1
  [0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // negint -2^64
  [0xdb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // tag 2^64-1
  [0xfb, 0x7f, 0xf8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], // NaN
  [0xfb, 0x7f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], // Infinity
  [0xf9, 0x80, 0x00], // -0 (half)
  [0xc2, 0x49, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00], // bignum 2^64
];

/** Interesting single bytes: CBOR structure (indefinite lengths, break, simple values, tags). */
const INTERESTING_BYTES = [
  0x00, 0x01, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x20, 0x40, 0x5f, 0x60, 0x7f, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xd8, 0xd9, 0xf4,
  0xf5, 0xf6, 0xf7, 0xfb, 0xff,
];

export type ByteMutation =
  | { readonly op: 'flip'; readonly at: number; readonly bit: number }
  | { readonly op: 'set'; readonly at: number; readonly value: number }
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly op: 'delete'; readonly at: number; readonly length: number }
  | { readonly op: 'duplicate'; readonly at: number; readonly length: number }
  | { readonly op: 'head'; readonly at: number; readonly head: number }
  | { readonly op: 'splice'; readonly other: number; readonly at: number; readonly otherAt: number };

export const byteMutationArb: fc.Arbitrary<ByteMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('set' as const),
      at: fc.nat(),
      value: fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.nat({ max: 255 })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 32 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('head' as const), at: fc.nat(), head: fc.nat({ max: HUGE_HEADS.length - 1 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('splice' as const), other: fc.nat(), at: fc.nat(), otherAt: fc.nat() }) },
);

export function applyMutation(bytes: Uint8Array, m: ByteMutation, pool: readonly Uint8Array[]): Uint8Array {
  const n = bytes.length;
  const at = n === 0 ? 0 : m.at % (n + 1);
  const concat = (...parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };
  switch (m.op) {
    case 'flip': {
      if (n === 0) return bytes;
      const out = bytes.slice();
      out[m.at % n]! ^= 1 << m.bit;
      return out;
    }
    case 'set': {
      if (n === 0) return Uint8Array.of(m.value);
      const out = bytes.slice();
      out[m.at % n] = m.value;
      return out;
    }
    case 'truncate':
      return bytes.slice(0, at);
    case 'insert':
      return concat(bytes.subarray(0, at), m.bytes, bytes.subarray(at));
    case 'delete':
      return concat(bytes.subarray(0, at), bytes.subarray(Math.min(n, at + m.length)));
    case 'duplicate':
      return concat(bytes.subarray(0, Math.min(n, at + m.length)), bytes.subarray(at));
    case 'head': {
      const head = Uint8Array.from(HUGE_HEADS[m.head % HUGE_HEADS.length]!);
      return concat(bytes.subarray(0, at), head, bytes.subarray(Math.min(n, at + 1)));
    }
    case 'splice': {
      const other = pool[m.other % pool.length]!;
      return concat(bytes.subarray(0, at), other.subarray(m.otherAt % (other.length + 1)));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Structure-aware mutations of decoded messages
// ---------------------------------------------------------------------------------------------

type Tree = unknown;

interface Slot {
  get(): Tree;
  set(value: Tree): void;
  remove(): void;
  readonly parent: Tree;
}

/** Decodes a valid sample into a tree in which nested CBOR byte strings are decoded as well. */
function expand(bytes: Uint8Array, depth = 0): Tree {
  const value = decodeCbor(bytes, 'fuzz sample', 64 << 20);
  return expandValue(value, depth);
}

const NESTED = Symbol('nested-cbor');
interface NestedCbor {
  [NESTED]: true;
  tree: Tree;
}

function expandValue(value: Tree, depth: number): Tree {
  if (value instanceof Uint8Array) {
    if (depth < 3 && value.length > 0 && (value[0]! & 0xe0) === 0xa0) {
      try {
        return { [NESTED]: true, tree: expand(value, depth + 1) } as NestedCbor;
      } catch {
        return value;
      }
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => expandValue(v, depth));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, Tree> = {};
    for (const [k, v] of Object.entries(value)) setKey(out, k, expandValue(v, depth));
    return out;
  }
  return value;
}

function collapse(tree: Tree): unknown {
  if (tree !== null && typeof tree === 'object' && (tree as NestedCbor)[NESTED]) return encodeLoose(collapse((tree as NestedCbor).tree));
  if (tree instanceof Uint8Array) return tree;
  if (Array.isArray(tree)) return tree.map(collapse);
  if (tree !== null && typeof tree === 'object' && Object.getPrototypeOf(tree) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(tree)) setKey(out, k, collapse(v));
    return out;
  }
  return tree;
}

/** Encodes with the library encoder, falling back to cbor-x defaults for values it refuses. */
function encodeLoose(value: unknown): Uint8Array {
  try {
    return encodeCbor(value);
  } catch {
    return cborxEncode(value);
  }
}

/**
 * The attacker's step the frame checksum does not stop: if `bytes` decode to a frame-shaped map
 * (a `body` and a `check`), recompute the checksum (SHA-256 over the header AD and the body, first
 * 8 bytes) and re-encode, so that the mutation reaches past the checksum. Otherwise unchanged.
 */
export function fixFrameChecksum(bytes: Uint8Array): Uint8Array {
  let value: unknown;
  try {
    value = decodeCbor(bytes, 'fuzz frame', 64 << 20);
  } catch {
    return bytes;
  }
  if (value === null || typeof value !== 'object' || !('check' in value) || !((value as { body?: unknown }).body instanceof Uint8Array))
    return bytes;
  const f = value as Record<string, unknown>;
  try {
    const ad = encodeCbor(['enterprise-activation/frame', f.v, f.type, f.sid, f.seq, f.pin, f.to]);
    const body = f.body as Uint8Array;
    const input = new Uint8Array(ad.length + body.length);
    input.set(ad);
    input.set(body, ad.length);
    setKey(f, 'check', sha256(input).subarray(0, 8));
    return encodeLoose(f);
  } catch {
    return bytes;
  }
}

function slots(tree: Tree): Slot[] {
  const out: Slot[] = [];
  const walk = (node: Tree) => {
    const target = node !== null && typeof node === 'object' && (node as NestedCbor)[NESTED] ? (node as NestedCbor).tree : node;
    if (Array.isArray(target)) {
      target.forEach((v, i) => {
        out.push({ parent: target, get: () => target[i], set: (x) => (target[i] = x), remove: () => target.splice(i, 1) });
        walk(v);
      });
    } else if (target !== null && typeof target === 'object' && !(target instanceof Uint8Array)) {
      const obj = target as Record<string, Tree>;
      for (const k of Object.keys(obj)) {
        out.push({ parent: obj, get: () => obj[k], set: (x) => setKey(obj, k, x), remove: () => delete obj[k] });
        walk(obj[k]);
      }
    }
  };
  walk(tree);
  return out;
}

export type TreeMutation =
  | { readonly op: 'replace'; readonly slot: number; readonly value: unknown }
  | { readonly op: 'remove'; readonly slot: number }
  | { readonly op: 'add-key'; readonly slot: number; readonly key: string; readonly value: unknown }
  | { readonly op: 'edge'; readonly slot: number; readonly edge: number }
  | { readonly op: 'wrap'; readonly slot: number; readonly depth: number }
  | { readonly op: 'bytes'; readonly slot: number; readonly mutation: ByteMutation };

const EDGE_VALUES: readonly unknown[] = [
  0,
  -1,
  1,
  255,
  256,
  65_535,
  2 ** 31,
  2 ** 32,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  -(2 ** 53),
  1.5,
  -0,
  NaN,
  Infinity,
  -Infinity,
  10n ** 30n,
  -(10n ** 30n),
  '',
  'x'.repeat(10_000),
  '\u0000',
  '\ud800',
  '__proto__',
  'constructor',
  'toString',
  [],
  {},
  null,
  undefined,
  true,
  false,
  new Uint8Array(0),
  new Uint8Array(16),
  new Uint8Array(33),
  new Uint8Array(70_000),
  new Map([[1, 2]]),
  new Set([1]),
  new Date(0),
  new Date(NaN),
  Array.from({ length: 2_000 }, (_, i) => i),
  Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i])),
];

const valueArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EDGE_VALUES) },
  {
    weight: 2,
    arbitrary: fc.anything({
      maxDepth: 3,
      maxKeys: 5,
      withMap: true,
      withSet: true,
      withBigInt: true,
      withDate: true,
      withTypedArray: true,
      withSparseArray: true,
      withNullPrototype: true,
      withUnicodeString: true,
    }),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 80 }) },
);

export const treeMutationArb: fc.Arbitrary<TreeMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('replace' as const), slot: fc.nat(), value: valueArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('remove' as const), slot: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('add-key' as const),
      slot: fc.nat(),
      key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'v', 'type', 'extra', '0', ''), fc.string({ maxLength: 8 })),
      value: valueArb,
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('edge' as const), slot: fc.nat(), edge: fc.nat({ max: EDGE_VALUES.length - 1 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('wrap' as const), slot: fc.nat(), depth: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('bytes' as const), slot: fc.nat(), mutation: byteMutationArb }) },
);

/** A private deep copy of a generated value (generated values are shared between runs and shrinks). */
function cloneValue(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return value instanceof Uint8Array ? value.slice() : value;
  }
}

function setKey(obj: Record<string, Tree>, key: string, value: Tree): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Applies structure-aware mutations to a valid sample and re-encodes it. */
export function mutateStructure(bytes: Uint8Array, mutations: readonly TreeMutation[], pool: readonly Uint8Array[]): Uint8Array {
  const root: { v: Tree } = { v: expand(bytes) };
  for (const m of mutations) {
    const all = slots(root.v);
    if (all.length === 0) {
      if (m.op === 'replace') root.v = cloneValue(m.value);
      continue;
    }
    const slot = all[m.slot % all.length]!;
    switch (m.op) {
      case 'replace':
        slot.set(cloneValue(m.value));
        break;
      case 'remove':
        slot.remove();
        break;
      case 'add-key':
        if (Array.isArray(slot.parent)) slot.parent.push(cloneValue(m.value));
        else if (slot.parent !== null && typeof slot.parent === 'object')
          setKey(slot.parent as Record<string, Tree>, m.key, cloneValue(m.value));
        break;
      case 'edge':
        slot.set(cloneValue(EDGE_VALUES[m.edge % EDGE_VALUES.length]));
        break;
      case 'wrap': {
        let v: Tree = slot.get();
        for (let i = 0; i < m.depth; i++) v = [v];
        slot.set(v);
        break;
      }
      case 'bytes': {
        const current = slot.get();
        if (current instanceof Uint8Array) slot.set(applyMutation(current, m.mutation, pool));
        break;
      }
    }
  }
  return encodeLoose(collapse(root.v));
}

// ---------------------------------------------------------------------------------------------
// Hostile inputs
// ---------------------------------------------------------------------------------------------

function repeat(byte: number, count: number): Uint8Array {
  return new Uint8Array(count).fill(byte);
}

function cat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const arrays = parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((s, a) => s + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

const text = (s: string) => {
  const b = new TextEncoder().encode(s);
  return cat([0x60 + b.length], b);
};

/** A fixed list of hostile inputs, named. Each must give a value or an ActivationError, fast. */
export function hostileInputs(c: Corpus): { name: string; bytes: Uint8Array }[] {
  const sample = c.samples['frame']![0]!;
  const bigMap: Record<string, number> = {};
  for (let i = 0; i < 20_000; i++) bigMap[`k${i}`] = i;
  return [
    { name: 'nested arrays, 10 000 levels', bytes: cat(repeat(0x81, 10_000), [0x00]) },
    { name: 'nested indefinite arrays, 10 000 levels', bytes: cat(repeat(0x9f, 10_000), repeat(0xff, 10_000)) },
    { name: 'nested maps, 10 000 levels', bytes: cat(...Array.from({ length: 10_000 }, () => [0xa1, 0x61, 0x61]), [0x00]) },
    { name: 'nested tags, 10 000 levels', bytes: cat(repeat(0xc6, 10_000), [0x00]) },
    { name: 'nested shareable tags (28), 10 000 levels', bytes: cat(...Array.from({ length: 10_000 }, () => [0xd8, 0x1c, 0x81]), [0x00]) },
    {
      name: 'nested Map tags (259), 5 000 levels',
      bytes: cat(...Array.from({ length: 5_000 }, () => [0xd9, 0x01, 0x03, 0xa1, 0x00]), [0x00]),
    },
    { name: 'nested arrays, 40 levels (above the depth limit, below the stack)', bytes: cat(repeat(0x81, 40), [0x00]) },
    ...HUGE_HEADS.map((head, i) => ({ name: `huge head #${i} alone`, bytes: cat(head, [0x00]) })),
    ...HUGE_HEADS.map((head, i) => ({ name: `huge head #${i} inside a map`, bytes: cat([0xa1], text('body'), head, [0x00, 0x00]) })),
    { name: 'map of 20 000 keys', bytes: encodeCbor(bigMap) },
    { name: 'array of 100 000 zeros', bytes: cat([0x9a, 0x00, 0x01, 0x86, 0xa0], repeat(0x00, 100_000)) },
    { name: 'byte string of 1 MiB + 1', bytes: cat([0x5a, 0x00, 0x10, 0x00, 0x01], repeat(0x41, (1 << 20) + 1)) },
    { name: 'tag 27 Error', bytes: cat([0xd8, 0x1b, 0x83], text('Error'), text('boom'), [0xa0]) },
    { name: 'tag 27 RegExp', bytes: cat([0xd8, 0x1b, 0x82], text('RegExp'), text('(a+)+$')) },
    { name: 'tag 27 unknown constructor', bytes: cat([0xd8, 0x1b, 0x82], text('Function'), text('return 1')) },
    { name: 'tag 28/29 cycle', bytes: Uint8Array.from([0xd8, 0x1c, 0x81, 0xd8, 0x1d, 0x00]) },
    { name: 'tag 28/29 object cycle', bytes: cat([0xd8, 0x1c, 0xa1], text('v'), [0xd8, 0x1d, 0x00]) },
    { name: 'tag 29 without 28', bytes: Uint8Array.from([0xd8, 0x1d, 0x00]) },
    { name: 'tag 259 map with a map key', bytes: Uint8Array.from([0xd9, 0x01, 0x03, 0xa1, 0xa0, 0x01]) },
    { name: 'tag 258 set', bytes: Uint8Array.from([0xd9, 0x01, 0x02, 0x82, 0x01, 0x01]) },
    { name: 'tag 51 packed table', bytes: Uint8Array.from([0xd8, 0x33, 0x84, 0x81, 0x01, 0x80, 0x80, 0xd8, 0x06, 0x00]) },
    { name: 'tag 6 packed reference without a table', bytes: Uint8Array.from([0xc6, 0x00]) },
    { name: 'record structure tags (0xdfff)', bytes: Uint8Array.from([0xd9, 0xdf, 0xff, 0x82, 0x81, 0x61, 0x61, 0x01]) },
    { name: 'bundled strings tag', bytes: Uint8Array.from([0xd9, 0xdf, 0xf9, 0x82, 0x00, 0x00]) },
    { name: 'typed array tags 64..87', bytes: cat(...Array.from({ length: 24 }, (_, i) => [0xd8, 64 + i, 0x43, 1, 2, 3])) },
    { name: '__proto__ key', bytes: cat([0xa1], text('__proto__'), [0xa1], text('v'), [0x01]) },
    { name: 'constructor/toString keys', bytes: cat([0xa2], text('constructor'), [0x01], text('toString'), [0x02]) },
    { name: 'non-string map keys', bytes: Uint8Array.from([0xa3, 0x01, 0x02, 0x80, 0x03, 0xf6, 0x04]) },
    { name: 'duplicate keys', bytes: cat([0xa2], text('v'), [0x01], text('v'), [0x02]) },
    { name: 'a valid frame with a trailing byte', bytes: cat(sample, [0x00]) },
    { name: 'a valid frame inside a tag', bytes: cat([0xc6], sample) },
    { name: 'a valid frame twice', bytes: cat(sample, sample) },
    { name: 'invalid UTF-8 text', bytes: Uint8Array.from([0x63, 0xff, 0xfe, 0xfd]) },
    { name: 'lone break', bytes: Uint8Array.from([0xff]) },
    { name: 'reserved additional info', bytes: Uint8Array.from([0x1c]) },
    { name: 'indefinite string with a non-string chunk', bytes: Uint8Array.from([0x7f, 0x01, 0xff]) },
    { name: 'empty', bytes: new Uint8Array(0) },
  ];
}

/** 16 MiB of nested one-element arrays (the memory test). */
export function nestedArrays16MiB(): Uint8Array {
  const out = new Uint8Array(16 << 20).fill(0x81);
  out[out.length - 1] = 0x00;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decoder properties
// ---------------------------------------------------------------------------------------------

export interface NamedProperty {
  readonly name: string;
  /** Relative share of runs. */
  readonly weight: number;
  readonly property: fc.IProperty<never> | fc.IProperty<unknown[]>;
}

/** A stable 31-bit seed for a property name (combined with a base seed). */
export function seedFor(name: string, base = 0): number {
  let h = 0x811c9dc5 ^ base;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return (h >>> 1) & 0x7fffffff;
}

/** Statistics a property reports through (counts of outcomes, for the summary). */
export interface Stats {
  ok: number;
  codes: Record<string, number>;
  /** Inputs the fuzzer itself could not build (its encoder refused a generated value). */
  skipped: number;
  /** Phases reached by the handset and account statuses reached on the server (coverage). */
  reached: Record<string, number>;
}

export function newStats(): Stats {
  return { ok: 0, codes: {}, skipped: 0, reached: {} };
}

function count(stats: Stats | undefined, outcome: { code?: string }): void {
  if (!stats) return;
  if (outcome.code === undefined) stats.ok += 1;
  else stats.codes[outcome.code] = (stats.codes[outcome.code] ?? 0) + 1;
}

/** Builds a fuzz input with the fuzzer's own code; a failure there is counted as skipped, not blamed on src. */
function buildInput(make: () => Uint8Array, stats: Stats | undefined): Uint8Array | undefined {
  try {
    return make();
  } catch {
    if (stats) stats.skipped += 1;
    return undefined;
  }
}

export function decoderProperties(c: Corpus, stats?: Stats): NamedProperty[] {
  const props: NamedProperty[] = [];
  for (const target of DECODERS) {
    const samples = samplesOf(target, c);
    const check = (bytes: Uint8Array) => {
      count(stats, checkDecoder(target, c, bytes));
      return true;
    };
    props.push({
      name: `${target.name} / arbitrary bytes`,
      weight: target.weight * 0.6,
      property: fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 512 }),
          // Random bytes behind a plausible CBOR map head, so the decoder gets further.
          fc
            .tuple(fc.constantFrom(0xa1, 0xa4, 0xa7, 0xbf, 0x9f, 0xd9), fc.uint8Array({ maxLength: 256 }))
            .map(([h, rest]) => cat([h], rest)),
        ),
        check,
      ),
    });
    props.push({
      name: `${target.name} / mutations of valid encodings`,
      weight: target.weight * 1.2,
      property: fc.property(
        fc.nat(),
        fc.array(byteMutationArb, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (which, mutations, fixChecksum) => {
          let bytes = samples[which % samples.length]!;
          for (const m of mutations) bytes = applyMutation(bytes, m, c.pool);
          return check(fixChecksum ? fixFrameChecksum(bytes) : bytes);
        },
      ),
    });
    props.push({
      name: `${target.name} / structure-aware mutations`,
      weight: target.weight * 1.2,
      property: fc.property(
        fc.nat(),
        fc.array(treeMutationArb, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (which, mutations, fixChecksum) => {
          const bytes = buildInput(() => mutateStructure(samples[which % samples.length]!, mutations, c.pool), stats);
          return bytes === undefined ? true : check(fixChecksum ? fixFrameChecksum(bytes) : bytes);
        },
      ),
    });
    props.push({
      name: `${target.name} / structured CBOR of arbitrary values`,
      weight: target.weight * 0.5,
      property: fc.property(
        fc.anything({
          maxDepth: 4,
          maxKeys: 8,
          withMap: true,
          withSet: true,
          withBigInt: true,
          withDate: true,
          withTypedArray: true,
          withSparseArray: true,
          withNullPrototype: true,
          withUnicodeString: true,
        }),
        fc.boolean(),
        (value, library) => {
          let bytes: Uint8Array;
          try {
            bytes = library ? encodeCbor(value) : cborxEncode(value);
          } catch {
            return true; // the encoder refused the value: nothing to decode
          }
          return check(bytes);
        },
      ),
    });
  }
  return props;
}

// ---------------------------------------------------------------------------------------------
// State machine: the handset
// ---------------------------------------------------------------------------------------------

export type HandsetCommand =
  /** The genuine server frame the handset expects next (the model knows it: seq = recvSeq). */
  | { readonly kind: 'next-server-frame' }
  | { readonly kind: 'server-frame'; readonly index: number }
  | {
      readonly kind: 'mutated-server-frame';
      readonly index: number;
      readonly mutations: readonly ByteMutation[];
      readonly fixChecksum: boolean;
    }
  | {
      readonly kind: 'relabelled-server-frame';
      readonly index: number;
      readonly patch: Readonly<Partial<Pick<Frame, 'seq' | 'type' | 'to' | 'pin' | 'v'>>>;
    }
  | { readonly kind: 'own-frame'; readonly index: number }
  | { readonly kind: 'raw'; readonly bytes: Uint8Array }
  | { readonly kind: 'timer'; readonly advance: number }
  | { readonly kind: 'cancel' }
  | { readonly kind: 'policy-applied'; readonly which: 'right' | 'stale' | 'rejected' | 'malformed' }
  | { readonly kind: 'activate'; readonly valid: boolean }
  /** The user's "Regenerate Encryption Key" (docs/lifecycle.md, "Key rollover"). */
  | { readonly kind: 'regenerate-key' }
  /** The user entered the device password, right or wrong (counted against Set Maximum Password Attempts). */
  | { readonly kind: 'device-password'; readonly correct: boolean }
  | { readonly kind: 'snapshot-restore' };

export const handsetCommandArb: fc.Arbitrary<HandsetCommand> = fc.oneof(
  { weight: 10, arbitrary: fc.constant({ kind: 'next-server-frame' as const }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('server-frame' as const), index: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('mutated-server-frame' as const),
      index: fc.nat(),
      mutations: fc.array(byteMutationArb, { minLength: 1, maxLength: 3 }),
      fixChecksum: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('relabelled-server-frame' as const),
      index: fc.nat(),
      patch: fc.oneof(
        fc.record({ seq: fc.nat({ max: 40 }) }),
        fc.record({ type: fc.constantFrom(...MESSAGE_TYPES) }),
        fc.record({ to: fc.constantFrom('srp:S0000001', 'pin:2100000A', 'mailto:alice@example.com', 'pin:2100000B') }),
        fc.record({ seq: fc.nat({ max: 40 }), type: fc.constantFrom(...MESSAGE_TYPES) }),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('own-frame' as const), index: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('raw' as const), bytes: fc.uint8Array({ maxLength: 64 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('timer' as const),
      advance: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: 200_000 })),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'cancel' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('policy-applied' as const),
      which: fc.constantFrom('right' as const, 'stale' as const, 'rejected' as const, 'malformed' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('activate' as const), valid: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'regenerate-key' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('device-password' as const), correct: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'snapshot-restore' as const }) },
);

const PHASE_ORDER: Record<HandsetPhase, number> = {
  idle: 0,
  'awaiting-server-share': 1,
  'awaiting-key': 2,
  'awaiting-policy': 3,
  'applying-policy': 4,
  'awaiting-services': 5,
  syncing: 6,
  // An interrupted sync (after the commit point) and its resumption go both ways.
  'sync-pending': 6,
  complete: 7,
  // An update applied after activation is still activated.
  'applying-policy-update': 7,
  failed: 8,
  // Retired by the server (docs/lifecycle.md): no corpus run reaches it, but it is after everything.
  deactivated: 9,
};

/** Input for a command, or `undefined` when the command is a no-op here (e.g. no pending policy). */
function commandInput(cmd: HandsetCommand, state: HandsetState, c: Corpus, clock: { now: number }): HandsetInput | undefined {
  const now = clock.now;
  switch (cmd.kind) {
    case 'next-server-frame': {
      const next = c.toHandsetBySeq.get(state.session?.recvSeq ?? 0);
      return next ? { type: 'frame', bytes: next.slice(), now } : undefined;
    }
    case 'server-frame':
      return { type: 'frame', bytes: c.toHandset[cmd.index % c.toHandset.length]!.slice(), now };
    case 'mutated-server-frame': {
      let bytes = c.toHandset[cmd.index % c.toHandset.length]!;
      for (const m of cmd.mutations) bytes = applyMutation(bytes, m, c.pool);
      return { type: 'frame', bytes: cmd.fixChecksum ? fixFrameChecksum(bytes) : bytes, now };
    }
    case 'relabelled-server-frame': {
      const frame = decodeFrame(c.toHandset[cmd.index % c.toHandset.length]!);
      return { type: 'frame', bytes: encodeFrame({ ...frame, ...cmd.patch } as Frame), now };
    }
    case 'own-frame':
      return { type: 'frame', bytes: c.toServer[cmd.index % c.toServer.length]!.slice(), now };
    case 'raw':
      return { type: 'frame', bytes: cmd.bytes, now };
    case 'timer':
      clock.now += cmd.advance;
      return { type: 'timer', now: clock.now };
    case 'cancel':
      return { type: 'cancel', now };
    case 'policy-applied': {
      const pending = state.pendingPolicy?.policy ?? c.run.states.find((s) => s.pendingPolicy)!.pendingPolicy!.policy;
      const right = applyPolicy(new InMemoryPolicyEnforcer(), pending);
      switch (cmd.which) {
        case 'right':
          return { type: 'policy-applied', ack: right, now };
        case 'stale':
          return { type: 'policy-applied', ack: { ...right, policyId: 'some-other-policy' }, now };
        case 'rejected':
          return {
            type: 'policy-applied',
            ack: { ...right, status: 'rejected', applied: [], rejected: [{ rule: 'Disable Bluetooth', reason: 'not supported' }] },
            now,
          };
        case 'malformed':
          return { type: 'policy-applied', ack: { ...right, status: 'rejected' }, now };
      }
      return undefined;
    }
    case 'activate':
      return cmd.valid
        ? { type: 'activate', email: EMAIL, password: PASSWORD, now }
        : { type: 'activate', email: 'not an email', password: '', now };
    case 'regenerate-key':
      return { type: 'regenerate-key', now };
    case 'device-password':
      return { type: 'device-password', correct: cmd.correct, now };
    case 'snapshot-restore':
      return undefined;
  }
}

export interface HandsetSequence {
  readonly start: number;
  readonly commands: readonly HandsetCommand[];
}

export const handsetSequenceArb: fc.Arbitrary<HandsetSequence> = fc.record({
  start: fc.nat(),
  commands: fc.array(handsetCommandArb, { minLength: 1, maxLength: 30 }),
});

/**
 * Runs a command sequence on the handset from a recorded state and checks the invariants:
 * - `handsetStep` returns, or throws an ActivationError INVALID_ARGUMENT / INVALID_STATE (caller errors);
 * - a phase never regresses (except through `activate`), in particular never from `complete`;
 * - `failed` is absorbing (except through `activate`): its state is returned unchanged;
 * - a step that only reports `ignored` returns the very same state (an update policy that does
 *   not verify is the one documented exception: it moves the receive sequence on);
 * - every key the handset ever holds is the genuine transport key of the recorded run;
 * - every frame it sends decodes; every timer is at a finite time;
 * - a `failed` output goes with phase `failed`, a `complete` output with phase `complete`;
 * - a state survives a sealed snapshot round trip unchanged, except that the CPace scalar and the
 *   ETP.DAT body key are never stored, and a state waiting for the server share comes back failed
 *   ("start again": issue 8, finding 15, docs/reliability.md).
 */
function afterRestore(state: HandsetState): HandsetState {
  if (state.phase === 'awaiting-server-share') {
    const { session: _session, ...rest } = state;
    return { ...rest, phase: 'failed', status: failedStatus('INVALID_STATE'), failure: { ...RESTART_REQUIRED } };
  }
  return state;
}

export function runHandsetSequence(seq: HandsetSequence, c: Corpus, stats?: Stats): void {
  const states = c.run.states;
  let state = states[seq.start % states.length]!;
  const clock = { now: T0 + 1_000 };
  const env = { provider: allAlgorithms, random: seededRandom(`fuzz-seq-${seq.start}-${seq.commands.length}`) };
  const genuineKey = Buffer.from(c.transportKey.key).toString('hex');
  for (const cmd of seq.commands) {
    if (cmd.kind === 'snapshot-restore') {
      const back = typedOutcome('snapshot round trip', () =>
        openHandsetState(sealHandsetState(state, c.storageKey, allAlgorithms, env.random), c.storageKey, allAlgorithms),
      ).value as HandsetState;
      if (JSON.stringify(back, canonicalReplacer) !== JSON.stringify(afterRestore(state), canonicalReplacer))
        throw new UnexpectedOutcome('state changed through a snapshot round trip');
      state = back;
      continue;
    }
    const input = commandInput(cmd, state, c, clock);
    if (!input) continue;
    const before = state;
    const outcome = typedOutcome(`handsetStep(${cmd.kind})`, () => handsetStep(before, input, env), ['INVALID_ARGUMENT', 'INVALID_STATE']);
    count(stats, outcome);
    if (outcome.code !== undefined) continue;
    const { state: after, outputs } = outcome.value as { state: HandsetState; outputs: readonly HandsetOutput[] };
    state = after;
    const activated = input.type === 'activate';
    // Reaching Set Maximum Password Attempts wipes the device, which leaves it idle (RIM; docs/lifecycle.md).
    const wiped = outputs.some((o) => o.type === 'wiped') && after.phase === 'idle';
    if (!activated && !wiped) {
      if (before.phase === 'failed' && after !== before) throw new UnexpectedOutcome(`a failed handset changed state on ${cmd.kind}`);
      if (before.phase === 'complete' && after.phase !== 'complete')
        throw new UnexpectedOutcome(`the handset regressed from complete to ${after.phase} on ${cmd.kind}`);
      if (after.phase !== 'failed' && PHASE_ORDER[after.phase] < PHASE_ORDER[before.phase]) {
        throw new UnexpectedOutcome(`the handset regressed from ${before.phase} to ${after.phase} on ${cmd.kind}`);
      }
    }
    if (outputs.length === 1 && outputs[0]!.type === 'ignored' && after !== before && outputs[0]!.reason !== 'IT policy update rejected') {
      throw new UnexpectedOutcome(`an ignored input (${outputs[0]!.reason}) changed the state`);
    }
    if (stats) stats.reached[`handset:${after.phase}`] = (stats.reached[`handset:${after.phase}`] ?? 0) + 1;
    if (stats && input.type === 'regenerate-key' && outputs.some((o) => o.type === 'send'))
      stats.reached['handset:rekey-request'] = (stats.reached['handset:rekey-request'] ?? 0) + 1;
    if (after.transportKey && Buffer.from(after.transportKey.key).toString('hex') !== genuineKey)
      throw new UnexpectedOutcome('the handset holds a key that is not the genuine one');
    for (const o of outputs) {
      if (o.type === 'send') typedOutcome('decode a frame the handset sent', () => decodeFrame(o.bytes), []);
      if (o.type === 'set-timer' && !Number.isFinite(o.at)) throw new UnexpectedOutcome(`set-timer at ${o.at}`);
      if (o.type === 'failed' && after.phase !== 'failed') throw new UnexpectedOutcome('failed output without the failed phase');
      if (o.type === 'complete' && after.phase !== 'complete') throw new UnexpectedOutcome('complete output without the complete phase');
      if (o.type === 'failed' && !(o.error instanceof ActivationError))
        throw new UnexpectedOutcome('failed output without an ActivationError');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// State machine: the simulator
// ---------------------------------------------------------------------------------------------

export type ServerCommand =
  /** The next recorded handset frame, in order. */
  | { readonly kind: 'next-handset-frame' }
  | { readonly kind: 'handset-frame'; readonly index: number }
  | {
      readonly kind: 'mutated-handset-frame';
      readonly index: number;
      readonly mutations: readonly ByteMutation[];
      readonly fixChecksum: boolean;
    }
  | {
      readonly kind: 'restructured-handset-frame';
      readonly index: number;
      readonly mutations: readonly TreeMutation[];
      readonly fixChecksum: boolean;
    }
  | {
      readonly kind: 'relabelled-handset-frame';
      readonly index: number;
      readonly patch: Readonly<Partial<Pick<Frame, 'seq' | 'type' | 'to' | 'pin'>>>;
    }
  | { readonly kind: 'server-frame'; readonly index: number }
  | { readonly kind: 'raw'; readonly bytes: Uint8Array }
  | { readonly kind: 'clock'; readonly advance: number }
  /**
   * The administrator acts (docs/lifecycle.md): a key rollover (`regenerate-key`), the books
   * resent (`resend-books`), a wipe (the session's `retire` with `wipe`); the frames due are polled.
   */
  | { readonly kind: 'admin'; readonly action: 'regenerate-key' | 'resend-books' | 'wipe' }
  /** The whole recorded activation, in order (so that the administrator's actions find an activated account). */
  | { readonly kind: 'activation' }
  | { readonly kind: 'poll' }
  | { readonly kind: 'snapshot-restore' };

export const serverCommandArb: fc.Arbitrary<ServerCommand> = fc.oneof(
  { weight: 10, arbitrary: fc.constant({ kind: 'next-handset-frame' as const }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('handset-frame' as const), index: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('mutated-handset-frame' as const),
      index: fc.nat(),
      mutations: fc.array(byteMutationArb, { minLength: 1, maxLength: 3 }),
      fixChecksum: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('restructured-handset-frame' as const),
      index: fc.nat(),
      mutations: fc.array(treeMutationArb, { minLength: 1, maxLength: 2 }),
      fixChecksum: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('relabelled-handset-frame' as const),
      index: fc.nat(),
      patch: fc.oneof(
        fc.record({ seq: fc.nat({ max: 40 }) }),
        fc.record({ type: fc.constantFrom(...MESSAGE_TYPES) }),
        fc.record({ pin: fc.constantFrom('2100000B', '00000000') }),
        fc.record({ to: fc.constantFrom('pin:2100000A', 'srp:S0000002') }),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('server-frame' as const), index: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('raw' as const), bytes: fc.uint8Array({ maxLength: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clock' as const), advance: fc.integer({ min: 0, max: 60 * 3_600_000 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('admin' as const),
      action: fc.constantFrom('regenerate-key' as const, 'resend-books' as const, 'wipe' as const),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'poll' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'activation' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'snapshot-restore' as const }) },
);

export const serverSequenceArb = fc.array(serverCommandArb, { minLength: 1, maxLength: 25 });

function freshServer() {
  const clock = { now: T0 };
  const random = forkableRandom('fuzz-server');
  const sim = new BesSimulator({ random, domainKeySeed: domainKeySeedFor('fuzz-server'), now: () => clock.now, provider: allAlgorithms });
  sim.addUser({ email: EMAIL, displayName: 'Alice Example', activationPassword: PASSWORD });
  return { sim, clock, random };
}

const ACCOUNT_STATUSES = new Set(['No activation password', 'Initializing', 'Activating', 'Activated']);

/**
 * Runs frames into a fresh simulator (seeded like the recorded run's, so that the recorded
 * handset frames are valid for it) and checks:
 * - `sim.receive` never throws, and every reply decodes as a frame addressed to a PIN;
 * - the account view stays consistent (known status, 0..5 failed attempts, no password once
 *   activated) and an activated device holds the genuine transport key of the recorded run;
 * - a snapshot / restore keeps the account view.
 */
export function runServerSequence(commands: readonly ServerCommand[], c: Corpus, stats?: Stats): void {
  const server = freshServer();
  const { clock } = server;
  let { sim, random } = server;
  const genuineKey = Buffer.from(c.transportKey.key).toString('hex');
  const storageKey = c.storageKey;
  let next = 0;
  /** Every frame the simulator sends decodes, addressed to a PIN. */
  const checkServerFrames = (frames: readonly Uint8Array[]) => {
    for (const reply of frames) {
      const frame = typedOutcome('decode a server reply', () => decodeFrame(reply), []).value as Frame;
      if (!frame.to.startsWith('pin:')) throw new UnexpectedOutcome(`server reply addressed to ${frame.to}`);
    }
  };
  for (const cmd of commands) {
    let bytes: Uint8Array | undefined;
    switch (cmd.kind) {
      case 'next-handset-frame':
        bytes = c.toServer[next++ % c.toServer.length]!.slice();
        break;
      case 'handset-frame':
        bytes = c.toServer[cmd.index % c.toServer.length]!.slice();
        break;
      case 'mutated-handset-frame': {
        bytes = c.toServer[cmd.index % c.toServer.length]!;
        for (const m of cmd.mutations) bytes = applyMutation(bytes, m, c.pool);
        if (cmd.fixChecksum) bytes = fixFrameChecksum(bytes);
        break;
      }
      case 'restructured-handset-frame': {
        const built = buildInput(() => mutateStructure(c.toServer[cmd.index % c.toServer.length]!, cmd.mutations, c.pool), stats);
        bytes = built && cmd.fixChecksum ? fixFrameChecksum(built) : built;
        break;
      }
      case 'relabelled-handset-frame': {
        const frame = decodeFrame(c.toServer[cmd.index % c.toServer.length]!);
        bytes = encodeFrame({ ...frame, ...cmd.patch } as Frame);
        break;
      }
      case 'server-frame':
        bytes = c.toHandset[cmd.index % c.toHandset.length]!.slice();
        break;
      case 'raw':
        bytes = cmd.bytes;
        break;
      case 'clock':
        clock.now += cmd.advance;
        break;
      case 'admin': {
        const act = {
          'regenerate-key': () => sim.regenerateKey(EMAIL) > 0,
          'resend-books': () => sim.resendServiceBooks(EMAIL),
          wipe: () => sim.wipe(EMAIL),
        };
        const acted = typedOutcome(`sim admin ${cmd.action}`, act[cmd.action], []);
        count(stats, acted);
        // Counted when the account had a device to act on (the coverage check in the test needs some).
        if (stats && acted.value === true) stats.reached[`server:${cmd.action}`] = (stats.reached[`server:${cmd.action}`] ?? 0) + 1;
        checkServerFrames(typedOutcome('sim.poll', () => sim.poll(), []).value as Uint8Array[]);
        break;
      }
      case 'activation':
        for (const frame of c.toServer) {
          const input = frame.slice();
          const outcome = typedOutcome(`sim.receive(activation, ${frameType(input) ?? 'undecodable'})`, () => sim.receive(input), []);
          count(stats, outcome);
          checkServerFrames(outcome.value as Uint8Array[]);
        }
        break;
      case 'poll':
        checkServerFrames(typedOutcome('sim.poll', () => sim.poll(), []).value as Uint8Array[]);
        break;
      case 'snapshot-restore': {
        const before = JSON.stringify(sim.account(EMAIL));
        const fork = random.fork();
        const snapshot = sim.snapshot(storageKey);
        const now = clock;
        sim = typedOutcome(
          'BesSimulator.restore',
          () => BesSimulator.restore(snapshot, storageKey, { random: fork, now: () => now.now, provider: allAlgorithms }),
          [],
        ).value as BesSimulator;
        random = fork;
        if (JSON.stringify(sim.account(EMAIL)) !== before) throw new UnexpectedOutcome('the account changed through a simulator snapshot');
        break;
      }
    }
    if (bytes) {
      const input = bytes;
      const outcome = typedOutcome(`sim.receive(${cmd.kind}, ${frameType(input) ?? 'undecodable'})`, () => sim.receive(input), []);
      count(stats, outcome);
      checkServerFrames(outcome.value as Uint8Array[]);
    } else if (cmd.kind !== 'admin' && cmd.kind !== 'activation') continue;
    const account = sim.accounts.get(EMAIL)!;
    if (stats) stats.reached[`server:${account.status}`] = (stats.reached[`server:${account.status}`] ?? 0) + 1;
    if (!ACCOUNT_STATUSES.has(account.status)) throw new UnexpectedOutcome(`account status ${account.status}`);
    const failed = account.password?.failedAttempts ?? 0;
    if (failed < 0 || failed > 5) throw new UnexpectedOutcome(`failedAttempts ${failed}`);
    if (account.status === 'Activated' && account.password) throw new UnexpectedOutcome('activated with a password left');
    if (account.device && Buffer.from(account.device.transportKey).toString('hex') !== genuineKey) {
      throw new UnexpectedOutcome('the account was activated with a key the genuine handset never proved');
    }
  }
}

export function stateMachineProperties(c: Corpus, stats?: Stats): NamedProperty[] {
  return [
    {
      name: 'handsetStep / random input sequences',
      weight: 1,
      property: fc.property(handsetSequenceArb, (seq) => {
        runHandsetSequence(seq, c, stats);
        return true;
      }),
    },
    {
      name: 'BesSimulator.receive / random frame sequences',
      weight: 0.4,
      property: fc.property(serverSequenceArb, (commands) => {
        runServerSequence(commands, c, stats);
        return true;
      }),
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Run plans
// ---------------------------------------------------------------------------------------------

/** Runs per property for a total budget, in proportion to the weights (at least `min` each). */
export function planRuns(props: readonly NamedProperty[], total: number, min = 10): number[] {
  const weights = props.reduce((s, p) => s + p.weight, 0);
  return props.map((p) => Math.max(min, Math.round((total * p.weight) / weights)));
}
