import ICAL from 'ical.js';
import { DateTime, IANAZone } from 'luxon';
import type { FakeEvent } from '../../test/fakes/google-calendar/model.js';
import { startFakeCalendar, type FakeCalendarServer } from '../../test/fakes/google-calendar/server.js';
import { CALENDAR_NAME, ORGANIZER_EMAIL } from './calendar-export.js';
import { EXPORT_PATHS, type Incident } from './incident.js';
import { BUSINESS_ZONE } from './time.js';

/**
 * The sample incident's booking calendar, served on 127.0.0.1 by the one Google Calendar
 * fake (the test suite's, test/fakes/google-calendar/) so that `salvage demo` pulls the
 * bookings through the real googleapis client. The calendar is `calendarId`, titled and
 * zoned like the export; only `accessToken` is accepted.
 */
export async function startDemoCalendar(incident: Incident, calendarId: string, accessToken: string): Promise<FakeCalendarServer> {
  const server = await startFakeCalendar({ calendars: [{ id: calendarId, summary: CALENDAR_NAME, timeZone: BUSINESS_ZONE }], accessTokens: [accessToken] });
  for (const event of bookingEvents(incident)) server.store.put(calendarId, event);
  return server;
}

/** A Calendar v3 event resource, as JSON. */
type GoogleEventJson = FakeEvent & Record<string, unknown>;

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
function bookingEvents(incident: Incident): GoogleEventJson[] {
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
