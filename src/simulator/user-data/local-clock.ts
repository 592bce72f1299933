/**
 * Time in the owner's time zone: local midnights and working days around "now". The zones have no
 * daylight saving time (places.ts), so a fixed offset is exact.
 */
import type { Zone } from './places.js';

/** One minute in ms. */
export const MINUTE = 60_000;
/** One hour in ms. */
export const HOUR = 60 * MINUTE;
/** One day in ms. */
export const DAY = 24 * HOUR;

/** "Now" and the local calendar days around it, in one zone. */
export class LocalClock {
  readonly #offset: number;
  readonly now: number;

  constructor(zone: Zone, now: number) {
    this.#offset = zone.offset * MINUTE;
    this.now = now;
  }

  /** Local midnight of the day `days` after today. */
  dayStart(days: number): number {
    const local = this.now + this.#offset;
    return Math.floor(local / DAY) * DAY - this.#offset + days * DAY;
  }

  /** 0 = Sunday ... 6 = Saturday, local. */
  weekday(t: number): number {
    return new Date(t + this.#offset).getUTCDay();
  }

  /** The local calendar date of `t`: weekday (0 = Sunday), day of the month (1-31), month (1-12) and week of the month (1-5). */
  date(t: number): { weekday: number; day: number; month: number; weekOfMonth: number } {
    const local = new Date(t + this.#offset);
    const day = local.getUTCDate();
    return { weekday: local.getUTCDay(), day, month: local.getUTCMonth() + 1, weekOfMonth: Math.min(5, Math.ceil(day / 7)) };
  }

  /** Local midnight of a working day near `days` from today (weekends move to Monday). */
  workday(days: number): number {
    let t = this.dayStart(days);
    while (this.weekday(t) === 0 || this.weekday(t) === 6) t += DAY;
    return t;
  }
}
