import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { envelopeProblems, type SourceRecord } from '../../src/records/envelope.js';
import { isEventsRequest } from '../fakes/google-calendar/server.js';
import {
  ACCESS_TOKEN,
  BOOKINGS,
  CANOES,
  expectedKayakIds,
  KAYAKS,
  ORGANIZER,
  REMOVED,
  STAFF,
  TOUR,
  WINDOW,
  YOGA,
} from '../fakes/google-calendar/scenario.js';
import { FIRST_PULL_AT, startKit, type CalendarTestKit } from '../fakes/google-calendar/test-kit.js';

let kit: CalendarTestKit;

beforeEach(async () => {
  kit = await startKit({ pageSize: 50 });
});

afterEach(async () => {
  try {
    kit.expectOnlyGetsToTheFake();
  } finally {
    await kit.close();
  }
});

function byId(records: SourceRecord[], calendarId: string, eventId: string): SourceRecord {
  const record = records.find((r) => r.id === `${calendarId}/${eventId}`);
  if (record === undefined) throw new Error(`no record ${calendarId}/${eventId} among ${records.map((r) => r.id).join(', ')}`);
  return record;
}

describe('google-calendar: what a pull asks for', () => {
  it('talks to the configured server only, and only with GETs', async () => {
    await kit.pull({ calendarIds: 'all' });
    expect(kit.guard.connections.length).toBeGreaterThan(0);
    expect(kit.guard.connections.every((target) => target.host === '127.0.0.1' && target.port === kit.server.port)).toBe(true);
    expect(kit.guard.blocked).toEqual([]);
    expect(kit.server.requests.length).toBeGreaterThan(5);
    expect(new Set(kit.server.requests.map((request) => request.method))).toEqual(new Set(['GET']));
  });

  it('lists by write time over every page, instances expanded up to the horizon, deletions included', async () => {
    const { records } = await kit.pull();
    expect(records.map((r) => r.id).sort()).toEqual(expectedKayakIds().sort());

    const events = kit.server.requests.filter(isEventsRequest);
    const window = events.filter((r) => r.query.get('singleEvents') === 'true');
    // 138 listed items at 50 a page: three pages, each following the previous page's token.
    expect(window).toHaveLength(3);
    expect(window[0]?.query.get('pageToken')).toBeNull();
    expect(window[1]?.query.get('pageToken')).toBeTruthy();
    for (const request of window) {
      expect(request.path).toBe(`/calendar/v3/calendars/${encodeURIComponent(KAYAKS)}/events`);
      expect(Object.fromEntries([...request.query].filter(([name]) => name !== 'pageToken'))).toEqual({
        maxResults: '2500',
        showDeleted: 'true',
        singleEvents: 'true',
        updatedMin: WINDOW.since.toISOString(),
        timeMax: WINDOW.horizon.toISOString(),
      });
      expect(request.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
    }
    // The second pass: one-off events written in the window that start after the horizon.
    const beyond = events.filter((r) => r.query.get('singleEvents') === 'false');
    expect(beyond).toHaveLength(1);
    expect(Object.fromEntries(beyond[0]?.query ?? [])).toEqual({
      maxResults: '2500',
      showDeleted: 'true',
      singleEvents: 'false',
      updatedMin: WINDOW.since.toISOString(),
      timeMin: WINDOW.horizon.toISOString(),
    });
    // Never an event-date lower bound on the window listing, never orderBy (it would cost the sync token).
    expect(events.filter((r) => r.query.has('orderBy'))).toEqual([]);
  });

  it('keeps what was written in the window whatever its date, and nothing written before it', async () => {
    const { records } = await kit.pull();
    const ids = new Set(records.map((r) => r.id));
    expect(ids.has(`${KAYAKS}/pastdate0`)).toBe(true); // dated before the window
    expect(byId(records, KAYAKS, 'farfuture0').data.start).toBe('2028-06-01T10:00:00+02:00'); // after the horizon
    expect(ids.has(`${KAYAKS}/oldbooking0`)).toBe(false);
    expect(ids.has(`${KAYAKS}/farfutureold`)).toBe(false);
    // A series written before the window: only its instance moved inside the window.
    expect([...ids].filter((id) => id.includes(YOGA))).toEqual([`${KAYAKS}/${YOGA}_20260210T170000Z`]);
  });

  it('writes valid envelopes with the ids, refs and times the contract fixes', async () => {
    const { records } = await kit.pull();
    for (const record of records) expect(envelopeProblems(record)).toEqual([]);
    expect(records.filter((r) => r.source !== 'calendar' || r.type !== 'calendar.event' || r.observedAt !== FIRST_PULL_AT)).toEqual([]);
    const ids = records.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const first = byId(records, KAYAKS, 'bk0001');
    expect(first.ref).toBe('gcal://c_kayaks0fjord@group.calendar.google.com/bk0001');
    expect(first.createdAt).toBe('2026-01-25T11:00:00.000Z');
    expect(first.updatedAt).toBe('2026-01-25T11:00:00.000Z');
    expect(first.deleted).toBeUndefined();
  });
});

describe('google-calendar: records in the ICS connector shape', () => {
  it('maps a booking to the fields one rule reads from both sources', async () => {
    const { records } = await kit.pull();
    expect(byId(records, KAYAKS, 'bk0003').data).toEqual({
      uid: 'booking-3@fjordkayaks.example',
      summary: 'Single kayak – Booking REF003',
      description: 'Booking REF003\nCustomer: Guest 3\nEmail: guest3@example.com\nTotal: 43.00 EUR',
      location: 'Fjord Kayaks, Bryggen 3, 5003 Bergen, Norway',
      status: 'CONFIRMED',
      sequence: 0,
      start: '2026-02-07T10:00:00+01:00',
      end: '2026-02-07T13:00:00+01:00',
      allDay: false,
      timeZone: 'Europe/Oslo',
      floating: false,
      recurring: false,
      organizer: { email: KAYAKS, name: 'Kayaks', self: true },
      attendees: [{ email: 'guest3@example.com', name: 'Guest 3', partstat: 'ACCEPTED', role: 'REQ-PARTICIPANT', responseStatus: 'accepted' }],
      categories: [],
      url: null,
      calendarName: 'Kayaks',
      created: '2026-01-25T13:00:00.000Z',
      lastModified: '2026-01-25T13:00:00.000Z',
      extra: {
        etag: expect.any(String),
        status: 'confirmed',
        creator: ORGANIZER,
        start: { dateTime: '2026-02-07T10:00:00+01:00', timeZone: 'Europe/Oslo' },
        end: { dateTime: '2026-02-07T13:00:00+01:00', timeZone: 'Europe/Oslo' },
        reminders: { useDefault: true },
        eventType: 'default',
      },
      calendarId: KAYAKS,
      id: 'bk0003',
      googleStatus: 'confirmed',
      htmlLink: 'https://www.google.com/calendar/event?eid=bk0003',
      extendedProperties: { private: { bookingId: '3' } },
      conferenceData: null,
      attachments: [],
      recurringEventId: null,
      originalStartTime: null,
    });
    expect(byId(records, KAYAKS, 'bk0010').data).toMatchObject({ status: 'TENTATIVE', googleStatus: 'tentative' });
  });

  it('keeps extended properties, conference and attachment links, guests and the source link', async () => {
    const { records } = await kit.pull();
    const rich = byId(records, KAYAKS, 'rich0').data;
    expect(rich.extendedProperties).toEqual({ private: { bookingId: '4711', reference: 'GRP001' }, shared: { channel: 'web' } });
    expect(rich.conferenceData).toMatchObject({ conferenceId: 'abc-defg-hij', entryPoints: [{ uri: 'https://meet.google.com/abc-defg-hij' }] });
    expect(rich.attachments).toEqual([{ fileUrl: 'https://drive.google.com/open?id=waiver', title: 'Waiver.pdf', mimeType: 'application/pdf', fileId: 'waiver' }]);
    expect(rich.url).toBe('https://book.fjordkayaks.example/b/4711');
    expect(rich.attendees).toEqual([
      { email: 'leader@school.example', name: 'Kari Leader', partstat: 'ACCEPTED', role: 'REQ-PARTICIPANT', responseStatus: 'accepted' },
      { email: 'teacher@school.example', name: null, partstat: 'NEEDS-ACTION', role: 'OPT-PARTICIPANT', responseStatus: 'needsAction', optional: true },
      { email: 'c_boat7@resource.calendar.google.com', name: 'Boat 7', partstat: 'ACCEPTED', role: 'REQ-PARTICIPANT', responseStatus: 'accepted', resource: true },
    ]);
    expect(rich.extra).toMatchObject({
      hangoutLink: 'https://meet.google.com/abc-defg-hij',
      creator: { email: 'ola@fjordkayaks.example', displayName: 'Ola' },
      transparency: 'opaque',
      visibility: 'private',
      colorId: '5',
    });
  });

  it('marks cancelled events deleted, with what Google still tells about them', async () => {
    const { records } = await kit.pull();
    const cancelled = byId(records, KAYAKS, 'cancelled0');
    expect(cancelled.deleted).toBe(true);
    expect(cancelled.data).toMatchObject({ status: 'CANCELLED', googleStatus: 'cancelled', summary: 'Double kayak – Booking CAN001', start: '2026-05-02T10:00:00+02:00' });
    // A deleted event is only guaranteed its id: still a record, still evidence.
    const tombstone = byId(records, KAYAKS, 'deleted0');
    expect(tombstone).toMatchObject({ deleted: true, updatedAt: '2026-03-04T08:00:00.000Z' });
    expect(tombstone.data).toMatchObject({ status: 'CANCELLED', uid: null, summary: null, start: null, end: null, allDay: false });
  });

  it('expands a weekly series across DST on the wall clock, with the moved and the cancelled instance', async () => {
    const { records } = await kit.pull();
    const tour = records.filter((r) => r.data.recurringEventId === TOUR).map((r) => ({
      id: r.data.id,
      start: r.data.start,
      end: r.data.end,
      recurrenceId: r.data.recurrenceId,
      summary: r.data.summary,
      deleted: r.deleted ?? false,
    }));
    expect(tour).toEqual([
      { id: `${TOUR}_20260307T090000Z`, start: '2026-03-07T10:00:00+01:00', end: '2026-03-07T12:00:00+01:00', recurrenceId: '2026-03-07T09:00:00Z', summary: 'Guided tour', deleted: false },
      { id: `${TOUR}_20260314T090000Z`, start: '2026-03-14T10:00:00+01:00', end: '2026-03-14T12:00:00+01:00', recurrenceId: '2026-03-14T09:00:00Z', summary: 'Guided tour', deleted: false },
      { id: `${TOUR}_20260321T090000Z`, start: '2026-03-21T14:00:00+01:00', end: '2026-03-21T16:00:00+01:00', recurrenceId: '2026-03-21T09:00:00Z', summary: 'Guided tour (moved: high tide)', deleted: false },
      { id: `${TOUR}_20260328T090000Z`, start: '2026-03-28T10:00:00+01:00', end: '2026-03-28T12:00:00+01:00', recurrenceId: '2026-03-28T09:00:00Z', summary: 'Guided tour', deleted: false },
      { id: `${TOUR}_20260404T080000Z`, start: null, end: null, recurrenceId: '2026-04-04T08:00:00Z', summary: null, deleted: true },
      { id: `${TOUR}_20260411T080000Z`, start: '2026-04-11T10:00:00+02:00', end: '2026-04-11T12:00:00+02:00', recurrenceId: '2026-04-11T08:00:00Z', summary: 'Guided tour', deleted: false },
      { id: `${TOUR}_20260418T080000Z`, start: '2026-04-18T10:00:00+02:00', end: '2026-04-18T12:00:00+02:00', recurrenceId: '2026-04-18T08:00:00Z', summary: 'Guided tour', deleted: false },
      { id: `${TOUR}_20260425T080000Z`, start: '2026-04-25T10:00:00+02:00', end: '2026-04-25T12:00:00+02:00', recurrenceId: '2026-04-25T08:00:00Z', summary: 'Guided tour', deleted: false },
    ]);
    const moved = byId(records, KAYAKS, `${TOUR}_20260321T090000Z`);
    expect(moved.data).toMatchObject({ recurring: true, uid: 'tour@fjordkayaks.example', originalStartTime: { dateTime: '2026-03-21T10:00:00+01:00', timeZone: 'Europe/Oslo' } });
    expect(moved.updatedAt).toBe('2026-03-15T08:00:00.000Z');
  });

  it('keeps all-day events as dates (end exclusive) across both DST changes', async () => {
    const { records } = await kit.pull();
    expect(byId(records, KAYAKS, 'festival0').data).toMatchObject({ start: '2026-03-28', end: '2026-03-30', allDay: true, timeZone: 'Europe/Oslo' });
    expect(byId(records, KAYAKS, 'autumn0').data).toMatchObject({ start: '2026-10-24', end: '2026-10-26', allDay: true, timeZone: 'Europe/Oslo' });
  });

  it("gives timed events in the event's own zone, with its offset, in three zones", async () => {
    const { records } = await kit.pull();
    // Google renders these in the calendar's zone (14:00+01:00 for the New York call); the
    // record says what the organiser typed, as an ICS export would.
    expect(byId(records, KAYAKS, 'nycall0').data).toMatchObject({ start: '2026-03-10T09:00:00-04:00', end: '2026-03-10T10:00:00-04:00', timeZone: 'America/New_York' });
    expect(byId(records, KAYAKS, 'nycall0').data.extra).toMatchObject({ start: { dateTime: '2026-03-10T14:00:00+01:00', timeZone: 'America/New_York' } });
    expect(byId(records, KAYAKS, 'tokyo0').data).toMatchObject({ start: '2026-04-02T10:00:00+09:00', end: '2026-04-02T11:30:00+09:00', timeZone: 'Asia/Tokyo' });
    expect(byId(records, KAYAKS, 'bk0001').data).toMatchObject({ start: '2026-02-03T10:00:00+01:00', timeZone: 'Europe/Oslo' });
    for (const id of ['nycall0', 'tokyo0', 'bk0001']) {
      const data = byId(records, KAYAKS, id).data;
      // Same instant as Google's rendering: only the zone it is written in differs.
      const google = (data.extra as { start: { dateTime: string } }).start.dateTime;
      expect(Date.parse(data.start as string)).toBe(Date.parse(google));
    }
  });
});

describe('google-calendar: several calendars', () => {
  it('pulls each configured calendar, the calendar id in every record; zone-less times in the calendar zone', async () => {
    const { records } = await kit.pull({ calendarIds: [KAYAKS, CANOES] });
    expect(records.filter((r) => r.data.calendarId === CANOES).map((r) => r.id)).toEqual([`${CANOES}/canoe1`, `${CANOES}/canoe2`, `${CANOES}/canoe3`]);
    expect(byId(records, CANOES, 'canoe1').data).toMatchObject({ start: '2026-03-07T09:00:00-05:00', timeZone: 'America/New_York', calendarName: 'Canoes' });
    expect(byId(records, CANOES, 'canoe2').data).toMatchObject({ start: '2026-03-07', end: '2026-03-09', allDay: true, timeZone: 'America/New_York' });
    expect(byId(records, CANOES, 'canoe3').data).toMatchObject({ start: '2026-03-14T09:00:00-04:00' });
    expect(records).toHaveLength(expectedKayakIds().length + 3);
  });

  it('with calendarIds: all, pulls every listed calendar, hidden ones too, across calendar list pages', async () => {
    await kit.close();
    kit = await startKit({ pageSize: 50, calendarListPageSize: 2 });
    const { records } = await kit.pull({ calendarIds: 'all' });
    const calendars = new Set(records.map((r) => r.data.calendarId));
    expect([...calendars].sort()).toEqual([CANOES, KAYAKS, STAFF].sort());
    expect(calendars.has(REMOVED)).toBe(false);
    const listRequests = kit.server.requests.filter((r) => r.path === '/calendar/v3/users/me/calendarList');
    expect(listRequests).toHaveLength(2);
    expect(listRequests.every((r) => r.query.get('showHidden') === 'true')).toBe(true);
    expect(records.filter((r) => r.data.calendarId === KAYAKS)).toHaveLength(BOOKINGS + 18);
  });
});
