import { MINUTE_MS, DAY_MS, localAsEpoch } from './local-time.js';
import { type LocalDateTime, wallClockOf } from '../../src/time/wall-clock.js';
import type { ZoneRules } from './zones.js';

/**
 * An event time as the file states it. `zoned` times have a known offset; `floating`
 * ones have none (no TZID, or a TZID nobody can resolve, kept in `tzid` for the record).
 */
export type EventTime =
  | { kind: 'date'; local: LocalDateTime }
  | { kind: 'utc'; local: LocalDateTime; epochMs: number }
  | { kind: 'zoned'; local: LocalDateTime; tzid: string; zone: ZoneRules; offsetMinutes: number; epochMs: number }
  | { kind: 'floating'; local: LocalDateTime; tzid: string | null };

/**
 * The instant of a time. Dates and floating times have none of their own; they are
 * read as UTC, which is right for durations and off by hours at most for the window.
 */
export function instantOf(time: EventTime): number {
  return time.kind === 'utc' || time.kind === 'zoned' ? time.epochMs : localAsEpoch(time.local);
}

/** Builds a time in the same frame (kind and zone) as `frame`, at another wall-clock time. */
export function atLocalInFrame(frame: EventTime, local: LocalDateTime): EventTime {
  switch (frame.kind) {
    case 'date':
      return { kind: 'date', local: { ...local, hour: 0, minute: 0, second: 0 } };
    case 'utc':
      return { kind: 'utc', local, epochMs: localAsEpoch(local) };
    case 'zoned':
      return zonedTime(local, frame.tzid, frame.zone);
    case 'floating':
      return { kind: 'floating', local, tzid: frame.tzid };
  }
}

/** Builds a time in the same frame as `frame` at an instant (floating frames read it as UTC). */
export function atInstantInFrame(frame: EventTime, epochMs: number): EventTime {
  if (frame.kind === 'zoned') {
    // The offset comes from the instant, not the wall clock: right even in a DST fold.
    const local = frame.zone.localAt(epochMs);
    const offsetMinutes = Math.round((localAsEpoch(local) - epochMs) / MINUTE_MS);
    return { kind: 'zoned', local, tzid: frame.tzid, zone: frame.zone, offsetMinutes, epochMs };
  }
  return atLocalInFrame(frame, wallClockOf(epochMs));
}

/**
 * A wall-clock time in a zone, resolved as RFC 5545 §3.3.5 says: in an autumn fold
 * the first of the two instants; in a spring gap, the offset in force before the gap
 * (so 02:30 on the night the clocks jump from 02:00 to 03:00 becomes 03:30).
 */
export function zonedTime(local: LocalDateTime, tzid: string, zone: ZoneRules): Extract<EventTime, { kind: 'zoned' }> & { skipped?: boolean } {
  const wall = localAsEpoch(local);
  const offsetAt = (epochMs: number) => Math.round((localAsEpoch(zone.localAt(epochMs)) - epochMs) / MINUTE_MS);
  const before = offsetAt(wall - DAY_MS);
  const after = offsetAt(wall + DAY_MS);
  const instants = [...new Set([before, after, zone.offsetAtLocal(local)])]
    .map((offset) => wall - offset * MINUTE_MS)
    .filter((instant) => offsetAt(instant) * MINUTE_MS === wall - instant)
    .sort((a, b) => a - b);
  const first = instants[0];
  if (first !== undefined) {
    return { kind: 'zoned', local, tzid, zone, offsetMinutes: Math.round((wall - first) / MINUTE_MS), epochMs: first };
  }
  // A time the clocks skipped: read with the offset before the gap, shown as the wall time it became.
  const epochMs = wall - before * MINUTE_MS;
  return { kind: 'zoned', local: zone.localAt(epochMs), tzid, zone, offsetMinutes: offsetAt(epochMs), epochMs, skipped: true };
}

export function addDays(time: EventTime, days: number): EventTime {
  return atLocalInFrame(time, wallClockOf(localAsEpoch(time.local) + days * DAY_MS));
}

/** RFC 5545: no DTEND means one day for a date, and zero length for a date-time. */
export function defaultEnd(start: EventTime): EventTime {
  return start.kind === 'date' ? addDays(start, 1) : start;
}
