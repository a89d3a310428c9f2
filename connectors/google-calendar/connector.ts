import type { Connector, PullContext } from '../../src/records/connector.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { createProgress } from '../../src/runtime/source-progress.js';
import { createAuthClient } from './auth.js';
import { createCalendarApi, rootUrlOf, type CalendarApi } from './calendar-api.js';
import { resolveCalendars } from './calendars.js';
import { carryOverPrevious } from './carry-over.js';
import { listEventPages, startCalendar } from './event-pages.js';
import { EMPTY_FINGERPRINT } from './fingerprint.js';
import { GOOGLE_API_ROOT, type GoogleCalendarSourceOptions } from './options.js';
import { readPreviousRecords, type PreviousRecords } from './previous-records.js';
import type { PullRun } from './pull-run.js';
import { readResumeState, type PullState } from './pull-state.js';
import { DEFAULT_RETRY_POLICY } from './retry.js';
import { loadSyncState, saveSyncState, usableSyncTokens, type SyncScope } from './sync-state.js';

/**
 * The `google-calendar` connector: one `calendar.event` record per event or instance of
 * recurring series, from events.list through the official googleapis client, read-only.
 *
 * A pull lists what was written since window.since (or, with a sync token from the last
 * pull, what changed since then), then carries over the last pull's records that nothing
 * listed replaced: the records file always holds the whole picture.
 */
export function googleCalendarConnector(options: GoogleCalendarSourceOptions): Connector {
  return {
    kind: 'google-calendar',
    pull: (context) => pullGoogleCalendar(options, context),
  };
}

async function* pullGoogleCalendar(options: GoogleCalendarSourceOptions, context: PullContext): AsyncGenerator<SourceRecord> {
  const rootUrl = rootUrlOf(options.apiBase ?? GOOGLE_API_ROOT);
  const auth = await createAuthClient(options, context.baseDir);
  options.prepareAuthClient?.(auth);
  const progress = createProgress(context, 'google-calendar');
  const api = createCalendarApi({
    auth,
    rootUrl,
    policy: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    log: context.log,
    onRequest: () => progress.request(),
    signal: context.signal,
  });
  const scope: SyncScope = { endpoint: rootUrl, since: context.window.since.toISOString(), horizon: context.window.horizon.toISOString() };
  const previous = await readPreviousRecords(context.previousRecords());

  const resumed = readResumeState(context.resumeState);
  if (resumed !== undefined) context.log(`resuming the interrupted pull (${resumed.listedIds.length} events listed before)`);
  const state = resumed ?? (await startPull(options, api, context, scope, previous));
  const run: PullRun = { context, api, progress, previous, state, listed: new Set(state.listedIds), rejected: new Set() };

  yield* listEventPages(run);
  yield* carryOverPrevious(run);

  // Saved last, with the fingerprint of exactly what was yielded: if the records file
  // never makes it into place, the next pull sees the mismatch and lists in full.
  await saveSyncState(context.stateDir, { version: 1, scope, syncTokens: state.nextSyncTokens, records: state.fingerprint });
  progress.done();
}

async function startPull(
  options: GoogleCalendarSourceOptions,
  api: CalendarApi,
  context: PullContext,
  scope: SyncScope,
  previous: PreviousRecords,
): Promise<PullState> {
  const calendars = await resolveCalendars(options.calendarIds, api);
  const { tokens, reason } = usableSyncTokens(await loadSyncState(context.stateDir), scope, previous.fingerprint);
  if (reason !== undefined) context.log(`listing every calendar in full: ${reason}`);
  const syncTokensUsed: Record<string, string> = {};
  for (const calendar of calendars) {
    const token = tokens[calendar.id];
    if (token !== undefined) syncTokensUsed[calendar.id] = token;
  }
  const state: PullState = {
    version: 1,
    calendars,
    syncTokensUsed,
    cursor: null,
    listedIds: [],
    fullyListed: [],
    nextSyncTokens: {},
    fingerprint: EMPTY_FINGERPRINT,
  };
  state.cursor = startCalendar(state, 0);
  return state;
}
