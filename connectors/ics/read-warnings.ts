/**
 * Which VEVENTs could make parseEvent warn (parsed-event.ts: a time or DURATION it cannot
 * read, an unknown TZID, a local time DST skips). A whole-file parse says those warnings
 * for all of a root's events, in file order, before any group's; the streamed path
 * parses such events once more, in file order, to say them in the same place. The tests
 * are conservative: what they let pass cannot warn, and ordinary exports (UTC, floating,
 * all-day or plainly zoned times, plain durations) pass them without a second parse.
 */
import { zonedTime } from './event-time.js';
import { localAsEpoch, type LocalDateTime } from './local-time.js';
import type { ZoneDirectory } from './zones.js';

/** How likely reading an event is to warn. */
export const CANNOT_WARN = 0;
/** Only if one of its plainly zoned times names an unknown zone or a skipped wall time. */
export const WARNS_IF_ZONE_SAYS = 1;
export const MAY_WARN = 2;
export type WarningRisk = typeof CANNOT_WARN | typeof WARNS_IF_ZONE_SAYS | typeof MAY_WARN;

const DATE = /^\d{8}$/;
const DATE_TIME = /^\d{8}T\d{6}Z?$/;
const DURATION = /^P(\d+W|\d+D|(\d+D)?T(?=\d)(\d+H)?(\d+M)?(\d+S)?)$/;
/** `NAME;TZID=zone:YYYYMMDDTHHMMSS`, the zone name plain (no quotes, no ^ escapes, one parameter). */
const PLAIN_ZONED = /^([A-Za-z-]+);tzid=([^;:"^]+):(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/i;

/** The properties parseEvent reads as times, by the lower-case name ical.js gives them. */
const READ_AS_TIME = new Set(['dtstart', 'dtend', 'recurrence-id', 'created', 'last-modified', 'duration']);

export function isReadAsTime(propertyName: string): boolean {
  return READ_AS_TIME.has(propertyName);
}

/** For a content line of one of those properties (pass 1 has no zones yet). */
export function warningRiskOf(propertyName: string, text: string): WarningRisk {
  const colon = text.indexOf(':');
  if (colon === -1) return MAY_WARN;
  const [, ...parameters] = text.slice(0, colon).split(';');
  const value = text.slice(colon + 1);
  if (parameters.length > 1) return MAY_WARN;
  const parameter = parameters[0]?.toUpperCase();
  if (propertyName === 'duration') return parameter === undefined && DURATION.test(value) ? CANNOT_WARN : MAY_WARN;
  if (parameter === undefined || parameter === 'VALUE=DATE-TIME') return DATE_TIME.test(value) ? CANNOT_WARN : MAY_WARN;
  if (parameter === 'VALUE=DATE' && propertyName !== 'created' && propertyName !== 'last-modified') return DATE.test(value) ? CANNOT_WARN : MAY_WARN;
  return plainZoned(text) === undefined ? MAY_WARN : WARNS_IF_ZONE_SAYS;
}

/** For an event at WARNS_IF_ZONE_SAYS, with its root's zones: could reading it warn? */
export function zonedTimesMayWarn(eventText: string, zones: ZoneDirectory): boolean {
  for (const line of eventText.replace(/\r?\n[ \t]/g, '').split(/\r?\n/)) {
    const time = plainZoned(line);
    if (time === undefined || !READ_AS_TIME.has(time.propertyName)) continue;
    // The same calls parseEvent makes (eventTimeOf), on the same wall-clock numbers.
    const zone = zones.resolve(time.tzid);
    if (zone === null || zonedTime(time.local, time.tzid, zone).skipped === true) return true;
  }
  return false;
}

function plainZoned(text: string): { propertyName: string; tzid: string; local: LocalDateTime } | undefined {
  const match = PLAIN_ZONED.exec(text);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(3).map(Number) as [number, number, number, number, number, number];
  const local = { year, month, day, hour, minute, second };
  // Only a real calendar time: ical.js keeps the numbers as written, so no rollover to reason about.
  const check = new Date(localAsEpoch(local));
  const real = check.getUTCFullYear() === year && check.getUTCMonth() + 1 === month && check.getUTCDate() === day && hour < 24 && minute < 60 && second < 60;
  return real ? { propertyName: (match[1] as string).toLowerCase(), tzid: match[2] as string, local } : undefined;
}
