/**
 * The state of one activation on the server, as plain data: what {@link serverStep} takes and
 * returns, and what a simulator snapshot stores. Like the handset's (src/handset/state.ts), it is
 * a union keyed on `phase`, and each phase carries exactly the data it has: the ETP.DAT and the
 * CPace session keys while the handset's confirmation is awaited, the device's body and the new
 * transport key from the confirmation on, the policy sent while its acknowledgement is awaited,
 * the sync plan while synchronizing. Fields a phase does not have are typed `undefined` in it, so
 * that `state.transportKey` can be read on any state. A state is never changed: each step makes a
 * new one.
 *
 * The server's tables (sessions, replays, admission, accounts) are not here: see
 * {@link BesSimulator} ("Endpoint and sessions").
 */
import type { TransportKeyAlgorithm } from '../crypto/provider.js';
import type { EtpDat } from '../wire/messages/etp-dat.js';
import type { EtpBody } from '../wire/etp/etp-body.js';
import type { SyncDone } from '../wire/messages/sync-done.js';
import type { ItPolicy } from '../policy/policy.js';
import type { PolicyAck } from '../policy/acknowledgement.js';
import type { ServiceBook } from '../service-books/service-book.js';
import type { SyncPage } from '../sync/pages.js';
import type { CpaceChoice } from './accounts.js';
import type { DeviceCommandName } from '../wire/messages/device-command.js';
import { deepFreeze } from '../util/deep-freeze.js';

/**
 * Where a server session stands, in protocol order: 1 activation (`awaiting-confirm`), 2
 * encryption verification (`awaiting-key-verified`), 3 services (`awaiting-policy-ack`,
 * `awaiting-books-ack`), 4 synchronization (`syncing`), then `complete` (IT policy updates are
 * pushed in it), or `failed`. A session of a device the server no longer serves (another device was
 * activated for the user, the administrator wiped it, or it left an IT policy unapplied past the
 * limit) is `retired` (docs/lifecycle.md).
 */
export const SERVER_PHASES = deepFreeze([
  'awaiting-confirm',
  'awaiting-key-verified',
  'awaiting-policy-ack',
  'awaiting-books-ack',
  'syncing',
  'complete',
  'failed',
  'retired',
] as const);

/** Where a server session stands: one of {@link SERVER_PHASES}. */
export type ServerPhase = (typeof SERVER_PHASES)[number];

/** The device transport key the server issued. */
export interface ServerTransportKey {
  /** AES-256 or two-key Triple DES. */
  readonly algorithm: TransportKeyAlgorithm;
  /** The key's id (8 bytes). */
  readonly keyId: Uint8Array;
  /** The key itself: secret. */
  readonly key: Uint8Array;
}

/** What checks the handset's confirmation Ta: CPace's MAC key, and the handset's share and ETP.DAT header (ADa). */
export interface TaCheck {
  /** The CPace MAC key: secret. */
  readonly macKey: Uint8Array;
  /** The handset's share Ya. */
  readonly share: Uint8Array;
  /** The ETP.DAT header as encoded (ADa). */
  readonly headerBytes: Uint8Array;
}

/** The reply to the last request, sent again, byte for byte, when that request comes again. */
export interface LastReply {
  /** Sequence number of the request it answers. */
  readonly forSeq: number;
  /** The frame. */
  readonly bytes: Uint8Array;
}

/** The IT policy sent at activation, by id and by the SHA-256 of its signed bytes (what its acknowledgement must name). */
export interface PolicySent {
  /** The policy's id. */
  readonly id: string;
  /** SHA-256 of the signed policy bytes. */
  readonly hash: Uint8Array;
}

/**
 * The organizer data to send, page by page, one page in flight. A page goes from `pages` when its
 * acknowledgement arrives (a repeated acknowledgement is answered from `lastReply`), so a session
 * holds only the pages still to be acknowledged.
 */
export interface SyncProgress {
  /** The pages not yet acknowledged, in order (a snapshot written before issue 14 has every page, the acknowledged ones before `index`). */
  readonly pages: readonly SyncPage[];
  /** The page in flight: 0 once a page was acknowledged here (`pages.length`: all acknowledged). */
  readonly index: number;
  /** The summary `sync-done` carries at the end. */
  readonly done: SyncDone;
}

/**
 * An IT policy update pushed to an activated device and not yet acknowledged with its hash: sent
 * again (freshly sealed, with a new sequence number) every retransmission interval until it is.
 */
export interface PendingPolicyPush {
  /** The update. */
  readonly policy: ItPolicy;
  /** SHA-256 of the signed policy bytes: what the acknowledgement must carry. */
  readonly hash: Uint8Array;
  /** When it was last sent (ms, the simulator's clock); -Infinity when it has not been sent yet. */
  readonly sentAt: number;
  /** How many times it was sent. */
  readonly sends: number;
}

/**
 * An administrator's command to a device (docs/lifecycle.md): sent, sealed under the device's key,
 * every `policyRetransmitMs` until the device acknowledges it, for at most
 * {@link COMMAND_GIVE_UP_MS} after the first send.
 */
export interface PendingCommand {
  /** What the device must do. */
  readonly command: DeviceCommandName;
  /** The command's id (8 random bytes): the acknowledgement names it. */
  readonly id: Uint8Array;
  /** When it was first sent (ms); -Infinity when it has not been sent yet. */
  readonly firstSentAt: number;
  /** When it was last sent (ms); -Infinity when it has not been sent yet. */
  readonly sentAt: number;
  /** How many times it was sent. */
  readonly sends: number;
}

/** What may start a key rollover: its schedule, the administrator, the device's request (docs/lifecycle.md, "Key rollover"). */
export const ROLLOVER_REASONS = deepFreeze(['schedule', 'admin', 'device'] as const);

/** Why a key rollover started: one of {@link ROLLOVER_REASONS}. */
export type RolloverReason = (typeof ROLLOVER_REASONS)[number];

/**
 * A key rollover offered and not yet accepted: the server's ephemeral key pair (its secret erased
 * as soon as the new key is derived), the new key's id and algorithm, and the offer's resends.
 */
export interface PendingRollover {
  /** The new key's id (8 bytes). */
  readonly keyId: Uint8Array;
  /** The new key's algorithm (the current key's). */
  readonly algorithm: TransportKeyAlgorithm;
  /** `eS`/`ES`: the server's ephemeral X25519 key pair for this rollover. Secret. */
  readonly ephemeral: { readonly secretKey: Uint8Array; readonly publicKey: Uint8Array };
  /** What started it. */
  readonly reason: RolloverReason;
  /** When the offer was last sent (ms). */
  readonly sentAt: number;
  /** How many times it was sent. */
  readonly sends: number;
}

/** How long a retired device is sent its command before the server gives up: 7 days (ours, as the handset keeps a previous key: docs/lifecycle.md). */
export const COMMAND_GIVE_UP_MS = 7 * 24 * 3_600_000;

/** What every phase of a server session has. */
export interface ServerSessionBase {
  /** Session id: the ETP.DAT's 16-byte nonce. */
  readonly sid: Uint8Array;
  /** The device's PIN. */
  readonly pin: string;
  /** The account's address, normalized. */
  readonly email: string;
  /** Next sequence number expected from the handset. */
  readonly recvSeq: number;
  /** Next sequence number the server sends. */
  readonly sendSeq: number;
  /** The reply to the last request (absent before the first, and for pushes, which answer none). */
  readonly lastReply?: LastReply;
  /** When the ETP.DAT arrived (ms). */
  readonly startedAt: number;
}

/** Every field a phase may carry beyond {@link ServerSessionBase}, with its type. */
export interface ServerSessionFields {
  /** The ETP.DAT as decoded: its header, the handset's share and the body, sealed until the body key comes. */
  readonly etp: EtpDat;
  /** ADb: the server's routing data as encoded, for the transcript hash. */
  readonly serverAd: Uint8Array;
  /** The server's CPace share Yb, for the transcript hash. */
  readonly serverShare: Uint8Array;
  /** What checks the handset's Ta (kept after the confirmation too, to recognise it repeated). */
  readonly confirmation: TaCheck;
  /** k_HS: opens the body key and the handset's errors of phase 2. */
  readonly handsetToServer: Uint8Array;
  /** k_SH: seals the key grant and the server's errors before the key. */
  readonly serverToHandset: Uint8Array;
  /**
   * Why this activation is refused even if the peer proves the password (PASSWORD_EXPIRED), or why
   * CPace ran against a dummy (NO_ACTIVATION_PASSWORD, LOCKED_OUT). Told, sealed, only to a peer
   * that proved the password (docs/protocol.md, "What a peer learns").
   */
  readonly refusal: NonNullable<CpaceChoice['refusal']>;
  /** When the password CPace ran against was set (absent: a dummy). */
  readonly passwordSetAt: number;
  /** The administrator was told that this attempt was never confirmed. */
  readonly reportedUnconfirmed: true;
  /** The opened ETP.DAT body: the device's keys, model, capabilities and routing. */
  readonly device: EtpBody;
  /** The device transport key issued in this session. */
  readonly transportKey: ServerTransportKey;
  /** The transcript hash both key proofs are over. */
  readonly transcript: Uint8Array;
  /** The IT policy sent at activation. */
  readonly policySent: PolicySent;
  /** The device's last acknowledgement of an IT policy. */
  readonly policyAck: PolicyAck;
  /** The service books sent. */
  readonly books: readonly ServiceBook[];
  /** The organizer data being sent. */
  readonly sync: SyncProgress;
  /** An IT policy update waiting for its acknowledgement. */
  readonly push: PendingPolicyPush;
  /** Service books sent again by the administrator, waiting for their acknowledgement. */
  readonly booksPush: PendingBooksPush;
  /** An administrator's command waiting for the device's acknowledgement. */
  readonly command: PendingCommand;
  /** The key before the last rollover: the handset's messages may still come under it, until the next rollover. */
  readonly previousKey: ServerTransportKey;
  /** When the current key became current by a rollover (ms); absent: the key of the activation. */
  readonly keySince: number;
  /** A key rollover offered and not yet accepted. */
  readonly rollover: PendingRollover;
  /**
   * Since when (ms) the device has had an IT policy it has not applied: the first push of a policy
   * not yet acknowledged as applied; an applied acknowledgement clears it. What
   * `disableUnappliedPolicyAfterHours` measures (docs/lifecycle.md, "The IT policy lifecycle").
   */
  readonly policyUnappliedSince: number;
}

/** Service books sent again (`BesSimulator.resendServiceBooks`), until the device acknowledges them. */
export interface PendingBooksPush {
  /** The books. */
  readonly books: readonly ServiceBook[];
  /** When they were last sent (ms); -Infinity when not sent yet. */
  readonly sentAt: number;
  /** How many times they were sent. */
  readonly sends: number;
}

/**
 * One phase's state: the common fields, `phase`, the fields in `Has` (required), those in `May`
 * (optional), and every other field of {@link ServerSessionFields} as `undefined`.
 */
export type ServerPhaseState<
  P extends ServerPhase,
  Has extends keyof ServerSessionFields,
  May extends keyof ServerSessionFields = never,
> = ServerSessionBase & {
  readonly phase: P;
} & { readonly [K in Has]: ServerSessionFields[K] } & { readonly [K in May]?: ServerSessionFields[K] } & {
  readonly [K in Exclude<keyof ServerSessionFields, Has | May>]?: undefined;
};

/** Phase 1: the server's share is sent; waiting for the handset's confirmation Ta and the body key. */
export type AwaitingConfirmState = ServerPhaseState<
  'awaiting-confirm',
  'etp' | 'serverAd' | 'serverShare' | 'confirmation' | 'handsetToServer' | 'serverToHandset',
  'refusal' | 'passwordSetAt' | 'reportedUnconfirmed'
>;
/** Phase 2: the transport key is issued; waiting for the handset's proof under it. */
export type AwaitingKeyVerifiedState = ServerPhaseState<
  'awaiting-key-verified',
  'confirmation' | 'handsetToServer' | 'device' | 'transportKey' | 'transcript'
>;
/** Phase 3: the signed IT policy is sent; waiting for its acknowledgement (the account is activated when the device applied it). */
export type AwaitingPolicyAckState = ServerPhaseState<'awaiting-policy-ack', 'device' | 'transportKey' | 'policySent'>;
/** Phase 3: the service books are sent; waiting for their acknowledgement and the device's sync request. */
export type AwaitingBooksAckState = ServerPhaseState<'awaiting-books-ack', 'device' | 'transportKey' | 'policyAck' | 'books'>;
/** Phase 4: organizer data going out page by page. */
export type ServerSyncingState = ServerPhaseState<'syncing', 'transportKey' | 'policyAck' | 'sync'>;
/** Activated; IT policy updates are pushed in this session. */
export type ServerCompleteState = ServerPhaseState<
  'complete',
  'transportKey' | 'policyAck',
  'push' | 'booksPush' | 'previousKey' | 'keySince' | 'rollover' | 'policyUnappliedSince'
>;
/**
 * The device is retired (docs/lifecycle.md): IT policy updates stop, every frame it sends that opens
 * under its old key is answered with the error DEACTIVATED, and a command (deactivate, wipe) may
 * be waiting for its acknowledgement.
 */
export type ServerRetiredState = ServerPhaseState<'retired', 'transportKey', 'command'>;
/**
 * The activation failed (or the handset aborted it). What remains answers a repeated request with
 * the same error: the sequence numbers, the last reply and, if the handset's Ta was known, what
 * checks it.
 */
export type ServerFailedState = ServerPhaseState<'failed', never, 'confirmation'>;

/** One activation on the server, in any phase: what {@link serverStep} takes and returns. Contains keys. */
export type ServerSessionState =
  | AwaitingConfirmState
  | AwaitingKeyVerifiedState
  | AwaitingPolicyAckState
  | AwaitingBooksAckState
  | ServerSyncingState
  | ServerCompleteState
  | ServerFailedState
  | ServerRetiredState;

/** The state of phase `P`. */
export type ServerStateIn<P extends ServerPhase> = Extract<ServerSessionState, { readonly phase: P }>;

/** The fields every phase has, taken from `state` (for building the next phase's state). */
export function sessionBase(state: ServerSessionBase): ServerSessionBase {
  const { sid, pin, email, recvSeq, sendSeq, lastReply, startedAt } = state;
  return lastReply === undefined
    ? { sid, pin, email, recvSeq, sendSeq, startedAt }
    : { sid, pin, email, recvSeq, sendSeq, lastReply, startedAt };
}
