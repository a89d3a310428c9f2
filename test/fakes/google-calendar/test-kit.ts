import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { googleCalendarConnector, type GoogleCalendarSourceOptions } from '../../../connectors/google-calendar/index.js';
import { guardNetwork, type NetworkGuard } from './network-guard.js';
import { runPull, type PullJob, type PullOutcome, type PullRunOptions } from './pull-harness.js';
import { ACCESS_TOKEN, CALENDARS, KAYAKS, loadScenario, WINDOW } from './scenario.js';
import { startFakeCalendar, type FakeCalendarOptions, type FakeCalendarServer } from './server.js';

/**
 * One test's world: the fake server with the scenario loaded, a job directory, a network
 * guard that lets connections reach that server only, and a back-off clock that records
 * the pauses instead of sleeping.
 */
export interface CalendarTestKit {
  server: FakeCalendarServer;
  guard: NetworkGuard;
  job: PullJob;
  /** Every back-off pause the connector asked for, in ms. */
  sleeps: number[];
  options(extra?: Partial<GoogleCalendarSourceOptions>): GoogleCalendarSourceOptions;
  pull(extra?: Partial<GoogleCalendarSourceOptions>, run?: Partial<PullRunOptions>): Promise<PullOutcome>;
  /** Fails the test if anything but GETs to the fake server left the process (vacuously true when nothing did). */
  expectOnlyGetsToTheFake(): void;
  close(): Promise<void>;
}

export const FIRST_PULL_AT = '2026-04-26T08:00:00.000Z';

export async function startKit(init: Partial<FakeCalendarOptions> & { scenario?: boolean } = {}): Promise<CalendarTestKit> {
  const server = await startFakeCalendar({ calendars: CALENDARS, accessTokens: [ACCESS_TOKEN], ...init });
  if (init.scenario !== false) loadScenario(server);
  const guard = guardNetwork((target) => target.host === '127.0.0.1' && target.port === server.port);
  const dir = await mkdtemp(path.join(tmpdir(), 'salvage-gcal-'));
  const job: PullJob = { dir, source: 'calendar', window: WINDOW };
  const sleeps: number[] = [];
  const options = (extra: Partial<GoogleCalendarSourceOptions> = {}): GoogleCalendarSourceOptions => ({
    accessToken: ACCESS_TOKEN,
    calendarIds: [KAYAKS],
    apiBase: server.rootUrl,
    ...extra,
    retry: {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
      ...extra.retry,
    },
  });
  return {
    server,
    guard,
    job,
    sleeps,
    options,
    pull: (extra, run) => runPull(googleCalendarConnector(options(extra)), job, { observedAt: FIRST_PULL_AT, ...run }),
    expectOnlyGetsToTheFake() {
      expect(guard.blocked).toEqual([]);
      for (const connection of guard.connections) expect(connection).toMatchObject({ host: '127.0.0.1', port: server.port });
      expect(server.requests.filter((request) => request.method !== 'GET')).toEqual([]);
    },
    async close() {
      guard.restore();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
