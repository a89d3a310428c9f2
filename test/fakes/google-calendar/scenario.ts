import { DateTime } from 'luxon';
import type { PullWindow } from '../../../src/records/connector.js';
import type { FakeCalendar, FakeEvent, FakeEventTime } from './model.js';
import type { FakeCalendarServer } from './server.js';

/**
 * The calendars of a kayak rental as Google Calendar holds them after the incident:
 * 120 bookings (pagination), a cancelled booking and a deleted one, a weekly tour that
 * crosses the March DST change with one instance moved and one cancelled, all-day events
 * over both DST changes, events in Oslo, New York and Tokyo, and the traps of the window
 * (written before it, dated before it, dated after the horizon).
 */
export const WINDOW: PullWindow = {
  from: new Date('2026-01-20T00:00:00Z'),
  to: new Date('2026-04-25T09:00:00Z'),
  since: new Date('2026-01-19T00:00:00Z'),
  horizon: new Date('2027-04-25T09:00:00Z'),
};

export const ACCESS_TOKEN = 'ya' + '29.fake-access-token-0123456789';
export const KAYAKS = 'c_kayaks0fjord@group.calendar.google.com';
export const CANOES = 'c_canoes0fjord@group.calendar.google.com';
export const STAFF = 'c_staff0fjord@group.calendar.google.com';
export const REMOVED = 'c_removed0fjord@group.calendar.google.com';
export const BOOKINGS = 120;
export const ORGANIZER = { email: KAYAKS, displayName: 'Kayaks', self: true };

export const CALENDARS: FakeCalendar[] = [
  { id: KAYAKS, summary: 'Kayaks', timeZone: 'Europe/Oslo' },
  { id: CANOES, summary: 'Canoes', timeZone: 'America/New_York' },
  { id: STAFF, summary: 'Staff', timeZone: 'Europe/Oslo', hidden: true },
  { id: REMOVED, summary: 'Old rentals', timeZone: 'Europe/Oslo', deleted: true },
];

/** A wall-clock time in a zone as Google writes it: `{ dateTime: '...+01:00', timeZone }`. */
export function at(zone: string, local: string): FakeEventTime {
  return { dateTime: DateTime.fromISO(local, { zone }).toISO({ suppressMilliseconds: true }) ?? '', timeZone: zone };
}

const written = (iso: string) => ({ created: iso, updated: iso });

export function bookingId(n: number): string {
  return `bk${String(n).padStart(4, '0')}`;
}

export function booking(n: number): FakeEvent {
  const day = DateTime.fromISO('2026-02-01', { zone: 'Europe/Oslo' }).plus({ days: n * 2 });
  const reference = `REF${String(n).padStart(3, '0')}`;
  return {
    id: bookingId(n),
    status: n % 10 === 0 ? 'tentative' : 'confirmed',
    htmlLink: `https://www.google.com/calendar/event?eid=${bookingId(n)}`,
    ...written(DateTime.fromISO('2026-01-25T10:00:00Z').plus({ hours: n }).toUTC().toISO() ?? ''),
    summary: `Single kayak – Booking ${reference}`,
    description: `Booking ${reference}\nCustomer: Guest ${n}\nEmail: guest${n}@example.com\nTotal: ${40 + n}.00 EUR`,
    location: 'Fjord Kayaks, Bryggen 3, 5003 Bergen, Norway',
    creator: ORGANIZER,
    organizer: ORGANIZER,
    start: at('Europe/Oslo', `${day.toISODate()}T10:00`),
    end: at('Europe/Oslo', `${day.toISODate()}T13:00`),
    iCalUID: `booking-${n}@fjordkayaks.example`,
    sequence: 0,
    attendees: [{ email: `guest${n}@example.com`, displayName: `Guest ${n}`, responseStatus: 'accepted' }],
    extendedProperties: { private: { bookingId: String(n) } },
    reminders: { useDefault: true },
    eventType: 'default',
  };
}

export const TOUR = 'tour0weekly';
export const YOGA = 'yoga0weekly';

/** The KAYAKS calendar's events beside the numbered bookings. */
export function specialEvents(): FakeEvent[] {
  const oslo = (local: string) => at('Europe/Oslo', local);
  return [
    // Written before the window, for a date inside it: not wanted.
    { id: 'oldbooking0', status: 'confirmed', ...written('2026-01-10T08:00:00Z'), summary: 'Old booking', start: oslo('2026-03-15T10:00'), end: oslo('2026-03-15T11:00'), iCalUID: 'old@x' },
    // Written inside the window, for a date before it (a correction): wanted.
    { id: 'pastdate0', status: 'confirmed', ...written('2026-02-02T09:00:00Z'), summary: 'Late entry', start: oslo('2026-01-05T10:00'), end: oslo('2026-01-05T12:00'), iCalUID: 'past@x' },
    // Booked in the window for a date after the horizon: wanted (the urgent kind).
    { id: 'farfuture0', status: 'confirmed', ...written('2026-03-01T12:00:00Z'), summary: 'Expedition – Booking FAR001', start: oslo('2028-06-01T10:00'), end: oslo('2028-06-01T18:00'), iCalUID: 'far@x' },
    // After the horizon but written before the window: not wanted.
    { id: 'farfutureold', status: 'confirmed', ...written('2025-12-01T12:00:00Z'), summary: 'Old expedition', start: oslo('2028-07-01T10:00'), end: oslo('2028-07-01T18:00'), iCalUID: 'farold@x' },
    // A cancelled booking: Google keeps the details on the organizer's calendar.
    {
      id: 'cancelled0',
      status: 'cancelled',
      ...written('2026-02-10T08:00:00Z'),
      updated: '2026-03-03T08:00:00.000Z',
      summary: 'Double kayak – Booking CAN001',
      start: oslo('2026-05-02T10:00'),
      end: oslo('2026-05-02T12:00'),
      iCalUID: 'cancelled@x',
      organizer: ORGANIZER,
    },
    // A deleted event: Google guarantees nothing but the id.
    { id: 'deleted0', status: 'cancelled', updated: '2026-03-04T08:00:00.000Z' },
    // A weekly tour across the DST change of 29 March (+01:00 before, +02:00 after).
    {
      id: TOUR,
      status: 'confirmed',
      ...written('2026-02-20T08:00:00Z'),
      summary: 'Guided tour',
      start: oslo('2026-03-07T10:00'),
      end: oslo('2026-03-07T12:00'),
      recurrence: ['RRULE:FREQ=WEEKLY;COUNT=8'],
      iCalUID: 'tour@fjordkayaks.example',
      organizer: ORGANIZER,
    },
    {
      id: `${TOUR}_20260321T090000Z`,
      recurringEventId: TOUR,
      originalStartTime: oslo('2026-03-21T10:00'),
      status: 'confirmed',
      ...written('2026-02-20T08:00:00Z'),
      updated: '2026-03-15T08:00:00.000Z',
      summary: 'Guided tour (moved: high tide)',
      start: oslo('2026-03-21T14:00'),
      end: oslo('2026-03-21T16:00'),
      iCalUID: 'tour@fjordkayaks.example',
      organizer: ORGANIZER,
    },
    { id: `${TOUR}_20260404T080000Z`, recurringEventId: TOUR, originalStartTime: oslo('2026-04-04T10:00'), status: 'cancelled', updated: '2026-03-30T08:00:00.000Z' },
    // A series last written before the window, with one instance moved inside it: only that instance is wanted.
    { id: YOGA, status: 'confirmed', ...written('2025-11-01T08:00:00Z'), summary: 'Yoga', start: oslo('2026-01-06T18:00'), end: oslo('2026-01-06T19:00'), recurrence: ['RRULE:FREQ=WEEKLY;COUNT=20'], iCalUID: 'yoga@x' },
    {
      id: `${YOGA}_20260210T170000Z`,
      recurringEventId: YOGA,
      originalStartTime: oslo('2026-02-10T18:00'),
      status: 'confirmed',
      ...written('2025-11-01T08:00:00Z'),
      updated: '2026-02-05T08:00:00.000Z',
      summary: 'Yoga (late)',
      start: oslo('2026-02-10T19:00'),
      end: oslo('2026-02-10T20:00'),
      iCalUID: 'yoga@x',
    },
    // All-day events over both DST changes (end dates are exclusive).
    { id: 'festival0', status: 'confirmed', ...written('2026-02-01T08:00:00Z'), summary: 'Kayak festival', start: { date: '2026-03-28' }, end: { date: '2026-03-30' }, iCalUID: 'festival@x' },
    { id: 'autumn0', status: 'confirmed', ...written('2026-02-01T08:00:00Z'), summary: 'Autumn camp', start: { date: '2026-10-24' }, end: { date: '2026-10-26' }, iCalUID: 'autumn@x' },
    // Two more zones: Google renders these in the calendar's zone, with the event's zone beside.
    { id: 'nycall0', status: 'confirmed', ...written('2026-02-03T08:00:00Z'), summary: 'Supplier call (New York)', start: at('America/New_York', '2026-03-10T09:00'), end: at('America/New_York', '2026-03-10T10:00'), iCalUID: 'ny@x' },
    { id: 'tokyo0', status: 'confirmed', ...written('2026-02-03T08:00:00Z'), summary: 'Partner visit (Tokyo)', start: at('Asia/Tokyo', '2026-04-02T10:00'), end: at('Asia/Tokyo', '2026-04-02T11:30'), iCalUID: 'tokyo@x' },
    richEvent(),
  ];
}

/** Every Google-only field a rule might want. */
export function richEvent(): FakeEvent {
  return {
    id: 'rich0',
    status: 'confirmed',
    ...written('2026-02-05T08:00:00Z'),
    summary: 'Group booking – Booking GRP001',
    start: at('Europe/Oslo', '2026-06-06T09:00'),
    end: at('Europe/Oslo', '2026-06-06T15:00'),
    iCalUID: 'group@fjordkayaks.example',
    organizer: ORGANIZER,
    creator: { email: 'ola@fjordkayaks.example', displayName: 'Ola' },
    attendees: [
      { email: 'leader@school.example', displayName: 'Kari Leader', responseStatus: 'accepted' },
      { email: 'teacher@school.example', responseStatus: 'needsAction', optional: true },
      { email: 'c_boat7@resource.calendar.google.com', displayName: 'Boat 7', responseStatus: 'accepted', resource: true },
    ],
    extendedProperties: { private: { bookingId: '4711', reference: 'GRP001' }, shared: { channel: 'web' } },
    hangoutLink: 'https://meet.google.com/abc-defg-hij',
    conferenceData: {
      conferenceId: 'abc-defg-hij',
      conferenceSolution: { key: { type: 'hangoutsMeet' }, name: 'Google Meet' },
      entryPoints: [{ entryPointType: 'video', uri: 'https://meet.google.com/abc-defg-hij', label: 'meet.google.com/abc-defg-hij' }],
    },
    attachments: [{ fileUrl: 'https://drive.google.com/open?id=waiver', title: 'Waiver.pdf', mimeType: 'application/pdf', fileId: 'waiver' }],
    source: { title: 'Booking system', url: 'https://book.fjordkayaks.example/b/4711' },
    transparency: 'opaque',
    visibility: 'private',
    colorId: '5',
  };
}

export function canoeEvents(): FakeEvent[] {
  return [
    // No event zone: the time is in the calendar's zone.
    { id: 'canoe1', status: 'confirmed', ...written('2026-02-11T08:00:00Z'), summary: 'Canoe – Booking CNO001', start: { dateTime: '2026-03-07T09:00:00-05:00' }, end: { dateTime: '2026-03-07T11:00:00-05:00' }, iCalUID: 'canoe1@x' },
    // All-day over the US DST change of 8 March.
    { id: 'canoe2', status: 'confirmed', ...written('2026-02-11T08:00:00Z'), summary: 'Canoe weekend', start: { date: '2026-03-07' }, end: { date: '2026-03-09' }, iCalUID: 'canoe2@x' },
    { id: 'canoe3', status: 'confirmed', ...written('2026-02-11T08:00:00Z'), summary: 'Canoe – Booking CNO003', start: { dateTime: '2026-03-14T09:00:00-04:00' }, end: { dateTime: '2026-03-14T11:00:00-04:00' }, iCalUID: 'canoe3@x' },
  ];
}

export function staffEvents(): FakeEvent[] {
  return [{ id: 'staff1', status: 'confirmed', ...written('2026-02-12T08:00:00Z'), summary: 'Rota', start: { date: '2026-02-16' }, end: { date: '2026-02-17' }, iCalUID: 'staff1@x' }];
}

/** Ids of the KAYAKS records a pull over WINDOW must produce. */
export function expectedKayakIds(): string[] {
  const instances = ['20260307T090000Z', '20260314T090000Z', '20260321T090000Z', '20260328T090000Z', '20260404T080000Z', '20260411T080000Z', '20260418T080000Z', '20260425T080000Z'];
  return [
    ...Array.from({ length: BOOKINGS }, (_, i) => bookingId(i + 1)),
    'pastdate0',
    'farfuture0',
    'cancelled0',
    'deleted0',
    ...instances.map((utc) => `${TOUR}_${utc}`),
    `${YOGA}_20260210T170000Z`,
    'festival0',
    'autumn0',
    'nycall0',
    'tokyo0',
    'rich0',
  ].map((id) => `${KAYAKS}/${id}`);
}

/** Fills a fake server with the scenario. */
export function loadScenario(server: FakeCalendarServer): void {
  for (let n = 1; n <= BOOKINGS; n++) server.store.put(KAYAKS, booking(n));
  for (const event of specialEvents()) server.store.put(KAYAKS, event);
  for (const event of canoeEvents()) server.store.put(CANOES, event);
  for (const event of staffEvents()) server.store.put(STAFF, event);
}
