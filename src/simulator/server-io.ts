/** What the server's state machine ({@link serverStep}) consumes and produces, and what it is given besides. */
import type { ActivationErrorCode } from '../errors/activation-error.js';
import type { CryptoProvider, RandomSource } from '../crypto/provider.js';
import type { ItPolicy } from '../policy/policy.js';
import type { Frame } from '../wire/frame.js';
import type { Account, ActivatedDevice } from './accounts.js';
import type { ServerIdentity, ServerPolicy } from './server-config.js';
import type { ServicesConfig } from './server-services.js';
import type { RolloverReason, ServerSessionState, ServerTransportKey } from './server-state.js';
import type { DeviceCommandName } from '../wire/messages/device-command.js';

/** What {@link serverStep} consumes: one event for one session. */
export type ServerInput =
  /** A frame for this session, decoded, already routed to it (`routeFrame`). */
  | { readonly type: 'frame'; readonly frame: Frame }
  /**
   * A new IT policy for the activated device: send it now (`sendNow`, the device's route is known),
   * or record it for the next `tick`.
   */
  | { readonly type: 'push-policy'; readonly policy: ItPolicy; readonly sendNow: boolean }
  /**
   * The clock moved (`env.now`): send an unacknowledged policy update, command or key offer again,
   * start a scheduled key rollover, report an attempt never confirmed, retire a device that left
   * its IT policy unapplied past the limit.
   */
  | { readonly type: 'tick' }
  /**
   * The device of this session is retired (docs/lifecycle.md): another device was activated for
   * the user (`deactivate`), or the administrator wiped it (`wipe`). The command is sent now
   * (`sendNow`, the route is known) or at the next tick.
   */
  | { readonly type: 'retire'; readonly command: DeviceCommandName; readonly sendNow: boolean }
  /** The administrator sends the service books again (`BesSimulator.resendServiceBooks`), now or at the next tick. */
  | { readonly type: 'resend-books'; readonly sendNow: boolean }
  /** The administrator asked for a new transport key ("Regenerate Encryption Key"): a key rollover. */
  | { readonly type: 'regenerate-key' };

/**
 * A change to the account a step concerns, for the driver to apply to its account store, in
 * order, right after the step (`AccountStore` has one method for each).
 */
export type AccountChange =
  /** An ETP.DAT was answered with CPace against the password: one more failed attempt until it is proven (`attemptStarted`). */
  | { readonly kind: 'attempt-started'; readonly email: string; readonly expired: boolean }
  /** An ETP.DAT was answered against a dummy password, for `code` (`refused`). */
  | { readonly kind: 'refused'; readonly email: string; readonly code: ActivationErrorCode; readonly event: string }
  /** The peer proved a password that is refused anyway: its attempt is not a failed one (`attemptProven`). */
  | { readonly kind: 'attempt-proven'; readonly email: string }
  /**
   * The peer proved the password: the attempt is not a failed one, and `session` of the device
   * `pin` claims the password if it is free, or held by an earlier session of that device (`attemptConfirmed`).
   */
  | { readonly kind: 'claim'; readonly email: string; readonly session: string; readonly pin?: string }
  /** `session` ended without activating: its claim on the password goes (`releaseClaim`). */
  | { readonly kind: 'release-claim'; readonly email: string; readonly session: string }
  /** An attempt failed, for `reason` (an error code, or "handset aborted") (`attemptFailed`). */
  | { readonly kind: 'attempt-failed'; readonly email: string; readonly reason: string }
  /** The device applied the IT policy: the account is activated on it and the password deleted (`activated`). */
  | { readonly kind: 'activated'; readonly email: string; readonly device: ActivatedDevice }
  /** The device's transport key was rolled over: the account records the new one (`keyRolledOver`). */
  | { readonly kind: 'key-rolled-over'; readonly email: string; readonly pin: string; readonly key: ServerTransportKey }
  /**
   * The server retired the account's device `pin` on its own (an IT policy left unapplied past the
   * limit): the account loses its device, if it is still that one (`deviceRemoved`).
   */
  | { readonly kind: 'device-removed'; readonly email: string; readonly pin: string };

/** What {@link serverStep} asks its driver to do, in order. */
export type ServerOutput =
  /** Send this frame to the session's device (addressed `pin:<PIN>` inside). */
  | { readonly type: 'send'; readonly bytes: Uint8Array }
  /** A secret-free log line. */
  | { readonly type: 'log'; readonly event: string; readonly detail?: Record<string, unknown> }
  /** Apply this change to the account store. */
  | { readonly type: 'account'; readonly change: AccountChange }
  /**
   * Tell the administrator that this activation attempt failed (`AdminEvent` `attempt-failed`; the
   * driver adds the time and the account's failed-attempt count after the changes before it).
   */
  | { readonly type: 'attempt-failed'; readonly email: string; readonly pin: string; readonly reason: string }
  /**
   * An activation committed for an account that had a device (`previous`): the driver retires the
   * sessions of the previous device if its PIN is another, or drops the old sessions of the same
   * device (docs/lifecycle.md, "One device per user").
   */
  | {
      readonly type: 'device-replaced';
      readonly email: string;
      readonly pin: string;
      readonly keyId: Uint8Array;
      readonly previous: { readonly pin: string; readonly keyId: Uint8Array };
    }
  /**
   * The server retired this device on its own (docs/lifecycle.md, "Disable users with unapplied IT
   * policy"): the driver tells the administrator (`AdminEvent` `device-retired`).
   */
  | { readonly type: 'device-retired'; readonly email: string; readonly pin: string; readonly reason: 'policy-not-applied' }
  /** The device acknowledged an administrator's command (the driver tells the administrator). */
  | { readonly type: 'command-acknowledged'; readonly email: string; readonly pin: string; readonly command: DeviceCommandName }
  /** Tell the administrator that the device's transport key was rolled over (`AdminEvent` `key-rolled-over`; `keyId` in hex). */
  | {
      readonly type: 'key-rolled-over';
      readonly email: string;
      readonly pin: string;
      readonly keyId: string;
      readonly reason: RolloverReason;
    };

/** The result of one {@link serverStep}: the session's next state and the outputs to perform. */
export interface ServerStepResult {
  /** The next state (the given one is never changed; the same object when nothing changed). */
  readonly state: ServerSessionState;
  /** What to do, in order. */
  readonly outputs: readonly ServerOutput[];
}

/** The result of {@link startServerSession}: the new session (none when the request was refused) and the outputs. */
export interface ServerStartResult {
  /** The new session; absent when the ETP.DAT was answered (or not) without one. */
  readonly state?: ServerSessionState;
  /** What to do, in order. */
  readonly outputs: readonly ServerOutput[];
}

/**
 * What the server's state machine is given besides state and input: configuration, the time, the
 * randomness and a read-only view of the account the input concerns. It never reads anything
 * else, and changes nothing it is given.
 */
export interface ServerEnv {
  /** The cryptography. */
  readonly provider: CryptoProvider;
  /** Every random byte the machine uses. */
  readonly random: RandomSource;
  /** The time of this step (ms). */
  readonly now: number;
  /** Who the server is. */
  readonly identity: ServerIdentity;
  /** The suites and ciphers it accepts. */
  readonly policy: ServerPolicy;
  /** The IT policy, service books and user data it sends. */
  readonly services: ServicesConfig;
  /**
   * The server's own random secret (32 bytes, never a constant) from which the dummy password of
   * an account without a usable one is derived, per address (HKDF of the secret and the address).
   */
  readonly dummySecret: Uint8Array;
  /** Answer an ETP.DAT for an unknown address with UNKNOWN_USER instead of silence. */
  readonly replyToUnknownUsers: boolean;
  /** How long an activation that proved the password holds it before another may take it (ms). */
  readonly claimTimeoutMs: number;
  /** How often an unacknowledged IT policy update is sent again (ms). */
  readonly policyRetransmitMs: number;
  /** How long a transport key serves before the server rolls it over (ms; 0: never on a schedule). Default 30 days. */
  readonly keyRolloverMs?: number;
  /** How often an unaccepted `rekey-offer` is sent again (ms). Default 15 minutes. */
  readonly rekeyRetransmitMs?: number;
  /**
   * "Disable users with unapplied IT policy" (docs/lifecycle.md): how long (ms) a device may leave
   * an IT policy unapplied before it is retired; 0: a device that rejects one is retired at once.
   * Absent: off (RIM's default).
   */
  readonly disableUnappliedPolicyAfterMs?: number;
  /** The account the input concerns (the session's, or the ETP.DAT's address), as it is before this step. */
  readonly account: Readonly<Account> | undefined;
}
