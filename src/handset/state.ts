/**
 * The handset's whole state as plain data: no functions, no classes, no I/O handles. The state
 * machine ({@link ./machine.ts}) maps (state, input) to (state, outputs) and never mutates a state
 * it was given, so a state can be kept, compared, replayed and (sealed) persisted.
 *
 * The state is a union keyed on `phase`: each phase carries exactly the data it has (the CPace
 * scalar and the ETP.DAT body key only while waiting for the server's share, the session keys only
 * while waiting for the key, the transport key from the key issue on), so a handler given a phase's
 * state never has to assume that a field is there. Fields a phase does not have are typed
 * `undefined` in it, so that `state.transportKey` can be read on any state.
 */
import type { CPaceSuiteId, KeyPair, TransportKeyAlgorithm } from '../crypto/provider.js';
import type { ActivationErrorCode } from '../errors/activation-error.js';
import type { ServerInfo } from '../wire/messages/key-issue.js';
import type { ResolvedHandsetConfig } from './config.js';
import type { Status } from './status.js';
import type { ItPolicy } from '../policy/policy.js';
import type { PolicyAck } from '../policy/acknowledgement.js';
import type { ServiceBook } from '../service-books/service-book.js';
import type { DeviceSyncStore, RecordDigests } from '../sync/sync-store.js';
import type { SyncDatabase } from '../sync/databases.js';
import { deepFreeze } from '../util/deep-freeze.js';

/**
 * Where the activation stands, in protocol order. The phases follow RIM's four (the seed, "Stages of
 * the BlackBerry Enterprise Activation process"; docs/handset.md): 1 activation
 * (`awaiting-server-share`), 2 encryption verification (`awaiting-key`), 3 receiving services
 * (`awaiting-policy`, `applying-policy`, `awaiting-services`), 4 synchronization (`syncing`, and
 * `sync-pending` while an interrupted synchronization waits to resume). After `complete`, a pushed IT
 * policy update is applied in `applying-policy-update`. A device the server retired (another device
 * was activated for the user) is `deactivated` until it activates again (docs/lifecycle.md).
 *
 * The activation commits when the handset registers the receipt of its service books with the
 * server (the books-ack; the seed, Phase 4 step 2): the phases before `syncing` are before the
 * commit point, and a failure in them leaves the handset with nothing; from `syncing` on the
 * handset keeps its key, policy and books (docs/protocol.md, "The commit point").
 */
export const HANDSET_PHASES = deepFreeze([
  'idle',
  'awaiting-server-share',
  'awaiting-key',
  'awaiting-policy',
  'applying-policy',
  'awaiting-services',
  'syncing',
  'sync-pending',
  'complete',
  'applying-policy-update',
  'failed',
  'deactivated',
] as const);

/** Where the activation stands: one of {@link HANDSET_PHASES}. */
export type HandsetPhase = (typeof HANDSET_PHASES)[number];

/** The device transport key, once issued and verified. */
export interface TransportKeyState {
  /** AES-256 or two-key Triple DES. */
  readonly algorithm: TransportKeyAlgorithm;
  /** The key's id, as the server issued it. */
  readonly keyId: Uint8Array;
  /** The key itself: secret. */
  readonly key: Uint8Array;
}

/** What every phase of a running activation keeps between messages. */
export interface SessionBase {
  /** The email address the user typed. */
  readonly email: string;
  /** Session id: the ETP.DAT's 16-byte nonce. */
  readonly sid: Uint8Array;
  /** The CPace suite of this activation. */
  readonly suite: CPaceSuiteId;
  /** Next sequence number the handset sends. */
  readonly sendSeq: number;
  /** Next sequence number expected from the server. */
  readonly recvSeq: number;
  /** The last frame sent, kept for retransmission while its reply is awaited (absent otherwise). */
  readonly lastSent?: { readonly bytes: Uint8Array; readonly to: string };
  /**
   * The device's own organizer records when the activation started, as digests (the records are
   * in the record store): what the slow sync reconciles the server's records with. Moves to
   * `sync.local` with the service books (absent: the device held none).
   */
  readonly held?: RecordDigests;
  /** How many times the current request was sent again. */
  readonly retriesUsed: number;
  /** When the current wait times out (ms since epoch); absent when nothing is awaited. */
  readonly deadline?: number;
}

/** Every field a phase's session may carry beyond {@link SessionBase}, with its type. */
export interface SessionFields {
  /** The handset's CPace share Ya: the transcript needs it until the key issue. */
  readonly share: Uint8Array;
  /** The ETP.DAT header as encoded (CPace's ADa): the transcript needs it until the key issue. */
  readonly headerBytes: Uint8Array;
  /** CPace secret scalar; dropped as soon as the server's share is processed, never stored. */
  readonly scalar: Uint8Array;
  /** ETP.DAT body key; sent to the server (sealed) after its confirmation, never stored. */
  readonly bodyKey: Uint8Array;
  /**
   * The code of an error frame in clear received while waiting for the server's share:
   * unauthenticated, so only a hint, reported if the server never answers (docs/protocol.md, "error").
   */
  readonly hint: ActivationErrorCode;
  /** The server's SRP identifier: the address of the handset's later messages. */
  readonly serverSrp: string;
  /** k_HS: seals what the handset sends in phase 2 (the body key, an error). */
  readonly handsetToServer: Uint8Array;
  /** k_SH: opens the key grant and the server's errors. */
  readonly serverToHandset: Uint8Array;
  /** ADb as received, for the transcript hash. */
  readonly serverAd: Uint8Array;
  /** The server's CPace share Yb, for the transcript hash. */
  readonly serverShare: Uint8Array;
}

/**
 * One phase's session: {@link SessionBase}, the fields in `Has` (required), those in `May`
 * (optional), and every other field of {@link SessionFields} as `undefined`.
 */
export type SessionOf<Has extends keyof SessionFields, May extends keyof SessionFields = never> = SessionBase & {
  readonly [K in Has]: SessionFields[K];
} & { readonly [K in May]?: SessionFields[K] } & { readonly [K in Exclude<keyof SessionFields, Has | May>]?: undefined };

/** The session while waiting for the server's CPace share (phase 1): the scalar, the body key, maybe a hint. */
export type ShareWaitSession = SessionOf<'share' | 'headerBytes' | 'scalar' | 'bodyKey', 'hint'>;

/** The session while waiting for the transport key (phase 2): the CPace session keys and what the transcript hash needs. */
export type KeyWaitSession = SessionOf<
  'share' | 'headerBytes' | 'serverSrp' | 'handsetToServer' | 'serverToHandset' | 'serverAd' | 'serverShare'
>;

/**
 * The session from the key issue on: everything is sealed under the transport key, and nothing of
 * the key exchange is left (no share, no ETP.DAT header, no CPace key).
 */
export type KeyedSession = SessionOf<'serverSrp'>;

/** The session of any phase. */
export type SessionState = ShareWaitSession | KeyWaitSession | KeyedSession;

/** Why an activation failed, as a {@link FailedState} keeps it in `failure`. */
export interface FailureState {
  /** The {@link ActivationError} code. */
  readonly code: string;
  /** The error's message. */
  readonly message: string;
}

/** The handset's long-term keys, made at the first activation and kept afterwards. */
export interface HandsetIdentity {
  /** Ed25519: the device's identity key. */
  readonly signing: KeyPair;
  /** X25519: the device's agreement key. */
  readonly agreement: KeyPair;
}

/** The IT policy in force and its acknowledgement. */
export interface PolicyInForce {
  /** The policy, as verified. */
  readonly policy: ItPolicy;
  /** The device's acknowledgement of it. */
  readonly ack: PolicyAck;
}

/** A verified policy handed to the enforcer, waiting for its result (the `policy-applied` input). */
export interface PendingPolicy {
  /** The policy, as verified. */
  readonly policy: ItPolicy;
  /** Sequence number of the frame that carried it. */
  readonly frameSeq: number;
}

/**
 * Per-database synchronization progress. The records themselves are not here: the machine emits
 * `store-records` and the driver keeps them in its record store (src/sync/record-store.ts).
 */
export interface SyncState {
  /** Records received and announced, by database. */
  readonly progress: Readonly<Partial<Record<SyncDatabase, { readonly received: number; readonly total: number }>>>;
  /**
   * While synchronizing: the device's own records (held before the initial synchronization) that
   * no record from the server has matched yet, as digests; the slow sync keeps them (absent:
   * none). Dropped when the synchronization completes.
   */
  readonly local?: RecordDigests;
  /**
   * The records, by database, in the state that `Handset.state` shows when its record store
   * answers at once (the default one does). The machine never holds them.
   *
   * @deprecated Read them from the store: `Handset.records(database)`.
   */
  readonly store?: DeviceSyncStore;
}

/**
 * A key derived at `rekey-accept` and not yet confirmed by the server (docs/lifecycle.md, "Key
 * states"): it becomes current when a message from the server opens under it.
 */
export interface PendingKey {
  /** The new key. */
  readonly key: TransportKeyState;
  /** The `rekey-accept` frame as sent: a repeated offer for this key id gets it again, byte for byte. */
  readonly accept: Uint8Array;
  /** `keyProofPayload('server', th)`: what the server's `rekey-done` must carry. */
  readonly serverProof: Uint8Array;
}

/** The key used before the last rollover, still tried on receipt until `until` (RIM: 7 days). */
export interface PreviousKey {
  /** The key. */
  readonly key: TransportKeyState;
  /** Until when it is tried (ms). */
  readonly until: number;
}

/** Every field a phase may carry beyond the common ones, with its type. */
export interface PhaseFields {
  /** The activation in progress. */
  readonly session: SessionState;
  /** The device transport key, once issued and verified. */
  readonly transportKey: TransportKeyState;
  /** The server the device activated with. */
  readonly server: ServerInfo;
  /** The email address of the activated account. */
  readonly email: string;
  /** The IT policy in force and its acknowledgement. */
  readonly policy: PolicyInForce;
  /** A verified policy handed to the enforcer, waiting for its result. */
  readonly pendingPolicy: PendingPolicy;
  /** Stored service books, sorted by CID then UID. */
  readonly serviceBooks: readonly ServiceBook[];
  /** Synchronized organizer data and per-database progress. */
  readonly sync: SyncState;
  /** Why the activation failed. */
  readonly failure: FailureState;
  /** A rolled-over key waiting for the server's confirmation. */
  readonly pendingKey: PendingKey;
  /** The key before the last rollover, for messages still sealed under it. */
  readonly previousKey: PreviousKey;
}

/** What every phase has. */
export interface HandsetCommon {
  /**
   * Version of this state's layout: 2 since issue 13 (the IT policy key binding, the password
   * failure count), 3 with the key rollover's pending and previous keys, 4 without the organizer
   * records (in the record store since issue 14).
   */
  readonly version: 4;
  /** The device's checked configuration. */
  readonly config: ResolvedHandsetConfig;
  /** Long-term keys, made at the first activation and kept afterwards. */
  readonly identity?: HandsetIdentity;
  /** The last status shown. */
  readonly status?: Status;
  /**
   * The organizer records the device holds, in the state that `Handset.state` shows outside a
   * synchronization when its record store answers at once. The machine never holds them: they are
   * in the record store, which a new activation, a failure and a deactivation leave as it is and a
   * wipe clears (docs/synchronization.md).
   *
   * @deprecated Read them from the store: `Handset.records(database)`.
   */
  readonly organizer?: DeviceSyncStore;
  /**
   * The acknowledgement of the last administrator command carried out (deactivate, wipe), kept as
   * sent (sealed under a key since erased) so that the same command repeated (the acknowledgement
   * was lost) is answered with the same bytes again: the device no longer holds a key to seal a new
   * one. Dropped when a new activation starts.
   */
  readonly commandAck?: CommandAck;
  /**
   * The IT policy key the device is bound to: the server's `publicKey` from the key grant of the
   * first activation that committed. Kept across activations; a policy from a server with another
   * key is refused (`POLICY_KEY_MISMATCH`) until a wipe erases it (docs/lifecycle.md, "The IT
   * policy lifecycle"; RIM's rule).
   */
  readonly policyKey?: Uint8Array;
  /**
   * Consecutive wrong device password entries the user made (`Handset.devicePasswordEntered`),
   * counted against the policy's "Set Maximum Password Attempts"; a correct entry starts again
   * from 0 (absent: none).
   */
  readonly passwordFailures?: number;
}

/** An acknowledgement of an administrator command, as sent: see {@link HandsetCommon.commandAck}. */
export interface CommandAck {
  /** The session the command came in. */
  readonly sid: Uint8Array;
  /** The `device-command-ack` frame as sent. */
  readonly bytes: Uint8Array;
  /** Where it was sent. */
  readonly to: string;
}

/**
 * The fields that belong to the device rather than to an activation: what a new activation, and a
 * failed one, keep of the state before it.
 */
export function deviceFields(state: HandsetCommon): Pick<HandsetCommon, 'identity' | 'policyKey' | 'passwordFailures'> {
  return {
    ...(state.identity ? { identity: state.identity } : {}),
    ...(state.policyKey ? { policyKey: state.policyKey } : {}),
    ...(state.passwordFailures ? { passwordFailures: state.passwordFailures } : {}),
  };
}

/**
 * One phase's state: the common fields, `phase`, the fields listed in `Has` (required), the
 * fields listed in `May` (optional), and every other field of {@link PhaseFields} as `undefined`.
 */
export type PhaseState<P extends HandsetPhase, Has extends Partial<PhaseFields>, May extends keyof PhaseFields = never> = HandsetCommon & {
  readonly phase: P;
} & Has & { readonly [K in May]?: PhaseFields[K] } & { readonly [K in Exclude<keyof PhaseFields, keyof Has | May>]?: undefined };

/** What the key issue established: the transport key, the server and the account. */
export type Established = Pick<PhaseFields, 'transportKey' | 'server' | 'email'> & { readonly identity: HandsetIdentity };

/** Never activated, or nothing running. */
export type IdleState = PhaseState<'idle', object>;
/** Phase 1: the ETP.DAT is sent; waiting for the server's CPace share ("Activating"). */
export type AwaitingServerShareState = PhaseState<
  'awaiting-server-share',
  { readonly session: ShareWaitSession; readonly identity: HandsetIdentity }
>;
/** Phase 2: the handset's confirmation is sent; waiting for the transport key ("Verifying Encryption"). */
export type AwaitingKeyState = PhaseState<'awaiting-key', { readonly session: KeyWaitSession; readonly identity: HandsetIdentity }>;
/** Phase 3: the key is verified; waiting for the signed IT policy ("Encryption Verified. Waiting for Services"). */
export type AwaitingPolicyState = PhaseState<'awaiting-policy', Established & { readonly session: KeyedSession }>;
/** Phase 3: the enforcer is applying the verified IT policy; every frame is ignored meanwhile. */
export type ApplyingPolicyState = PhaseState<
  'applying-policy',
  Established & { readonly session: KeyedSession; readonly pendingPolicy: PendingPolicy }
>;
/** Phase 3: the policy is applied and acknowledged; waiting for the service books. */
export type AwaitingServicesState = PhaseState<
  'awaiting-services',
  Established & { readonly session: KeyedSession; readonly policy: PolicyInForce }
>;
/** What phase 4 and everything after it carry: the key, the policy in force, the books and the data. */
export type Provisioned = Established & {
  readonly session: KeyedSession;
  readonly policy: PolicyInForce;
  readonly serviceBooks: readonly ServiceBook[];
  readonly sync: SyncState;
};
/** The key rollover's keys besides the current one, which the phases after the commit point may carry. */
export type RolloverKeys = 'pendingKey' | 'previousKey';
/** Phase 4: service books stored and their receipt registered (committed); organizer data arriving page by page. */
export type SyncingState = PhaseState<'syncing', Provisioned, RolloverKeys>;
/**
 * Phase 4, interrupted: the server stopped answering after the commit point. Everything is kept;
 * when the session's deadline comes (or the handset restarts), the last request is sent again and
 * the synchronization resumes where it stopped. Our design: RIM documented no such state.
 */
export type SyncPendingState = PhaseState<'sync-pending', Provisioned, RolloverKeys>;
/** Activated ("Activation Complete"); the session stays for IT policy updates. */
export type CompleteState = PhaseState<'complete', Provisioned, RolloverKeys>;
/** Activated, and the enforcer is applying a pushed IT policy update. */
export type ApplyingPolicyUpdateState = PhaseState<
  'applying-policy-update',
  Provisioned & { readonly pendingPolicy: PendingPolicy },
  RolloverKeys
>;
/**
 * The activation failed before its commit point: nothing of it is kept (no key, no policy, no
 * service books, no data), only the address the user typed once the key issue confirmed it (a
 * failure in phase 1 or 2 keeps no address).
 */
export type FailedState = PhaseState<'failed', { readonly failure: FailureState }, 'email'>;

/**
 * The server retired this device (a `device-command` deactivate, or the `DEACTIVATED` error): its
 * keys, IT policy and service books are gone, its organizer data stays (deactivation is not a
 * wipe), and it can be activated again (docs/lifecycle.md, "One device per user").
 */
export type DeactivatedState = PhaseState<'deactivated', object, 'email'>;

/**
 * Everything a handset knows, as plain data: configuration, phase, keys, the running session, the
 * IT policy, service books and synchronized data. What {@link handsetStep} takes and returns, and
 * {@link Handset.state} shows. It contains keys: keep it as safe as the device would (seal it with
 * {@link Handset.snapshot} to store it).
 */
export type HandsetState =
  | IdleState
  | AwaitingServerShareState
  | AwaitingKeyState
  | AwaitingPolicyState
  | ApplyingPolicyState
  | AwaitingServicesState
  | SyncingState
  | SyncPendingState
  | CompleteState
  | ApplyingPolicyUpdateState
  | FailedState
  | DeactivatedState;

/** The state of phase `P`. */
export type HandsetStateIn<P extends HandsetPhase> = Extract<HandsetState, { readonly phase: P }>;

/** A state with a running session. */
export type StateWithSession = Extract<HandsetState, { readonly session: SessionState }>;

/** True when `state` has a running session. */
export function hasSession(state: HandsetState): state is StateWithSession {
  return state.session !== undefined;
}

/** `state` with its session changed by `changes` (the same phase, the same kind of session). */
export function withSession<S extends StateWithSession>(state: S, changes: Partial<SessionBase>): S {
  return { ...state, session: { ...state.session, ...changes } };
}

/** The state of a handset that has never activated: phase `idle`, with this configuration. The start for {@link handsetStep}. */
export function initialHandsetState(config: ResolvedHandsetConfig): HandsetState {
  return { version: 4, phase: 'idle', config };
}
