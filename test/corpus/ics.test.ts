/**
 * Corpus, ICS: calendar exports with broken rules, zones nobody knows, floating times,
 * all-day events across DST, local times that DST skips or repeats, and a series with
 * 10,000 instances inside the window. Each record is then read by a mapping rule the
 * way a bookings table would, so what the connector says is checked for what it means.
 */
import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { icsConnector } from '../../connectors/ics/index.js';
import { RuleEvaluator } from '../../src/mapping/evaluate.js';
import { parseMappings } from '../../src/mapping/load.js';
import type { PullContext } from '../../src/records/connector.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { caseDir, writeFiles } from './support.js';
import { testPullContext } from '../support/pull-context.js';

let dir: string;
let logs: string[];

beforeEach(async () => {
  dir = await caseDir('ics');
  logs = [];
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function context(): PullContext {
  return testPullContext('invites', dir, (line) => logs.push(line));
}

const OSLO_VTIMEZONE = [
  'BEGIN:VTIMEZONE', 'TZID:Europe/Oslo',
  'BEGIN:DAYLIGHT', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'TZNAME:CEST', 'DTSTART:19700329T020000', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'END:DAYLIGHT',
  'BEGIN:STANDARD', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'TZNAME:CET', 'DTSTART:19701025T030000', 'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', 'END:STANDARD',
  'END:VTIMEZONE',
];

function calendar(lines: string[], header: string[] = []): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//salvage corpus//EN', ...header, ...lines, 'END:VCALENDAR', ''].join('\r\n');
}
/** An event written inside the window (CREATED), so only what the case is about decides. */
const vevent = (...properties: string[]) => ['BEGIN:VEVENT', 'CREATED:20260301T120000Z', ...properties, 'END:VEVENT'];

async function pull(file: string, content: string): Promise<SourceRecord[]> {
  await writeFiles(dir, { [file]: content });
  const out: SourceRecord[] = [];
  for await (const record of icsConnector({ files: [file] }).pull(context())) out.push(record);
  return out;
}

/** How a bookings rule reads calendar events: start and end as instants (local times read in Oslo), or as dates. */
const evaluator = new RuleEvaluator(
  parseMappings([
    {
      file: 'bookings.yaml',
      text: `table: bookings
rules:
  - name: timed
    type: calendar.event
    when: { data.allDay: false }
    columns:
      starts_at: { from: data.start, transform: [{ timestamp: { tz: Europe/Oslo } }] }
      ends_at: { from: data.end, transform: [{ timestamp: { tz: Europe/Oslo } }] }
  - name: no-zone-given
    type: calendar.event
    when: { data.allDay: false }
    columns:
      starts_at: { from: data.start, transform: [timestamp] }
  - name: all-day
    type: calendar.event
    when: { data.allDay: true }
    columns:
      first_day: { from: data.start, transform: [date] }
      starts_at: { from: data.start, transform: [{ timestamp: { tz: Europe/Oslo } }] }
      ends_at: { from: data.end, transform: [{ timestamp: { tz: Europe/Oslo } }] }
`,
    },
  ]),
);

function mapped(record: SourceRecord): Record<string, unknown> {
  const result = evaluator.evaluate(record);
  return {
    ...Object.fromEntries(result.candidates.map((c) => [c.rule.split('#')[1], c.values])),
    ...Object.fromEntries(result.failures.map((f) => [f.rule.split('#')[1], `failed: ${f.message}`])),
  };
}

describe('corpus: ICS exports', () => {
  it('an invalid RRULE costs only its own expansion: the first occurrence is kept and the rule is named in a warning', async () => {
    const records = await pull(
      'rules.ics',
      calendar([
        ...vevent('UID:bad-freq', 'SUMMARY:Weekly tour', 'DTSTART:20260310T100000Z', 'RRULE:FREQ=SOMETIMES;COUNT=3'),
        ...vevent('UID:no-freq', 'SUMMARY:No freq', 'DTSTART:20260311T100000Z', 'RRULE:COUNT=3;BYDAY=MO'),
        ...vevent('UID:bad-day', 'SUMMARY:Bad day', 'DTSTART:20260312T100000Z', 'RRULE:FREQ=WEEKLY;BYDAY=XX;COUNT=3'),
        ...vevent('UID:good', 'SUMMARY:Good', 'DTSTART:20260313T100000Z', 'DTEND:20260313T110000Z', 'RRULE:FREQ=DAILY;COUNT=2'),
      ]),
    );
    expect(records.map((r) => [r.id, r.data.start, r.data.recurring])).toEqual([
      ['bad-freq', '2026-03-10T10:00:00Z', true],
      ['no-freq', '2026-03-11T10:00:00Z', true],
      ['bad-day', '2026-03-12T10:00:00Z', true],
      ['good@2026-03-13T10:00:00Z', '2026-03-13T10:00:00Z', true],
      ['good@2026-03-14T10:00:00Z', '2026-03-14T10:00:00Z', true],
    ]);
    expect(logs.filter((l) => l.startsWith('warning:'))).toEqual([
      'warning: rules.ics: event "bad-freq": cannot use RRULE "FREQ=SOMETIMES;COUNT=3" (invalid frequency "SOMETIMES" expected: "SECONDLY, MINUTELY, HOURLY, DAILY, WEEKLY, MONTHLY, YEARLY"); only the first occurrence (DTSTART) is kept',
      'warning: rules.ics: event "no-freq": cannot use RRULE "COUNT=3;BYDAY=MO" (no FREQ); only the first occurrence (DTSTART) is kept',
      'warning: rules.ics: event "bad-day": cannot use RRULE "FREQ=WEEKLY;BYDAY=XX;COUNT=3" (invalid BYDAY value "XX"); only the first occurrence (DTSTART) is kept',
    ]);
  });

  it('an unknown TZID keeps the wall-clock time without an offset, says so, and a rule must name the zone to use it', async () => {
    const [record] = await pull('mars.ics', calendar(vevent('UID:mars', 'SUMMARY:Olympus', 'DTSTART;TZID=Mars/Olympus_Mons:20260310T100000', 'DTEND;TZID=Mars/Olympus_Mons:20260310T113000')));
    expect(record?.data).toMatchObject({ start: '2026-03-10T10:00:00', end: '2026-03-10T11:30:00', floating: true, timeZone: 'Mars/Olympus_Mons', allDay: false });
    expect(logs).toContain('warning: mars.ics: event "mars": unknown time zone "Mars/Olympus_Mons" (no VTIMEZONE in the file, not an IANA or Windows name); its times are kept without an offset (floating)');
    expect(mapped(record as SourceRecord)).toEqual({
      timed: { starts_at: '2026-03-10T09:00:00Z', ends_at: '2026-03-10T10:30:00Z' },
      'no-zone-given': 'failed: timestamp: "2026-03-10T10:00:00" has no UTC offset; name the zone with tz, e.g. { timestamp: { tz: Europe/Oslo } }',
    });
  });

  it('a Windows zone name without a VTIMEZONE (Outlook, Exchange) reads as its IANA zone, on both sides of a DST change', async () => {
    const records = await pull('outlook.ics', calendar([
      ...vevent('UID:winter', 'DTSTART;TZID=W. Europe Standard Time:20260310T100000', 'DTEND;TZID="W. Europe Standard Time":20260310T113000'),
      ...vevent('UID:summer', 'DTSTART;TZID=Pacific Standard Time:20260610T100000'),
    ]));
    expect(records.map((r) => [r.id, r.data.start, r.data.end, r.data.timeZone, r.data.floating])).toEqual([
      ['winter', '2026-03-10T10:00:00+01:00', '2026-03-10T11:30:00+01:00', 'W. Europe Standard Time', false],
      ['summer', '2026-06-10T10:00:00-07:00', '2026-06-10T10:00:00-07:00', 'Pacific Standard Time', false],
    ]);
    expect(logs.filter((l) => l.includes('unknown time zone'))).toEqual([]);
  });

  it('floating times (no TZID, no Z) stay floating; without a tz the timestamp transform refuses to guess UTC', async () => {
    const [record] = await pull('float.ics', calendar(vevent('UID:float', 'DTSTART:20260310T100000', 'DTEND:20260310T110000'), ['X-WR-TIMEZONE:Europe/Oslo']));
    expect(record?.data).toMatchObject({ start: '2026-03-10T10:00:00', end: '2026-03-10T11:00:00', floating: true, allDay: false });
    expect(mapped(record as SourceRecord)).toMatchObject({
      timed: { starts_at: '2026-03-10T09:00:00Z', ends_at: '2026-03-10T10:00:00Z' },
      'no-zone-given': expect.stringMatching(/^failed: timestamp: "2026-03-10T10:00:00" has no UTC offset/),
    });
  });

  it('all-day events across both DST changes stay dates (end exclusive), and become the right midnights', async () => {
    const records = await pull(
      'allday.ics',
      calendar([
        // Saturday to Monday over the spring-forward night: 47 hours of wall-clock days.
        ...vevent('UID:weekend', 'SUMMARY:Weekend rental', 'DTSTART;VALUE=DATE:20260328', 'DTEND;VALUE=DATE:20260330'),
        // Weekly, two days long, across the autumn change.
        ...vevent('UID:weekly', 'SUMMARY:Weekly', 'DTSTART;VALUE=DATE:20261017', 'DTEND;VALUE=DATE:20261019', 'RRULE:FREQ=WEEKLY;COUNT=3'),
      ]),
    );
    expect(records.map((r) => [r.id, r.data.start, r.data.end, r.data.allDay])).toEqual([
      ['weekend', '2026-03-28', '2026-03-30', true],
      ['weekly@2026-10-17', '2026-10-17', '2026-10-19', true],
      ['weekly@2026-10-24', '2026-10-24', '2026-10-26', true],
      ['weekly@2026-10-31', '2026-10-31', '2026-11-02', true],
    ]);
    expect(records.map(mapped).map((m) => m['all-day'])).toEqual([
      { first_day: '2026-03-28', starts_at: '2026-03-27T23:00:00Z', ends_at: '2026-03-29T22:00:00Z' },
      { first_day: '2026-10-17', starts_at: '2026-10-16T22:00:00Z', ends_at: '2026-10-18T22:00:00Z' },
      { first_day: '2026-10-24', starts_at: '2026-10-23T22:00:00Z', ends_at: '2026-10-25T23:00:00Z' },
      { first_day: '2026-10-31', starts_at: '2026-10-30T23:00:00Z', ends_at: '2026-11-01T23:00:00Z' },
    ]);
  });

  it('a weekly series keeps its wall-clock time across DST, in an IANA zone and in the file\'s own VTIMEZONE', async () => {
    for (const header of [[], OSLO_VTIMEZONE]) {
      const records = await pull('weekly.ics', calendar([...header, ...vevent('UID:tour', 'DTSTART;TZID=Europe/Oslo:20260322T100000', 'DTEND;TZID=Europe/Oslo:20260322T113000', 'RRULE:FREQ=WEEKLY;COUNT=2')]));
      expect(records.map((r) => [r.id, r.data.start, r.data.end])).toEqual([
        ['tour@2026-03-22T09:00:00Z', '2026-03-22T10:00:00+01:00', '2026-03-22T11:30:00+01:00'],
        ['tour@2026-03-29T08:00:00Z', '2026-03-29T10:00:00+02:00', '2026-03-29T11:30:00+02:00'],
      ]);
    }
  });

  // Fixed bug: a DTSTART in the spring-forward gap (02:30 does not exist in Oslo on 2026-03-29) is
  // silently placed at 00:30Z and shown as "02:30+02:00", a time that never existed. RFC 5545
  // §3.3.5: a nonexistent local time is read with the offset before the gap (+01:00 → 01:30Z).
  it('a local time in the spring-forward gap is read with the offset before the gap (RFC 5545 §3.3.5), with a warning', async () => {
    for (const header of [[]]) {
      logs = [];
      const [record] = await pull('gap.ics', calendar([...header, ...vevent('UID:gap', 'DTSTART;TZID=Europe/Oslo:20260329T023000', 'DTEND;TZID=Europe/Oslo:20260329T043000')]));
      expect(Date.parse(String(record?.data.start))).toBe(Date.parse('2026-03-29T01:30:00Z'));
      expect(logs.some((l) => l.includes('gap.ics: event "gap"') && /does not exist|skipped/.test(l))).toBe(true);
    }
  });

  // Fixed bug: a DTSTART in the autumn fold (02:30 happens twice on 2026-10-25) is read as the
  // second 02:30 (+01:00, 01:30Z). RFC 5545 §3.3.5 says the first (+02:00, 00:30Z) — which is
  // also what salvage's own timestamp transform picks by default (ambiguous: earlier).
  it('a local time in the autumn fold is its first occurrence (RFC 5545 §3.3.5)', async () => {
    for (const header of [[]]) {
      const [record] = await pull('fold.ics', calendar([...header, ...vevent('UID:fold', 'DTSTART;TZID=Europe/Oslo:20261025T023000', 'DTEND;TZID=Europe/Oslo:20261025T033000')]));
      expect(record?.data.start).toBe('2026-10-25T02:30:00+02:00');
    }
  });

  // Found a real bug: with a VTIMEZONE in the file (rather than an IANA name) the gap and
  // the fold were resolved wrongly: ical.js's wall-clock offsets are ambiguous at the
  // transitions and its convertToZone is an hour off around them. vtimezoneRules now reads
  // offsets from the VTIMEZONE's transition instants.
  it('the same gap and fold rules hold for a zone defined by a VTIMEZONE in the file', async () => {
    logs = [];
    const [gap] = await pull('gap.ics', calendar([...OSLO_VTIMEZONE, ...vevent('UID:gap', 'DTSTART;TZID=Europe/Oslo:20260329T023000', 'DTEND;TZID=Europe/Oslo:20260329T043000')]));
    expect(Date.parse(String(gap?.data.start))).toBe(Date.parse('2026-03-29T01:30:00Z'));
    expect(logs.some((l) => l.includes('gap.ics: event "gap"') && /does not exist|skipped/.test(l))).toBe(true);
    const [fold] = await pull('fold.ics', calendar([...OSLO_VTIMEZONE, ...vevent('UID:fold', 'DTSTART;TZID=Europe/Oslo:20261025T023000', 'DTEND;TZID=Europe/Oslo:20261025T033000')]));
    expect(fold?.data.start).toBe('2026-10-25T02:30:00+02:00');
  });

  it('a zone known only by its VTIMEZONE (a Windows name) follows its own rules across a gap, a fold and a series', async () => {
    logs = [];
    const windows = OSLO_VTIMEZONE.map((l) => (l === 'TZID:Europe/Oslo' ? 'TZID:W. Europe Standard Time' : l));
    const tz = 'TZID="W. Europe Standard Time"';
    const records = await pull('windows.ics', calendar([
      ...windows,
      ...vevent('UID:gap', `DTSTART;${tz}:20260329T023000`, `DTEND;${tz}:20260329T043000`),
      ...vevent('UID:fold', `DTSTART;${tz}:20261025T023000`, `DTEND;${tz}:20261025T033000`),
      ...vevent('UID:late', `DTSTART;${tz}:20261025T013000`, `DTEND;${tz}:20261025T040000`),
      ...vevent('UID:night', `DTSTART;${tz}:20261024T023000`, `DTEND;${tz}:20261024T033000`, 'RRULE:FREQ=DAILY;COUNT=3'),
    ]));
    const shown = Object.fromEntries(records.map((r) => [r.id, [r.data.start, r.data.end]]));
    expect(shown).toEqual({
      gap: ['2026-03-29T03:30:00+02:00', '2026-03-29T04:30:00+02:00'],
      fold: ['2026-10-25T02:30:00+02:00', '2026-10-25T03:30:00+01:00'],
      // Spans the fold: 01:30 CEST to 04:00 CET is three and a half hours.
      late: ['2026-10-25T01:30:00+02:00', '2026-10-25T04:00:00+01:00'],
      'night@2026-10-24T00:30:00Z': ['2026-10-24T02:30:00+02:00', '2026-10-24T03:30:00+02:00'],
      // An instance keeps the series' exact duration (RFC 5545 §3.8.5.3): one hour after the
      // first 02:30 is the second 02:30.
      'night@2026-10-25T00:30:00Z': ['2026-10-25T02:30:00+02:00', '2026-10-25T02:30:00+01:00'],
      'night@2026-10-26T01:30:00Z': ['2026-10-26T02:30:00+01:00', '2026-10-26T03:30:00+01:00'],
    });
  });

  it('a series with 10,000 instances inside the window yields 10,000 distinct records, in order, quickly', async () => {
    const started = performance.now();
    const records = await pull('many.ics', calendar(vevent('UID:rental-slots', 'SUMMARY:Slot', 'DTSTART:20260201T000000Z', 'DTEND:20260201T003000Z', 'RRULE:FREQ=HOURLY;COUNT=10000')));
    const seconds = (performance.now() - started) / 1000;
    expect(records).toHaveLength(10_000);
    expect(new Set(records.map((r) => r.id)).size).toBe(10_000);
    expect(records[0]?.data).toMatchObject({ start: '2026-02-01T00:00:00Z', end: '2026-02-01T00:30:00Z', recurrenceId: '2026-02-01T00:00:00Z' });
    // 9,999 hours after the first: 2027-03-24T15:00Z, still before the horizon (2027-04-25).
    expect(records[9_999]?.data).toMatchObject({ start: '2027-03-24T15:00:00Z', end: '2027-03-24T15:30:00Z' });
    expect(records.every((r, i) => i === 0 || String(r.data.start) > String(records[i - 1]?.data.start))).toBe(true);
    expect(logs.filter((l) => l.startsWith('warning:'))).toEqual([]);
    expect(seconds).toBeLessThan(10);
  });

  it('an endless series stops at the horizon, not at a count', async () => {
    const records = await pull('endless.ics', calendar(vevent('UID:daily', 'DTSTART:20260201T080000Z', 'DTEND:20260201T090000Z', 'RRULE:FREQ=DAILY')));
    expect(records[0]?.data.start).toBe('2026-02-01T08:00:00Z');
    expect(records.at(-1)?.data.start).toBe('2027-04-25T08:00:00Z');
    expect(records).toHaveLength(449);
  });
});
