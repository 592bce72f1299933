/**
 * The places the simulated people live and work: a time zone with its city and the formats of its
 * postal codes and phone numbers. Only zones without daylight saving time (America/Regina,
 * America/Phoenix, Pacific/Honolulu, Asia/Singapore, Asia/Tokyo, Australia/Brisbane), so "working
 * hours" are exact without a time zone database; phone numbers use the fictional 555-01xx range
 * where one exists. Each zone carries its code in Barry's time-zone table (src/sync/time-zones.ts),
 * which records carry instead of the IANA name.
 */
import type { TimeZoneCode } from '../../sync/time-zones.js';

/** A time zone without daylight saving time, with a city in it. */
export interface Zone {
  /** IANA time zone name. */
  readonly zone: string;
  /** Its code in Barry's time-zone table, e.g. 0x19 "Saskatchewan" for America/Regina. */
  readonly timeZoneCode: TimeZoneCode;
  /** Offset from UTC in minutes (no daylight saving time in these zones). */
  readonly offset: number;
  readonly city: string;
  readonly province: string;
  readonly country: string;
  readonly postal: string;
  /** Phone pattern: `#` a digit. */
  readonly phone: string;
}

export const ZONES: readonly Zone[] = [
  {
    zone: 'America/Regina',
    timeZoneCode: 0x19,
    offset: -360,
    city: 'Regina',
    province: 'SK',
    country: 'Canada',
    postal: 'S4P #A#',
    phone: '+1 306 555 01##',
  },
  {
    zone: 'America/Phoenix',
    timeZoneCode: 0x0f,
    offset: -420,
    city: 'Phoenix',
    province: 'AZ',
    country: 'United States',
    postal: '850##',
    phone: '+1 602 555 01##',
  },
  {
    zone: 'Pacific/Honolulu',
    timeZoneCode: 0x02,
    offset: -600,
    city: 'Honolulu',
    province: 'HI',
    country: 'United States',
    postal: '968##',
    phone: '+1 808 555 01##',
  },
  {
    zone: 'Asia/Singapore',
    timeZoneCode: 0xd7,
    offset: 480,
    city: 'Singapore',
    province: '',
    country: 'Singapore',
    postal: '0#####',
    phone: '+65 6### ####',
  },
  {
    zone: 'Asia/Tokyo',
    timeZoneCode: 0xeb,
    offset: 540,
    city: 'Tokyo',
    province: 'Tokyo',
    country: 'Japan',
    postal: '1##-####',
    phone: '+81 3 #### ####',
  },
  {
    zone: 'Australia/Brisbane',
    timeZoneCode: 0x104,
    offset: 600,
    city: 'Brisbane',
    province: 'QLD',
    country: 'Australia',
    postal: '4###',
    phone: '+61 7 5550 ####',
  },
];
