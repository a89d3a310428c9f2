import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import ICAL from 'ical.js';
import { DateTime, IANAZone } from 'luxon';
import { CALENDAR_NAME, ORGANIZER_EMAIL } from './calendar-export.js';
import { EXPORT_PATHS, type Incident } from './incident.js';
import { BUSINESS_ZONE } from './time.js';

/**
 * The sample incident's booking calendar as Google Calendar would serve it: a small
 * Calendar v3 server on 127.0.0.1 that `salvage demo` points a `google-calendar` source
 * at, so the demo pulls bookings through the real googleapis client.
 *
 * It replays a fixed list of event resources (one-off events and instances, i.e. what
 * events.list returns with singleEvents=true) and answers what the connector asks:
 * calendarList.list, and events.list with updatedMin, timeMin/timeMax, showDeleted,
 * maxResults/pageToken and sync tokens (the data never changes, so a sync token from
 * this server always means "nothing changed"). Read-only: any other method is refused.
 */
export interface CalendarReplay {
  /** The `apiBase` of a google-calendar source (googleapis' rootUrl). */
  apiBase: string;
  stop(): Promise<void>;
}

export interface CalendarReplayOptions {
  /** The calendar's title (events.list `summary`); default the demo calendar's name. */
  summary?: string;
  /** The calendar's zone: what all-day dates are meant in; default the business zone. */
  timeZone?: string;
}

/** A Calendar v3 event resource, as JSON. */
export type GoogleEventJson = Record<string, unknown>;

const API = '/calendar/v3';
const MAX_PAGE = 2500;
const DEFAULT_PAGE = 250;

export async function startCalendarReplay(events: object[], calendarId: string, options: CalendarReplayOptions = {}): Promise<CalendarReplay> {
  const calendar = {
    id: calendarId,
    summary: options.summary ?? CALENDAR_NAME,
    timeZone: options.timeZone ?? BUSINESS_ZONE,
  };
  const items = events as GoogleEventJson[];
  // Tokens name this server instance: one from an earlier demo run is answered 410, as Google would.
  const instance = `${process.pid}-${Date.now()}`;
  const syncToken = Buffer.from(`replay:${instance}:${calendarId}`).toString('base64url');

  const server = createServer((req, res) => {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://replay');
    if (req.method !== 'GET') return sendError(res, 405, 'methodNotAllowed', 'this replay is read-only');
    if (url.pathname === `${API}/users/me/calendarList`) {
      return send(res, 200, {
        kind: 'calendar#calendarList',
        items: [{ kind: 'calendar#calendarListEntry', id: calendar.id, summary: calendar.summary, timeZone: calendar.timeZone, accessRole: 'reader' }],
        nextSyncToken: syncToken,
      });
    }
    const match = /^\/calendar\/v3\/calendars\/([^/]+)\/events$/.exec(url.pathname);
    if (match === null || decodeURIComponent(match[1] ?? '') !== calendar.id) return sendError(res, 404, 'notFound', 'Not Found');
    try {
      send(res, 200, listEvents(items, calendar, url.searchParams, syncToken));
    } catch (error) {
      if (error instanceof ReplayError) sendError(res, error.status, error.reason, error.message);
      else sendError(res, 500, 'backendError', 'replay failed');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiBase: `http://127.0.0.1:${port}/`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

class ReplayError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

interface ReplayCalendar {
  id: string;
  summary: string;
  timeZone: string;
}

function listEvents(items: GoogleEventJson[], calendar: ReplayCalendar, query: URLSearchParams, syncToken: string): unknown {
  const token = query.get('syncToken');
  if (token !== null && token !== syncToken) throw new ReplayError(410, 'fullSyncRequired', 'Sync token is no longer valid, a full sync is required.');
  const updatedMin = instantParam(query, 'updatedMin');
  const timeMin = instantParam(query, 'timeMin');
  const timeMax = instantParam(query, 'timeMax');
  const showDeleted = query.get('showDeleted') === 'true' || updatedMin !== undefined;
  // Nothing ever changes here: a valid sync token means an empty list of changes.
  const matching =
    token !== null
      ? []
      : items.filter((item) => {
          if (item.status === 'cancelled' && !showDeleted) return false;
          if (updatedMin !== undefined && Date.parse(String(item.updated ?? '')) < updatedMin) return false;
          const start = instantOf(item.start, calendar.timeZone);
          const end = instantOf(item.end, calendar.timeZone) ?? start;
          if (timeMax !== undefined && start !== undefined && start >= timeMax) return false;
          if (timeMin !== undefined && end !== undefined && end <= timeMin) return false;
          return true;
        });
  const size = Math.min(Math.max(Number(query.get('maxResults') ?? DEFAULT_PAGE) || DEFAULT_PAGE, 1), MAX_PAGE);
  const offset = Number(query.get('pageToken') ?? 0);
  if (!Number.isInteger(offset) || offset < 0) throw new ReplayError(400, 'invalid', 'Invalid page token value.');
  const more = offset + size < matching.length;
  return {
    kind: 'calendar#events',
    summary: calendar.summary,
    timeZone: calendar.timeZone,
    accessRole: 'reader',
    items: matching.slice(offset, offset + size),
    ...(more ? { nextPageToken: String(offset + size) } : { nextSyncToken: syncToken }),
  };
}

function instantParam(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new ReplayError(400, 'invalid', `Invalid value for ${name}`);
  return ms;
}

/** An all-day date starts at midnight in the calendar's zone. */
function instantOf(time: unknown, zone: string): number | undefined {
  const t = (time ?? {}) as { date?: unknown; dateTime?: unknown };
  if (typeof t.date === 'string') return DateTime.fromISO(t.date, { zone }).toMillis();
  if (typeof t.dateTime === 'string') return Date.parse(t.dateTime);
  return undefined;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, reason: string, message: string): void {
  send(res, status, { error: { code: status, message, errors: [{ domain: 'global', reason, message }] } });
}

// ---------------------------------------------------------------------------
// The incident's bookings as Google event resources

type IcalComponent = InstanceType<typeof ICAL.Component>;
type IcalTime = InstanceType<typeof ICAL.Time>;

/** What the booking system's UIDs look like: `booking-<bookings.id>@fjordkayaks.example`. */
const BOOKING_UID = /^booking-(\d+)@/;
const REFERENCE = /Booking ([A-Z0-9]{6})/;
const PARTSTAT_TO_RESPONSE: Record<string, string> = {
  ACCEPTED: 'accepted',
  DECLINED: 'declined',
  TENTATIVE: 'tentative',
  'NEEDS-ACTION': 'needsAction',
};

/**
 * The booking events of the incident's calendar export (`exports/calendar.ics`, see
 * calendar-export.ts) as Calendar v3 resources: the same bookings, as the booking system
 * wrote them into Google Calendar. Event ids carry the booking id (`booking1042`, valid
 * base32hex), and so does `extendedProperties.private` with the reference, as booking
 * systems do. Cancelled bookings keep their details, as on the organizer's own calendar.
 * Staff events in the same calendar are left out: this replays bookings.
 */
export function bookingEvents(incident: Incident): GoogleEventJson[] {
  const ics = incident.exports[EXPORT_PATHS.calendar];
  if (ics === undefined) throw new Error(`the incident has no ${EXPORT_PATHS.calendar}`);
  const calendar = new ICAL.Component(ICAL.parse(ics) as unknown[]);
  const events: GoogleEventJson[] = [];
  for (const vevent of calendar.getAllSubcomponents('vevent')) {
    const uid = text(vevent, 'uid');
    const bookingId = uid === null ? undefined : BOOKING_UID.exec(uid)?.[1];
    if (uid === null || bookingId === undefined) continue;
    events.push(bookingEvent(vevent, uid, bookingId));
  }
  return events;
}

function bookingEvent(vevent: IcalComponent, uid: string, bookingId: string): GoogleEventJson {
  const id = `booking${bookingId}`;
  const summary = text(vevent, 'summary');
  const reference = summary === null ? undefined : REFERENCE.exec(summary)?.[1];
  const organizer = organizerOf(vevent);
  const sequence = vevent.getFirstPropertyValue('sequence');
  return {
    kind: 'calendar#event',
    etag: `"${bookingId}-${typeof sequence === 'number' ? sequence : 0}"`,
    id,
    status: (text(vevent, 'status') ?? 'CONFIRMED').toLowerCase(),
    htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${id} ${ORGANIZER_EMAIL}`).toString('base64url')}`,
    created: utcInstant(vevent, 'created'),
    updated: utcInstant(vevent, 'last-modified'),
    summary,
    description: text(vevent, 'description'),
    location: text(vevent, 'location'),
    creator: { email: organizer.email, displayName: organizer.displayName },
    organizer: { ...organizer, self: true },
    start: eventTime(vevent, 'dtstart'),
    end: eventTime(vevent, 'dtend'),
    iCalUID: uid,
    sequence: typeof sequence === 'number' ? sequence : 0,
    attendees: vevent.getAllProperties('attendee').map((attendee) => ({
      email: address(attendee),
      ...(param(attendee, 'cn') === null ? {} : { displayName: param(attendee, 'cn') }),
      responseStatus: PARTSTAT_TO_RESPONSE[param(attendee, 'partstat') ?? ''] ?? 'needsAction',
    })),
    extendedProperties: { private: { bookingId, ...(reference === undefined ? {} : { bookingReference: reference }) } },
    reminders: { useDefault: true },
    eventType: 'default',
    ...(text(vevent, 'transp') === 'TRANSPARENT' ? { transparency: 'transparent' } : {}),
  };
}

/** `{ date }` for a DATE, else `{ dateTime, timeZone }` with the zone's offset at that time. */
function eventTime(vevent: IcalComponent, name: string): Record<string, string> | undefined {
  const property = vevent.getFirstProperty(name);
  const value = property?.getFirstValue();
  if (property === null || property === undefined || !(value instanceof ICAL.Time)) return undefined;
  const local = { year: value.year, month: value.month, day: value.day, hour: value.hour, minute: value.minute, second: value.second };
  if (value.isDate) return { date: DateTime.fromObject(local, { zone: 'UTC' }).toISODate() ?? '' };
  if (value.zone === ICAL.Timezone.utcTimezone) return { dateTime: DateTime.fromObject(local, { zone: 'UTC' }).toISO({ suppressMilliseconds: true }) ?? '', timeZone: 'UTC' };
  const tzid = param(property, 'tzid');
  const zone = tzid !== null && IANAZone.isValidZone(tzid) ? tzid : BUSINESS_ZONE;
  return { dateTime: DateTime.fromObject(local, { zone }).toISO({ suppressMilliseconds: true }) ?? '', timeZone: zone };
}

/** CREATED / LAST-MODIFIED are UTC; Google writes them with milliseconds. */
function utcInstant(vevent: IcalComponent, name: string): string | undefined {
  const value = vevent.getFirstPropertyValue(name);
  if (!(value instanceof ICAL.Time)) return undefined;
  const time = value as IcalTime;
  return new Date(Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute, time.second)).toISOString();
}

function organizerOf(vevent: IcalComponent): { email: string; displayName: string } {
  const property = vevent.getFirstProperty('organizer');
  return {
    email: (property === null ? null : address(property)) ?? ORGANIZER_EMAIL,
    displayName: (property === null ? null : param(property, 'cn')) ?? CALENDAR_NAME,
  };
}

function text(vevent: IcalComponent, name: string): string | null {
  const value = vevent.getFirstPropertyValue(name);
  return value === null || value === undefined ? null : String(value);
}

function param(property: InstanceType<typeof ICAL.Property>, name: string): string | null {
  const value: unknown = property.getParameter(name);
  return typeof value === 'string' && value !== '' ? value : null;
}

function address(property: InstanceType<typeof ICAL.Property>): string | null {
  const value = property.getFirstValue();
  return typeof value === 'string' ? value.replace(/^mailto:/i, '') : null;
}
