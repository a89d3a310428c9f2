import { DateTime } from 'luxon';

/**
 * Instants in the generator are whole epoch seconds (UTC): exports and database
 * rows carry whole seconds, and integer arithmetic keeps the generator exact.
 * This file turns them into each system's own spelling.
 */

export const BUSINESS_ZONE = 'Europe/Oslo';

/** Whole seconds since the epoch. */
export type Instant = number;

export const MINUTE = 60;
export const HOUR = 3600;
export const DAY = 86_400;

export function instantFromIso(iso: string): Instant {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`not an ISO-8601 instant: ${iso}`);
  return Math.floor(ms / 1000);
}

export function toIso(instant: Instant): string {
  return new Date(instant * 1000).toISOString().replace('.000Z', 'Z');
}

/** PostgreSQL's text form of a timestamptz in a TimeZone=UTC session: `2026-03-02 14:02:00+00`. */
export function toPgTimestamp(instant: Instant): string {
  return `${toIso(instant).slice(0, 19).replace('T', ' ')}+00`;
}

/** Stripe Dashboard CSV exports: `2026-03-02 14:02:00`, UTC without a zone marker. */
export function toStripeCsvTime(instant: Instant): string {
  return toIso(instant).slice(0, 19).replace('T', ' ');
}

/** iCalendar UTC DATE-TIME: `20260302T140200Z`. */
export function toIcsUtc(instant: Instant): string {
  return toIso(instant).replaceAll('-', '').replaceAll(':', '');
}

/** iCalendar local DATE-TIME in the business zone (used with TZID=Europe/Oslo): `20260704T090000`. */
export function toIcsLocal(instant: Instant): string {
  return DateTime.fromSeconds(instant, { zone: BUSINESS_ZONE }).toFormat("yyyyMMdd'T'HHmmss");
}

/** A calendar day as `yyyy-MM-dd`, always meant in the business zone. */
export type LocalDay = string;

/** iCalendar DATE: `20260704`. */
export function toIcsDate(day: LocalDay): string {
  return day.replaceAll('-', '');
}

/** Memo for osloInstant: the generator asks for the same few hundred days thousands of times. */
const osloInstantCache = new Map<string, Instant>();

/** The instant of a wall-clock time in Oslo on a day (luxon resolves the DST gap and overlap). */
export function osloInstant(day: LocalDay, hour = 0, minute = 0): Instant {
  const key = `${day}T${hour}:${minute}`;
  const cached = osloInstantCache.get(key);
  if (cached !== undefined) return cached;
  const dt = DateTime.fromISO(day, { zone: BUSINESS_ZONE }).set({ hour, minute, second: 0, millisecond: 0 });
  if (!dt.isValid) throw new Error(`not a day: ${day}`);
  const instant = Math.round(dt.toSeconds());
  osloInstantCache.set(key, instant);
  return instant;
}

export function osloDayOf(instant: Instant): LocalDay {
  return DateTime.fromSeconds(instant, { zone: BUSINESS_ZONE }).toISODate() as LocalDay;
}

/** The Oslo wall-clock hour and minute of an instant. */
export function osloClock(instant: Instant): { hour: number; minute: number } {
  const dt = DateTime.fromSeconds(instant, { zone: BUSINESS_ZONE });
  return { hour: dt.hour, minute: dt.minute };
}

export function addDays(day: LocalDay, days: number): LocalDay {
  return DateTime.fromISO(day, { zone: 'UTC' }).plus({ days }).toISODate() as LocalDay;
}

/** Months are 1-based: 1 = January. */
export function osloMonth(instant: Instant): number {
  return DateTime.fromSeconds(instant, { zone: BUSINESS_ZONE }).month;
}
