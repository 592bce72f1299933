/**
 * BlackBerry time-zone codes: the numbers Calendar and Tasks records carry in their TimeZoneCode
 * field (Barry: src/r_calendar.h and src/r_task.h, `uint16_t TimeZoneCode`), with the UTC offset
 * and the name Barry's static time-zone table gives each (Barry: src/time.cc, `Zones[]`; src/time.h,
 * `struct StaticTimeZone { Code, HourOffset, MinOffset, Name }`). Barry calls the table static
 * because it is hard-coded; a device also has a time-zone database of its own (src/r_timezone.h),
 * which this library does not model. A code outside this table is refused.
 *
 * Offsets are Barry's, in minutes (HourOffset * 60 + MinOffset; Newfoundland is -3 h -30 min),
 * standard time, without daylight saving time: the codes name zones, not offsets. The codes alone
 * are in time-zone-codes.ts (what a record schema needs).
 */
import type { TimeZoneCode } from './time-zone-codes.js';

export { TIME_ZONE_CODES, type TimeZoneCode } from './time-zone-codes.js';

/** Barry's table as it is: `[code, offset from UTC in minutes, Barry's name]`, in Barry's order ({@link TIME_ZONES} reads better). */
export const TIME_ZONE_TABLE = [
  [0x0000, -720, 'Eniwetok, Kwajalein'],
  [0x0001, -720, 'Midway Island, Samoa'],
  [0x0002, -600, 'Hawaii'],
  [0x0003, -540, 'Alaska'],
  [0x0004, -480, 'Pacific Time (US & Canada), Tijuana'],
  [0x000a, -420, 'Mountain Time (US & Canada)'],
  [0x000f, -420, 'Arizona'],
  [0x000d, -420, 'Chihuahua, La Paz, Mazatlan'],
  [0x0014, -360, 'Central Time (US & Canada)'],
  [0x0021, -360, 'Central America'],
  [0x0019, -360, 'Saskatchewan'],
  [0x001e, -360, 'Mexico City'],
  [0x0023, -300, 'Eastern Time (US & Canada)'],
  [0x002d, -300, 'Bogota, Lima, Quito'],
  [0x0028, -300, 'Indiana (East)'],
  [0x0032, -240, 'Atlantic Time (Canada)'],
  [0x0037, -240, 'Caracas, La Paz'],
  [0x0038, -240, 'Santiago'],
  [0x003c, -210, 'Newfoundland'],
  [0x0046, -180, 'Buenos Aires, Georgetown'],
  [0x0041, -180, 'Brasilia'],
  [0x0049, -180, 'Greenland'],
  [0x004b, -120, 'Mid-Atlantic'],
  [0x0053, -60, 'Cape Verde Island'],
  [0x0050, -60, 'Azores'],
  [0x0055, 0, 'Dublin, Edinburgh, Lisbon, London (GMT)'],
  [0x005a, 0, 'Casablanca, Monrovia (GMT)'],
  [0x006e, 60, 'Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna'],
  [0x0071, 60, 'West Central Africa'],
  [0x005f, 60, 'Belgrade, Bratislava, Budapest, Ljubljana, Prague'],
  [0x0069, 60, 'Brussels, Copenhagen, Madrid, Paris'],
  [0x0064, 60, 'Sarajevo, Skopje, Sofija, Vilnius, Warsaw, Zagreb'],
  [0x008c, 120, 'Harare, Pretoria'],
  [0x0087, 120, 'Jerusalem'],
  [0x0073, 120, 'Bucharest'],
  [0x0078, 120, 'Cairo'],
  [0x0082, 120, 'Athens, Istanbul, Minsk'],
  [0x007d, 120, 'Helsinki, Riga, Tallinn'],
  [0x0096, 180, 'Kuwait, Riyadh'],
  [0x009b, 180, 'Nairobi'],
  [0x009e, 180, 'Baghdad'],
  [0x0091, 180, 'Moscow, St. Petersburg, Volgograd'],
  [0x00a0, 210, 'Tehran'],
  [0x00a5, 240, 'Abu Dhabi, Muscat'],
  [0x00aa, 240, 'Baku, Tbilisi, Yerevan'],
  [0x00af, 270, 'Kabul'],
  [0x00b9, 300, 'Islamabad, Karachi, Tashkent'],
  [0x00b4, 300, 'Ekaterinburg'],
  [0x00be, 330, 'Calcutta, Chennai, Mumbai, New Delhi'],
  [0x00c1, 345, 'Kathmandu'],
  [0x00c3, 360, 'Astana, Dhaka'],
  [0x00c8, 360, 'Sri Lanka'],
  [0x00c9, 360, 'Almaty, Novosibirsk'],
  [0x00cb, 390, 'Rangoon'],
  [0x00cd, 420, 'Bangkok, Hanoi, Jakarta'],
  [0x00cf, 420, 'Krasnoyarsk'],
  [0x00d2, 480, 'Beijing, Chongqing, Hong Kong, Urumqi'],
  [0x00d7, 480, 'Kuala Lumpur, Singapore'],
  [0x00e1, 480, 'Perth'],
  [0x00dc, 480, 'Taipei'],
  [0x00e3, 480, 'Irkutsk, Ulaan Bataar'],
  [0x00eb, 540, 'Osaka, Sapporo, Tokyo'],
  [0x00e6, 540, 'Seoul'],
  [0x00f0, 540, 'Yakutsk'],
  [0x00f5, 570, 'Darwin'],
  [0x00fa, 570, 'Adelaide'],
  [0x0104, 600, 'Brisbane'],
  [0x0113, 600, 'Guam, Port Moresby'],
  [0x00ff, 600, 'Canberra, Melbourne, Sydney'],
  [0x0109, 600, 'Hobart'],
  [0x010e, 600, 'Vladivostok'],
  [0x0118, 660, 'Magadan, Solomon Islands, New Caledonia'],
  [0x011d, 720, 'Fiji, Kamchatka, Marshall Islands'],
  [0x0122, 720, 'Auckland, Wellington'],
  [0x012c, 780, "Nuku'alofa"],
] as const satisfies readonly (readonly [TimeZoneCode, number, string])[];

/** One entry of Barry's static time-zone table. */
export interface TimeZone {
  /** The code a record carries. */
  readonly code: TimeZoneCode;
  /** Offset from UTC in minutes, standard time. */
  readonly offsetMinutes: number;
  /** Barry's name for it, e.g. "Saskatchewan". */
  readonly name: string;
}

/** Barry's static time-zone table, in Barry's order. */
export const TIME_ZONES: readonly TimeZone[] = TIME_ZONE_TABLE.map(([code, offsetMinutes, name]) => ({ code, offsetMinutes, name }));

/** True when `code` is one of Barry's time-zone codes. */
export function isTimeZoneCode(code: unknown): code is TimeZoneCode {
  return typeof code === 'number' && TIME_ZONES.some((zone) => zone.code === code);
}

/** The table entry of a code, or undefined for a code that is not in it. */
export function timeZoneByCode(code: number): TimeZone | undefined {
  return TIME_ZONES.find((zone) => zone.code === code);
}
