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
  readonly algorithm: TransportKeyAlgorithm;
  readonly keyId: Uint8Array;
  readonly key: Uint8Array;
}

/** What a running activation needs between messages. */
export interface SessionState {
  readonly email: string;
  readonly sid: Uint8Array;
  readonly suite: CPaceSuiteId;
  /** CPace secret scalar; dropped as soon as the server's share is processed. */
  readonly scalar?: Uint8Array;
  readonly share: Uint8Array;
  readonly headerBytes: Uint8Array;
  /** ETP.DAT body key; dropped once sent to the server. */
  readonly bodyKey?: Uint8Array;
  /** Session keys from CPace, once derived. */
  readonly handsetToServer?: Uint8Array;
  readonly serverToHandset?: Uint8Array;
  /** ADb and Yb, kept for the transcript hash. */
  readonly serverAd?: Uint8Array;
  readonly serverShare?: Uint8Array;
  /** The server's SRP identifier: the address of the handset's later messages. */
  readonly serverSrp?: string;
  /** Next sequence number the handset sends. */
  readonly sendSeq: number;
  /** Next sequence number expected from the server. */
  readonly recvSeq: number;
  /** The last frame sent, kept for retransmission, and how often it was sent again. */
  readonly lastSent?: { readonly bytes: Uint8Array; readonly to: string };
  readonly retriesUsed: number;
  /** When the current wait times out (ms since epoch). */
  readonly deadline?: number;
  /**
   * The code of an error frame in clear received before any key existed: unauthenticated, so only
   * a hint, reported if the server never answers (docs/protocol.md, "error").
   */
  readonly hint?: ActivationErrorCode;
}

export interface FailureState {
  readonly code: string;
  readonly message: string;
}

export interface HandsetState {
  readonly version: 1;
  readonly phase: HandsetPhase;
  readonly config: ResolvedHandsetConfig;
  /** Long-term keys, made at the first activation and kept afterwards. */
  readonly identity?: { readonly signing: KeyPair; readonly agreement: KeyPair };
  readonly session?: SessionState;
  readonly transportKey?: TransportKeyState;
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
  readonly failure?: FailureState;
}

export function initialHandsetState(config: ResolvedHandsetConfig): HandsetState {
  return { version: 1, phase: 'idle', config };
}
