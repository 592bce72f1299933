/**
 * Organizer records sent during synchronization, modelled on the field sets the open-source
 * Barry project documents for the BlackBerry Calendar, Address Book, Tasks and Memos databases,
 * plus email messages and device options (restored from wireless backup). Every record has a
 * `kind` discriminator and an `id` unique within its database, and every string and list has a
 * limit, so one record is always far smaller than a sync page may be.
 *
 * Times are milliseconds since the Unix epoch (UTC). A birthday is a calendar date, not an
 * instant, so it is an ISO `YYYY-MM-DD` string.
 */
import * as v from 'valibot';
import { list, text, uint } from '../codec/schema.js';

/** Longest text in a notes or body field. */
export const MAX_NOTES = 4096;
/** Longest email body carried in a sync page (the device fetches the rest with "More", as BlackBerry did). */
export const MAX_MESSAGE_BODY = 16_384;
/** Longest record id. */
export const MAX_RECORD_ID = 64;

/** How a calendar event shows the user's time: the values of {@link FreeBusy}. */
export const FREE_BUSY = ['Free', 'Tentative', 'Busy', 'OutOfOffice'] as const;
/** How a calendar event shows the user's time. */
export type FreeBusy = (typeof FREE_BUSY)[number];
/** Who may see a calendar event: the values of {@link EventClass}. */
export const EVENT_CLASSES = ['Public', 'Confidential', 'Private'] as const;
/** Who may see a calendar event. */
export type EventClass = (typeof EVENT_CLASSES)[number];
/** How a calendar event repeats: the values of {@link RecurrenceType}. */
export const RECURRENCE_TYPES = ['Daily', 'Weekly', 'MonthlyByDate', 'MonthlyByDay', 'YearlyByDate', 'YearlyByDay'] as const;
/** How a calendar event repeats. */
export type RecurrenceType = (typeof RECURRENCE_TYPES)[number];
/** A task's priority: the values of {@link TaskPriority}. */
export const TASK_PRIORITIES = ['High', 'Normal', 'Low'] as const;
/** A task's priority. */
export type TaskPriority = (typeof TASK_PRIORITIES)[number];
/** Where a task stands: the values of {@link TaskStatus}. */
export const TASK_STATUSES = ['NotStarted', 'InProgress', 'Completed', 'Waiting', 'Deferred'] as const;
/** Where a task stands. */
export type TaskStatus = (typeof TASK_STATUSES)[number];
/** The kind of a contact's postal address: the values of {@link AddressLabel}. */
export const ADDRESS_LABELS = ['work', 'home', 'other'] as const;
/** The kind of a contact's postal address. */
export type AddressLabel = (typeof ADDRESS_LABELS)[number];

/** How a calendar event repeats: every `interval` units of `type`, optionally until a time. */
export interface Recurrence {
  /** How it repeats. */
  readonly type: RecurrenceType;
  /** Every `interval` days/weeks/months/years, 1-999. */
  readonly interval: number;
  /** Last possible occurrence (ms epoch); absent: no end. */
  readonly until?: number;
}

/** A Calendar database record: one appointment or meeting. */
export interface CalendarEvent {
  /** Always `'calendar'`. */
  readonly kind: 'calendar';
  /** Unique within the Calendar database. */
  readonly id: string;
  /** Title. */
  readonly subject: string;
  /** Free text. */
  readonly notes: string;
  /** Where it takes place. */
  readonly location: string;
  /** Start and end, ms epoch; end >= start. */
  readonly start: number;
  /** End, ms epoch. */
  readonly end: number;
  /** True for an all-day event (`start` and `end` at midnight). */
  readonly allDay: boolean;
  /** Organizer's email address. */
  readonly organizer: string;
  /** Attendees' email addresses. */
  readonly invited: readonly string[];
  /** Attendees who accepted. */
  readonly acceptedBy: readonly string[];
  /** When the reminder fires, ms epoch. */
  readonly notificationTime?: number;
  /** How the time shows to others. */
  readonly freeBusy: FreeBusy;
  /** Who may see it. */
  readonly class: EventClass;
  /** How it repeats; absent for a single event. */
  readonly recurrence?: Recurrence;
  /** IANA time zone name, e.g. "America/Regina". */
  readonly timeZone: string;
}

/** A contact's phone numbers, by kind; each optional. */
export interface ContactPhones {
  /** Work number. */
  readonly work?: string;
  /** Home number. */
  readonly home?: string;
  /** Mobile number. */
  readonly mobile?: string;
  /** Pager number. */
  readonly pager?: string;
  /** Fax number. */
  readonly fax?: string;
  /** Any other number. */
  readonly other?: string;
}

/** One postal address of a contact. */
export interface PostalAddress {
  /** Which address this is. */
  readonly label: AddressLabel;
  /** Street and number. */
  readonly street: string;
  /** City. */
  readonly city: string;
  /** Province or state. */
  readonly province: string;
  /** Postal or ZIP code. */
  readonly postalCode: string;
  /** Country. */
  readonly country: string;
}

/** An Address Book database record: one contact. */
export interface Contact {
  /** Always `'contact'`. */
  readonly kind: 'contact';
  /** Unique within the Address Book database. */
  readonly id: string;
  /** Given name. */
  readonly firstName: string;
  /** Family name. */
  readonly lastName: string;
  /** Company. */
  readonly company: string;
  /** Job title. */
  readonly jobTitle: string;
  /** Email addresses. */
  readonly emails: readonly string[];
  /** Phone numbers. */
  readonly phones: ContactPhones;
  /** BlackBerry PIN, 8 upper-case hex digits. */
  readonly pin?: string;
  /** Postal addresses. */
  readonly addresses: readonly PostalAddress[];
  /** Free text. */
  readonly notes: string;
  /** ISO date, `YYYY-MM-DD`. */
  readonly birthday?: string;
  /** Category names. */
  readonly categories: readonly string[];
}

/** A Tasks database record. Times are ms since the epoch. */
export interface Task {
  /** Always `'task'`. */
  readonly kind: 'task';
  /** Unique within the Tasks database. */
  readonly id: string;
  /** What is to be done. */
  readonly summary: string;
  /** Free text. */
  readonly notes: string;
  /** Category names. */
  readonly categories: readonly string[];
  /** When work starts, ms epoch. */
  readonly start?: number;
  /** When it is due, ms epoch. */
  readonly due?: number;
  /** When the reminder fires, ms epoch. */
  readonly alarm?: number;
  /** Priority. */
  readonly priority: TaskPriority;
  /** Where it stands. */
  readonly status: TaskStatus;
}

/** A Memos database record: a titled note. */
export interface Memo {
  /** Always `'memo'`. */
  readonly kind: 'memo';
  /** Unique within the Memos database. */
  readonly id: string;
  /** Title. */
  readonly title: string;
  /** The text. */
  readonly body: string;
  /** Category names. */
  readonly categories: readonly string[];
}

/** An email message sent to the device at activation (the `messages` database). */
export interface EmailMessage {
  /** Always `'message'`. */
  readonly kind: 'message';
  /** Unique within the messages database. */
  readonly id: string;
  /** Sender's address. */
  readonly from: string;
  /** Recipients' addresses. */
  readonly to: readonly string[];
  /** Subject. */
  readonly subject: string;
  /** The text, at most 16,384 characters (the device fetches the rest on demand). */
  readonly body: string;
  /** ms epoch. */
  readonly receivedAt: number;
  /** Whether it was read. */
  readonly read: boolean;
}

/** A device option restored from wireless backup. */
export interface DeviceOption {
  /** Always `'option'`. */
  readonly kind: 'option';
  /** Unique within the options database. */
  readonly id: string;
  /** e.g. "Screen/Keyboard: Font Size". */
  readonly name: string;
  /** The setting. */
  readonly value: string | number | boolean;
}

/** Any organizer record, told apart by `kind`. */
export type SyncRecord = CalendarEvent | Contact | Task | Memo | EmailMessage | DeviceOption;
/** The `kind` of a {@link SyncRecord}. */
export type RecordKind = SyncRecord['kind'];
/** Every {@link RecordKind}. */
export const RECORD_KINDS: readonly RecordKind[] = ['calendar', 'contact', 'task', 'memo', 'message', 'option'];

// ---- schemas ----

/** Latest accepted timestamp: year 9999. */
const MAX_TIME = 253_402_300_799_999;
const time = uint(MAX_TIME);
const id = text(MAX_RECORD_ID, 1);
const address = text(320);
const categories = list(text(64, 1), 16);

export const recurrenceSchema = v.strictObject({
  type: v.picklist(RECURRENCE_TYPES),
  interval: v.pipe(uint(999), v.minValue(1)),
  until: v.optional(time),
});

export const calendarEventSchema = v.pipe(
  v.strictObject({
    kind: v.literal('calendar'),
    id,
    subject: text(256),
    notes: text(MAX_NOTES),
    location: text(256),
    start: time,
    end: time,
    allDay: v.boolean(),
    organizer: address,
    invited: list(address, 100),
    acceptedBy: list(address, 100),
    notificationTime: v.optional(time),
    freeBusy: v.picklist(FREE_BUSY),
    class: v.picklist(EVENT_CLASSES),
    recurrence: v.optional(recurrenceSchema),
    timeZone: text(64, 1),
  }),
  v.forward(
    v.check((e) => e.end >= e.start, 'end before start'),
    ['end'],
  ),
);

export const contactSchema = v.strictObject({
  kind: v.literal('contact'),
  id,
  firstName: text(128),
  lastName: text(128),
  company: text(128),
  jobTitle: text(128),
  emails: list(address, 16),
  phones: v.strictObject({
    work: v.optional(text(40)),
    home: v.optional(text(40)),
    mobile: v.optional(text(40)),
    pager: v.optional(text(40)),
    fax: v.optional(text(40)),
    other: v.optional(text(40)),
  }),
  pin: v.optional(v.pipe(v.string(), v.regex(/^[0-9A-F]{8}$/))),
  addresses: list(
    v.strictObject({
      label: v.picklist(ADDRESS_LABELS),
      street: text(256),
      city: text(128),
      province: text(128),
      postalCode: text(32),
      country: text(128),
    }),
    8,
  ),
  notes: text(MAX_NOTES),
  birthday: v.optional(v.pipe(v.string(), v.isoDate())),
  categories,
});

export const taskSchema = v.strictObject({
  kind: v.literal('task'),
  id,
  summary: text(256),
  notes: text(MAX_NOTES),
  categories,
  start: v.optional(time),
  due: v.optional(time),
  alarm: v.optional(time),
  priority: v.picklist(TASK_PRIORITIES),
  status: v.picklist(TASK_STATUSES),
});

export const memoSchema = v.strictObject({
  kind: v.literal('memo'),
  id,
  title: text(256),
  body: text(MAX_NOTES),
  categories,
});

export const emailMessageSchema = v.strictObject({
  kind: v.literal('message'),
  id,
  from: address,
  to: list(address, 100),
  subject: text(998),
  body: text(MAX_MESSAGE_BODY),
  receivedAt: time,
  read: v.boolean(),
});

export const deviceOptionSchema = v.strictObject({
  kind: v.literal('option'),
  id,
  name: text(128, 1),
  value: v.union([text(1024), v.boolean(), v.pipe(v.number(), v.finite())]),
});

/** Any record, discriminated by `kind`. */
export const syncRecordSchema = v.variant('kind', [
  calendarEventSchema,
  contactSchema,
  taskSchema,
  memoSchema,
  emailMessageSchema,
  deviceOptionSchema,
]);

/** The schema for each kind. */
export const RECORD_SCHEMAS = {
  calendar: calendarEventSchema,
  contact: contactSchema,
  task: taskSchema,
  memo: memoSchema,
  message: emailMessageSchema,
  option: deviceOptionSchema,
} as const;

// Compile-time checks that every schema's output is assignable to its interface.
type Assert<T extends true> = T;
type _Matches = Assert<
  v.InferOutput<typeof calendarEventSchema> extends CalendarEvent
    ? v.InferOutput<typeof contactSchema> extends Contact
      ? v.InferOutput<typeof taskSchema> extends Task
        ? v.InferOutput<typeof memoSchema> extends Memo
          ? v.InferOutput<typeof emailMessageSchema> extends EmailMessage
            ? v.InferOutput<typeof deviceOptionSchema> extends DeviceOption
              ? true
              : false
            : false
          : false
        : false
      : false
    : false
>;

/** Drops properties whose value is `undefined`, recursively through plain objects and arrays (CBOR would keep them). */
export function stripUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => stripUndefined(item)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(value)) if (item !== undefined) out[k] = stripUndefined(item);
    return out as T;
  }
  return value;
}
