import { formatCents, tripEnd, tripStart, type Trip } from './rental-catalog.js';
import { lastModified, tripAt, type BookingPlan, type BusinessHistory } from './history-model.js';
import { escapeText, icsDocument, quoteParam } from './ics-writer.js';
import { BUSINESS_ZONE, HOUR, addDays, instantFromIso, toIcsDate, toIcsLocal, toIcsUtc, type Instant } from './time.js';

/**
 * The Google Calendar export of the "Fjord Kayaks bookings" calendar, taken after
 * the loss. The booking system mirrored every booking into it (its database id in
 * the UID, the booking's details in the description); staff also keep a few events
 * of their own there, which a recovery must not mistake for bookings.
 */

export const CALENDAR_NAME = 'Fjord Kayaks bookings';
export const ORGANIZER_EMAIL = 'bookings@fjordkayaks.example';
const LOCATION = 'Fjord Kayaks, Bryggen 3, 5003 Bergen, Norway';

/** The UID the booking system gave a booking's event: it carries `bookings.id`. */
export function bookingUid(bookingId: number): string {
  return `booking-${bookingId}@fjordkayaks.example`;
}

/** Europe/Oslo as Google Calendar writes it: CET/CEST with the EU rules. */
const OSLO_VTIMEZONE = [
  'BEGIN:VTIMEZONE',
  `TZID:${BUSINESS_ZONE}`,
  `X-LIC-LOCATION:${BUSINESS_ZONE}`,
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'TZNAME:CEST',
  'DTSTART:19700329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'TZNAME:CET',
  'DTSTART:19701025T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
  'END:VTIMEZONE',
];

export function calendarIcs(history: BusinessHistory): string {
  // Exported an hour and a half after the loss, when someone thought of it.
  const exportedAt = history.window.to + 1.5 * HOUR;
  const lines = [
    'BEGIN:VCALENDAR',
    'PRODID:-//Google Inc//Google Calendar 70.9054//EN',
    'VERSION:2.0',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${escapeText(CALENDAR_NAME)}`,
    `X-WR-TIMEZONE:${BUSINESS_ZONE}`,
    ...OSLO_VTIMEZONE,
    ...staffEvents(exportedAt),
    ...history.bookings.filter((b) => b.calendar === 'listed').flatMap((b) => bookingEvent(b, history.window.to, exportedAt)),
    'END:VCALENDAR',
  ];
  return icsDocument(lines);
}

function whenLines(trip: Trip): string[] {
  if (trip.kind === 'allDay') {
    // DTEND of an all-day event is exclusive: the day after the last day.
    return [`DTSTART;VALUE=DATE:${toIcsDate(trip.firstDay)}`, `DTEND;VALUE=DATE:${toIcsDate(addDays(trip.firstDay, trip.days))}`];
  }
  return [`DTSTART;TZID=${BUSINESS_ZONE}:${toIcsLocal(tripStart(trip))}`, `DTEND;TZID=${BUSINESS_ZONE}:${toIcsLocal(tripEnd(trip))}`];
}

/** The event description the booking system wrote (lines joined by newlines; escaped later). */
export function bookingDescription(booking: BookingPlan): string {
  const { identity } = booking.customer;
  const shownTotal = formatCents(booking.staleDescriptionTotalCents ?? booking.totalCents);
  return [
    `Booking ${booking.reference}`,
    `Customer: ${identity.fullName}`,
    `Email: ${identity.typedEmail}`,
    ...(identity.phone !== null && booking.phoneInDescription ? [`Phone: ${identity.phone}`] : []),
    `Item: ${booking.item}`,
    `Total: ${shownTotal} EUR${booking.payment === null ? ' (cash)' : ''}`,
  ].join('\n');
}

function bookingEvent(booking: BookingPlan, lossTime: Instant, exportedAt: Instant): string[] {
  const { identity } = booking.customer;
  const cancelled = booking.cancelledAt !== null && booking.cancelledAt < lossTime;
  return [
    'BEGIN:VEVENT',
    ...whenLines(tripAt(booking, lossTime)),
    `DTSTAMP:${toIcsUtc(exportedAt)}`,
    `ORGANIZER;CN=Fjord Kayaks:mailto:${ORGANIZER_EMAIL}`,
    `UID:${bookingUid(booking.id)}`,
    `ATTENDEE;CN=${quoteParam(identity.fullName)};PARTSTAT=ACCEPTED:mailto:${identity.typedEmail}`,
    `CREATED:${toIcsUtc(booking.createdAt)}`,
    `DESCRIPTION:${escapeText(bookingDescription(booking))}`,
    `LAST-MODIFIED:${toIcsUtc(lastModified(booking))}`,
    `LOCATION:${escapeText(LOCATION)}`,
    `SEQUENCE:${booking.reschedules.length + (cancelled ? 1 : 0)}`,
    `STATUS:${cancelled ? 'CANCELLED' : 'CONFIRMED'}`,
    `SUMMARY:${escapeText(`${booking.item} – Booking ${booking.reference}`)}`,
    'TRANSP:OPAQUE',
    'END:VEVENT',
  ];
}

/**
 * Events the staff keep in the same calendar: a weekly meeting (recurring, edited
 * during the window, so a window filter on LAST-MODIFIED picks it up) and dock
 * maintenance. None is a booking.
 */
function staffEvents(exportedAt: Instant): string[] {
  const stamp = `DTSTAMP:${toIcsUtc(exportedAt)}`;
  const organizer = `ORGANIZER;CN=Fjord Kayaks:mailto:${ORGANIZER_EMAIL}`;
  const utc = (iso: string) => toIcsUtc(instantFromIso(iso));
  return [
    'BEGIN:VEVENT',
    `DTSTART;TZID=${BUSINESS_ZONE}:20250505T083000`,
    `DTEND;TZID=${BUSINESS_ZONE}:20250505T090000`,
    'RRULE:FREQ=WEEKLY;BYDAY=MO',
    stamp,
    organizer,
    'UID:5q2ktc0v1g7m3h9s8b6n4d2f0a@google.com',
    `CREATED:${utc('2025-04-28T10:15:00Z')}`,
    `DESCRIPTION:${escapeText('Rota, the week\'s bookings, safety checks.\nCoffee: whoever is on the early shift.')}`,
    `LAST-MODIFIED:${utc('2026-02-16T09:12:44Z')}`,
    `LOCATION:${escapeText('Boathouse office')}`,
    'SEQUENCE:2',
    'STATUS:CONFIRMED',
    'SUMMARY:Weekly staff meeting',
    'TRANSP:OPAQUE',
    'END:VEVENT',
    'BEGIN:VEVENT',
    'DTSTART;VALUE=DATE:20251103',
    'DTEND;VALUE=DATE:20251104',
    stamp,
    organizer,
    'UID:1r8vd3pk6j0c2e5w9y7t4u1i3o@google.com',
    `CREATED:${utc('2025-10-20T07:41:09Z')}`,
    `DESCRIPTION:${escapeText('Winter lay-up: hull checks; no rentals.')}`,
    `LAST-MODIFIED:${utc('2025-10-20T07:41:09Z')}`,
    `LOCATION:${escapeText(LOCATION)}`,
    'SEQUENCE:0',
    'STATUS:CONFIRMED',
    'SUMMARY:Dock maintenance',
    'TRANSP:TRANSPARENT',
    'END:VEVENT',
    'BEGIN:VEVENT',
    `DTSTART;TZID=${BUSINESS_ZONE}:20260414T100000`,
    `DTEND;TZID=${BUSINESS_ZONE}:20260414T140000`,
    stamp,
    organizer,
    'UID:7h4mb2xq9z1l6f3r0p8g5k2w7e@google.com',
    `CREATED:${utc('2026-03-10T13:05:00Z')}`,
    `DESCRIPTION:${escapeText('Dock closed 10–14, new pontoon. No bookings in that slot, please.')}`,
    `LAST-MODIFIED:${utc('2026-03-10T13:05:00Z')}`,
    `LOCATION:${escapeText(LOCATION)}`,
    'SEQUENCE:0',
    'STATUS:CONFIRMED',
    'SUMMARY:Dock maintenance',
    'TRANSP:OPAQUE',
    'END:VEVENT',
  ];
}
