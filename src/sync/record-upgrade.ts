/**
 * Records as snapshots written before issue 12 stored them, read as they are now (records.ts),
 * losing nothing a record can still hold:
 *
 * - calendar: the IANA `timeZone` becomes Barry's `timeZoneCode` where the zone has one in
 *   {@link IANA_TIME_ZONE_CODES} (ours), and is dropped otherwise; a recurrence gets the day
 *   fields its type needs, from the event's start in that zone (UTC for a zone Intl does not know);
 * - contact: the first `work` and `home` addresses become `workAddress` and `homeAddress`
 *   (`street` is `address1`); any other address is added to the notes as a line of text;
 * - task: an alarm gets the type `Date` (the time it fires is absolute);
 * - every category list: a name with commas is split as the device splits it, and names are
 *   trimmed, empty and repeated names dropped.
 */
import { MAX_CATEGORIES, MAX_NOTES, RECURRENCE_FIELDS, type RecurrenceType } from './records.js';
import type { TimeZoneCode } from './time-zone-codes.js';

/** IANA zones and the code of Barry's time-zone table that names the same zone (ours). */
export const IANA_TIME_ZONE_CODES: Readonly<Record<string, TimeZoneCode>> = {
  'Pacific/Honolulu': 0x02,
  'America/Anchorage': 0x03,
  'America/Los_Angeles': 0x04,
  'America/Denver': 0x0a,
  'America/Phoenix': 0x0f,
  'America/Chicago': 0x14,
  'America/Regina': 0x19,
  'America/New_York': 0x23,
  'America/Halifax': 0x32,
  'America/St_Johns': 0x3c,
  'Europe/London': 0x55,
  'Europe/Berlin': 0x6e,
  'Europe/Paris': 0x69,
  'Asia/Kolkata': 0xbe,
  'Asia/Shanghai': 0xd2,
  'Asia/Singapore': 0xd7,
  'Asia/Tokyo': 0xeb,
  'Australia/Brisbane': 0x104,
  'Australia/Sydney': 0xff,
  'Pacific/Auckland': 0x122,
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Weekday (0 = Sunday), day of the month and month (1-12) of `t` in `zone` (UTC if Intl does not know it). */
function localDate(t: number, zone: unknown): { weekday: number; day: number; month: number } {
  const utc = () => {
    const d = new Date(t);
    return { weekday: d.getUTCDay(), day: d.getUTCDate(), month: d.getUTCMonth() + 1 };
  };
  if (typeof zone !== 'string') return utc();
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short', day: 'numeric', month: 'numeric' }).formatToParts(t);
    const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
    const weekday = WEEKDAYS.indexOf(part('weekday'));
    const day = Number(part('day'));
    const month = Number(part('month'));
    return weekday < 0 || !Number.isInteger(day) || !Number.isInteger(month) ? utc() : { weekday, day, month };
  } catch {
    return utc();
  }
}

/** An old recurrence with the day fields its type sets, taken from `start` in `zone`. */
function upgradeRecurrence(raw: unknown, start: unknown, zone: unknown): unknown {
  if (!isRecord(raw) || typeof start !== 'number' || typeof raw.type !== 'string' || !(raw.type in RECURRENCE_FIELDS)) return raw;
  const wanted: readonly string[] = RECURRENCE_FIELDS[raw.type as RecurrenceType];
  if (wanted.every((field) => field in raw)) return raw;
  const date = localDate(start, zone);
  const all: Record<string, number> = {
    weekDays: 1 << date.weekday,
    dayOfMonth: date.day,
    dayOfWeek: date.weekday,
    weekOfMonth: Math.min(5, Math.ceil(date.day / 7)),
    monthOfYear: date.month,
  };
  const days = Object.fromEntries(wanted.map((field) => [field, all[field]]));
  return { ...raw, ...days };
}

/** Category names as the device would read them back: split on commas, trimmed, no empty or repeated names. */
export function splitCategories(raw: unknown): unknown {
  if (!Array.isArray(raw) || !raw.every((c) => typeof c === 'string')) return raw;
  const names = (raw as string[]).flatMap((c) => c.split(',')).map((c) => c.trim());
  return [...new Set(names.filter((c) => c !== ''))].slice(0, MAX_CATEGORIES);
}

function addressLine(address: Record<string, unknown>): string {
  return ['street', 'city', 'province', 'postalCode', 'country']
    .map((k) => address[k])
    .filter((part) => typeof part === 'string' && part !== '')
    .join(', ');
}

function upgradeContact(raw: Record<string, unknown>): Record<string, unknown> {
  const { addresses, ...rest } = raw;
  if (!Array.isArray(addresses)) return { ...rest, ...(addresses === undefined ? {} : { addresses }) };
  const out: Record<string, unknown> = { ...rest };
  const extra: string[] = [];
  for (const address of addresses) {
    if (!isRecord(address)) continue;
    const { label, street, ...place } = address;
    const slot = label === 'work' ? 'workAddress' : label === 'home' ? 'homeAddress' : undefined;
    if (slot !== undefined && out[slot] === undefined) out[slot] = { address1: street, ...place };
    else extra.push(`${typeof label === 'string' ? label : 'other'} address: ${addressLine(address)}`);
  }
  if (extra.length > 0 && typeof out.notes === 'string')
    out.notes = [out.notes, ...extra]
      .filter((l) => l !== '')
      .join('\n')
      .slice(0, MAX_NOTES);
  return out;
}

function upgradeCalendar(raw: Record<string, unknown>): Record<string, unknown> {
  const { timeZone, ...rest } = raw;
  const code = typeof timeZone === 'string' ? IANA_TIME_ZONE_CODES[timeZone] : undefined;
  return {
    ...rest,
    ...(rest.recurrence === undefined ? {} : { recurrence: upgradeRecurrence(rest.recurrence, rest.start, timeZone) }),
    ...(code === undefined ? {} : { timeZoneCode: code }),
  };
}

/** A stored record in the current shape; one already in it (or not a record at all) is returned as it is, for the schema to judge. */
export function upgradeSyncRecord(raw: unknown): unknown {
  if (!isRecord(raw)) return raw;
  const withCategories = Array.isArray(raw.categories) ? { ...raw, categories: splitCategories(raw.categories) } : raw;
  switch (raw.kind) {
    case 'calendar':
      return 'timeZone' in raw ? upgradeCalendar(withCategories) : withCategories;
    case 'contact':
      return 'addresses' in raw ? upgradeContact(withCategories) : withCategories;
    case 'task':
      return raw.alarm !== undefined && raw.alarmType === undefined ? { ...withCategories, alarmType: 'Date' } : withCategories;
    default:
      return withCategories;
  }
}

/** {@link upgradeSyncRecord} over a list (anything else is returned as it is). */
export function upgradeSyncRecords(raw: unknown): unknown {
  return Array.isArray(raw) ? raw.map(upgradeSyncRecord) : raw;
}

/** {@link upgradeSyncRecords} over each database of a store or data set (`{ calendar: [...], ... }`). */
export function upgradeSyncStore(raw: unknown): unknown {
  if (!isRecord(raw)) return raw;
  return Object.fromEntries(Object.entries(raw).map(([database, records]) => [database, upgradeSyncRecords(records)]));
}
