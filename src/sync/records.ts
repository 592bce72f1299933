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
import { list, text, uint } from '../wire/schema.js';

/** Longest text in a notes or body field. */
export const MAX_NOTES = 4096;
/** Longest email body carried in a sync page (the device fetches the rest with "More", as BlackBerry did). */
export const MAX_MESSAGE_BODY = 16_384;
/** Longest record id. */
export const MAX_RECORD_ID = 64;

export const FREE_BUSY = ['Free', 'Tentative', 'Busy', 'OutOfOffice'] as const;
export type FreeBusy = (typeof FREE_BUSY)[number];
export const EVENT_CLASSES = ['Public', 'Confidential', 'Private'] as const;
export type EventClass = (typeof EVENT_CLASSES)[number];
export const RECURRENCE_TYPES = ['Daily', 'Weekly', 'MonthlyByDate', 'MonthlyByDay', 'YearlyByDate', 'YearlyByDay'] as const;
export type RecurrenceType = (typeof RECURRENCE_TYPES)[number];
export const TASK_PRIORITIES = ['High', 'Normal', 'Low'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];
export const TASK_STATUSES = ['NotStarted', 'InProgress', 'Completed', 'Waiting', 'Deferred'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const ADDRESS_LABELS = ['work', 'home', 'other'] as const;
export type AddressLabel = (typeof ADDRESS_LABELS)[number];

export interface Recurrence {
  readonly type: RecurrenceType;
  /** Every `interval` days/weeks/months/years, 1-999. */
  readonly interval: number;
  /** Last possible occurrence (ms epoch); absent: no end. */
  readonly until?: number;
}

export interface CalendarEvent {
  readonly kind: 'calendar';
  readonly id: string;
  readonly subject: string;
  readonly notes: string;
  readonly location: string;
  /** Start and end, ms epoch; end >= start. */
  readonly start: number;
  readonly end: number;
  readonly allDay: boolean;
  /** Organizer's email address. */
  readonly organizer: string;
  readonly invited: readonly string[];
  readonly acceptedBy: readonly string[];
  /** When the reminder fires, ms epoch. */
  readonly notificationTime?: number;
  readonly freeBusy: FreeBusy;
  readonly class: EventClass;
  readonly recurrence?: Recurrence;
  /** IANA time zone name, e.g. "America/Regina". */
  readonly timeZone: string;
}

export interface ContactPhones {
  readonly work?: string;
  readonly home?: string;
  readonly mobile?: string;
  readonly pager?: string;
  readonly fax?: string;
  readonly other?: string;
}

export interface PostalAddress {
  readonly label: AddressLabel;
  readonly street: string;
  readonly city: string;
  readonly province: string;
  readonly postalCode: string;
  readonly country: string;
}

export interface Contact {
  readonly kind: 'contact';
  readonly id: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly company: string;
  readonly jobTitle: string;
  readonly emails: readonly string[];
  readonly phones: ContactPhones;
  /** BlackBerry PIN, 8 upper-case hex digits. */
  readonly pin?: string;
  readonly addresses: readonly PostalAddress[];
  readonly notes: string;
  /** ISO date, `YYYY-MM-DD`. */
  readonly birthday?: string;
  readonly categories: readonly string[];
}

export interface Task {
  readonly kind: 'task';
  readonly id: string;
  readonly summary: string;
  readonly notes: string;
  readonly categories: readonly string[];
  readonly start?: number;
  readonly due?: number;
  readonly alarm?: number;
  readonly priority: TaskPriority;
  readonly status: TaskStatus;
}

export interface Memo {
  readonly kind: 'memo';
  readonly id: string;
  readonly title: string;
  readonly body: string;
  readonly categories: readonly string[];
}

export interface EmailMessage {
  readonly kind: 'message';
  readonly id: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly body: string;
  /** ms epoch. */
  readonly receivedAt: number;
  readonly read: boolean;
}

/** A device option restored from wireless backup. */
export interface DeviceOption {
  readonly kind: 'option';
  readonly id: string;
  /** e.g. "Screen/Keyboard: Font Size". */
  readonly name: string;
  readonly value: string | number | boolean;
}

export type SyncRecord = CalendarEvent | Contact | Task | Memo | EmailMessage | DeviceOption;
export type RecordKind = SyncRecord['kind'];
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
