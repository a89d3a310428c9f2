import { rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../src/records/envelope.js';
import { recordsFile, stateDir } from '../fakes/google-calendar/pull-harness.js';
import { at, booking, bookingId, CANOES, expectedKayakIds, KAYAKS, WINDOW } from '../fakes/google-calendar/scenario.js';
import { isEventsRequest, type RecordedRequest } from '../fakes/google-calendar/server.js';
import { FIRST_PULL_AT, startKit, type CalendarTestKit } from '../fakes/google-calendar/test-kit.js';

const SECOND_PULL_AT = '2026-04-27T08:00:00.000Z';
const THIRD_PULL_AT = '2026-04-28T08:00:00.000Z';

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

function eventRequestsFrom(index: number): RecordedRequest[] {
  return kit.server.requests.slice(index).filter(isEventsRequest);
}

const byIdMap = (records: SourceRecord[]) => new Map(records.map((r) => [r.id, r]));

/** A booking edited after the first pull. */
function edited(n: number, changes: Partial<ReturnType<typeof booking>>) {
  return { ...booking(n), updated: '2026-04-26T12:00:00.000Z', sequence: 1, ...changes };
}

describe('google-calendar: incremental pulls with sync tokens', () => {
  it('asks only for changes and merges them into the last pull: changed replaced, new added, nothing lost', async () => {
    const first = await kit.pull();
    expect(existsSync(path.join(stateDir(kit.job), 'google-calendar-sync.json'))).toBe(true);

    kit.server.store.put(KAYAKS, edited(5, { summary: 'Double kayak – Booking REF005', start: at('Europe/Oslo', '2026-02-11T14:00'), end: at('Europe/Oslo', '2026-02-11T17:00') }));
    kit.server.store.put(KAYAKS, { ...booking(500), created: '2026-04-26T13:00:00.000Z', updated: '2026-04-26T13:00:00.000Z' });
    // Deleted after the first pull: Google's tombstone names nothing but the id.
    kit.server.store.put(KAYAKS, { id: bookingId(7), status: 'cancelled', updated: '2026-04-26T14:00:00.000Z' });
    const mark = kit.server.requests.length;

    const second = await kit.pull({}, { observedAt: SECOND_PULL_AT });
    const requests = eventRequestsFrom(mark);
    expect(requests).toHaveLength(1);
    const query = Object.fromEntries(requests[0]?.query ?? []);
    expect(query).toEqual({ maxResults: '2500', showDeleted: 'true', singleEvents: 'true', syncToken: expect.any(String) });

    expect(second.records).toHaveLength(first.records.length + 1);
    const before = byIdMap(first.records);
    const after = byIdMap(second.records);
    const changed = [`${KAYAKS}/${bookingId(5)}`, `${KAYAKS}/${bookingId(7)}`, `${KAYAKS}/${bookingId(500)}`];
    for (const [id, record] of before) {
      if (!changed.includes(id)) expect(after.get(id)).toEqual(record); // unchanged, down to observedAt
    }
    expect(after.get(changed[0] ?? '')).toMatchObject({ observedAt: SECOND_PULL_AT, data: { summary: 'Double kayak – Booking REF005', start: '2026-02-11T14:00:00+01:00', sequence: 1 } });
    expect(after.get(changed[2] ?? '')).toMatchObject({ observedAt: SECOND_PULL_AT, data: { uid: 'booking-500@fjordkayaks.example' } });

    // The tombstone keeps what the last pull knew, so a rule can still tell which booking was cancelled.
    const cancelled = after.get(changed[1] ?? '');
    expect(cancelled).toMatchObject({
      deleted: true,
      observedAt: SECOND_PULL_AT,
      updatedAt: '2026-04-26T14:00:00.000Z',
      data: {
        status: 'CANCELLED',
        googleStatus: 'cancelled',
        uid: 'booking-7@fjordkayaks.example',
        summary: 'Single kayak – Booking REF007',
        start: '2026-02-15T10:00:00+01:00',
        lastModified: '2026-04-26T14:00:00.000Z',
        detailsFromPreviousPull: { observedAt: FIRST_PULL_AT, fields: expect.arrayContaining(['uid', 'summary', 'description', 'start', 'end', 'attendees']) },
      },
    });
    expect(second.logs).toContain(`${first.records.length - 2} unchanged events kept from the last pull`);

    // Nothing changed since: one request, the same records.
    const mark3 = kit.server.requests.length;
    const third = await kit.pull({}, { observedAt: THIRD_PULL_AT });
    expect(eventRequestsFrom(mark3)).toHaveLength(1);
    expect(third.records).toEqual(second.records);
  });

  it('stops a new series at the horizon, as a full listing would (a sync token cannot carry timeMax)', async () => {
    kit.server.limits.pageSize = 2500; // 730 instances in one page: paging is not the point here
    await kit.pull();
    kit.server.store.put(KAYAKS, {
      id: 'evening0series',
      status: 'confirmed',
      created: '2026-04-26T10:00:00.000Z',
      updated: '2026-04-26T10:00:00.000Z',
      summary: 'Evening paddle',
      start: at('Europe/Oslo', '2026-05-06T18:00'),
      end: at('Europe/Oslo', '2026-05-06T20:00'),
      recurrence: ['RRULE:FREQ=WEEKLY'],
    });
    const second = await kit.pull({}, { observedAt: SECOND_PULL_AT });
    const instances = second.records.filter((r) => r.data.recurringEventId === 'evening0series');
    // Wednesdays from 6 May 2026 up to the horizon (25 April 2027): 51 of them.
    expect(instances).toHaveLength(51);
    expect(instances.at(-1)?.data.start).toBe('2027-04-21T18:00:00+02:00');
    expect(second.logs.some((line) => /skipped: recurring instance past the horizon/.test(line))).toBe(true);
  });
});

describe('google-calendar: when a sync token or the base it belongs to is gone', () => {
  it('on 410 GONE lists the calendar in full again, deletions included, and keeps what the listing lacks', async () => {
    const first = await kit.pull({ calendarIds: [KAYAKS, CANOES] });
    kit.server.store.expireSyncTokens(KAYAKS);
    kit.server.store.put(KAYAKS, { id: bookingId(9), status: 'cancelled', updated: '2026-04-26T14:00:00.000Z' });
    // Gone without a trace (a tombstone Google purged): the last pull's record is all there is.
    kit.server.store.purge(KAYAKS, 'pastdate0');
    const mark = kit.server.requests.length;

    const second = await kit.pull({ calendarIds: [KAYAKS, CANOES] }, { observedAt: SECOND_PULL_AT });
    const requests = eventRequestsFrom(mark).map((r) => ({ calendar: decodeURIComponent(r.path.split('/')[4] ?? ''), sync: r.query.has('syncToken'), updatedMin: r.query.has('updatedMin'), status: r.status }));
    expect(requests).toEqual([
      { calendar: KAYAKS, sync: true, updatedMin: false, status: 410 },
      { calendar: KAYAKS, sync: false, updatedMin: true, status: 200 },
      { calendar: KAYAKS, sync: false, updatedMin: true, status: 200 },
      { calendar: KAYAKS, sync: false, updatedMin: true, status: 200 },
      { calendar: KAYAKS, sync: false, updatedMin: true, status: 200 },
      { calendar: CANOES, sync: true, updatedMin: false, status: 200 },
    ]);
    expect(second.logs.some((line) => line.includes(`calendar "${KAYAKS}": the sync token of the last pull is no longer valid (410 fullSyncRequired`))).toBe(true);

    expect(second.records.map((r) => r.id).sort()).toEqual(first.records.map((r) => r.id).sort());
    const after = byIdMap(second.records);
    expect(after.get(`${KAYAKS}/${bookingId(9)}`)).toMatchObject({ deleted: true, observedAt: SECOND_PULL_AT, data: { summary: 'Single kayak – Booking REF009' } });
    expect(after.get(`${KAYAKS}/pastdate0`)).toEqual(byIdMap(first.records).get(`${KAYAKS}/pastdate0`));
    expect(second.logs).toContain(
      `warning: calendar "${KAYAKS}": 1 events of the last pull are missing from today's full listing ` +
        '(deleted and purged by Google, moved to another calendar, or outside the window); kept as last seen',
    );
  });

  it('lists in full when the records file is not the one the tokens were taken with', async () => {
    const first = await kit.pull();
    await rm(recordsFile(kit.job));
    const mark = kit.server.requests.length;
    const second = await kit.pull({}, { observedAt: SECOND_PULL_AT });
    expect(eventRequestsFrom(mark).some((r) => r.query.has('syncToken'))).toBe(false);
    expect(second.logs[0]).toBe('listing every calendar in full: the records file is not the one the last pull wrote (0 records found, 138 written)');
    expect(second.records.map((r) => r.id)).toEqual(first.records.map((r) => r.id));
  });

  it('lists in full when the window changed', async () => {
    await kit.pull();
    kit.job.window = { ...WINDOW, since: new Date('2026-01-01T00:00:00Z') };
    const mark = kit.server.requests.length;
    const second = await kit.pull({}, { observedAt: SECOND_PULL_AT });
    expect(eventRequestsFrom(mark)[0]?.query.get('updatedMin')).toBe('2026-01-01T00:00:00.000Z');
    expect(second.logs[0]).toBe('listing every calendar in full: the window changed since the last pull');
  });

  it('when Google refuses updatedMin as too far back (410), lists without it and filters by write time itself', async () => {
    await kit.close();
    kit = await startKit({ pageSize: 50, updatedMinLimit: new Date('2026-02-01T00:00:00Z') });
    const { records, logs } = await kit.pull();
    expect(records.map((r) => r.id).sort()).toEqual(expectedKayakIds().sort());
    const statuses = kit.server.requests.filter(isEventsRequest).map((r) => `${r.status} ${r.query.get('singleEvents')} ${r.query.has('updatedMin')}`);
    // Without updatedMin the listing also holds what was written before the window: more pages.
    expect(statuses[0]).toBe('410 true true');
    expect(statuses.slice(1, -1).length).toBeGreaterThan(3);
    expect(new Set(statuses.slice(1, -1))).toEqual(new Set(['200 true false']));
    expect(statuses.at(-1)).toBe('200 false false');
    expect(logs.some((line) => /skipped: written before the window/.test(line))).toBe(true);
  });
});

describe('google-calendar: an interrupted pull resumes', () => {
  it('at the page after its last checkpoint: nothing missing, nothing twice', async () => {
    await expect(kit.pull({ calendarIds: [KAYAKS, CANOES] }, { crashAfterCheckpoints: 1 })).rejects.toThrow('simulated crash');
    expect(existsSync(`${recordsFile(kit.job)}.partial`)).toBe(true);
    const mark = kit.server.requests.length;
    const resumed = await kit.pull({ calendarIds: [KAYAKS, CANOES] });
    expect(resumed.resumedRecords).toBe(50);
    expect(resumed.logs[0]).toBe('resuming the interrupted pull (50 events listed before)');
    // Straight to page two: the first page is not asked for again.
    const first = eventRequestsFrom(mark)[0];
    expect(first?.query.get('pageToken')).toBeTruthy();
    const ids = resumed.records.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => id.startsWith(KAYAKS)).sort()).toEqual(expectedKayakIds().sort());
    expect(ids.filter((id) => id.startsWith(CANOES))).toHaveLength(3);

    // And the sync tokens saved at the end are good: the next pull asks only for changes.
    const mark2 = kit.server.requests.length;
    const next = await kit.pull({ calendarIds: [KAYAKS, CANOES] }, { observedAt: SECOND_PULL_AT });
    expect(eventRequestsFrom(mark2).every((r) => r.query.has('syncToken'))).toBe(true);
    expect(next.records).toEqual(resumed.records);
  });

  it('from a finished calendar on to the next, without listing the finished one again', async () => {
    // Checkpoints: KAYAKS pages 1-3 and its beyond-horizon page, then CANOES.
    await expect(kit.pull({ calendarIds: [KAYAKS, CANOES] }, { crashAfterCheckpoints: 4 })).rejects.toThrow('simulated crash');
    const mark = kit.server.requests.length;
    const resumed = await kit.pull({ calendarIds: [KAYAKS, CANOES] });
    expect(eventRequestsFrom(mark).map((r) => decodeURIComponent(r.path.split('/')[4] ?? ''))).toEqual([CANOES, CANOES]);
    expect(resumed.records).toHaveLength(expectedKayakIds().length + 3);
  });

  it('from the first page again when the saved page token has expired meanwhile', async () => {
    await expect(kit.pull({}, { crashAfterCheckpoints: 1 })).rejects.toThrow('simulated crash');
    kit.server.limits.pageTokenEpoch = 1;
    const resumed = await kit.pull();
    expect(resumed.logs.some((line) => line.includes('the page token saved by the interrupted pull was refused (400 invalid'))).toBe(true);
    const ids = resumed.records.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(expectedKayakIds().sort());
  });
});
