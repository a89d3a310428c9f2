import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SourceInputError } from '../../src/records/connector.js';
import { recordsFile } from '../fakes/google-calendar/pull-harness.js';
import { ACCESS_TOKEN, expectedKayakIds, KAYAKS } from '../fakes/google-calendar/scenario.js';
import { isEventsRequest, type RecordedRequest } from '../fakes/google-calendar/server.js';
import { startKit, type CalendarTestKit } from '../fakes/google-calendar/test-kit.js';

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

const isSecondPage = (request: RecordedRequest) => isEventsRequest(request) && request.query.has('pageToken');
const statuses = () => kit.server.requests.filter(isEventsRequest).map((r) => r.status);

describe('google-calendar: quota and server faults', () => {
  it('backs off and retries 403 rateLimitExceeded and userRateLimitExceeded', async () => {
    kit.server.inject({ status: 403, reason: 'rateLimitExceeded', message: 'Rate Limit Exceeded' });
    kit.server.inject({ status: 403, reason: 'userRateLimitExceeded', message: 'User Rate Limit Exceeded' });
    const { records, logs } = await kit.pull();
    expect(records.map((r) => r.id).sort()).toEqual(expectedKayakIds().sort());
    expect(statuses().slice(0, 3)).toEqual([403, 403, 200]);
    // Exponential with jitter (random() = 0.5 here): 1 s then 2 s, each scaled to 75 %.
    expect(kit.sleeps).toEqual([750, 1500]);
    expect(logs).toContain(`events.list ${KAYAKS}: 403 rateLimitExceeded: Rate Limit Exceeded; retrying in 0.8s (attempt 2 of 8)`);
    expect(logs).toContain(`events.list ${KAYAKS}: 403 userRateLimitExceeded: User Rate Limit Exceeded; retrying in 1.5s (attempt 3 of 8)`);
  });

  it('honours Retry-After on 429, in seconds or as a date', async () => {
    kit.server.inject({ status: 429, reason: 'rateLimitExceeded', retryAfter: '7' });
    kit.server.inject({ status: 429, reason: 'rateLimitExceeded', retryAfter: new Date(Date.now() + 30_000).toUTCString(), matching: isSecondPage });
    const { records } = await kit.pull();
    expect(records).toHaveLength(expectedKayakIds().length);
    expect(kit.sleeps[0]).toBe(7000);
    expect(kit.sleeps[1]).toBeGreaterThan(27_000);
    expect(kit.sleeps[1]).toBeLessThanOrEqual(30_000);
  });

  it('retries 500 and 503 mid-listing, and the page comes once', async () => {
    kit.server.inject({ status: 500, reason: 'backendError', domain: 'global', matching: isSecondPage });
    kit.server.inject({ status: 503, reason: 'backendError', domain: 'global', matching: isSecondPage });
    const { records } = await kit.pull();
    const ids = records.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(expectedKayakIds().sort());
    expect(statuses().slice(0, 4)).toEqual([200, 500, 503, 200]);
  });

  it('gives up after the last attempt, each attempt one request (googleapis retries nothing itself)', async () => {
    kit.server.inject({ status: 500, reason: 'backendError', domain: 'global', times: 10 });
    await expect(kit.pull({ retry: { maxAttempts: 3 } })).rejects.toThrow(
      `events.list ${KAYAKS}: still failing after 3 attempts (500 backendError: backendError); pull again later to resume`,
    );
    expect(statuses()).toEqual([500, 500, 500]);
    expect(kit.sleeps).toHaveLength(2);
    expect(existsSync(recordsFile(kit.job))).toBe(false);
  });

  it('fails rather than hang when Retry-After asks for longer than the policy allows', async () => {
    kit.server.inject({ status: 429, reason: 'rateLimitExceeded', retryAfter: '3600' });
    await expect(kit.pull()).rejects.toThrow('the server asks to wait 60 min');
    expect(kit.sleeps).toEqual([]);
  });

  it('retries a rate-limited calendar list', async () => {
    kit.server.inject({ status: 429, reason: 'rateLimitExceeded', matching: (r) => r.path.endsWith('/calendarList') });
    const { records } = await kit.pull({ calendarIds: 'all' });
    expect(records.length).toBeGreaterThan(expectedKayakIds().length);
    expect(kit.sleeps).toEqual([750]);
  });
});

describe('google-calendar: failures the user must fix', () => {
  it('401: says the token was refused, never shows it, does not retry', async () => {
    const error = await kit.pull({ accessToken: 'ya' + '29.expired-token-abcdef' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceInputError);
    expect((error as Error).message).toMatch(/rejected the credentials reading calendar ".*" \(401 authError: Invalid Credentials\); the access token has probably expired/);
    expect((error as Error).message).not.toContain('ya29');
    expect(statuses()).toEqual([401]);
  });

  it('403 other than a rate limit: access denied, with what the account needs', async () => {
    kit.server.inject({ status: 403, reason: 'forbidden', message: 'Forbidden', domain: 'global' });
    const error = await kit.pull().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceInputError);
    expect((error as Error).message).toContain(`access to calendar "${KAYAKS}" denied (403 forbidden: Forbidden)`);
    expect((error as Error).message).toContain('calendar.readonly');
    expect(statuses()).toEqual([403]);
  });

  it('404: names the calendar id that does not exist', async () => {
    const error = await kit.pull({ calendarIds: ['nosuch@group.calendar.google.com'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceInputError);
    expect((error as Error).message).toContain('calendar "nosuch@group.calendar.google.com" was not found (404 notFound: Not Found); check calendarIds');
  });
});

it('the token reaches the fake only, in the Authorization header', async () => {
  await kit.pull();
  expect(new Set(kit.server.requests.map((r) => r.authorization))).toEqual(new Set([`Bearer ${ACCESS_TOKEN}`]));
  expect(kit.server.requests.some((r) => r.url.includes(ACCESS_TOKEN))).toBe(false);
});
