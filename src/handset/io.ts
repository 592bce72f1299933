/** Inputs the handset state machine consumes and outputs it produces. */
import type { ActivationError } from '../errors/activation-error.js';
import type { TransportKeyAlgorithm } from '../crypto/provider.js';
import type { ServerInfo } from '../wire/messages/key-issue.js';
import type { Status } from './status.js';
import type { ServerVersion } from '../server-version/server-version.js';
import type { ItPolicy } from '../policy/policy.js';
import type { PolicyAck } from '../policy/acknowledgement.js';
import type { ServiceBook } from '../service-books/service-book.js';
import type { SyncDatabase } from '../sync/databases.js';
import type { SyncRecord } from '../sync/records.js';
import type { DeviceSyncStore } from '../sync/sync-store.js';

/** What {@link handsetStep} consumes: one event from the user, the network, the timer or the policy enforcer, each with the time `now` (ms). */
export type HandsetInput =
  /**
   * The user typed an email address and activation password and chose Activate. `held`: the
   * organizer records the device holds (what its record store holds; absent: none), which the
   * initial synchronization reconciles with the server's; the machine keeps only their digests.
   */
  | { readonly type: 'activate'; readonly email: string; readonly password: string; readonly now: number; readonly held?: DeviceSyncStore }
  /** A frame arrived from the transport. */
  | { readonly type: 'frame'; readonly bytes: Uint8Array; readonly now: number }
  /** The timer the machine asked for has fired (or any later time: the machine checks `now`). */
  | { readonly type: 'timer'; readonly now: number }
  /** The enforcer's verdict on the policy of an `apply-policy` output. */
  | { readonly type: 'policy-applied'; readonly ack: PolicyAck; readonly now: number }
  /** The user cancelled. */
  | { readonly type: 'cancel'; readonly now: number }
  /** The user chose "Regenerate Encryption Key" in the security options: ask the server for a key rollover. */
  | { readonly type: 'regenerate-key'; readonly now: number }
  /**
   * The user entered the device password (not the activation password), correctly or not: counted
   * against the IT policy's "Set Maximum Password Attempts" (docs/lifecycle.md).
   */
  | { readonly type: 'device-password'; readonly correct: boolean; readonly now: number };

/** What the activation established. Contains no secret. */
export interface ActivationResult {
  /** The email address that was activated. */
  readonly email: string;
  /** The transport key's algorithm: the strongest both sides support. */
  readonly keyAlgorithm: TransportKeyAlgorithm;
  /** Key id as hex. */
  readonly keyId: string;
  /** The server that activated the device; its public key as hex. */
  readonly server: Omit<ServerInfo, 'publicKey'> & { readonly publicKey: string };
  /** The server version, parsed (absent when the server's version text is not one we recognise). */
  readonly serverVersion?: ServerVersion;
}

/** What {@link handsetStep} asks its driver to do, in order; {@link Handset} performs each one. */
export type HandsetOutput =
  /** Send these bytes; `to` is the frame's routing address (also inside the frame). */
  | { readonly type: 'send'; readonly bytes: Uint8Array; readonly to: string }
  /** Show a status on the screen. */
  | { readonly type: 'status'; readonly status: Status }
  /** Call back with a `timer` input at (or after) this time; replaces any earlier timer. */
  | { readonly type: 'set-timer'; readonly at: number }
  | { readonly type: 'clear-timer' }
  /** The encryption key is verified; the handset waits for services. */
  | { readonly type: 'key-established'; readonly result: ActivationResult }
  /**
   * Apply this verified IT policy with the device's enforcer, then give the machine a
   * `policy-applied` input (the driver does this with `applyPolicy(enforcer, policy)`).
   */
  | { readonly type: 'apply-policy'; readonly policy: ItPolicy }
  /** The policy was acknowledged to the server; `update` is true after activation. */
  | { readonly type: 'policy-acknowledged'; readonly ack: PolicyAck; readonly update: boolean }
  /** Service books were stored (all books now held). */
  | { readonly type: 'service-books'; readonly books: readonly ServiceBook[]; readonly emailEnabled: boolean }
  /**
   * Store these records in the record store (`RecordStore.put`): each replaces the record with its
   * id, the others are appended; `replaces` maps a server record's id to the device record it was
   * merged with (the slow sync's duplicates). The driver finishes the put before it performs the
   * next output: the acknowledgement that follows says the page is stored.
   */
  | {
      readonly type: 'store-records';
      readonly database: SyncDatabase;
      readonly records: readonly SyncRecord[];
      readonly replaces: Readonly<Record<string, string>>;
    }
  /** A page of records was stored. */
  | { readonly type: 'sync-progress'; readonly database: SyncDatabase; readonly received: number; readonly total: number }
  /** The activation finished. */
  | { readonly type: 'complete'; readonly result: ActivationResult }
  /**
   * The server retired this device (`command`: a `device-command` deactivate; `refused`: its frame
   * was answered with the error DEACTIVATED): keys, policy and books are gone, organizer data kept.
   */
  | { readonly type: 'deactivated'; readonly reason: 'command' | 'refused' }
  /** A rolled-over transport key became current: its id (hex) and algorithm, never the key. */
  | { readonly type: 'key-changed'; readonly keyId: string; readonly algorithm: TransportKeyAlgorithm }
  /** The activation failed (terminal). */
  | { readonly type: 'failed'; readonly error: ActivationError }
  /**
   * An IT policy rule acts on the device: tell the enforcer (`PolicyEnforcer.onAction`). The only
   * one so far: "Set Maximum Password Attempts" reached, `wipe` (a `wiped` output follows).
   */
  | { readonly type: 'policy-action'; readonly rule: string; readonly action: 'wipe' }
  /**
   * The device was wiped: keys, books, IT policy and its key binding erased; it is idle. The driver
   * erases the organizer data (`RecordStore.clear`).
   */
  | { readonly type: 'wiped' }
  /** A frame was ignored (duplicate, out of order, undecodable, unauthenticated). Diagnostic only. */
  | { readonly type: 'ignored'; readonly reason: string; readonly code?: string };

/** The result of one {@link handsetStep}: the next state and the outputs to perform. */
export interface StepResult<S> {
  /** The next state (the given one is never changed). */
  readonly state: S;
  /** What to do, in order. */
  readonly outputs: readonly HandsetOutput[];
}
