/**
 * The statuses the Enterprise Activation screen shows, with their text exactly as a handset shows
 * it. Which texts are RIM's (with the seed line or facts file section of each) and which are ours
 * (the failure texts, the per-database `Synchronizing ...` progress, the missing-[CMIME] text):
 * docs/handset.md, "Statuses".
 */
import { deepFreeze } from '../util/deep-freeze.js';

/** Every status the screen shows, in the order of a successful activation, then the failure. */
export const STATUS_IDS = deepFreeze([
  'activating',
  'verifying-encryption',
  'encryption-verified',
  'services-received',
  'email-enabled',
  'email-not-enabled',
  'sync-service-enabled',
  'synchronizing',
  'sync-pending',
  'sync-resuming',
  'activation-complete',
  'activation-failed',
  'deactivated',
] as const);

/** Which status: one of {@link STATUS_IDS}, stable for code to branch on. */
export type StatusId = (typeof STATUS_IDS)[number];

/** One status of the activation screen, as {@link Handset} emits it (`'status'` event) and `state.status` holds it. */
export interface Status {
  /** Which status, stable for code to branch on. */
  readonly id: StatusId;
  /** The screen text. */
  readonly text: string;
  /** For `synchronizing`: the database and its progress. */
  readonly progress?: { readonly database: string; readonly received: number; readonly total: number };
}

/**
 * The screen texts of the success path, by status id, as RIM's handsets showed them
 * (../shared/reference/blackberry-activation-facts.md, "What the handset shows").
 */
export const STATUS_TEXT = deepFreeze({
  activating: 'Activating',
  'verifying-encryption': 'Verifying Encryption',
  'encryption-verified': 'Encryption Verified. Waiting for Services',
  'services-received': 'Services Received',
  'activation-complete': 'Activation Complete',
} as const satisfies Partial<Record<StatusId, string>>);

export function status(id: keyof typeof STATUS_TEXT): Status {
  return { id, text: STATUS_TEXT[id] };
}

/** `Your email address "<address>" is now enabled`, as the seed shows it (line 24). */
export function emailEnabledStatus(email: string): Status {
  return { id: 'email-enabled', text: `Your email address "${email}" is now enabled` };
}

/**
 * `Synchronization service Desktop [<SRP identifier>]`: the second line of the message the seed
 * shows once the service books are in (seed line 115, under `Your email address ... is now
 * enabled`), shown when a [SYNC] book arrived. The SRP identifier is the server's, as its key
 * grant gave it (facts file, "ETP.DAT and routing": the server identifies itself by an SRP
 * identifier). Emitted as a status of its own, right after the first line (in the same step), so
 * that the first line's text stays as the facts file gives it.
 */
export function syncServiceStatus(srp: string): Status {
  return { id: 'sync-service-enabled', text: `Synchronization service Desktop [${srp}]` };
}

export function emailNotEnabledStatus(email: string): Status {
  return { id: 'email-not-enabled', text: `Services Received. Email for "${email}" is not enabled: no [CMIME] service book` };
}

const DATABASE_NAMES: Record<string, string> = {
  calendar: 'Calendar',
  contacts: 'Address Book',
  tasks: 'Tasks',
  memos: 'Memos',
  emailSettings: 'Email Settings',
  messages: 'Email Messages',
  options: 'Device Options',
};

/**
 * The initial synchronization was interrupted after the commit point (the server stopped
 * answering): the activation stands, and the synchronization resumes at the next contact. Our
 * texts: RIM documented none for this (docs/handset.md, "Statuses").
 */
export const SYNC_PENDING_TEXT = 'Synchronization pending: it resumes when the server answers';
/** The handset sends its last synchronization request again, to resume where it stopped. Ours. */
export const SYNC_RESUMING_TEXT = 'Resuming synchronization';

/** The `sync-pending` status ({@link SYNC_PENDING_TEXT}). */
export function syncPendingStatus(): Status {
  return { id: 'sync-pending', text: SYNC_PENDING_TEXT };
}

/** The `sync-resuming` status ({@link SYNC_RESUMING_TEXT}). */
export function syncResumingStatus(): Status {
  return { id: 'sync-resuming', text: SYNC_RESUMING_TEXT };
}

/** A database's name as the screen shows it (`Address Book` for `contacts`); an unknown one as given. */
export function databaseName(database: string): string {
  return DATABASE_NAMES[database] ?? database;
}

export function synchronizingStatus(database: string, received: number, total: number): Status {
  const name = databaseName(database);
  return { id: 'synchronizing', text: `Synchronizing ${name} (${received}/${total})`, progress: { database, received, total } };
}

const FAILURE_TEXT: Record<string, string> = {
  WRONG_PASSWORD: 'Activation failed: the activation password is incorrect',
  PASSWORD_EXPIRED: 'Activation failed: the activation password has expired',
  LOCKED_OUT: 'Activation failed: too many attempts. Contact your administrator for a new activation password',
  NO_ACTIVATION_PASSWORD: 'Activation failed: no activation password is set for this account',
  UNKNOWN_USER: 'Activation failed: the email address is not known to the server',
  TIMEOUT: 'Activation failed: the server did not respond',
  UNSUPPORTED: 'Activation failed: the server does not support this device',
  POLICY_REJECTED: 'Activation failed: the IT policy could not be applied',
  // Ours: the device stays bound to its first BES's IT policy key until it is wiped.
  POLICY_KEY_MISMATCH: 'Activation failed: the IT policy comes from another server. Wipe the device to activate it here',
};

/** The server retired this device (docs/lifecycle.md). Our text: no source gives the screen's. */
export const DEACTIVATED_TEXT = 'Deactivated';

/** The `deactivated` status ({@link DEACTIVATED_TEXT}). */
export function deactivatedStatus(): Status {
  return { id: 'deactivated', text: DEACTIVATED_TEXT };
}

export function failedStatus(code: string): Status {
  return { id: 'activation-failed', text: FAILURE_TEXT[code] ?? 'Activation failed: an error occurred during activation' };
}
