/**
 * Which databases are synchronized after activation, in which order, and why some are not.
 *
 * The facts file ("Synchronization after activation"): synchronization starts with the calendar (over [CICAL]), then
 * the other organizer databases (over [SYNC]), email messages (over [CMIME]; up to 750 by default on
 * later servers: the facts file alone says 750, docs/synchronization.md)
 * and device options from wireless backup, each when wireless synchronization and backup are
 * enabled for the user. Email settings and filters travel over [SYNC] too (the seed: "The [SYNC]
 * service book allows for organizer data synchronization, wireless backup and restore
 * capability, and synchronization of email settings and filters"); that they are a database of
 * their own, synchronized after the memos, is ours.
 */
import { ActivationError } from '../errors/activation-error.js';
import type { Capability } from '../service-books/capabilities.js';
import type { CalendarEvent, Contact, DeviceOption, EmailMessage, EmailSettings, Memo, RecordKind, Task } from './records.js';
import { deepFreeze } from '../util/deep-freeze.js';

/** The databases, in the order they are synchronized: calendar first. */
export const SYNC_ORDER = deepFreeze(['calendar', 'contacts', 'tasks', 'memos', 'emailSettings', 'messages', 'options'] as const);
/** One of the organizer databases the handset synchronizes ({@link SYNC_ORDER}). */
export type SyncDatabase = (typeof SYNC_ORDER)[number];

/** The record type each database holds. */
export interface RecordByDatabase {
  /** Calendar: events. */
  calendar: CalendarEvent;
  /** Address Book: contacts. */
  contacts: Contact;
  /** Tasks. */
  tasks: Task;
  /** Memos. */
  memos: Memo;
  /** Email settings and filters, one record per account. */
  emailSettings: EmailSettings;
  /** Email messages. */
  messages: EmailMessage;
  /** Device options (from wireless backup). */
  options: DeviceOption;
}

/** A full data set: every database's records. */
export type SyncData = { [D in SyncDatabase]: RecordByDatabase[D][] };

export const DATABASE_RECORD_KIND: Readonly<Record<SyncDatabase, RecordKind>> = {
  calendar: 'calendar',
  contacts: 'contact',
  tasks: 'task',
  memos: 'memo',
  emailSettings: 'email-settings',
  messages: 'message',
  options: 'option',
};

/** The service book each database travels over. */
export const DATABASE_SERVICE_BOOK = {
  calendar: 'CICAL',
  contacts: 'SYNC',
  tasks: 'SYNC',
  memos: 'SYNC',
  emailSettings: 'SYNC',
  messages: 'CMIME',
  options: 'SYNC',
} as const satisfies Record<SyncDatabase, string>;

/** The capability (from the service books) each database needs. */
export const DATABASE_CAPABILITY: Readonly<Record<SyncDatabase, Capability>> = {
  calendar: 'calendar',
  contacts: 'organizer-sync',
  tasks: 'organizer-sync',
  memos: 'organizer-sync',
  emailSettings: 'email-settings',
  messages: 'email',
  options: 'backup-restore',
};

/**
 * Which user setting governs each database. Email settings and filters follow wireless
 * synchronization ("you must enable wireless synchronization for the e-mail filters":
 * Professional BlackBerry, ch. 7, as excerpted on blackberrycool.com).
 */
export const DATABASE_USER_SETTING: Readonly<Record<SyncDatabase, keyof UserSyncSettings>> = {
  calendar: 'wirelessSync',
  contacts: 'wirelessSync',
  tasks: 'wirelessSync',
  memos: 'wirelessSync',
  emailSettings: 'wirelessSync',
  messages: 'messages',
  options: 'wirelessBackup',
};

/** Most email messages sent to a newly activated device, by default. */
export const DEFAULT_MESSAGE_CAP = 750;
/** Largest message cap accepted. */
export const MAX_MESSAGE_CAP = 100_000;

/** True when `name` is one of {@link SYNC_ORDER}. */
export function isSyncDatabase(name: unknown): name is SyncDatabase {
  return typeof name === 'string' && (SYNC_ORDER as readonly string[]).includes(name);
}

/** What the administrator enabled for the user. */
export interface UserSyncSettings {
  /** Wireless organizer data synchronization: calendar, contacts, tasks, memos, email settings and filters. */
  readonly wirelessSync: boolean;
  /** Wireless backup: device options are restored from it. */
  readonly wirelessBackup: boolean;
  /** Existing email messages are sent to the device. */
  readonly messages: boolean;
}

export interface SyncPlanInput {
  readonly enabledForUser: UserSyncSettings;
  /** What the device's service books enable (see capabilitiesOf). */
  readonly capabilities: ReadonlySet<string>;
  /** Databases the device says it supports (unknown names are ignored). */
  readonly deviceDatabases: readonly string[];
  /** Most messages to send; default {@link DEFAULT_MESSAGE_CAP}. */
  readonly messageCap?: number;
}

export type SkipReason =
  'disabled for user' | 'no [CICAL] service book' | 'no [SYNC] service book' | 'no [CMIME] service book' | 'device does not support';

export interface SkippedDatabase {
  readonly database: SyncDatabase;
  readonly reason: SkipReason;
}

export interface SyncPlan {
  /** The databases to synchronize, in {@link SYNC_ORDER}. */
  readonly databases: SyncDatabase[];
  /** The others, in {@link SYNC_ORDER}, each with the first reason that applies. */
  readonly skipped: SkippedDatabase[];
  /** Most records to send per database; only `messages` is capped. */
  readonly limits: Partial<Record<SyncDatabase, number>>;
}

function invalid(field: string, message: string): never {
  throw new ActivationError('INVALID_ARGUMENT', message, { operation: 'planSync', field });
}

/**
 * Plans the synchronization. A database is skipped, with the first reason that applies, when the
 * user's setting is off ('disabled for user'), when the book it travels over is missing ('no
 * [CICAL] service book', ...), or when the device does not list it ('device does not support').
 * Throws ActivationError('INVALID_ARGUMENT') for a missing setting or a cap that is not an
 * integer from 1 to {@link MAX_MESSAGE_CAP}.
 */
export function planSync(input: SyncPlanInput): SyncPlan {
  if (input === null || typeof input !== 'object') invalid('input', 'input is required');
  const user = input.enabledForUser;
  if (user === null || typeof user !== 'object') invalid('enabledForUser', 'enabledForUser is required');
  for (const key of ['wirelessSync', 'wirelessBackup', 'messages'] as const) {
    if (typeof user[key] !== 'boolean') invalid(`enabledForUser.${key}`, `enabledForUser.${key} must be a boolean`);
  }
  if (!(input.capabilities instanceof Set)) invalid('capabilities', 'capabilities must be a Set');
  if (!Array.isArray(input.deviceDatabases)) invalid('deviceDatabases', 'deviceDatabases must be an array');
  const messageCap = input.messageCap ?? DEFAULT_MESSAGE_CAP;
  if (!Number.isInteger(messageCap) || messageCap < 1 || messageCap > MAX_MESSAGE_CAP) {
    invalid('messageCap', `messageCap must be an integer from 1 to ${MAX_MESSAGE_CAP}`);
  }

  const databases: SyncDatabase[] = [];
  const skipped: SkippedDatabase[] = [];
  for (const database of SYNC_ORDER) {
    let reason: SkipReason | undefined;
    if (!user[DATABASE_USER_SETTING[database]]) reason = 'disabled for user';
    else if (!input.capabilities.has(DATABASE_CAPABILITY[database])) reason = `no [${DATABASE_SERVICE_BOOK[database]}] service book`;
    else if (!input.deviceDatabases.includes(database)) reason = 'device does not support';
    if (reason === undefined) databases.push(database);
    else skipped.push({ database, reason });
  }
  return { databases, skipped, limits: databases.includes('messages') ? { messages: messageCap } : {} };
}

/**
 * The records to send for one database under a plan: messages are cut to the cap (the caller
 * passes them newest first, so the newest are kept); other databases are sent whole.
 */
export function applyLimit<T>(plan: SyncPlan, database: SyncDatabase, records: readonly T[]): T[] {
  const limit = plan.limits[database];
  return limit === undefined ? [...records] : records.slice(0, limit);
}

/**
 * The calendar window of the initial synchronization: "By default, the calendar on the BlackBerry
 * device synchronizes up to 31 days in the past from the activation date, and up to 28 years into
 * the future from the activation date" (BES 5 Administration Guide, "Synchronization features",
 * http://docs.blackberry.com/en/admin/deliverables/12056/Synchronization_features_224459_11.jsp).
 */
export const CALENDAR_WINDOW = { pastDays: 31, futureYears: 28 } as const;

/**
 * True when `event` falls in the {@link CALENDAR_WINDOW} of an activation at `activatedAt`: it ends
 * no earlier than 31 days before and starts no later than 28 years after. A repeating event that
 * started earlier is in it (its later occurrences are; our reading).
 */
export function inCalendarWindow(event: Pick<CalendarEvent, 'start' | 'end' | 'recurrence'>, activatedAt: number): boolean {
  const from = activatedAt - CALENDAR_WINDOW.pastDays * 86_400_000;
  const until = new Date(activatedAt);
  until.setUTCFullYear(until.getUTCFullYear() + CALENDAR_WINDOW.futureYears);
  if (event.start > until.getTime()) return false;
  return event.recurrence !== undefined || event.end >= from;
}
