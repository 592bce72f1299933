/**
 * Handset snapshots: the whole device state, sealed under a storage key (see
 * persistence/sealed-snapshot), with the host's generation against rollback.
 *
 * The CPace scalar never goes into a snapshot (issue 8, finding 15). A snapshot can be restored
 * more than once (or rolled back to), and a restored handset still holding the scalar would check
 * a second server share against the same ETP.DAT share: one more password guess for whoever
 * answers. So the scalar (and the ETP.DAT body key, used only with it) is left out, and a state
 * that was waiting for the server share is restored as failed: that activation cannot continue
 * without the password, which is never stored either; the user starts again (a new session id,
 * a new scalar). Every later phase has already consumed its one server share and dropped the
 * scalar, and continues normally after a restore.
 */
import * as v from 'valibot';
import { ActivationError } from '../errors/activation-error.js';
import type { CryptoProvider, RandomSource } from '../crypto/provider.js';
import { openSnapshot, sealSnapshot, type SnapshotOpenOptions, type SnapshotSealOptions } from '../persistence/sealed-snapshot.js';
import { validate } from '../codec/cbor.js';
import { CPACE_SUITE_IDS, TRANSPORT_KEY_ALGORITHMS } from '../crypto/ids.js';
import { resolveHandsetConfig, type HandsetConfig } from './config.js';
import type { HandsetPhase, HandsetState } from './state.js';
import { failedStatus } from './status.js';

const PHASES: readonly HandsetPhase[] = [
  'idle',
  'awaiting-server-share',
  'awaiting-key',
  'awaiting-policy',
  'awaiting-services',
  'syncing',
  'complete',
  'failed',
];

const u8 = v.instance(Uint8Array);
const seq = v.pipe(v.number(), v.integer(), v.minValue(0));
const optionalBytes = v.optional(u8);

/**
 * The shape a restored state must have before the machine is given it. The seal proves who wrote
 * the snapshot; this catches one written by another version, or damaged before it was sealed.
 */
const stateShape = v.looseObject({
  version: v.literal(1),
  phase: v.picklist(PHASES),
  config: v.looseObject({}),
  identity: v.optional(
    v.looseObject({
      signing: v.looseObject({ secretKey: u8, publicKey: u8 }),
      agreement: v.looseObject({ secretKey: u8, publicKey: u8 }),
    }),
  ),
  session: v.optional(
    v.looseObject({
      email: v.string(),
      sid: v.pipe(u8, v.length(16)),
      suite: v.picklist(CPACE_SUITE_IDS),
      scalar: optionalBytes,
      share: u8,
      headerBytes: u8,
      bodyKey: optionalBytes,
      handsetToServer: optionalBytes,
      serverToHandset: optionalBytes,
      serverAd: optionalBytes,
      serverShare: optionalBytes,
      serverSrp: v.optional(v.string()),
      sendSeq: seq,
      recvSeq: seq,
      lastSent: v.optional(v.looseObject({ bytes: u8, to: v.string() })),
      retriesUsed: seq,
      deadline: v.optional(v.number()),
    }),
  ),
  transportKey: v.optional(v.looseObject({ algorithm: v.picklist(TRANSPORT_KEY_ALGORITHMS), keyId: u8, key: u8 })),
  server: v.optional(v.looseObject({ srp: v.string(), relay: v.string(), name: v.string(), version: v.string(), publicKey: u8 })),
  email: v.optional(v.string()),
  policy: v.optional(v.looseObject({ policy: v.looseObject({ id: v.string(), rules: v.looseObject({}) }), ack: v.looseObject({ policyId: v.string() }) })),
  pendingPolicy: v.optional(v.looseObject({ policy: v.looseObject({ id: v.string(), rules: v.looseObject({}) }), frameSeq: v.number() })),
  serviceBooks: v.optional(v.array(v.looseObject({ cid: v.string(), uid: v.string() }))),
  sync: v.optional(v.looseObject({ store: v.record(v.string(), v.array(v.looseObject({ id: v.string() }))), progress: v.looseObject({}) })),
});

/** The failure a restored handset reports for an activation that was waiting for the server share. */
export const RESTART_REQUIRED = Object.freeze({
  code: 'INVALID_STATE',
  message: 'the activation was interrupted before the server answered: start it again',
});

/** `state` as it may be stored: without the CPace scalar and the ETP.DAT body key. */
function storable(state: HandsetState): HandsetState {
  const session = state.session;
  if (!session || (session.scalar === undefined && session.bodyKey === undefined)) return state;
  const { scalar: _scalar, bodyKey: _bodyKey, ...rest } = session;
  return { ...state, session: rest };
}

export function sealHandsetState(
  state: HandsetState,
  storageKey: Uint8Array,
  provider: CryptoProvider,
  random: RandomSource,
  options: SnapshotSealOptions = {},
): Uint8Array {
  return sealSnapshot('handset', storable(state), storageKey, provider, random, options);
}

/**
 * A state restored while waiting for the server share: failed, with no session (so no timer, no
 * retransmission of the old ETP.DAT, and a late server share for it is ignored).
 */
function restartRequired(state: HandsetState): HandsetState {
  return { ...state, phase: 'failed', session: undefined, status: failedStatus(RESTART_REQUIRED.code), failure: { ...RESTART_REQUIRED } };
}

export function openHandsetState(snapshot: Uint8Array, storageKey: Uint8Array, provider: CryptoProvider, options: SnapshotOpenOptions = {}): HandsetState {
  const raw = openSnapshot('handset', snapshot, storageKey, provider, options);
  validate(stateShape, raw, 'handset snapshot');
  // The decoded value itself, not the schema's output (which would reorder keys).
  const value = raw as { config: unknown };
  // The configuration goes through the same checks as a new one.
  let config;
  try {
    config = resolveHandsetConfig(value.config as unknown as HandsetConfig, provider);
  } catch (err) {
    throw new ActivationError('MALFORMED', 'handset snapshot: invalid configuration', { operation: 'open snapshot', reason: err instanceof ActivationError ? err.code : 'invalid' });
  }
  const state: HandsetState = { ...(value as unknown as HandsetState), config };
  // Snapshots written before finding 15 may still hold the scalar: the same rule applies to them.
  return state.phase === 'awaiting-server-share' ? restartRequired(state) : storable(state);
}
