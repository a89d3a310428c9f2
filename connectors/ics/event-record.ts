/** The `calendar.event` record of one event or occurrence. */
import type { SourceRecord } from '../../src/records/envelope.js';
import type { MatchedFile } from '../shared/files.js';
import type { EventTime } from './event-time.js';
import { formatEventTime, formatRecurrenceId, isoInstant } from './time-format.js';
import type { CalendarContext, FileContext } from './file-context.js';
import type { ParsedEvent } from './parsed-event.js';
import { textOf, sequenceOf, organizerOf, attendeesOf, categoriesOf, extraPropertiesOf, isCancelled } from './properties.js';

interface RecordParts {
  /** The VEVENT that describes this occurrence (an override, or the master). */
  event: ParsedEvent;
  /** For an override: the master, whose fields fill what the override leaves out. */
  fallback: ParsedEvent | undefined;
  start: EventTime | null;
  end: EventTime | null;
  /** Set for instances of a series. */
  recurrenceId: EventTime | undefined;
  recurring: boolean;
}

export function buildRecord(scope: FileContext, parts: RecordParts): SourceRecord {
  const { event, fallback } = parts;
  const field = (name: string) => textOf(event.component, name) ?? (fallback === undefined ? null : textOf(fallback.component, name));
  const status = field('status');
  const recurrenceIdText = parts.recurrenceId === undefined ? undefined : formatRecurrenceId(parts.recurrenceId);
  const identity = recordIdentity(scope.file, event.uid ?? fallback?.uid ?? null, recurrenceIdText, event.position);
  const created = event.created ?? fallback?.created ?? null;
  const lastModified = event.lastModified ?? fallback?.lastModified ?? null;

  const data: Record<string, unknown> = {
    uid: event.uid ?? fallback?.uid ?? null,
    summary: field('summary'),
    description: field('description'),
    location: field('location'),
    status,
    sequence: sequenceOf(event.component) ?? (fallback === undefined ? null : sequenceOf(fallback.component)),
    start: parts.start === null ? null : formatEventTime(parts.start),
    end: parts.end === null ? null : formatEventTime(parts.end),
    allDay: parts.start?.kind === 'date',
    timeZone: timeZoneName(parts.start, scope.calendar),
    floating: parts.start?.kind === 'floating',
    ...(recurrenceIdText === undefined ? {} : { recurrenceId: recurrenceIdText }),
    recurring: parts.recurring,
    organizer: organizerOf(event.component) ?? (fallback === undefined ? null : organizerOf(fallback.component)),
    attendees: firstNonEmpty(attendeesOf(event.component), fallback && attendeesOf(fallback.component)),
    categories: firstNonEmpty(categoriesOf(event.component), fallback && categoriesOf(fallback.component)),
    url: field('url'),
    calendarName: scope.calendar.name,
    created: created === null ? null : isoInstant(created),
    lastModified: lastModified === null ? null : isoInstant(lastModified),
    extra: { ...(fallback === undefined ? {} : extraPropertiesOf(fallback.component)), ...extraPropertiesOf(event.component) },
  };

  const record: SourceRecord = {
    source: scope.context.sourceName,
    type: 'calendar.event',
    id: identity.id,
    ref: identity.ref,
    observedAt: scope.context.observedAt,
    data,
  };
  if (created !== null) record.createdAt = isoInstant(created);
  if (lastModified !== null) record.updatedAt = isoInstant(lastModified);
  if (isCancelled(status)) record.deleted = true;
  return record;
}

function firstNonEmpty<T>(own: T[], fallback: T[] | undefined): T[] {
  return own.length > 0 || fallback === undefined ? own : fallback;
}

function timeZoneName(start: EventTime | null, calendar: CalendarContext): string | null {
  if (start === null) return null;
  switch (start.kind) {
    case 'date':
      return calendar.defaultTimeZone;
    case 'utc':
      return 'UTC';
    case 'zoned':
      return start.tzid;
    case 'floating':
      return start.tzid;
  }
}

/**
 * `id` is the UID (plus `@<recurrence id>` for an instance); `ref` points into the file.
 * An event without UID is named by its position, which is stable while the file is.
 */
function recordIdentity(file: MatchedFile, uid: string | null, recurrenceId: string | undefined, position: number): { id: string; ref: string } {
  const base = `file://${file.displayPath}`;
  if (uid === null) {
    const suffix = recurrenceId === undefined ? '' : `@${recurrenceId}`;
    return { id: `${file.displayPath}#event-${position}${suffix}`, ref: `${base}#event=${position}${recurrenceId === undefined ? '' : `&recurrence=${recurrenceId}`}` };
  }
  if (recurrenceId === undefined) return { id: uid, ref: `${base}#uid=${encodeUidForRef(uid)}` };
  return { id: `${uid}@${recurrenceId}`, ref: `${base}#uid=${encodeUidForRef(uid)}&recurrence=${recurrenceId}` };
}

/** Only what would break the fragment is encoded, so typical UIDs (`abc@google.com`) stay readable. */
function encodeUidForRef(uid: string): string {
  return uid.replace(/[%#&\s]|[\u0000-\u001f\u007f]/g, (char) => encodeURIComponent(char));
}
