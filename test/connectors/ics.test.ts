import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import ICAL from 'ical.js';
import { icsConnector } from '../../connectors/ics/index.js';
import { SourceInputError, type PullContext } from '../../src/records/connector.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { TEST_WINDOW, testPullContext } from '../support/pull-context.js';
import { scratchPerTest } from '../support/scratch-dir.js';

const OBSERVED_AT = '2026-04-26T08:00:00.000Z';
const SINCE = new Date('2026-01-19T00:00:00Z');
const HORIZON = new Date('2027-04-25T09:00:00Z');
/** CREATED inside the window, for events whose write time is not what the test is about. */
const RECENT = 'CREATED:20260301T120000Z';

const scratch = scratchPerTest('salvage-ics-');
const logs = scratch.logs;

function pullContext(): PullContext {
  return testPullContext('invites', scratch.dir, (message) => logs.push(message), { observedAt: OBSERVED_AT, window: { ...TEST_WINDOW, since: SINCE, horizon: HORIZON } });
}

/** A VCALENDAR with the given content lines, CRLF-terminated as RFC 5545 wants. */
function calendar(lines: string[], header: string[] = ['X-WR-CALNAME:Bookings']): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//salvage tests//EN', ...header, ...lines, 'END:VCALENDAR', ''].join('\r\n');
}

function vevent(...properties: string[]): string[] {
  return ['BEGIN:VEVENT', ...properties, 'END:VEVENT'];
}

const OSLO_VTIMEZONE = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Oslo',
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

async function writeFixture(relativePath: string, content: string): Promise<void> {
  const absolute = path.join(scratch.dir, relativePath);
  await mkdir(path.dirname(absolute), { recursive: true });
  await writeFile(absolute, content);
}

async function pull(files: string[] = ['*.ics']): Promise<SourceRecord[]> {
  const records: SourceRecord[] = [];
  for await (const record of icsConnector({ files }).pull(pullContext())) records.push(record);
  return records;
}

async function pullError(files: string[]): Promise<unknown> {
  try {
    await pull(files);
  } catch (error) {
    return error;
  }
  throw new Error('expected the pull to fail');
}

function byId(records: SourceRecord[], id: string): SourceRecord {
  const record = records.find((candidate) => candidate.id === id);
  if (record === undefined) throw new Error(`no record ${id} among ${records.map((r) => r.id).join(', ')}`);
  return record;
}

describe('ics connector: single events', () => {
  it('builds the full record of a timed event', async () => {
    await writeFixture(
      'exports/trip.ics',
      calendar([
        ...OSLO_VTIMEZONE,
        ...vevent(
          'UID:trip-1@kayak.example',
          'DTSTAMP:20260425T080000Z',
          'DTSTART;TZID=Europe/Oslo:20260704T090000',
          'DTEND;TZID=Europe/Oslo:20260704T120000',
          'SUMMARY:Kayak trip',
          'LOCATION:Pier 4',
          'STATUS:CONFIRMED',
          'SEQUENCE:2',
          'CATEGORIES:Booking,Kayak',
          'CATEGORIES:Summer',
          'URL:https://kayak.example/b/1',
          'CREATED:20260310T101500Z',
          'LAST-MODIFIED:20260312T080000Z',
          'X-BOOKING-REF:B-1001',
          'X-ALT-DESC;FMTTYPE=text/html:<b>hi</b>',
        ),
      ]),
    );
    const records = await pull(['exports/*.ics']);
    expect(records).toEqual([
      {
        source: 'invites',
        type: 'calendar.event',
        id: 'trip-1@kayak.example',
        ref: 'file://exports/trip.ics#uid=trip-1@kayak.example',
        observedAt: OBSERVED_AT,
        createdAt: '2026-03-10T10:15:00.000Z',
        updatedAt: '2026-03-12T08:00:00.000Z',
        data: {
          uid: 'trip-1@kayak.example',
          summary: 'Kayak trip',
          description: null,
          location: 'Pier 4',
          status: 'CONFIRMED',
          sequence: 2,
          start: '2026-07-04T09:00:00+02:00',
          end: '2026-07-04T12:00:00+02:00',
          allDay: false,
          timeZone: 'Europe/Oslo',
          floating: false,
          recurring: false,
          organizer: null,
          attendees: [],
          categories: ['Booking', 'Kayak', 'Summer'],
          url: 'https://kayak.example/b/1',
          calendarName: 'Bookings',
          created: '2026-03-10T10:15:00.000Z',
          lastModified: '2026-03-12T08:00:00.000Z',
          extra: { 'X-BOOKING-REF': 'B-1001', 'X-ALT-DESC': '<b>hi</b>' },
        },
      },
    ]);
    expect(JSON.parse(JSON.stringify(records[0]))).toEqual(records[0]);
  });

  it('gives each zone its offset on either side of its DST change', async () => {
    await writeFixture(
      'zones.ics',
      calendar([
        ...OSLO_VTIMEZONE,
        ...vevent('UID:oslo-winter', RECENT, 'DTSTART;TZID=Europe/Oslo:20270110T090000', 'DTEND;TZID=Europe/Oslo:20270110T100000'),
        ...vevent('UID:oslo-summer', RECENT, 'DTSTART;TZID=Europe/Oslo:20260704T090000', 'DTEND;TZID=Europe/Oslo:20260704T100000'),
        // No VTIMEZONE for these two: resolved as IANA names.
        ...vevent('UID:ny-before', RECENT, 'DTSTART;TZID=America/New_York:20260307T100000', 'DTEND;TZID=America/New_York:20260307T110000'),
        ...vevent('UID:ny-after', RECENT, 'DTSTART;TZID=America/New_York:20260309T100000', 'DTEND;TZID=America/New_York:20260309T110000'),
        ...vevent('UID:tokyo', RECENT, 'DTSTART;TZID=Asia/Tokyo:20260704T090000', 'DTEND;TZID=Asia/Tokyo:20260704T100000'),
        ...vevent('UID:utc', RECENT, 'DTSTART:20260704T070000Z', 'DTEND:20260704T080000Z'),
      ]),
    );
    const records = await pull();
    const times = Object.fromEntries(records.map((r) => [r.id, [r.data.start, r.data.end, r.data.timeZone]]));
    expect(times).toEqual({
      'oslo-winter': ['2027-01-10T09:00:00+01:00', '2027-01-10T10:00:00+01:00', 'Europe/Oslo'],
      'oslo-summer': ['2026-07-04T09:00:00+02:00', '2026-07-04T10:00:00+02:00', 'Europe/Oslo'],
      'ny-before': ['2026-03-07T10:00:00-05:00', '2026-03-07T11:00:00-05:00', 'America/New_York'],
      'ny-after': ['2026-03-09T10:00:00-04:00', '2026-03-09T11:00:00-04:00', 'America/New_York'],
      tokyo: ['2026-07-04T09:00:00+09:00', '2026-07-04T10:00:00+09:00', 'Asia/Tokyo'],
      utc: ['2026-07-04T07:00:00Z', '2026-07-04T08:00:00Z', 'UTC'],
    });
    expect(logs.filter((message) => message.startsWith('warning'))).toEqual([]);
  });

  it("prefers the file's VTIMEZONE over anything else for its TZID", async () => {
    await writeFixture(
      'custom.ics',
      calendar([
        'BEGIN:VTIMEZONE',
        'TZID:Office Time',
        'BEGIN:STANDARD',
        'DTSTART:19700101T000000',
        'TZOFFSETFROM:+0530',
        'TZOFFSETTO:+0530',
        'END:STANDARD',
        'END:VTIMEZONE',
        ...vevent('UID:office', RECENT, 'DTSTART;TZID=Office Time:20260704T090000', 'DURATION:PT90M'),
      ]),
    );
    const [record] = await pull();
    expect(record!.data).toMatchObject({ start: '2026-07-04T09:00:00+05:30', end: '2026-07-04T10:30:00+05:30', timeZone: 'Office Time' });
  });

  it('falls back to the IANA zone when the VTIMEZONE has an unreadable rule', async () => {
    const brokenOslo = OSLO_VTIMEZONE.map((line) => (line === 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU' ? 'RRULE:FREQ=YEARLY;BYDAY=XX' : line));
    await writeFixture('broken-zone.ics', calendar([...brokenOslo, ...vevent('UID:z', RECENT, 'DTSTART;TZID=Europe/Oslo:20260704T090000')]));
    const [record] = await pull();
    expect(record!.data.start).toBe('2026-07-04T09:00:00+02:00');
  });

  it('keeps an event whose DTSTART cannot be read, with a warning', async () => {
    await writeFixture('baddate.ics', calendar(vevent('UID:bad-date', RECENT, 'DTSTART:2026XX04T090000Z', 'SUMMARY:Still here')));
    const [record] = await pull();
    expect(record!.data).toMatchObject({ uid: 'bad-date', summary: 'Still here', start: null, end: null });
    expect(logs).toContainEqual(expect.stringMatching(/^warning: baddate\.ics: event "bad-date": cannot read DTSTART/));
  });

  it('resolves a prefixed IANA TZID like Mozilla writes it', async () => {
    await writeFixture('moz.ics', calendar(vevent('UID:moz', RECENT, 'DTSTART;TZID=/mozilla.org/20050126_1/Europe/Berlin:20260704T090000')));
    const [record] = await pull();
    expect(record!.data).toMatchObject({ start: '2026-07-04T09:00:00+02:00', timeZone: '/mozilla.org/20050126_1/Europe/Berlin' });
  });

  it('writes all-day events as dates with an exclusive end, one day when DTEND is missing', async () => {
    await writeFixture(
      'allday.ics',
      calendar(
        [
          ...vevent('UID:cabin', RECENT, 'DTSTART;VALUE=DATE:20260710', 'DTEND;VALUE=DATE:20260713', 'SUMMARY:Cabin'),
          ...vevent('UID:holiday', RECENT, 'DTSTART;VALUE=DATE:20261224'),
        ],
        ['X-WR-CALNAME:Bookings', 'X-WR-TIMEZONE:Europe/Oslo'],
      ),
    );
    const records = await pull();
    expect(byId(records, 'cabin').data).toMatchObject({ start: '2026-07-10', end: '2026-07-13', allDay: true, floating: false, timeZone: 'Europe/Oslo' });
    expect(byId(records, 'holiday').data).toMatchObject({ start: '2026-12-24', end: '2026-12-25', allDay: true });
  });

  it('keeps floating times without an offset', async () => {
    await writeFixture('floating.ics', calendar(vevent('UID:float', RECENT, 'DTSTART:20260801T100000', 'DTEND:20260801T113000')));
    const [record] = await pull();
    expect(record!.data).toMatchObject({ start: '2026-08-01T10:00:00', end: '2026-08-01T11:30:00', floating: true, timeZone: null, allDay: false });
  });

  it('warns about an unknown TZID, naming file and UID, and keeps the event as floating', async () => {
    await writeFixture('mars.ics', calendar(vevent('UID:rover', RECENT, 'DTSTART;TZID=Mars/Olympus:20260801T100000', 'SUMMARY:Landing')));
    const [record] = await pull();
    expect(record!.data).toMatchObject({ start: '2026-08-01T10:00:00', end: '2026-08-01T10:00:00', floating: true, timeZone: 'Mars/Olympus', summary: 'Landing' });
    expect(logs).toContainEqual(expect.stringMatching(/^warning: mars\.ics: event "rover": unknown time zone "Mars\/Olympus"/));
  });

  it('marks a cancelled event as deleted and keeps it', async () => {
    await writeFixture('cancel.ics', calendar(vevent('UID:gone', RECENT, 'DTSTART:20260704T070000Z', 'STATUS:CANCELLED', 'SEQUENCE:3')));
    const [record] = await pull();
    expect(record!.deleted).toBe(true);
    expect(record!.data).toMatchObject({ status: 'CANCELLED', sequence: 3 });
  });

  it('reads organizer and attendees, stripping only the mailto: prefix', async () => {
    await writeFixture(
      'people.ics',
      calendar(
        vevent(
          'UID:meet',
          RECENT,
          'DTSTART:20260704T070000Z',
          'ORGANIZER;CN="Kayak Co":mailto:Bookings@Kayak.example',
          'ATTENDEE;CN="Doe, Jane";PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:MAILTO:Jane.Doe@Example.com',
          'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:guest@example.org',
        ),
      ),
    );
    const [record] = await pull();
    expect(record!.data.organizer).toEqual({ email: 'Bookings@Kayak.example', name: 'Kayak Co' });
    expect(record!.data.attendees).toEqual([
      { email: 'Jane.Doe@Example.com', name: 'Doe, Jane', partstat: 'ACCEPTED', role: 'REQ-PARTICIPANT' },
      { email: 'guest@example.org', name: null, partstat: 'NEEDS-ACTION', role: null },
    ]);
  });

  it('unfolds a long DESCRIPTION and unescapes \\, \\; and \\n', async () => {
    const folded = [
      'DESCRIPTION:Bring: paddles\\, life vests\\; and snacks.\\nMeet at the pier a',
      ' t 08:45 sharp\\, please. This line is long enough that any producer would',
      '\tfold it\\; twice.',
    ];
    await writeFixture('folded.ics', calendar(vevent('UID:folded', RECENT, 'DTSTART:20260704T070000Z', ...folded)));
    const [record] = await pull();
    expect(record!.data.description).toBe(
      'Bring: paddles, life vests; and snacks.\nMeet at the pier at 08:45 sharp, please. ' +
        'This line is long enough that any producer wouldfold it; twice.',
    );
  });

  it('decodes TEXT escapes in X- properties and the calendar name', async () => {
    await writeFixture(
      'x.ics',
      calendar(vevent('UID:x', RECENT, 'DTSTART:20260704T070000Z', 'X-NOTE:paid\\, card\\; ok\\nthanks', 'X-TAG:a', 'X-TAG:b'), ['X-WR-CALNAME:Kayaks\\, Oslo']),
    );
    const [record] = await pull();
    expect(record!.data.calendarName).toBe('Kayaks, Oslo');
    expect(record!.data.extra).toEqual({ 'X-NOTE': 'paid, card; ok\nthanks', 'X-TAG': ['a', 'b'] });
  });

  it('says how many non-event components it ignored', async () => {
    await writeFixture('mixed.ics', calendar([...vevent('UID:e', RECENT, 'DTSTART:20260704T070000Z'), 'BEGIN:VTODO', 'UID:t', 'END:VTODO']));
    expect((await pull()).map((r) => r.id)).toEqual(['e']);
    expect(logs).toContainEqual('ics: mixed.ics: 1 VTODO component(s) ignored; only VEVENTs become records');
  });

  it('percent-encodes characters of the UID that would break the ref', async () => {
    await writeFixture('odd.ics', calendar(vevent('UID:a#b&c d%e@x', RECENT, 'DTSTART:20260704T070000Z')));
    const [record] = await pull();
    expect(record!.id).toBe('a#b&c d%e@x');
    expect(record!.ref).toBe('file://odd.ics#uid=a%23b%26c%20d%25e@x');
  });

  it('names an event without UID by its position in the file', async () => {
    await writeFixture('nouid.ics', calendar([...vevent('UID:first', RECENT, 'DTSTART:20260704T070000Z'), ...vevent(RECENT, 'DTSTART:20260705T070000Z')]));
    const records = await pull();
    expect(records.map((r) => [r.id, r.ref, r.data.uid])).toEqual([
      ['first', 'file://nouid.ics#uid=first', 'first'],
      ['nouid.ics#event-2', 'file://nouid.ics#event=2', null],
    ]);
  });
});

describe('ics connector: the window', () => {
  it('filters by when an event was written, never by when it happens', async () => {
    await writeFixture(
      'written.ics',
      calendar([
        // Booked in March for next year: the most important row to recover.
        ...vevent('UID:booked-in-window', 'CREATED:20260305T100000Z', 'DTSTART:20270305T090000Z'),
        ...vevent('UID:old-and-untouched', 'CREATED:20251101T100000Z', 'LAST-MODIFIED:20251102T100000Z', 'DTSTART:20260410T090000Z'),
        ...vevent('UID:old-but-changed', 'CREATED:20251101T100000Z', 'LAST-MODIFIED:20260202T100000Z', 'DTSTART:20251201T090000Z'),
        ...vevent('UID:no-write-times', 'DTSTART:20240101T090000Z'),
        ...vevent('UID:changed-just-at-since', 'CREATED:20250101T000000Z', 'LAST-MODIFIED:20260119T000000Z', 'DTSTART:20260101T090000Z'),
      ]),
    );
    const records = await pull();
    expect(records.map((r) => r.id)).toEqual(['booked-in-window', 'old-but-changed', 'no-write-times', 'changed-just-at-since']);
    expect(byId(records, 'booked-in-window').data.start).toBe('2027-03-05T09:00:00Z');
    expect(logs).toContainEqual(
      'ics: skipped 1 events and 0 recurring series last written (CREATED/LAST-MODIFIED) before 2026-01-19T00:00:00.000Z',
    );
  });
});

describe('ics connector: recurring series', () => {
  const WEEKLY_SERIES = [
    ...OSLO_VTIMEZONE,
    ...vevent(
      'UID:weekly@club',
      'CREATED:20260201T100000Z',
      'DTSTART;TZID=Europe/Oslo:20251006T100000',
      'DTEND;TZID=Europe/Oslo:20251006T113000',
      'RRULE:FREQ=WEEKLY;BYDAY=MO',
      'EXDATE;TZID=Europe/Oslo:20260202T100000',
      'SUMMARY:Club paddle',
      'ATTENDEE;CN=Ann:mailto:ann@example.com',
    ),
    // The 9 February session moved to Tuesday afternoon.
    ...vevent(
      'UID:weekly@club',
      'RECURRENCE-ID;TZID=Europe/Oslo:20260209T100000',
      'DTSTART;TZID=Europe/Oslo:20260210T140000',
      'DTEND;TZID=Europe/Oslo:20260210T153000',
      'SUMMARY:Club paddle (moved)',
      'LAST-MODIFIED:20260205T080000Z',
      'SEQUENCE:1',
    ),
    // The 16 February session was cancelled (named in UTC: still the same occurrence).
    ...vevent(
      'UID:weekly@club',
      'RECURRENCE-ID:20260216T090000Z',
      'DTSTART;TZID=Europe/Oslo:20260216T100000',
      'DTEND;TZID=Europe/Oslo:20260216T113000',
      'STATUS:CANCELLED',
      'LAST-MODIFIED:20260210T080000Z',
    ),
  ];

  /** Every Monday 10:00 Oslo whose start lies in [since, horizon]. */
  function expectedMondays(): string[] {
    const mondays: string[] = [];
    for (let day = new Date('2026-01-19T00:00:00Z'); day <= HORIZON; day = new Date(day.getTime() + 7 * 86_400_000)) {
      mondays.push(day.toISOString().slice(0, 10));
    }
    return mondays;
  }

  it('expands a weekly series within [since, horizon] with a moved, a cancelled and an excluded instance', async () => {
    await writeFixture('club.ics', calendar(WEEKLY_SERIES));
    const records = await pull();
    const mondays = expectedMondays().filter((date) => date !== '2026-02-02');
    expect(records).toHaveLength(mondays.length);
    expect(records.map((r) => r.data.recurrenceId)).toEqual(
      mondays.map((date) => {
        // CEST from the last Sunday of March to the last Sunday of October.
        const summer = (date >= '2026-03-29' && date < '2026-10-25') || date >= '2027-03-28';
        return `${date}T${summer ? '08' : '09'}:00:00Z`;
      }),
    );
    expect(records.every((r) => r.data.recurring === true)).toBe(true);

    const first = byId(records, 'weekly@club@2026-01-19T09:00:00Z');
    expect(first.ref).toBe('file://club.ics#uid=weekly@club&recurrence=2026-01-19T09:00:00Z');
    expect(first.createdAt).toBe('2026-02-01T10:00:00.000Z');
    expect(first.deleted).toBeUndefined();
    expect(first.data).toMatchObject({
      uid: 'weekly@club',
      summary: 'Club paddle',
      start: '2026-01-19T10:00:00+01:00',
      end: '2026-01-19T11:30:00+01:00',
      recurrenceId: '2026-01-19T09:00:00Z',
      attendees: [{ email: 'ann@example.com', name: 'Ann', partstat: null, role: null }],
    });

    const moved = byId(records, 'weekly@club@2026-02-09T09:00:00Z');
    expect(moved.data).toMatchObject({
      summary: 'Club paddle (moved)',
      start: '2026-02-10T14:00:00+01:00',
      end: '2026-02-10T15:30:00+01:00',
      recurrenceId: '2026-02-09T09:00:00Z',
      sequence: 1,
      // Not repeated in the override: taken from the series.
      attendees: [{ email: 'ann@example.com', name: 'Ann', partstat: null, role: null }],
    });
    expect(moved.updatedAt).toBe('2026-02-05T08:00:00.000Z');

    const cancelled = byId(records, 'weekly@club@2026-02-16T09:00:00Z');
    expect(cancelled.deleted).toBe(true);
    expect(cancelled.data).toMatchObject({ status: 'CANCELLED', summary: 'Club paddle' });

    expect(records.some((r) => r.id === 'weekly@club@2026-02-02T09:00:00Z')).toBe(false);

    // Across the DST change the wall clock stays at 10:00 and the offset moves.
    expect(byId(records, 'weekly@club@2026-03-23T09:00:00Z').data.start).toBe('2026-03-23T10:00:00+01:00');
    expect(byId(records, 'weekly@club@2026-03-30T08:00:00Z').data.start).toBe('2026-03-30T10:00:00+02:00');
    expect(records.at(-1)!.data.start).toBe('2027-04-19T10:00:00+02:00');
  });

  it('keeps only the changed instances of a series written before the window', async () => {
    const oldMaster = WEEKLY_SERIES.map((line) => (line === 'CREATED:20260201T100000Z' ? 'CREATED:20251001T100000Z' : line));
    await writeFixture('club.ics', calendar(oldMaster));
    const records = await pull();
    expect(records.map((r) => r.id)).toEqual(['weekly@club@2026-02-09T09:00:00Z', 'weekly@club@2026-02-16T09:00:00Z']);
  });

  it('skips a series written before the window and counts it', async () => {
    await writeFixture(
      'old.ics',
      calendar(vevent('UID:old-series', 'CREATED:20250101T000000Z', 'LAST-MODIFIED:20250601T000000Z', 'DTSTART:20250106T090000Z', 'RRULE:FREQ=WEEKLY')),
    );
    expect(await pull()).toEqual([]);
    expect(logs).toContainEqual(expect.stringMatching(/skipped 0 events and 1 recurring series/));
  });

  it('stops at UNTIL given in UTC for a zoned series, including the last instance', async () => {
    await writeFixture(
      'until.ics',
      calendar([
        ...OSLO_VTIMEZONE,
        ...vevent('UID:until', RECENT, 'DTSTART;TZID=Europe/Oslo:20260601T090000', 'DTEND;TZID=Europe/Oslo:20260601T100000', 'RRULE:FREQ=WEEKLY;UNTIL=20260622T070000Z'),
      ]),
    );
    const records = await pull();
    expect(records.map((r) => r.data.start)).toEqual([
      '2026-06-01T09:00:00+02:00',
      '2026-06-08T09:00:00+02:00',
      '2026-06-15T09:00:00+02:00',
      '2026-06-22T09:00:00+02:00',
    ]);
  });

  it('adds RDATEs, honours COUNT and expands all-day series by date', async () => {
    await writeFixture(
      'dates.ics',
      calendar([
        ...vevent('UID:yoga', RECENT, 'DTSTART;VALUE=DATE:20260601', 'DTEND;VALUE=DATE:20260602', 'RRULE:FREQ=DAILY;COUNT=3', 'RDATE;VALUE=DATE:20260610'),
        ...vevent('UID:extra-dates', RECENT, 'DTSTART:20260701T090000Z', 'DURATION:PT1H', 'RDATE:20260703T150000Z,20260705T150000Z'),
      ]),
    );
    const records = await pull();
    expect(records.filter((r) => r.data.uid === 'yoga').map((r) => [r.id, r.data.start, r.data.end, r.data.allDay])).toEqual([
      ['yoga@2026-06-01', '2026-06-01', '2026-06-02', true],
      ['yoga@2026-06-02', '2026-06-02', '2026-06-03', true],
      ['yoga@2026-06-03', '2026-06-03', '2026-06-04', true],
      ['yoga@2026-06-10', '2026-06-10', '2026-06-11', true],
    ]);
    expect(records.filter((r) => r.data.uid === 'extra-dates').map((r) => [r.data.start, r.data.end])).toEqual([
      ['2026-07-01T09:00:00Z', '2026-07-01T10:00:00Z'],
      ['2026-07-03T15:00:00Z', '2026-07-03T16:00:00Z'],
      ['2026-07-05T15:00:00Z', '2026-07-05T16:00:00Z'],
    ]);
  });

  it('warns about an invalid RRULE, keeps the first occurrence and reads the rest of the file', async () => {
    await writeFixture(
      'badrule.ics',
      calendar([
        ...vevent('UID:bad-freq', RECENT, 'DTSTART:20260704T090000Z', 'RRULE:FREQ=SOMETIMES;COUNT=3', 'SUMMARY:Odd'),
        ...vevent('UID:no-freq', RECENT, 'DTSTART:20260705T090000Z', 'RRULE:COUNT=3'),
        ...vevent('UID:fine', RECENT, 'DTSTART:20260706T090000Z'),
      ]),
    );
    const records = await pull();
    expect(records.map((r) => [r.id, r.data.start, r.data.recurring])).toEqual([
      ['bad-freq', '2026-07-04T09:00:00Z', true],
      ['no-freq', '2026-07-05T09:00:00Z', true],
      ['fine', '2026-07-06T09:00:00Z', false],
    ]);
    expect(logs).toContainEqual(expect.stringMatching(/^warning: badrule\.ics: event "bad-freq": cannot use RRULE "FREQ=SOMETIMES;COUNT=3" \(invalid frequency/));
    expect(logs).toContainEqual(expect.stringMatching(/^warning: badrule\.ics: event "no-freq": cannot use RRULE "COUNT=3" \(no FREQ\)/));
  });

  it('matches EXDATEs given in UTC, lets EXDATE win over an override and keeps the series length for a moved instance', async () => {
    await writeFixture(
      'exdates.ics',
      calendar([
        ...vevent(
          'UID:daily',
          RECENT,
          'DTSTART;TZID=America/New_York:20260601T180000',
          'DTEND;TZID=America/New_York:20260601T193000',
          'RRULE:FREQ=DAILY;COUNT=4',
          'EXDATE:20260602T220000Z',
          'EXDATE;TZID=America/New_York:20260603T180000',
        ),
        ...vevent('UID:daily', 'RECURRENCE-ID;TZID=America/New_York:20260603T180000', 'DTSTART;TZID=America/New_York:20260603T200000', 'STATUS:CANCELLED'),
        ...vevent('UID:daily', 'RECURRENCE-ID;TZID=America/New_York:20260604T180000', 'DTSTART;TZID=America/New_York:20260604T170000'),
      ]),
    );
    const records = await pull();
    expect(records.map((r) => [r.id, r.data.start, r.data.end])).toEqual([
      ['daily@2026-06-01T22:00:00Z', '2026-06-01T18:00:00-04:00', '2026-06-01T19:30:00-04:00'],
      ['daily@2026-06-04T22:00:00Z', '2026-06-04T17:00:00-04:00', '2026-06-04T18:30:00-04:00'],
    ]);
  });

  it('caps a runaway series with a warning', async () => {
    await writeFixture('runaway.ics', calendar(vevent('UID:every-second', RECENT, 'DTSTART:20200101T000000Z', 'RRULE:FREQ=SECONDLY')));
    const records = await pull();
    expect(records).toEqual([]);
    expect(logs).toContainEqual(expect.stringMatching(/event "every-second": stopped expanding after 100000 occurrences/));
  });

  it('keeps an override whose series is not in the file as an instance', async () => {
    await writeFixture(
      'orphan.ics',
      calendar(vevent('UID:series-elsewhere', RECENT, 'RECURRENCE-ID;TZID=America/New_York:20260309T100000', 'DTSTART;TZID=America/New_York:20260309T120000', 'SUMMARY:Moved')),
    );
    const [record] = await pull();
    expect(record!.id).toBe('series-elsewhere@2026-03-09T14:00:00Z');
    expect(record!.ref).toBe('file://orphan.ics#uid=series-elsewhere&recurrence=2026-03-09T14:00:00Z');
    expect(record!.data).toMatchObject({ start: '2026-03-09T12:00:00-04:00', recurrenceId: '2026-03-09T14:00:00Z', recurring: true, summary: 'Moved' });
  });
});

describe('ics connector: files', () => {
  it('rejects an event with an unparseable line at its file:line, and reads the others', async () => {
    await writeFixture('broken.ics', calendar([...vevent('UID:x', RECENT, 'DTSTART:20260704T090000Z', 'this line has no colon'), ...vevent('UID:y', RECENT, 'DTSTART:20260705T090000Z')]));
    const records = await pull(['broken.ics']);
    expect(records.map((r) => r.id)).toEqual(['y']);
    expect(logs.filter((l) => l.startsWith('rejected'))).toEqual([expect.stringMatching(/^rejected: broken\.ics:9: calendar event: line 9 is not an iCalendar content line/)]);
  });

  it('leaves ical.js as it found it, even after a failed parse', async () => {
    await writeFixture('broken.ics', 'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID;X-A="open:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n');
    expect(await pull(['broken.ics'])).toEqual([]);
    expect(logs.some((l) => l.startsWith('rejected: broken.ics:3: calendar event'))).toBe(true);
    expect(ICAL.design.icalendar.property.rrule).toEqual({ defaultType: 'recur' });
    expect(ICAL.Recur.fromString('FREQ=DAILY').freq).toBe('DAILY');
  });

  it('rejects the event a cut-off file ends in, at its BEGIN line', async () => {
    await writeFixture('truncated.ics', 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n');
    expect(await pull(['truncated.ics'])).toEqual([]);
    expect(logs.filter((l) => l.startsWith('rejected'))).toEqual([expect.stringMatching(/^rejected: truncated\.ics:3: calendar event: the file ends inside this VEVENT/)]);
  });

  it('rejects a file that holds no calendar, alone: the next file is read', async () => {
    await writeFixture('a-empty.ics', '');
    await writeFixture('b.ics', calendar(vevent('UID:b', RECENT, 'DTSTART:20260704T090000Z')));
    expect((await pull()).map((r) => r.id)).toEqual(['b']);
    expect(logs.filter((l) => l.startsWith('rejected'))).toEqual(['rejected: a-empty.ics: file: no BEGIN:VCALENDAR found; is this an iCalendar (.ics) file?']);
  });

  it('rejects a pattern that matches no file, naming the pattern and the directory', async () => {
    const error = await pullError(['invites/*.ics']);
    expect(error).toBeInstanceOf(SourceInputError);
    expect((error as Error).message).toContain('"invites/*.ics"');
    expect((error as Error).message).toContain(scratch.dir);
  });

  it('reads several files in sorted order, each with its own calendar name', async () => {
    await writeFixture('b.ics', calendar(vevent('UID:b', RECENT, 'DTSTART:20260704T090000Z'), ['X-WR-CALNAME:Second']));
    await writeFixture('a.ics', '\uFEFF' + calendar(vevent('UID:a', RECENT, 'DTSTART:20260704T090000Z'), ['X-WR-CALNAME:First']));
    const records = await pull();
    expect(records.map((r) => [r.id, r.ref, r.data.calendarName])).toEqual([
      ['a', 'file://a.ics#uid=a', 'First'],
      ['b', 'file://b.ics#uid=b', 'Second'],
    ]);
  });
});
