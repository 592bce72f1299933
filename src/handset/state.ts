/**
 * The handset's whole state as plain data: no functions, no classes, no I/O handles. The state
 * machine ({@link ./machine.ts}) maps (state, input) to (state, outputs) and never mutates a state
 * it was given, so a state can be kept, compared, replayed and (sealed) persisted.
 */
import type { CPaceSuiteId, KeyPair, TransportKeyAlgorithm } from '../crypto/provider.js';
import type { ActivationErrorCode } from '../errors/activation-error.js';
import type { ServerInfo } from '../wire/messages/key-issue.js';
import type { ResolvedHandsetConfig } from './config.js';
import type { Status } from './status.js';
import type { ItPolicy } from '../policy/policy.js';
import type { PolicyAck } from '../policy/acknowledgement.js';
import type { ServiceBook } from '../service-books/service-book.js';
import type { DeviceSyncStore } from '../sync/sync-store.js';
import type { SyncDatabase } from '../sync/databases.js';

/**
 * Where the activation stands. The phases follow RIM's four: 1 activation (`awaiting-server-share`),
 * 2 encryption verification (`awaiting-key`), 3 receiving services (`awaiting-policy`,
 * `awaiting-services`), 4 synchronization (`syncing`).
 */
export type HandsetPhase =
  | 'idle'
  | 'awaiting-server-share'
  | 'awaiting-key'
  | 'awaiting-policy'
  | 'awaiting-services'
  | 'syncing'
  | 'complete'
  | 'failed';

/** The device transport key, once issued and verified. */
export interface TransportKeyState {
  /** AES-256 or two-key Triple DES. */
  readonly algorithm: TransportKeyAlgorithm;
  /** The key's id, as the server issued it. */
  readonly keyId: Uint8Array;
  /** The key itself: secret. */
  readonly key: Uint8Array;
}

/** What a running activation needs between messages. */
export interface SessionState {
  /** The email address the user typed. */
  readonly email: string;
  /** Session id: the ETP.DAT's 16-byte nonce. */
  readonly sid: Uint8Array;
  /** The CPace suite of this activation. */
  readonly suite: CPaceSuiteId;
  /** CPace secret scalar; dropped as soon as the server's share is processed. */
  readonly scalar?: Uint8Array;
  /** The handset's CPace share Ya. */
  readonly share: Uint8Array;
  /** The ETP.DAT header as encoded: CPace's ADa. */
  readonly headerBytes: Uint8Array;
  /** ETP.DAT body key; dropped once sent to the server. */
  readonly bodyKey?: Uint8Array;
  /** Session keys from CPace, once derived. */
  readonly handsetToServer?: Uint8Array;
  /** Server-to-handset session key, once derived. */
  readonly serverToHandset?: Uint8Array;
  /** ADb and Yb, kept for the transcript hash. */
  readonly serverAd?: Uint8Array;
  /** The server's CPace share Yb. */
  readonly serverShare?: Uint8Array;
  /** The server's SRP identifier: the address of the handset's later messages. */
  readonly serverSrp?: string;
  /** Next sequence number the handset sends. */
  readonly sendSeq: number;
  /** Next sequence number expected from the server. */
  readonly recvSeq: number;
  /** The last frame sent, kept for retransmission, and how often it was sent again. */
  readonly lastSent?: { readonly bytes: Uint8Array; readonly to: string };
  /** How many times the current request was sent again. */
  readonly retriesUsed: number;
  /** When the current wait times out (ms since epoch). */
  readonly deadline?: number;
  /**
   * The code of an error frame in clear received before any key existed: unauthenticated, so only
   * a hint, reported if the server never answers (docs/protocol.md, "error").
   */
  readonly hint?: ActivationErrorCode;
}

/** Why an activation failed, as kept in {@link HandsetState.failure}. */
export interface FailureState {
  /** The {@link ActivationError} code. */
  readonly code: string;
  /** The error's message. */
  readonly message: string;
}

/**
 * Everything a handset knows, as plain data: configuration, phase, keys, the running session, the
 * IT policy, service books and synchronized data. What {@link handsetStep} takes and returns, and
 * {@link Handset.state} shows. It contains keys: keep it as safe as the device would (seal it with
 * {@link Handset.snapshot} to store it).
 */
export interface HandsetState {
  /** Version of this state's layout. */
  readonly version: 1;
  /** Where the activation stands. */
  readonly phase: HandsetPhase;
  /** The device's checked configuration. */
  readonly config: ResolvedHandsetConfig;
  /** Long-term keys, made at the first activation and kept afterwards. */
  readonly identity?: { readonly signing: KeyPair; readonly agreement: KeyPair };
  /** The activation in progress, if any. */
  readonly session?: SessionState;
  /** The device transport key, once issued and verified. */
  readonly transportKey?: TransportKeyState;
  /** The server the device activated with. */
  readonly server?: ServerInfo;
  /** The email address of the activated account. */
  readonly email?: string;
  /** The IT policy in force and its acknowledgement. */
  readonly policy?: { readonly policy: ItPolicy; readonly ack: PolicyAck };
  /** A verified policy handed to the enforcer, waiting for its result (the `policy-applied` input). */
  readonly pendingPolicy?: { readonly policy: ItPolicy; readonly frameSeq: number };
  /** Stored service books, sorted by CID then UID. */
  readonly serviceBooks?: readonly ServiceBook[];
  /** Synchronized organizer data and per-database progress. */
  readonly sync?: {
    readonly store: DeviceSyncStore;
    readonly progress: Readonly<Partial<Record<SyncDatabase, { readonly received: number; readonly total: number }>>>;
  };
  /** The last status shown. */
  readonly status?: Status;
  /** Why the activation failed, in phase `failed`. */
  readonly failure?: FailureState;
}

/** The state of a handset that has never activated: phase `idle`, with this configuration. The start for {@link handsetStep}. */
export function initialHandsetState(config: ResolvedHandsetConfig): HandsetState {
  return { version: 1, phase: 'idle', config };
}
