/**
 * Organizer records sent during synchronization. Calendar, contact, task and memo records have
 * the field sets and value rules of Barry's record classes (NetDirect/barry: src/r_calendar.h,
 * src/r_recur_base.h, src/r_contact.h, src/r_task.h, src/r_memo.h; docs/records.md maps every
 * field to Barry's). Email messages, device options (restored from wireless backup) and email
 * settings with their filters are ours: Barry parses none of them as a sync record. Every record
 * has a `kind` discriminator and an `id` unique within its database (ours: the sync key; Barry's
 * RecType and RecordId belong to the device's database and are not carried), and every string
 * and list has a limit, so one record is always far smaller than a sync page may be.
 *
 * Times are milliseconds since the Unix epoch (UTC). A birthday is a calendar date, not an
 * instant, so it is an ISO `YYYY-MM-DD` string.
 */
import * as v from 'valibot';
import { list, text, uint } from '../codec/schema.js';
import { TIME_ZONE_CODES, type TimeZoneCode } from './time-zone-codes.js';

/** Longest text in a notes or body field. */
export const MAX_NOTES = 4096;
/** Longest email body carried in a sync page; the device fetches the rest with "More" (the limit is ours). */
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
/**
 * How a calendar event or a task repeats: the values of {@link RecurrenceType}, Barry's
 * RecurringCodeType (r_recur_base.h) Day, Week, MonthByDate, MonthByDay, YearByDate, YearByDay.
 */
export const RECURRENCE_TYPES = ['Daily', 'Weekly', 'MonthlyByDate', 'MonthlyByDay', 'YearlyByDate', 'YearlyByDay'] as const;
/** How a calendar event or a task repeats. */
export type RecurrenceType = (typeof RECURRENCE_TYPES)[number];
/**
 * The fields each recurrence type sets, and no other (r_recur_base.h, the comments of
 * RecurringCodeType: "set: DayOfMonth", "set: DayOfWeek and WeekOfMonth", ...).
 */
export const RECURRENCE_FIELDS = {
  Daily: [],
  Weekly: ['weekDays'],
  MonthlyByDate: ['dayOfMonth'],
  MonthlyByDay: ['dayOfWeek', 'weekOfMonth'],
  YearlyByDate: ['dayOfMonth', 'monthOfYear'],
  YearlyByDay: ['dayOfWeek', 'weekOfMonth', 'monthOfYear'],
} as const satisfies Record<RecurrenceType, readonly (keyof Recurrence)[]>;
/** Bits of {@link Recurrence.weekDays}: bit 0 is Sunday (r_recur_base.h, CAL_WD_SUN ... CAL_WD_SAT). */
export const WEEK_DAY_BITS = {
  sunday: 0x01,
  monday: 0x02,
  tuesday: 0x04,
  wednesday: 0x08,
  thursday: 0x10,
  friday: 0x20,
  saturday: 0x40,
} as const;
/** How a task's alarm is set: the values of {@link TaskAlarmType}, Barry's Task AlarmFlagType (r_task.h: Date = 1, Relative). */
export const TASK_ALARM_TYPES = ['Date', 'Relative'] as const;
/** How a task's alarm is set. */
export type TaskAlarmType = (typeof TASK_ALARM_TYPES)[number];
/** A task's priority: the values of {@link TaskPriority}. */
export const TASK_PRIORITIES = ['High', 'Normal', 'Low'] as const;
/** A task's priority. */
export type TaskPriority = (typeof TASK_PRIORITIES)[number];
/** Where a task stands: the values of {@link TaskStatus}. */
export const TASK_STATUSES = ['NotStarted', 'InProgress', 'Completed', 'Waiting', 'Deferred'] as const;
/** Where a task stands. */
export type TaskStatus = (typeof TASK_STATUSES)[number];

/**
 * How a record repeats (Barry's RecurBase, r_recur_base.h): every `interval` units of `type`,
 * optionally until a time, on the days the type's fields name ({@link RECURRENCE_FIELDS}: each
 * type sets exactly its own fields).
 */
export interface Recurrence {
  /** How it repeats (RecurringType). */
  readonly type: RecurrenceType;
  /** Every `interval` days/weeks/months/years, 1-65535 (Interval: uint16_t, "must be >= 1"). */
  readonly interval: number;
  /** End of the recurrence, ms epoch (RecurringEndTime); absent: it never ends (Perpetual). */
  readonly until?: number;
  /** 0 (Sunday) to 6 (DayOfWeek): MonthlyByDay and YearlyByDay. */
  readonly dayOfWeek?: number;
  /** 1-5 (WeekOfMonth): MonthlyByDay and YearlyByDay. */
  readonly weekOfMonth?: number;
  /** 1-31 (DayOfMonth): MonthlyByDate and YearlyByDate. */
  readonly dayOfMonth?: number;
  /** 1-12 (MonthOfYear): YearlyByDate and YearlyByDay. */
  readonly monthOfYear?: number;
  /** Days of the week, 1-127 (WeekDays: a bit mask, {@link WEEK_DAY_BITS}): Weekly. */
  readonly weekDays?: number;
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
  /** Barry's TimeZoneCode, a code of its time-zone table (src/sync/time-zones.ts), e.g. 0x19 "Saskatchewan"; absent: none (TimeZoneValid false). */
  readonly timeZoneCode?: TimeZoneCode;
}

/** A contact's phone numbers, by kind, each optional: Barry's Contact phone fields (r_contact.h). */
export interface ContactPhones {
  /** WorkPhone. */
  readonly work?: string;
  /** WorkPhone2. */
  readonly work2?: string;
  /** HomePhone. */
  readonly home?: string;
  /** HomePhone2. */
  readonly home2?: string;
  /** MobilePhone. */
  readonly mobile?: string;
  /** MobilePhone2. */
  readonly mobile2?: string;
  /** Pager. */
  readonly pager?: string;
  /** Fax. */
  readonly fax?: string;
  /** HomeFax. */
  readonly homeFax?: string;
  /** Radio. */
  readonly radio?: string;
  /** OtherPhone. */
  readonly other?: string;
}

/** A contact's postal address: Barry's PostalAddress (src/record.h). */
export interface PostalAddress {
  /** Address1: street and number. */
  readonly address1: string;
  /** Address2. */
  readonly address2?: string;
  /** Address3. */
  readonly address3?: string;
  /** City. */
  readonly city: string;
  /** Province or state. */
  readonly province: string;
  /** Postal or ZIP code. */
  readonly postalCode: string;
  /** Country. */
  readonly country: string;
}

/**
 * An Address Book database record: one contact (Barry's Contact, r_contact.h). It needs a first
 * or last name or a company (Contact::Validate, r_contact.cc). Not carried: Phone (deprecated in
 * Barry), DefaultCommunicationsMethod, PublicKey, Image and GroupLinks.
 */
export interface Contact {
  /** Always `'contact'`. */
  readonly kind: 'contact';
  /** Unique within the Address Book database. */
  readonly id: string;
  /** Prefix, e.g. "Dr.". */
  readonly prefix?: string;
  /** FirstName. */
  readonly firstName: string;
  /** LastName. */
  readonly lastName: string;
  /** Nickname. */
  readonly nickname?: string;
  /** Company. */
  readonly company: string;
  /** JobTitle. */
  readonly jobTitle: string;
  /** EmailAddresses. */
  readonly emails: readonly string[];
  /** Phone numbers. */
  readonly phones: ContactPhones;
  /** PIN: BlackBerry PIN, 8 upper-case hex digits. */
  readonly pin?: string;
  /** URL. */
  readonly url?: string;
  /** WorkAddress. */
  readonly workAddress?: PostalAddress;
  /** HomeAddress. */
  readonly homeAddress?: PostalAddress;
  /** Notes. */
  readonly notes: string;
  /** Birthday, ISO date `YYYY-MM-DD`. */
  readonly birthday?: string;
  /** Anniversary, ISO date `YYYY-MM-DD`. */
  readonly anniversary?: string;
  /** UserDefined1 to UserDefined4, in order (at most 4). */
  readonly userDefined?: readonly string[];
  /** Categories: names without commas and without spaces at either end (docs/records.md, "Categories"). */
  readonly categories: readonly string[];
}

/**
 * A Tasks database record (Barry's Task, r_task.h). Times are ms since the epoch. Barry's due and
 * alarm flags are not fields of their own: Barry writes each flag exactly when the time is set
 * (r_task.cc, TSKFC_DUE_FLAG and TSKFC_ALARM_FLAG, and ignores them when reading), so here the
 * flag is whether `due` (or `alarm`) is present. An alarm has a type and a type needs an alarm.
 */
export interface Task {
  /** Always `'task'`. */
  readonly kind: 'task';
  /** Unique within the Tasks database. */
  readonly id: string;
  /** Summary: what is to be done. */
  readonly summary: string;
  /** Notes. */
  readonly notes: string;
  /** Categories: names without commas and without spaces at either end (docs/records.md, "Categories"). */
  readonly categories: readonly string[];
  /** StartTime, ms epoch. */
  readonly start?: number;
  /** DueTime, ms epoch; present exactly when the due-date flag is set. */
  readonly due?: number;
  /** AlarmTime, ms epoch. */
  readonly alarm?: number;
  /** AlarmType: set exactly when `alarm` is. */
  readonly alarmType?: TaskAlarmType;
  /** PriorityFlag. */
  readonly priority: TaskPriority;
  /** StatusFlag. */
  readonly status: TaskStatus;
  /** How it repeats (Task derives from RecurBase); absent: it does not. */
  readonly recurrence?: Recurrence;
  /** TimeZoneCode, a code of Barry's time-zone table; absent: none (TimeZoneValid false). */
  readonly timeZoneCode?: TimeZoneCode;
}

/** A Memos database record: a titled note (Barry's Memo, r_memo.h: Title, Body, Categories). */
export interface Memo {
  /** Always `'memo'`. */
  readonly kind: 'memo';
  /** Unique within the Memos database. */
  readonly id: string;
  /** Title. */
  readonly title: string;
  /** Body. */
  readonly body: string;
  /** Categories: names without commas and without spaces at either end (docs/records.md, "Categories"). */
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

/** What an email filter does with a message it matches: the values of {@link EmailFilterAction}. */
export const EMAIL_FILTER_ACTIONS = ['Forward', 'ForwardWithPriority', 'DoNotForward'] as const;
/**
 * What an email filter does with a message it matches. RIM's administration guide: the server
 * applies filters "to determine how to direct the messages: forward, forward with priority, or do
 * not forward to the BlackBerry devices" ("Creating email message filters").
 */
export type EmailFilterAction = (typeof EMAIL_FILTER_ACTIONS)[number];

/**
 * One email filter: a message that matches every condition given (From, Sent to, Subject: RIM's
 * "Email message filter rules") gets the filter's action. An empty list matches any message.
 * The shape is ours.
 */
export interface EmailFilter {
  /** The filter's name, 1-64 characters. */
  readonly name: string;
  /** Whether it is applied. */
  readonly enabled: boolean;
  /** Sender addresses; any of them matches. */
  readonly from: readonly string[];
  /** Recipient addresses; any of them matches. */
  readonly sentTo: readonly string[];
  /** Terms of the subject; any of them matches. */
  readonly subject: readonly string[];
  /** What happens to a message that matches. */
  readonly action: EmailFilterAction;
}

/**
 * The email settings and filters of one account (the `emailSettings` database, over [SYNC]: the
 * seed, "The [SYNC] service book allows for ... synchronization of email settings and filters").
 * The settings are those a BlackBerry 4.0 device shows under Email Settings (deliver email to the
 * device, save a copy of sent mail, an automatic signature, an out-of-office message with when it
 * ends); the filters are applied in order, first match wins. Barry has no parser for either, so
 * this shape is ours.
 */
export interface EmailSettings {
  /** Always `'email-settings'`. */
  readonly kind: 'email-settings';
  /** Unique within the email settings database. */
  readonly id: string;
  /** The account's address. */
  readonly account: string;
  /** Whether email is delivered to the device. */
  readonly sendToHandheld: boolean;
  /** Whether mail sent from the device is saved in the mailbox's Sent folder. */
  readonly saveSentMessages: boolean;
  /** The automatic signature; absent: none. */
  readonly autoSignature?: string;
  /** The out-of-office reply; absent: off. */
  readonly outOfOffice?: { readonly text: string; readonly until?: number };
  /** The filters, in the order they are applied. */
  readonly filters: readonly EmailFilter[];
}

/** Any organizer record, told apart by `kind`. */
export type SyncRecord = CalendarEvent | Contact | Task | Memo | EmailMessage | DeviceOption | EmailSettings;
/** The `kind` of a {@link SyncRecord}. */
export type RecordKind = SyncRecord['kind'];
/** Every {@link RecordKind}. */
export const RECORD_KINDS: readonly RecordKind[] = ['calendar', 'contact', 'task', 'memo', 'message', 'option', 'email-settings'];

// ---- schemas ----

/** Latest accepted timestamp: year 9999. */
const MAX_TIME = 253_402_300_799_999;
const time = uint(MAX_TIME);
const id = text(MAX_RECORD_ID, 1);
const address = text(320);
/** Most categories on one record. */
export const MAX_CATEGORIES = 16;

/**
 * A category name: 1-64 characters, no comma, no space at either end. The device stores a
 * record's categories as one comma-separated string and splits it on commas, trimming spaces
 * (Barry: r_contact.h, "Categories are not allowed to have commas in them. A category name
 * containing a comma will be split into two categories, not only by this library, but by the
 * device itself"; record.cc, CategoryList::CategoryStr2List strips the surrounding white space).
 */
export const categoryName = v.pipe(
  text(64, 1),
  v.check((name) => !name.includes(','), 'no comma in a category (the device splits categories on commas)'),
  v.check((name) => name.trim() === name, 'no space at either end of a category (the device strips it)'),
);
const categories = list(categoryName, MAX_CATEGORIES);
const timeZoneCode = v.picklist(TIME_ZONE_CODES);

type RecurrenceDayField = 'dayOfWeek' | 'weekOfMonth' | 'dayOfMonth' | 'monthOfYear' | 'weekDays';

/** Each type sets exactly its own day fields ({@link RECURRENCE_FIELDS}); the first field out of place, if any. */
function recurrenceDefect(r: Recurrence): RecurrenceDayField | undefined {
  const wanted: readonly string[] = RECURRENCE_FIELDS[r.type];
  for (const field of ['dayOfWeek', 'weekOfMonth', 'dayOfMonth', 'monthOfYear', 'weekDays'] as const) {
    const present = r[field] !== undefined;
    if (present !== wanted.includes(field)) return field;
  }
  return undefined;
}

export const recurrenceSchema = v.pipe(
  v.strictObject({
    type: v.picklist(RECURRENCE_TYPES),
    interval: v.pipe(uint(0xffff), v.minValue(1)),
    until: v.optional(time),
    dayOfWeek: v.optional(uint(6)),
    weekOfMonth: v.optional(v.pipe(uint(5), v.minValue(1))),
    dayOfMonth: v.optional(v.pipe(uint(31), v.minValue(1))),
    monthOfYear: v.optional(v.pipe(uint(12), v.minValue(1))),
    weekDays: v.optional(v.pipe(uint(0x7f), v.minValue(1))),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const field = recurrenceDefect(dataset.value);
    if (field !== undefined) {
      addIssue({
        message: `a ${dataset.value.type} recurrence sets exactly ${RECURRENCE_FIELDS[dataset.value.type].join(', ') || 'no day fields'}`,
        path: [{ type: 'object', origin: 'value', input: dataset.value, key: field, value: dataset.value[field] }],
      });
    }
  }),
);

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
    timeZoneCode: v.optional(timeZoneCode),
  }),
  v.forward(
    v.check((e) => e.end >= e.start, 'end before start'),
    ['end'],
  ),
);

const phone = v.optional(text(40));
const postalAddressSchema = v.strictObject({
  address1: text(256),
  address2: v.optional(text(256)),
  address3: v.optional(text(256)),
  city: text(128),
  province: text(128),
  postalCode: text(32),
  country: text(128),
});
const isoDate = v.optional(v.pipe(v.string(), v.isoDate()));

export const contactSchema = v.pipe(
  v.strictObject({
    kind: v.literal('contact'),
    id,
    prefix: v.optional(text(32)),
    firstName: text(128),
    lastName: text(128),
    nickname: v.optional(text(128)),
    company: text(128),
    jobTitle: text(128),
    emails: list(address, 16),
    phones: v.strictObject({
      work: phone,
      work2: phone,
      home: phone,
      home2: phone,
      mobile: phone,
      mobile2: phone,
      pager: phone,
      fax: phone,
      homeFax: phone,
      radio: phone,
      other: phone,
    }),
    pin: v.optional(v.pipe(v.string(), v.regex(/^[0-9A-F]{8}$/))),
    url: v.optional(text(1024)),
    workAddress: v.optional(postalAddressSchema),
    homeAddress: v.optional(postalAddressSchema),
    notes: text(MAX_NOTES),
    birthday: isoDate,
    anniversary: isoDate,
    userDefined: v.optional(list(text(256), 4)),
    categories,
  }),
  v.forward(
    v.check((c) => c.firstName !== '' || c.lastName !== '' || c.company !== '', 'a contact needs a first or last name or a company'),
    ['company'],
  ),
);

export const taskSchema = v.pipe(
  v.strictObject({
    kind: v.literal('task'),
    id,
    summary: text(256),
    notes: text(MAX_NOTES),
    categories,
    start: v.optional(time),
    due: v.optional(time),
    alarm: v.optional(time),
    alarmType: v.optional(v.picklist(TASK_ALARM_TYPES)),
    priority: v.picklist(TASK_PRIORITIES),
    status: v.picklist(TASK_STATUSES),
    recurrence: v.optional(recurrenceSchema),
    timeZoneCode: v.optional(timeZoneCode),
  }),
  v.forward(
    v.check((t) => (t.alarm === undefined) === (t.alarmType === undefined), 'an alarm has a type, and a type needs an alarm'),
    ['alarmType'],
  ),
);

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

/** Most filters on one account. */
export const MAX_EMAIL_FILTERS = 64;

export const emailFilterSchema = v.strictObject({
  name: text(64, 1),
  enabled: v.boolean(),
  from: list(address, 32),
  sentTo: list(address, 32),
  subject: list(text(256, 1), 32),
  action: v.picklist(EMAIL_FILTER_ACTIONS),
});

export const emailSettingsSchema = v.strictObject({
  kind: v.literal('email-settings'),
  id,
  account: text(320, 3),
  sendToHandheld: v.boolean(),
  saveSentMessages: v.boolean(),
  autoSignature: v.optional(text(1024)),
  outOfOffice: v.optional(v.strictObject({ text: text(MAX_NOTES), until: v.optional(time) })),
  filters: list(emailFilterSchema, MAX_EMAIL_FILTERS),
});

/** Any record, discriminated by `kind`: valibot's own dispatch, which {@link syncRecordSchema} falls back to. */
const anyRecordSchema = v.variant('kind', [
  calendarEventSchema,
  contactSchema,
  taskSchema,
  memoSchema,
  emailMessageSchema,
  deviceOptionSchema,
  emailSettingsSchema,
]);

/**
 * Any record, discriminated by `kind`. A record whose `kind` is one of ours goes straight to that
 * kind's schema, which is the one option `v.variant` would have picked, with the same result and
 * the same issues; valibot's variant first tries every option's discriminator, with a new Set,
 * for each record (issue 14: a tenth of a sync page's validation). Anything else (not an object,
 * no `kind`, an unknown one) goes to the variant, so its refusal reads as before.
 */
export const syncRecordSchema: v.GenericSchema<unknown, SyncRecord> = v.lazy((input): v.GenericSchema<unknown, SyncRecord> => {
  const kind = input !== null && typeof input === 'object' ? (input as { readonly kind?: unknown }).kind : undefined;
  return typeof kind === 'string' && Object.hasOwn(RECORD_SCHEMAS, kind)
    ? RECORD_SCHEMAS[kind as keyof typeof RECORD_SCHEMAS]
    : anyRecordSchema;
});

/** The schema for each kind. */
export const RECORD_SCHEMAS = {
  calendar: calendarEventSchema,
  contact: contactSchema,
  task: taskSchema,
  memo: memoSchema,
  message: emailMessageSchema,
  option: deviceOptionSchema,
  'email-settings': emailSettingsSchema,
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
              ? v.InferOutput<typeof emailSettingsSchema> extends EmailSettings
                ? true
                : false
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
