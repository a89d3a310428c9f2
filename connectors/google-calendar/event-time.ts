import { DateTime, IANAZone } from 'luxon';
import type { GoogleEventTime } from './calendar-api.js';

/**
 * Event times in the ICS connector's forms, so one mapping rule reads both sources:
 * an all-day event stays a date (`YYYY-MM-DD`, end exclusive); a timed one is ISO-8601
 * with the offset it has in the event's own zone.
 *
 * Google renders `dateTime` in the calendar's zone (or the request's `timeZone`), not
 * the event's: a 09:00 New York call on an Oslo calendar arrives as 15:00+01:00 with
 * `timeZone: America/New_York`. Re-expressing the same instant in the event's zone
 * gives 09:00-05:00, the wall-clock time the organiser typed, as an ICS export says it.
 */
export interface RenderedTime {
  value: string | null;
  allDay: boolean;
  /** The IANA zone the time is meant in (the calendar's for all-day and zone-less times). */
  timeZone: string | null;
}

const HAS_OFFSET = /(Z|[+-]\d{2}(:?\d{2})?)$/i;

export function renderEventTime(time: GoogleEventTime | undefined, calendarTimeZone: string | null): RenderedTime {
  if (time?.date) return { value: time.date, allDay: true, timeZone: time.timeZone ?? calendarTimeZone };
  if (!time?.dateTime) return { value: null, allDay: false, timeZone: time?.timeZone ?? null };
  const zone = validZone(time.timeZone) ?? validZone(calendarTimeZone);
  const parsed = HAS_OFFSET.test(time.dateTime)
    ? DateTime.fromISO(time.dateTime, { setZone: true })
    : zone === undefined
      ? undefined
      : DateTime.fromISO(time.dateTime, { zone });
  if (parsed === undefined || !parsed.isValid) {
    // Unreadable, or zone-less without any zone to read it in: kept as Google wrote it.
    return { value: time.dateTime, allDay: false, timeZone: time.timeZone ?? calendarTimeZone };
  }
  const inZone = zone === undefined ? parsed : parsed.setZone(zone);
  return { value: inZone.toISO({ suppressMilliseconds: true }), allDay: false, timeZone: zone ?? time.timeZone ?? null };
}

function validZone(name: string | null | undefined): string | undefined {
  return name && IANAZone.isValidZone(name) ? name : undefined;
}

/**
 * The ICS connector's recurrence id for an instance: its original date, or its original
 * start as a UTC instant (`2026-03-21T09:00:00Z`).
 */
export function recurrenceIdOf(original: GoogleEventTime | undefined): string | undefined {
  if (original?.date) return original.date;
  if (!original?.dateTime) return undefined;
  const instant = instantOf(original);
  return instant === undefined ? original.dateTime : `${new Date(instant).toISOString().slice(0, 19)}Z`;
}

/** Milliseconds since the epoch; a date counts from its UTC midnight (hours off at most, fine for a horizon). */
export function instantOf(time: GoogleEventTime | undefined): number | undefined {
  if (time?.date) {
    const ms = Date.parse(`${time.date}T00:00:00Z`);
    return Number.isNaN(ms) ? undefined : ms;
  }
  if (!time?.dateTime) return undefined;
  const zone = validZone(time.timeZone);
  const parsed = HAS_OFFSET.test(time.dateTime) || zone === undefined
    ? DateTime.fromISO(time.dateTime, { setZone: true, zone: 'UTC' })
    : DateTime.fromISO(time.dateTime, { zone });
  return parsed.isValid ? parsed.toMillis() : undefined;
}

/** RFC 3339 instants normalised to `toISOString()` form (Google sends `.123Z` or none). */
export function isoInstant(value: string | null | undefined): string | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
