/** Wall-clock date-times without a zone, and the epoch arithmetic every event time is built on. */
import ICAL from 'ical.js';
import type { IcalTime } from './ical-types.js';
import type { LocalDateTime } from '../../src/time/wall-clock.js';

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** The wall-clock reading as if it were UTC: the arithmetic base for local times. */
export function localAsEpoch(local: LocalDateTime): number {
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
}

/** An ical.js time without zone: recurrence arithmetic on the wall clock. */
export function floatingIcalTime(local: LocalDateTime, isDate: boolean): IcalTime {
  const time = isDate ? { year: local.year, month: local.month, day: local.day, isDate } : { ...local, isDate };
  return new ICAL.Time(time, ICAL.Timezone.localTimezone);
}
