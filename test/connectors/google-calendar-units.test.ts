import { describe, expect, it } from 'vitest';
import { isTransient, readApiFailure } from '../../connectors/google-calendar/api-error.js';
import { eventRecord, recordRef } from '../../connectors/google-calendar/event-record.js';
import { instantOf, recurrenceIdOf, renderEventTime } from '../../connectors/google-calendar/event-time.js';
import { addRecord, EMPTY_FINGERPRINT } from '../../connectors/google-calendar/fingerprint.js';
import { withPreviousDetails } from '../../connectors/google-calendar/previous-records.js';
import { readResumeState } from '../../connectors/google-calendar/pull-state.js';
import { backoffDelay, DEFAULT_RETRY_POLICY } from '../../connectors/google-calendar/retry.js';
import { usableSyncTokens, type SyncState } from '../../connectors/google-calendar/sync-state.js';
import { SourceInputError } from '../../src/records/connector.js';
import type { SourceRecord } from '../../src/records/envelope.js';

describe('back-off', () => {
  const policy = (random: number) => ({ ...DEFAULT_RETRY_POLICY, random: () => random });

  it('doubles from 1 s up to 64 s, jittered between half and all of it', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((retry) => backoffDelay(retry, policy(0)))).toEqual([500, 1000, 2000, 4000, 8000, 16000, 32000, 32000, 32000]);
    expect([1, 2, 7, 9].map((retry) => backoffDelay(retry, policy(0.999999)))).toEqual([1000, 2000, 64000, 64000]);
  });

  it('never waits less than Retry-After', () => {
    expect(backoffDelay(1, policy(0.5), 10_000)).toBe(10_000);
    expect(backoffDelay(7, policy(0.5), 10_000)).toBe(48_000);
  });
});

describe('reading API failures', () => {
  const gaxiosError = (status: number, reason: string, headers: Record<string, string> = {}) => ({
    message: 'x',
    response: { status, headers: new Headers(headers), data: { error: { code: status, message: 'said', errors: [{ reason }] } } },
  });

  it('retries quota, overload and server faults only', () => {
    const transient = (status: number, reason: string) => isTransient(readApiFailure(gaxiosError(status, reason))!);
    expect(transient(403, 'rateLimitExceeded')).toBe(true);
    expect(transient(403, 'userRateLimitExceeded')).toBe(true);
    expect(transient(429, 'rateLimitExceeded')).toBe(true);
    expect(transient(500, 'backendError')).toBe(true);
    expect(transient(503, 'backendError')).toBe(true);
    expect(transient(403, 'forbidden')).toBe(false);
    expect(transient(403, 'dailyLimitExceeded')).toBe(false);
    expect(transient(401, 'authError')).toBe(false);
    expect(transient(410, 'fullSyncRequired')).toBe(false);
    expect(isTransient(readApiFailure({ code: 'ECONNRESET', message: 'socket hang up' })!)).toBe(true);
    expect(isTransient(readApiFailure({ code: 'ECONNREFUSED', message: 'refused' })!)).toBe(false);
    expect(readApiFailure(new Error('not an API failure'))).toBeUndefined();
  });

  it('reads Retry-After in seconds and as an HTTP date', () => {
    const now = () => Date.parse('2026-04-26T08:00:00Z');
    expect(readApiFailure(gaxiosError(429, 'r', { 'retry-after': '12' }), now)?.retryAfterMs).toBe(12_000);
    expect(readApiFailure(gaxiosError(429, 'r', { 'retry-after': 'Sun, 26 Apr 2026 08:01:00 GMT' }), now)?.retryAfterMs).toBe(60_000);
    expect(readApiFailure(gaxiosError(429, 'r'), now)?.retryAfterMs).toBeUndefined();
  });
});

describe('event times', () => {
  it('dates stay dates; times are written in the event zone, or the calendar zone when the event has none', () => {
    expect(renderEventTime({ date: '2026-03-29' }, 'Europe/Oslo')).toEqual({ value: '2026-03-29', allDay: true, timeZone: 'Europe/Oslo' });
    expect(renderEventTime({ dateTime: '2026-03-29T01:30:00+01:00', timeZone: 'Europe/Oslo' }, 'UTC').value).toBe('2026-03-29T01:30:00+01:00');
    expect(renderEventTime({ dateTime: '2026-03-29T03:30:00+02:00' }, 'Europe/Oslo').value).toBe('2026-03-29T03:30:00+02:00');
    expect(renderEventTime({ dateTime: '2026-03-29T08:00:00Z' }, 'America/New_York')).toEqual({ value: '2026-03-29T04:00:00-04:00', allDay: false, timeZone: 'America/New_York' });
    expect(renderEventTime({ dateTime: '2026-03-29T08:00:00Z', timeZone: 'UTC' }, 'Europe/Oslo').value).toBe('2026-03-29T08:00:00Z');
    // Without an offset Google's times need a zone (input rule); read them in it.
    expect(renderEventTime({ dateTime: '2026-07-01T10:00:00', timeZone: 'Asia/Tokyo' }, null).value).toBe('2026-07-01T10:00:00+09:00');
    // A zone nobody knows: the time as Google wrote it, never a guess.
    expect(renderEventTime({ dateTime: '2026-07-01T10:00:00+02:00', timeZone: 'Mars/Olympus' }, null)).toEqual({ value: '2026-07-01T10:00:00+02:00', allDay: false, timeZone: 'Mars/Olympus' });
    expect(renderEventTime(undefined, 'Europe/Oslo')).toEqual({ value: null, allDay: false, timeZone: null });
  });

  it('recurrence ids as the ICS connector writes them: a date, or the original start in UTC', () => {
    expect(recurrenceIdOf({ date: '2026-03-28' })).toBe('2026-03-28');
    expect(recurrenceIdOf({ dateTime: '2026-04-04T10:00:00+02:00', timeZone: 'Europe/Oslo' })).toBe('2026-04-04T08:00:00Z');
    expect(recurrenceIdOf(undefined)).toBeUndefined();
    expect(instantOf({ dateTime: '2026-04-04T10:00:00', timeZone: 'Europe/Oslo' })).toBe(Date.parse('2026-04-04T08:00:00Z'));
  });
});

describe('records', () => {
  const scope = { sourceName: 'cal', observedAt: '2026-04-26T00:00:00.000Z', calendarId: 'team#x@group.calendar.google.com', calendarName: null, calendarTimeZone: 'UTC' };

  it('refs stay followable for calendar ids with # in them; ids stay as Google spells them', () => {
    expect(recordRef('en.norwegian#holiday@group.v.calendar.google.com', 'abc_20260101')).toBe('gcal://en.norwegian%23holiday@group.v.calendar.google.com/abc_20260101');
    const record = eventRecord({ id: 'e1', status: 'confirmed' }, scope);
    expect(record.id).toBe('team#x@group.calendar.google.com/e1');
    expect(record.ref).toBe('gcal://team%23x@group.calendar.google.com/e1');
  });

  it('an unknown status keeps its value, upper-cased; a missing one is Google default, confirmed', () => {
    expect(eventRecord({ id: 'e1', status: 'somethingNew' }, scope).data.status).toBe('SOMETHINGNEW');
    expect(eventRecord({ id: 'e1' }, scope).data.status).toBe('CONFIRMED');
  });

  it('fills a tombstone from the previous pull, and only a tombstone', () => {
    const previous = eventRecord({ id: 'e1', status: 'confirmed', summary: 'Booking ABC123', start: { date: '2026-05-01' }, end: { date: '2026-05-02' }, created: '2026-02-01T00:00:00Z' }, scope);
    const tombstone = eventRecord({ id: 'e1', status: 'cancelled', updated: '2026-04-26T00:00:00Z' }, scope);
    const filled = withPreviousDetails(tombstone, previous);
    expect(filled.data).toMatchObject({ summary: 'Booking ABC123', start: '2026-05-01', allDay: true, status: 'CANCELLED', lastModified: '2026-04-26T00:00:00.000Z' });
    expect((filled.data.detailsFromPreviousPull as { fields: string[] }).fields).toEqual(expect.arrayContaining(['summary', 'start', 'end', 'created', 'allDay']));
    expect(filled.createdAt).toBe('2026-02-01T00:00:00.000Z');
    const changed = eventRecord({ id: 'e1', status: 'confirmed', summary: null }, scope);
    expect(withPreviousDetails(changed, previous)).toBe(changed);
  });
});

describe('sync state', () => {
  const record = (id: string): SourceRecord => ({ source: 's', type: 'calendar.event', id, ref: `gcal://c/${id}`, observedAt: 'now', data: { a: [1, 'ü', null] } });

  it('a records file read back has the fingerprint of the records that were written', () => {
    const written = [record('a'), record('b')].reduce(addRecord, EMPTY_FINGERPRINT);
    const readBack = [record('a'), record('b')].map((r) => JSON.parse(JSON.stringify(r)) as SourceRecord).reduce(addRecord, EMPTY_FINGERPRINT);
    expect(readBack).toEqual(written);
    expect([record('a')].reduce(addRecord, EMPTY_FINGERPRINT)).not.toEqual(written);
  });

  it('tokens are only used with the endpoint, window and records file they were taken with', () => {
    const records = [record('a')].reduce(addRecord, EMPTY_FINGERPRINT);
    const scope = { endpoint: 'http://x/', since: '2026-01-19T00:00:00.000Z', horizon: '2027-04-25T09:00:00.000Z' };
    const state: SyncState = { version: 1, scope, syncTokens: { primary: 't1' }, records };
    expect(usableSyncTokens(state, scope, records)).toEqual({ tokens: { primary: 't1' } });
    expect(usableSyncTokens(undefined, scope, records)).toEqual({ tokens: {} });
    expect(usableSyncTokens(state, { ...scope, endpoint: 'http://y/' }, records).reason).toBe('the API endpoint changed');
    expect(usableSyncTokens(state, { ...scope, horizon: '2028-01-01T00:00:00.000Z' }, records).reason).toBe('the window changed since the last pull');
    expect(usableSyncTokens(state, scope, EMPTY_FINGERPRINT).tokens).toEqual({});
  });

  it('a checkpoint this version cannot read stops the pull instead of starting over on a partial file', () => {
    expect(readResumeState(undefined)).toBeUndefined();
    expect(() => readResumeState({ version: 2 })).toThrow(SourceInputError);
  });
});
