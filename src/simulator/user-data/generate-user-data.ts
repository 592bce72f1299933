/**
 * The simulator's default user data: a seeded, realistic data set for each account (calendar
 * entries in working hours around `now`, colleagues and outside contacts in the address book,
 * tasks, memos, email settings and filters, email messages newest first and device options as
 * wireless backup would restore them), also used by tests and benchmarks. {@link generateUserData} is the entry; each database
 * has its own file beside this one (calendar.ts, contacts.ts, tasks.ts, memos.ts, email-settings.ts,
 * messages.ts, options.ts), and they share the profile (profile.ts: the owner's colleagues, outside contacts,
 * projects and time zone), the places (places.ts), the word lists (words.ts), local time
 * (local-clock.ts) and the seeded random streams (random.ts).
 *
 * Deterministic: the same options always give deep-equal data. Each database draws from its own
 * stream (`seededRandom(seed + "\0" + database)`), and the people, projects and time zone come
 * from a shared "profile" stream, so the count asked for one database never changes another
 * database's records. All outside domains end in `.example` (RFC 2606) and phone numbers use the
 * fictional 555-01xx range where one exists.
 */
import { ActivationError } from '../../errors/activation-error.js';
import { SYNC_ORDER, type SyncData, type SyncDatabase } from '../../sync/databases.js';
import { generateCalendar } from './calendar.js';
import { generateContacts } from './contacts.js';
import { generateEmailSettings } from './email-settings.js';
import { LocalClock } from './local-clock.js';
import { generateMemos } from './memos.js';
import { generateMessages } from './messages.js';
import { generateOptions } from './options.js';
import { makeProfile } from './profile.js';
import { openStream } from './random.js';
import { generateTasks } from './tasks.js';

/** Options of {@link generateUserData}: a seed and how many records of each database. */
export interface GenerateUserDataOptions {
  /** Any text; the same seed gives the same data. */
  readonly seed: string;
  /** How many records of each database (absent: none). At most {@link MAX_GENERATED_RECORDS} each. */
  readonly counts: Partial<Record<SyncDatabase, number>>;
  /** The user whose data it is: the organizer of their meetings, the recipient of their mail. */
  readonly owner: { readonly email: string; readonly displayName: string };
  /**
   * "Now", ms since the epoch: events fall around it, messages before it. Before 1971 the data
   * falls around 1971-01-01 instead, so that no record reaches back before the epoch.
   */
  readonly now: number;
}

/** Record counts of the simulator's default data set (a `BesSimulator` without `services.userData`). */
export const DEFAULT_DATA_COUNTS: Readonly<Record<SyncDatabase, number>> = {
  calendar: 12,
  contacts: 30,
  tasks: 8,
  memos: 5,
  emailSettings: 1,
  messages: 40,
  options: 6,
};

/** Most records generated for one database. */
export const MAX_GENERATED_RECORDS = 100_000;

/** The earliest time data is generated around: 1971-01-01, one year after the epoch. */
const EARLIEST_REFERENCE = 31_536_000_000;

function invalid(field: string, message: string): never {
  throw new ActivationError('INVALID_ARGUMENT', message, { operation: 'generateUserData', field });
}

/**
 * Generates a user's data set. Throws ActivationError('INVALID_ARGUMENT') for a non-string seed,
 * an unknown database or a bad count in `counts`, an owner email without "@" (or over 254
 * characters), an empty or over-long display name, or a `now` that is not a non-negative safe integer.
 */
export function generateUserData(options: GenerateUserDataOptions): SyncData {
  if (options === null || typeof options !== 'object') invalid('options', 'options are required');
  const { seed, counts, owner, now } = options;
  if (typeof seed !== 'string') invalid('seed', 'seed must be a string');
  if (counts === null || typeof counts !== 'object') invalid('counts', 'counts must be an object');
  for (const [database, n] of Object.entries(counts)) {
    if (!(SYNC_ORDER as readonly string[]).includes(database)) invalid(`counts.${database}`, `unknown database ${database}`);
    if (n !== undefined && (!Number.isInteger(n) || n < 0 || n > MAX_GENERATED_RECORDS)) {
      invalid(`counts.${database}`, `counts must be integers from 0 to ${MAX_GENERATED_RECORDS}`);
    }
  }
  if (owner === null || typeof owner !== 'object') invalid('owner', 'owner is required');
  if (typeof owner.email !== 'string' || owner.email.length > 254 || !/^[^@\s<>]+@[^@\s<>]+$/.test(owner.email)) {
    invalid('owner.email', 'owner.email must be an address like user@example.com');
  }
  if (
    typeof owner.displayName !== 'string' ||
    owner.displayName.trim() === '' ||
    owner.displayName.length > 64 ||
    /[<>]/.test(owner.displayName)
  ) {
    invalid('owner.displayName', 'owner.displayName must be 1-64 characters without < or >');
  }
  if (!Number.isSafeInteger(now) || now < 0) invalid('now', 'now must be a non-negative integer (ms since the epoch)');

  const profile = makeProfile(seed, owner);
  // Records reach back weeks before `now`; no record can hold a time before 1970. A clock near the
  // epoch (a test's virtual clock at 0) would make invalid records, so the data is placed around
  // the later of `now` and EARLIEST_REFERENCE instead.
  const clock = new LocalClock(profile.zone, Math.max(now, EARLIEST_REFERENCE));
  const stream = (database: SyncDatabase) => openStream(seed, database);
  const n = (database: SyncDatabase) => counts[database] ?? 0;
  return {
    calendar: generateCalendar(stream('calendar'), profile, clock, n('calendar')),
    contacts: generateContacts(stream('contacts'), profile, n('contacts')),
    tasks: generateTasks(stream('tasks'), profile, clock, n('tasks')),
    memos: generateMemos(stream('memos'), profile, n('memos')),
    emailSettings: generateEmailSettings(stream('emailSettings'), profile, clock, n('emailSettings')),
    messages: generateMessages(stream('messages'), profile, clock, n('messages')),
    options: generateOptions(stream('options'), profile, n('options')),
  };
}
