import type { SourceRecord } from '../../src/records/envelope.js';
import type { GoogleEvent } from './calendar-api.js';
import { isoInstant, recurrenceIdOf, renderEventTime } from './event-time.js';

/** Which calendar an event came from, and the pull it belongs to. */
export interface CalendarScope {
  sourceName: string;
  observedAt: string;
  calendarId: string;
  /** The calendar's title (events.list `summary`). */
  calendarName: string | null;
  /** The calendar's zone (events.list `timeZone`): what all-day and zone-less times are meant in. */
  calendarTimeZone: string | null;
}

/** Google's status values in the uppercase iCalendar spelling the ICS connector gives. */
const ICS_STATUS: Record<string, string> = { confirmed: 'CONFIRMED', tentative: 'TENTATIVE', cancelled: 'CANCELLED' };
/** Google's responseStatus as iCalendar PARTSTAT. */
const ICS_PARTSTAT: Record<string, string> = {
  needsAction: 'NEEDS-ACTION',
  accepted: 'ACCEPTED',
  declined: 'DECLINED',
  tentative: 'TENTATIVE',
};

/**
 * Fields that `data` carries under their own name (as is, or in the ICS shape). Every
 * other field Google sent goes to `data.extra` unchanged, so nothing the API said is lost;
 * `start`, `end` and `status` are reshaped, so their raw forms go there too.
 */
const NAMED_FIELDS = new Set([
  'kind',
  'id',
  'iCalUID',
  'summary',
  'description',
  'location',
  'sequence',
  'organizer',
  'attendees',
  'created',
  'updated',
  'htmlLink',
  'extendedProperties',
  'conferenceData',
  'attachments',
  'recurringEventId',
  'originalStartTime',
]);

export function recordId(calendarId: string, eventId: string): string {
  return `${calendarId}/${eventId}`;
}

/** `gcal://<calendarId>/<eventId>`; only what would end the path early is escaped (ids like `team#x@group...`). */
export function recordRef(calendarId: string, eventId: string): string {
  const escape = (part: string) => part.replace(/[%#?/\s]|[\u0000-\u001f\u007f]/g, (char) => encodeURIComponent(char));
  return `gcal://${escape(calendarId)}/${escape(eventId)}`;
}

/**
 * One `calendar.event` record for one event or instance, with `data` in the ICS
 * connector's shape (uid, summary, start/end, status, organizer, attendees...) plus the
 * Google fields a rule may want (calendarId, extended properties, conference links...).
 */
export function eventRecord(event: GoogleEvent, scope: CalendarScope): SourceRecord {
  const eventId = event.id ?? '';
  const start = renderEventTime(event.start, scope.calendarTimeZone);
  const end = renderEventTime(event.end, scope.calendarTimeZone);
  const recurrenceId = recurrenceIdOf(event.originalStartTime);
  const googleStatus = event.status ?? null;
  const created = isoInstant(event.created);
  const updated = isoInstant(event.updated);

  const data: Record<string, unknown> = {
    uid: event.iCalUID ?? null,
    summary: event.summary ?? null,
    description: event.description ?? null,
    location: event.location ?? null,
    status: icsStatus(googleStatus),
    sequence: event.sequence ?? null,
    start: start.value,
    end: end.value,
    allDay: start.allDay,
    timeZone: start.timeZone,
    floating: false,
    ...(recurrenceId === undefined ? {} : { recurrenceId }),
    recurring: Boolean(event.recurringEventId || event.recurrence?.length),
    organizer: event.organizer ? person(event.organizer) : null,
    attendees: (event.attendees ?? []).map(attendee),
    categories: [],
    url: event.source?.url ?? null,
    calendarName: scope.calendarName,
    created,
    lastModified: updated,
    extra: extraFields(event),
    // Google's own fields from here on.
    calendarId: scope.calendarId,
    id: eventId,
    googleStatus,
    htmlLink: event.htmlLink ?? null,
    extendedProperties: event.extendedProperties ?? null,
    conferenceData: event.conferenceData ?? null,
    attachments: event.attachments ?? [],
    recurringEventId: event.recurringEventId ?? null,
    originalStartTime: event.originalStartTime ?? null,
  };

  const record: SourceRecord = {
    source: scope.sourceName,
    type: 'calendar.event',
    id: recordId(scope.calendarId, eventId),
    ref: recordRef(scope.calendarId, eventId),
    observedAt: scope.observedAt,
    data,
  };
  if (created !== null) record.createdAt = created;
  if (updated !== null) record.updatedAt = updated;
  if (googleStatus === 'cancelled') record.deleted = true;
  return record;
}

/** Google's default status is confirmed; an unknown one is kept, upper-cased like the rest. */
function icsStatus(status: string | null): string {
  if (status === null) return 'CONFIRMED';
  return ICS_STATUS[status] ?? status.toUpperCase();
}

/** An organizer, creator or attendee as Google sends it. */
interface GooglePerson {
  email?: string | null;
  displayName?: string | null;
  responseStatus?: string | null;
  optional?: boolean | null;
}

function person(value: GooglePerson): Record<string, unknown> {
  const { email, displayName, ...rest } = value;
  return { email: email ?? null, name: displayName ?? null, ...rest };
}

function attendee(value: GooglePerson): Record<string, unknown> {
  const { email, displayName, ...rest } = value;
  const responseStatus = value.responseStatus ?? null;
  return {
    email: email ?? null,
    name: displayName ?? null,
    partstat: responseStatus === null ? null : (ICS_PARTSTAT[responseStatus] ?? responseStatus.toUpperCase()),
    // Google's own ICS export writes every guest as REQ-PARTICIPANT unless optional.
    role: value.optional === true ? 'OPT-PARTICIPANT' : 'REQ-PARTICIPANT',
    ...rest,
  };
}

function extraFields(event: GoogleEvent): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(event)) {
    if (!NAMED_FIELDS.has(field) && value !== undefined) extra[field] = value;
  }
  return extra;
}
