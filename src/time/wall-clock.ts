/**
 * Wall-clock date-times without a zone, carried as "ms as if UTC": the arithmetic base the
 * mapping transforms, the CSV reader and the ICS connector share for local times.
 */

/** A date and time as written on a wall clock, without a zone. */
export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall clock read as if it were UTC, in ms; NaN if the fields do not form a real date and time. */
export function wallClockMs(t: LocalDateTime): number {
  if (t.hour > 23 || t.minute > 59 || t.second > 59 || t.month < 1 || t.month > 12 || t.day < 1) return NaN;
  const d = new Date(0);
  // setUTCFullYear, not Date.UTC: the latter maps years 0-99 to 1900-1999.
  d.setUTCFullYear(t.year, t.month - 1, t.day);
  d.setUTCHours(t.hour, t.minute, t.second, 0);
  return d.getUTCDate() === t.day && d.getUTCMonth() === t.month - 1 ? d.getTime() : NaN;
}

/** The wall clock of a ms-as-if-UTC timestamp. */
export function wallClockOf(ms: number): LocalDateTime {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}
