/**
 * Whether an event Google listed can be read as salvage reads it. One that cannot (a time
 * that is not one, a field of the wrong type, no id) is rejected alone with what was
 * wrong; the other events of the page and of the calendar are pulled as usual.
 */
import { DateTime } from 'luxon';
import type { GoogleEvent } from './calendar-api.js';
import { describeValue } from '../shared/describe-value.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const HAS_OFFSET = /(Z|[+-]\d{2}(:?\d{2})?)$/i;

/** Fields read as text by event-record (into `data` or the envelope). */
const TEXT_FIELDS = ['status', 'summary', 'description', 'location', 'iCalUID', 'recurringEventId', 'htmlLink'] as const;
/** RFC 3339 instants that become the record's createdAt and updatedAt. */
const INSTANT_FIELDS = ['created', 'updated'] as const;
/** Event times: { date } for all-day, { dateTime, timeZone? } otherwise. */
const TIME_FIELDS = ['start', 'end', 'originalStartTime'] as const;

/** The event, or why it cannot be read. */
export function readGoogleEvent(item: unknown): { event: GoogleEvent } | { problem: string } {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return { problem: `the item is ${describeValue(item)}, not an event object` };
  const fields = item as Record<string, unknown>;
  if (typeof fields.id !== 'string' || fields.id === '') return { problem: `it has no id (id is ${describeValue(fields.id)})` };
  for (const field of TEXT_FIELDS) {
    const value = fields[field];
    if (value !== undefined && value !== null && typeof value !== 'string') return { problem: `its "${field}" is ${describeValue(value)}, where Google sends text` };
  }
  for (const field of INSTANT_FIELDS) {
    const value = fields[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) return { problem: `its "${field}" is ${describeValue(value)}, not an RFC 3339 time` };
  }
  for (const field of TIME_FIELDS) {
    const problem = timeProblem(fields[field]);
    if (problem) return { problem: `its "${field}" ${problem}` };
  }
  if (fields.sequence !== undefined && fields.sequence !== null && !Number.isInteger(fields.sequence)) {
    return { problem: `its "sequence" is ${describeValue(fields.sequence)}, where Google sends an integer` };
  }
  if (fields.attendees !== undefined && fields.attendees !== null) {
    if (!Array.isArray(fields.attendees)) return { problem: `its "attendees" is ${describeValue(fields.attendees)}, where Google sends a list` };
    if (fields.attendees.some((a) => a === null || typeof a !== 'object' || Array.isArray(a))) return { problem: 'one of its "attendees" is not an object' };
  }
  for (const field of ['organizer', 'creator'] as const) {
    const value = fields[field];
    if (value !== undefined && value !== null && (typeof value !== 'object' || Array.isArray(value))) return { problem: `its "${field}" is ${describeValue(value)}, not an object` };
  }
  return { event: fields as GoogleEvent };
}

/** What is wrong with an event time (`start`, `end`, `originalStartTime`), if anything. A cancelled event may have none. */
function timeProblem(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) return `is ${describeValue(value)}, where Google sends { date } or { dateTime }`;
  const { date, dateTime, timeZone } = value as Record<string, unknown>;
  if (timeZone !== undefined && timeZone !== null && typeof timeZone !== 'string') return `has a timeZone that is ${describeValue(timeZone)}`;
  if (date !== undefined && date !== null) {
    if (typeof date !== 'string' || !DATE.test(date) || !DateTime.fromISO(date, { zone: 'UTC' }).isValid) return `has the date ${describeValue(date)}, not YYYY-MM-DD`;
    return undefined;
  }
  if (dateTime === undefined || dateTime === null) return undefined;
  if (typeof dateTime !== 'string') return `has the dateTime ${describeValue(dateTime)}, not an RFC 3339 time`;
  // A zone-less dateTime is read in the event's or calendar's zone later; here only that it is a time at all.
  const parsed = HAS_OFFSET.test(dateTime) ? DateTime.fromISO(dateTime, { setZone: true }) : DateTime.fromISO(dateTime, { zone: 'UTC' });
  return parsed.isValid ? undefined : `has the dateTime ${describeValue(dateTime)}, not an RFC 3339 time`;
}
