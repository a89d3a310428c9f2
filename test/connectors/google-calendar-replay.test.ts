import type { PullRejection } from '../../src/records/rejection.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { googleCalendarConnector } from '../../connectors/google-calendar/index.js';
import { icsConnector } from '../../connectors/ics/index.js';
import { startDemoCalendar } from '../../src/demo/booking-calendar.js';
import { EXPORT_PATHS, generateIncident, writeIncidentFiles, type Incident } from '../../src/demo/incident.js';
import { loadMappings } from '../../src/mapping/load.js';
import { RuleEvaluator } from '../../src/mapping/evaluate.js';
import type { PullWindow } from '../../src/records/connector.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { guardNetwork, type NetworkGuard } from '../fakes/google-calendar/network-guard.js';
import type { FakeCalendarServer } from '../fakes/google-calendar/server.js';
import { runPull } from '../fakes/google-calendar/pull-harness.js';

/**
 * The demo's Google Calendar side: the incident's bookings replayed as Calendar v3 and
 * pulled through googleapis must say exactly what the ICS export of the same calendar
 * says, down to the rows the sample incident's mapping rule builds from them.
 */
const CALENDAR_ID = 'bookings@fjordkayaks.example';
const OBSERVED_AT = '2026-04-25T10:30:00.000Z';
const TOKEN = 'demo-replay';
const DAY_MS = 86_400_000;

let incident: Incident;
let replay: FakeCalendarServer;
/** The fakes this file started: the only places a connection may go. */
const ourPorts = new Set<number>();
let guard: NetworkGuard;
let dir: string;
let window: PullWindow;
let gcal: SourceRecord[];
let ics: SourceRecord[];

beforeAll(async () => {
  incident = generateIncident();
  const from = new Date(incident.window.from);
  const to = new Date(incident.window.to);
  window = { from, to, since: new Date(from.getTime() - DAY_MS), horizon: new Date(to.getTime() + 365 * DAY_MS) };
  dir = await mkdtemp(path.join(tmpdir(), 'salvage-gcal-replay-'));
  replay = await startDemoCalendar(incident, CALENDAR_ID, TOKEN);
  ourPorts.add(replay.port);
  guard = guardNetwork((target) => target.host === '127.0.0.1' && target.port !== undefined && ourPorts.has(target.port));

  // Both named "calendar", so that the sample rule (source: calendar) reads both.
  const connector = googleCalendarConnector({ accessToken: TOKEN, calendarIds: [CALENDAR_ID], apiBase: replay.rootUrl });
  gcal = (await runPull(connector, { dir, source: 'calendar', window }, { observedAt: OBSERVED_AT })).records;

  await writeIncidentFiles(incident, dir);
  ics = [];
  const context = {
    sourceName: 'calendar',
    window,
    baseDir: dir,
    stateDir: path.join(dir, 'state', 'ics'),
    log: () => undefined,
    reject: (r: PullRejection) => {
      throw new Error(`unexpected rejection: ${r.location}: ${r.reason}`);
    },
    checkpoint: async () => undefined,
    previousRecords: async function* () {},
    observedAt: OBSERVED_AT,
  };
  for await (const record of icsConnector({ files: [EXPORT_PATHS.calendar] }).pull(context)) {
    if (String(record.data.uid).startsWith('booking-')) ics.push(record);
  }
});

afterAll(async () => {
  guard.restore();
  await replay.close();
  await rm(dir, { recursive: true, force: true });
});

const byUid = (records: SourceRecord[]) => new Map(records.map((r) => [String(r.data.uid), r]));

/** The fields a mapping rule reads, as both connectors must give them. */
function shared(record: SourceRecord): unknown {
  const d = record.data;
  const organizer = d.organizer as { email: unknown; name: unknown };
  return {
    deleted: record.deleted ?? false,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...Object.fromEntries(['uid', 'summary', 'description', 'location', 'status', 'sequence', 'start', 'end', 'allDay', 'timeZone', 'created', 'lastModified'].map((k) => [k, d[k]])),
    organizer: { email: organizer.email, name: organizer.name },
    attendees: (d.attendees as Array<Record<string, unknown>>).map((a) => ({ email: a.email, name: a.name, partstat: a.partstat })),
  };
}

describe('the demo calendar replay', () => {
  it('serves the bookings written in the window, the same ones the ICS export has', () => {
    expect(gcal.length).toBeGreaterThan(100);
    expect([...byUid(gcal).keys()].sort()).toEqual([...byUid(ics).keys()].sort());
    expect(gcal.some((r) => r.deleted)).toBe(true);
    expect(gcal.some((r) => r.data.allDay === true)).toBe(true);
  });

  it('gives every booking the same fields, times and zones as the ICS connector', () => {
    const fromIcs = byUid(ics);
    for (const record of gcal) expect(shared(record)).toEqual(shared(fromIcs.get(String(record.data.uid)) as SourceRecord));
    const sample = gcal.find((r) => r.data.allDay === false);
    expect(sample?.data.start).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\+0[12]:00$/);
    expect(sample?.data).toMatchObject({ calendarId: CALENDAR_ID, timeZone: 'Europe/Oslo', extendedProperties: { private: { bookingId: expect.stringMatching(/^\d+$/) } } });
  });

  it('the sample incident rule builds the same booking rows from either source', async () => {
    const evaluator = new RuleEvaluator(await loadMappings(path.resolve('mappings')));
    const rows = (records: SourceRecord[]) =>
      new Map(
        records.map((record) => {
          const { candidates, failures } = evaluator.evaluate(record);
          expect(failures).toEqual([]);
          return [String(record.data.uid), candidates.map(({ table, rule, values, lookups }) => ({ table, rule, values, lookups }))];
        }),
      );
    const fromGcal = rows(gcal);
    const fromIcs = rows(ics);
    expect([...fromGcal.values()].filter((candidates) => candidates.some((c) => c.table === 'bookings')).length).toBe(gcal.length);
    for (const [uid, candidates] of fromGcal) expect(candidates).toEqual(fromIcs.get(uid));
  });

  it('is read-only and local: GETs to 127.0.0.1 only, anything else refused', async () => {
    expect(guard.blocked).toEqual([]);
    expect(guard.connections.length).toBeGreaterThan(0);
    const authorization = `Bearer ${TOKEN}`;
    const post = await fetch(`${replay.rootUrl}calendar/v3/calendars/${encodeURIComponent(CALENDAR_ID)}/events`, { method: 'POST', body: '{}', headers: { authorization } });
    expect(post.status).toBe(405);
    const other = await fetch(`${replay.rootUrl}calendar/v3/calendars/primary/events`, { headers: { authorization } });
    expect(other.status).toBe(404);
    const otherToken = await fetch(`${replay.rootUrl}calendar/v3/calendars/${encodeURIComponent(CALENDAR_ID)}/events`, { headers: { authorization: 'Bearer not-the-demo-token' } });
    expect(otherToken.status).toBe(401);
  });

  it('answers a sync token from an earlier demo run (another server) 410, as Google answers one it no longer knows', async () => {
    const authorization = `Bearer ${TOKEN}`;
    const events = (server: FakeCalendarServer, query: string) =>
      fetch(`${server.rootUrl}calendar/v3/calendars/${encodeURIComponent(CALENDAR_ID)}/events?singleEvents=true&${query}`, { headers: { authorization } });
    const { nextSyncToken } = (await (await events(replay, 'maxResults=2500')).json()) as { nextSyncToken: string };
    expect((await events(replay, `syncToken=${nextSyncToken}`)).status).toBe(200);
    const nextRun = await startDemoCalendar(incident, CALENDAR_ID, TOKEN);
    ourPorts.add(nextRun.port);
    try {
      const gone = await events(nextRun, `syncToken=${nextSyncToken}`);
      expect(gone.status).toBe(410);
      expect(await gone.json()).toMatchObject({ error: { errors: [{ reason: 'fullSyncRequired' }] } });
    } finally {
      await nextRun.close();
    }
  });
});
