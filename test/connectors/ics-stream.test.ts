/**
 * The streamed .ics reader against the whole-file one: seeded generated calendars with
 * every layout the index has to get right (overrides far from their master, events
 * without UID, duplicate UIDs, folded lines, CRLF and LF, a BOM, two roots, VTIMEZONEs,
 * VTODOs, a VALARM with its own UID) must give the same records, in the same order, and
 * the same log lines; and the files the index does not take must still be read.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type IcsFileReader, pullIcsFiles } from '../../connectors/ics/connector.js';
import { streamedFileRecords } from '../../connectors/ics/stream-records.js';
import { wholeFileRecords } from '../../connectors/ics/whole-file.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { testPullContext } from '../support/pull-context.js';
import { seededRandom as random } from '../fakes/stripe/random.js';

let baseDir: string;

beforeEach(async () => {
  baseDir = await mkdtemp(path.join(tmpdir(), 'salvage-ics-stream-'));
});

afterEach(async () => {
  await rm(baseDir, { recursive: true, force: true });
});

interface Outcome {
  records: SourceRecord[];
  logs: string[];
  error?: string;
}

async function pullWith(readFile: IcsFileReader, files: string[]): Promise<Outcome> {
  const logs: string[] = [];
  const records: SourceRecord[] = [];
  try {
    for await (const record of pullIcsFiles({ files }, testPullContext('cal', baseDir, (line) => logs.push(line)), readFile)) records.push(record);
  } catch (error) {
    return { records, logs, error: (error as Error).message };
  }
  return { records, logs };
}

async function bothWays(name: string, content: string | Buffer): Promise<{ whole: Outcome; streamed: Outcome }> {
  await writeFile(path.join(baseDir, name), content);
  return { whole: await pullWith(wholeFileRecords, [name]), streamed: await pullWith(streamedFileRecords, [name]) };
}

const OSLO_VTIMEZONE = [
  'BEGIN:VTIMEZONE', 'TZID:Europe/Oslo',
  'BEGIN:DAYLIGHT', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'TZNAME:CEST', 'DTSTART:19700329T020000', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'END:DAYLIGHT',
  'BEGIN:STANDARD', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'TZNAME:CET', 'DTSTART:19701025T030000', 'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', 'END:STANDARD',
  'END:VTIMEZONE',
];
const OFFICE_VTIMEZONE = ['BEGIN:VTIMEZONE', 'TZID:Office Time', 'BEGIN:STANDARD', 'DTSTART:19700101T000000', 'TZOFFSETFROM:+0530', 'TZOFFSETTO:+0530', 'END:STANDARD', 'END:VTIMEZONE'];

/** RFC 5545 folding: 75 characters, then continuation lines starting with a space or a tab. */
function fold(line: string, rand: () => number): string[] {
  if (line.length <= 75) return [line];
  const lines = [line.slice(0, 75)];
  for (let at = 75; at < line.length; at += 74) lines.push((rand() < 0.5 ? ' ' : '\t') + line.slice(at, at + 74));
  return lines;
}

const pad = (n: number) => String(n).padStart(2, '0');
/** A UTC or local date-time `day` days and `hour` hours after 2026-01-05. */
function stamp(day: number, hour: number, utc: boolean): string {
  const date = new Date(Date.UTC(2026, 0, 5 + day, hour));
  return `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}T${pad(date.getUTCHours())}0000${utc ? 'Z' : ''}`;
}

interface Series {
  uid: string;
  day: number;
  tz: string | null;
  count: number;
}

/** One calendar root's lines: events of every kind, overrides of earlier series placed far from them. */
function rootLines(rand: () => number, rootNo: number, events: number, withParseWarnings: boolean): string[] {
  const pick = <T,>(items: T[]): T => items[Math.floor(rand() * items.length)] as T;
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:-//salvage stream test ${rootNo}//EN`];
  if (rand() < 0.7) lines.push(`X-WR-CALNAME:Root ${rootNo}\\, bookings`);
  if (rand() < 0.5) lines.push('X-WR-TIMEZONE:Europe/Oslo');
  if (rand() < 0.6) lines.push(...OSLO_VTIMEZONE);
  const series: Series[] = [];
  const usedUids: string[] = [];
  const zones = [null, 'Europe/Oslo', 'America/New_York', 'Office Time', ...(withParseWarnings ? ['Mars/Olympus'] : [])];
  for (let n = 0; n < events; n++) {
    const roll = rand();
    const created = rand() < 0.85 ? 'CREATED:20260301T120000Z' : 'CREATED:20250301T120000Z';
    const day = Math.floor(rand() * 300);
    const tz = pick(zones);
    const dt = (name: string, d: number, h: number) => (tz === null ? `${name}:${stamp(d, h, true)}` : `${name};TZID=${tz}:${stamp(d, h, false)}`);
    const body: string[] = [];
    if (roll < 0.08 && series.length > 0 && n > 200) {
      // An override of a series that began hundreds of events earlier.
      const target = pick(series);
      const k = Math.floor(rand() * target.count);
      const rid = target.tz === null ? `RECURRENCE-ID:${stamp(target.day + 7 * k, 9, true)}` : `RECURRENCE-ID;TZID=${target.tz}:${stamp(target.day + 7 * k, 9, false)}`;
      const moved = target.tz === null ? `DTSTART:${stamp(target.day + 7 * k, 11, true)}` : `DTSTART;TZID=${target.tz}:${stamp(target.day + 7 * k, 11, false)}`;
      body.push(`UID:${target.uid}`, rid, moved, rand() < 0.3 ? 'STATUS:CANCELLED' : 'SUMMARY:Moved', 'LAST-MODIFIED:20260310T080000Z');
    } else if (roll < 0.25) {
      const uid = `series-${rootNo}-${n}@test`;
      const count = 2 + Math.floor(rand() * 6);
      series.push({ uid, day, tz, count });
      body.push(`UID:${uid}`, created, dt('DTSTART', day, 9), dt('DTEND', day, 10), `RRULE:FREQ=WEEKLY;COUNT=${count}`);
      if (rand() < 0.3) body.push(tz === null ? `EXDATE:${stamp(day + 7, 9, true)}` : `EXDATE;TZID=${tz}:${stamp(day + 7, 9, false)}`);
      if (rand() < 0.1) body.push('RRULE:FREQ=SOMETIMES');
    } else if (roll < 0.32) {
      // No UID: named by its place among the file's VEVENTs.
      body.push(created, dt('DTSTART', day, 8), 'SUMMARY:No uid here');
    } else if (roll < 0.38 && usedUids.length > 0) {
      body.push(`UID:${pick(usedUids)}`, created, dt('DTSTART', day, 7), 'SUMMARY:Duplicate');
    } else if (roll < 0.42) {
      body.push(created, `DTSTART;VALUE=DATE:${stamp(day, 0, false).slice(0, 8)}`, `UID;X-SOURCE=export:allday-${rootNo}-${n}`);
    } else {
      const uid = rand() < 0.05 ? `odd\\,uid-${n}` : `single-${rootNo}-${n}@test`;
      usedUids.push(uid);
      body.push(`UID:${uid}`, created, dt('DTSTART', day, 12), rand() < 0.5 ? dt('DTEND', day, 13) : 'DURATION:PT45M');
    }
    const description = `DESCRIPTION:${'Långt notat med æøå og mer tekst, '.repeat(1 + Math.floor(rand() * 6))}slutt`;
    body.push(...fold(description, rand), ...fold(`SUMMARY:Event ${n} ${'x'.repeat(Math.floor(rand() * 120))}`, rand));
    if (withParseWarnings && rand() < 0.03) body.unshift(pick(['DTSTART:2026XX04T090000Z', 'CREATED:20260301', 'DURATION:P1X', 'LAST-MODIFIED;VALUE=DATE:20260301']));
    if (rand() < 0.1) body.push('BEGIN:VALARM', 'UID:alarm-uid-not-the-event', 'ACTION:DISPLAY', 'TRIGGER:-PT15M', 'END:VALARM');
    lines.push('BEGIN:VEVENT', ...body, 'END:VEVENT');
    if (rand() < 0.03) lines.push('BEGIN:VTODO', `UID:todo-${n}`, 'SUMMARY:Not an event', 'END:VTODO');
    if (rand() < 0.01) lines.push('BEGIN:VJOURNAL', 'SUMMARY:Diary', 'END:VJOURNAL');
    if (n === Math.floor(events / 2)) lines.push(...OFFICE_VTIMEZONE); // a VTIMEZONE after events it names
  }
  lines.push('END:VCALENDAR');
  return lines;
}

function generatedFile(seed: number, withParseWarnings: boolean): string {
  const rand = random(seed);
  const roots = rand() < 0.3 ? 2 : 1;
  const lines: string[] = [];
  for (let root = 1; root <= roots; root++) lines.push(...rootLines(rand, root, 150 + Math.floor(rand() * 450), withParseWarnings));
  const newline = rand() < 0.5 ? '\r\n' : '\n';
  return (rand() < 0.3 ? '\uFEFF' : '') + lines.join(newline) + newline;
}

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

describe('ics: the streamed reader gives what the whole-file reader gives', () => {
  const seen = { records: [] as SourceRecord[], logs: [] as string[] };
  for (const seed of SEEDS) {
    it(`generated calendar, seed ${seed}`, async () => {
      const { whole, streamed } = await bothWays(`gen-${seed}.ics`, generatedFile(seed, false));
      expect(whole.error).toBeUndefined();
      expect(whole.records.length).toBeGreaterThan(100);
      expect(streamed.records).toEqual(whole.records);
      expect(streamed.logs).toEqual(whole.logs);
      seen.records.push(...whole.records);
      seen.logs.push(...whole.logs);
    });
  }

  it('the generated calendars hold every layout the comparison is meant to cover', () => {
    const files = SEEDS.map((seed) => generatedFile(seed, false));
    expect(files.some((file) => file.startsWith('\uFEFF'))).toBe(true);
    expect(files.some((file) => file.includes('\r\n'))).toBe(true);
    expect(files.some((file) => !file.includes('\r'))).toBe(true);
    expect(files.some((file) => file.split('BEGIN:VCALENDAR').length === 3)).toBe(true);
    expect(files.every((file) => /\n[ \t]/.test(file))).toBe(true);
    // Overrides that found their series, events without UID, duplicates, ignored components, a bad rule.
    expect(seen.records.some((r) => r.data.summary === 'Moved' && r.data.recurrenceId !== undefined)).toBe(true);
    expect(seen.records.some((r) => r.deleted === true && r.data.recurring === true)).toBe(true);
    expect(seen.records.some((r) => r.data.uid === null)).toBe(true);
    expect(seen.records.some((r) => r.data.timeZone === 'Office Time')).toBe(true);
    expect(seen.logs.some((line) => line.includes('appears more than once'))).toBe(true);
    expect(seen.logs.some((line) => /VTODO(, VJOURNAL)? component\(s\) ignored/.test(line))).toBe(true);
    expect(seen.logs.some((line) => line.includes('cannot use RRULE'))).toBe(true);
  });

  it('a warning from reading an event comes when its group is read, not before all groups: same lines, another order', async () => {
    for (const seed of [99, 100, 101]) {
      const { whole, streamed } = await bothWays(`warn-${seed}.ics`, generatedFile(seed, true));
      expect(whole.logs.some((line) => line.includes('unknown time zone "Mars/Olympus"'))).toBe(true);
      expect(whole.logs.some((line) => line.includes('cannot read DTSTART'))).toBe(true);
      expect(whole.logs.some((line) => line.includes('appears more than once'))).toBe(true);
      expect(streamed.records).toEqual(whole.records);
      expect([...streamed.logs].sort()).toEqual([...whole.logs].sort());
    }
  });

  it("a TZID is read with the file's VTIMEZONE of that name, as ical.js does (TZID=UTC is then not plain UTC)", async () => {
    const utcZone = ['BEGIN:VTIMEZONE', 'TZID:UTC', 'BEGIN:STANDARD', 'DTSTART:16010101T000000', 'TZOFFSETFROM:+0000', 'TZOFFSETTO:+0000', 'END:STANDARD', 'END:VTIMEZONE'];
    const content = ['BEGIN:VCALENDAR', 'VERSION:2.0',
      'BEGIN:VEVENT', 'UID:a', 'CREATED:20260301T120000Z', 'DTSTART;TZID=UTC:20260704T090000', 'END:VEVENT',
      ...utcZone,
      'BEGIN:VEVENT', 'UID:b', 'CREATED:20260301T120000Z', 'DTSTART;TZID=UTC:20260705T090000', 'RRULE:FREQ=DAILY;COUNT=2', 'END:VEVENT',
      'END:VCALENDAR', ''].join('\r\n');
    const { whole, streamed } = await bothWays('utc-zone.ics', content);
    expect(streamed).toEqual(whole);
    expect(whole.records.map((r) => [r.data.start, r.data.timeZone])).toEqual([
      ['2026-07-04T09:00:00+00:00', 'UTC'],
      ['2026-07-05T09:00:00+00:00', 'UTC'],
      ['2026-07-06T09:00:00+00:00', 'UTC'],
    ]);
  });

  it('an override after hundreds of other events joins its series', async () => {
    const filler = Array.from({ length: 500 }, (_, n) => ['BEGIN:VEVENT', `UID:f${n}`, 'CREATED:20260301T120000Z', `DTSTART:${stamp(n % 200, 9, true)}`, 'END:VEVENT']).flat();
    const content = ['BEGIN:VCALENDAR', 'VERSION:2.0',
      'BEGIN:VEVENT', 'UID:weekly', 'CREATED:20260301T120000Z', `DTSTART:${stamp(21, 9, true)}`, 'RRULE:FREQ=WEEKLY;COUNT=3', 'END:VEVENT',
      ...filler,
      'BEGIN:VEVENT', 'UID:weekly', `RECURRENCE-ID:${stamp(28, 9, true)}`, `DTSTART:${stamp(28, 15, true)}`, 'SUMMARY:Moved', 'END:VEVENT',
      'END:VCALENDAR', ''].join('\r\n');
    const { whole, streamed } = await bothWays('far.ics', content);
    expect(streamed.records).toEqual(whole.records);
    expect(streamed.records.slice(0, 3).map((r) => [r.id, r.data.start])).toEqual([
      ['weekly@2026-01-26T09:00:00Z', '2026-01-26T09:00:00Z'],
      ['weekly@2026-02-02T09:00:00Z', '2026-02-02T15:00:00Z'],
      ['weekly@2026-02-09T09:00:00Z', '2026-02-09T09:00:00Z'],
    ]);
  });
});

describe('ics: a broken piece costs only its own event when streamed; the whole-file reader rejects the file', () => {
  interface Expected {
    records: string[];
    rejected: RegExp[];
    warnings?: RegExp[];
  }
  const fifty = (bad: number, line: string) => Array.from({ length: 50 }, (_, n) => ['BEGIN:VEVENT', `UID:u${n}`, 'CREATED:20260301T120000Z', 'DTSTART:20260704T090000Z', ...(n === bad ? [line] : []), 'END:VEVENT']).flat();
  const ids = (bad: number) => Array.from({ length: 50 }, (_, n) => `u${n}`).filter((id) => id !== `u${bad}`);
  const cases: Record<string, { content: string; streamed: Expected }> = {
    'a bad line in a VEVENT far down': {
      content: ['BEGIN:VCALENDAR', 'VERSION:2.0', ...fifty(40, 'no colon on this line'), 'END:VCALENDAR', ''].join('\r\n'),
      streamed: { records: ids(40), rejected: [/^rejected: case\.ics:207: calendar event: line 207 is not an iCalendar content line .*"no colon on this line"; a folded line that lost its leading space\?/] },
    },
    'a bad parameter in a VEVENT far down': {
      content: ['BEGIN:VCALENDAR', ...fifty(20, 'ATTENDEE;CN="open:mailto:a@b.example'), 'END:VCALENDAR', ''].join('\r\n'),
      streamed: { records: ids(20), rejected: [/^rejected: case\.ics:102: calendar event: cannot parse this VEVENT \(invalid line \(no matching double quote\)/] },
    },
    'a bad parameter in a VTODO': {
      content: ['BEGIN:VCALENDAR', 'BEGIN:VTODO', 'SUMMARY;X-A="unclosed:todo', 'END:VTODO', 'END:VCALENDAR', ''].join('\n'),
      streamed: { records: [], rejected: [], warnings: [/^warning: case\.ics:3: invalid line .* \(in a component that is not read\); the line is left out/] },
    },
    'a bad root line': {
      content: ['BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VEVENT', 'UID:a', 'CREATED:20260301T120000Z', 'DTSTART:20260704T090000Z', 'END:VEVENT', 'junk', 'END:VCALENDAR', ''].join('\r\n'),
      streamed: { records: ['a'], rejected: [], warnings: [/^warning: case\.ics:8: line 8 is not an iCalendar content line .*"junk"; the line is left out/] },
    },
    'a bad UID line': {
      content: ['BEGIN:VCALENDAR', 'BEGIN:VEVENT', 'UID;X-FOO:value', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n'),
      streamed: { records: [], rejected: [/^rejected: case\.ics:3: calendar event: cannot read its UID \(Invalid parameters/] },
    },
    'a folded bad line': {
      content: ['BEGIN:VCALENDAR', 'BEGIN:VEVENT', 'UID:a', 'THIS IS A LONG LINE WITHOUT ANY COLON THAT GOES ON', '  AND ON AFTER A FOLD', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n'),
      streamed: { records: [], rejected: [/^rejected: case\.ics:4: calendar event: line 4 is not an iCalendar content line/] },
    },
    'an unclosed VEVENT (a cut-off export)': {
      content: ['BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VEVENT', 'UID:kept', 'CREATED:20260301T120000Z', 'DTSTART:20260704T090000Z', 'END:VEVENT', 'BEGIN:VEVENT', 'UID:x', ''].join('\r\n'),
      streamed: {
        records: ['kept'],
        rejected: [/^rejected: case\.ics:8: calendar event: the file ends inside this VEVENT \(no END:VEVENT\)/],
        warnings: [/^warning: case\.ics: the file ends without END:VCALENDAR/],
      },
    },
    'an unclosed root after a complete one': {
      content: 'BEGIN:VCALENDAR\nEND:VCALENDAR\nBEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nCREATED:20260301T120000Z\nDTSTART:20260704T090000Z\nEND:VEVENT\n',
      streamed: { records: ['x'], rejected: [], warnings: [/^warning: case\.ics: the file ends without END:VCALENDAR/] },
    },
  };
  for (const [name, { content, streamed: expected }] of Object.entries(cases)) {
    it(name, async () => {
      const { whole, streamed } = await bothWays('case.ics', content);
      expect(streamed.error).toBeUndefined();
      expect(streamed.records.map((r) => r.data.uid)).toEqual(expected.records);
      expect(streamed.logs.filter((l) => l.startsWith('rejected'))).toEqual(expected.rejected.map((pattern) => expect.stringMatching(pattern)));
      expect(streamed.logs.filter((l) => l.startsWith('warning'))).toEqual((expected.warnings ?? []).map((pattern) => expect.stringMatching(pattern)));
      // The whole-file reader (odd layouts only) cannot tell the events apart once ical.js refuses the text: the file is rejected, alone.
      expect(whole.error).toBeUndefined();
      expect(whole.records).toEqual([]);
      expect(whole.logs.filter((l) => l.startsWith('rejected'))).toEqual([expect.stringMatching(/^rejected: case\.ics(:\d+)?: file: cannot parse the iCalendar file/)]);
    });
  }
});

describe('ics: a file with no readable calendar is rejected alone, the same both ways', () => {
  const cases: Record<string, string> = {
    'an empty file': '',
    'only blank lines': '\r\n\r\n\r\n',
    'lone CR line ends': 'BEGIN:VCALENDAR\rBEGIN:VEVENT\rUID:x\rDTSTART:20260704T090000Z\rEND:VEVENT\rEND:VCALENDAR\r',
    'a line outside any component': 'X-JUNK:1\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n',
  };
  for (const [name, content] of Object.entries(cases)) {
    it(name, async () => {
      const { whole, streamed } = await bothWays('case.ics', content);
      expect(streamed).toEqual(whole);
      expect(whole.records).toEqual([]);
      expect(whole.logs.filter((l) => l.startsWith('rejected'))).toEqual([expect.stringMatching(/^rejected: case\.ics(:\d+)?: file: /)]);
    });
  }
});

describe('ics: layouts the index does not take are read whole', () => {
  const cases: Record<string, string> = {
    'a bare VEVENT as the root': 'BEGIN:VEVENT\r\nUID:bare\r\nCREATED:20260301T120000Z\r\nDTSTART:20260704T090000Z\r\nEND:VEVENT\r\n',
    'lone CR line ends': 'BEGIN:VCALENDAR\rEND:VCALENDAR\r',
    'leading blanks': '  BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nCREATED:20260301T120000Z\r\nDTSTART:20260704T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n',
    'an END too many (ical.js does not mind)': 'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nCREATED:20260301T120000Z\r\nDTSTART:20260704T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\nEND:VCALENDAR\r\n',
    'a VCALENDAR and a bare VEVENT': 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:y\r\nCREATED:20260301T120000Z\r\nDTSTART:20260704T090000Z\r\nEND:VEVENT\r\n',
  };
  for (const [name, content] of Object.entries(cases)) {
    it(name, async () => {
      const { whole, streamed } = await bothWays('odd.ics', content);
      expect(streamed).toEqual(whole);
    });
  }
});

describe('ics: an event with an odd time or duration gives the same records and warnings streamed as whole', () => {
  const lines = [
    'DTSTART:20260704T090000Z', 'DTSTART:20260704T090000', 'DTSTART:20260704', 'DTSTART;VALUE=DATE:20260704', 'DTSTART;VALUE=DATE:20260704T090000',
    'DTSTART;VALUE=DATE-TIME:20260704T090000Z', 'DTSTART;value=date:20260704', 'DTSTART:2026-07-04T09:00:00Z', 'DTSTART:20261304T250000Z',
    'DTSTART;TZID=Europe/Oslo:20260329T023000', 'DTSTART;TZID=Mars/Olympus:20260704T090000', 'DTSTART;TZID=Europe/Oslo:20260704T090000',
    'DTSTART;tzid=Europe/Oslo:20260329T023000', 'DTEND;TZID=America/New_York:20260308T023000', 'DTSTART;TZID=Europe/Oslo:20261025T023000',
    'DTSTART;TZID=Europe/Oslo:20260230T090000', 'DTSTART;TZID="Europe/Oslo":20260329T023000', 'CREATED;TZID=Mars/Olympus:20260301T120000',
    'DTEND:20260704T1000', 'DTEND;VALUE=PERIOD:20260704T090000Z/PT1H', 'RECURRENCE-ID;RANGE=THISANDFUTURE:20260704T090000Z',
    'CREATED:20260301', 'CREATED;VALUE=DATE:20260301', 'CREATED:20260301T120000Z', 'LAST-MODIFIED:x', 'LAST-MODIFIED:',
    'DURATION:PT1H', 'DURATION:P1D', 'DURATION:P2W', 'DURATION:P1DT2H30M', 'DURATION:PT', 'DURATION:P1X', 'DURATION:-PT1H', 'DURATION;X=1:PT1H', 'DURATION:',
  ];
  const warnedLines: string[] = [];
  for (const line of lines) {
    it(line, async () => {
      // The probe comes first: parseEvent reads the first of each property.
      const content = ['BEGIN:VCALENDAR', 'BEGIN:VEVENT', 'UID:probe', line, 'CREATED:20260301T120000Z', 'DTSTART:20260704T090000Z', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
      const { whole, streamed } = await bothWays('probe.ics', content);
      expect(streamed).toEqual(whole);
      if (whole.logs.some((log) => log.startsWith('warning:'))) warnedLines.push(line);
    });
  }

  it('and the probes include lines that do warn', () => {
    expect(warnedLines).toEqual(expect.arrayContaining(['DTSTART;TZID=Mars/Olympus:20260704T090000', 'DTSTART;TZID=Europe/Oslo:20260329T023000', 'DTEND;TZID=America/New_York:20260308T023000', 'CREATED:20260301', 'DURATION:P1X']));
  });
});
