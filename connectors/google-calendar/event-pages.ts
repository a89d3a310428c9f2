import type { SourceRecord } from '../../src/records/envelope.js';
import type { EventsPage } from './calendar-api.js';
import { describeFailure } from './api-error.js';
import { eventRecord, recordId, recordRef, type CalendarScope } from './event-record.js';
import { readGoogleEvent } from './event-shape.js';
import { adviceFor } from './failure-advice.js';
import { listRequest, skipReason, type Skip } from './listing.js';
import { withPreviousDetails } from './previous-records.js';
import { recordYielded, type PullRun } from './pull-run.js';
import type { CalendarTarget, Cursor, PullState } from './pull-state.js';
import { CalendarRequestError } from './retry.js';

/** The first cursor of calendar `index`: its changes when a sync token is at hand, else a full listing. */
export function startCalendar(state: PullState, index: number): Cursor | null {
  const target = state.calendars[index];
  if (target === undefined) return null;
  if (state.syncTokensUsed[target.id] !== undefined) return { calendar: index, pass: 'changes', pageToken: null, filterLocally: false };
  return startFullListing(state, index);
}

function startFullListing(state: PullState, index: number): Cursor {
  const target = state.calendars[index];
  if (target !== undefined && !state.fullyListed.includes(target.id)) state.fullyListed.push(target.id);
  return { calendar: index, pass: 'window', pageToken: null, filterLocally: false };
}

/** What one calendar's listing produced, for its summary line. */
interface CalendarCounts {
  records: number;
  cancelled: number;
  pages: number;
  duplicates: number;
  /** Events that could not be read: each rejected alone (event-shape). */
  rejected: number;
  skipped: Map<Skip, number>;
}

/**
 * Lists every calendar page by page, yielding one record per event or instance and
 * checkpointing after each page, so an interrupted pull resumes at the next page.
 */
export async function* listEventPages(run: PullRun): AsyncGenerator<SourceRecord> {
  const { state, context } = run;
  // A page token saved by an interrupted run may have expired by now.
  let resumedPageToken = state.cursor?.pageToken ?? null;
  let counts = emptyCounts();
  while (state.cursor !== null) {
    context.signal?.throwIfAborted();
    const cursor = state.cursor;
    const target = state.calendars[cursor.calendar];
    if (target === undefined) {
      state.cursor = null;
      break;
    }
    let page: EventsPage;
    try {
      const syncToken = cursor.pass === 'changes' ? state.syncTokensUsed[target.id] : undefined;
      page = await run.api.listEvents(listRequest(target.id, cursor, syncToken, context.window));
    } catch (error) {
      state.cursor = recoverFrom(error, cursor, target, run, resumedPageToken);
      resumedPageToken = null;
      continue;
    }
    resumedPageToken = null;
    counts.pages++;

    const scope: CalendarScope = {
      sourceName: context.sourceName,
      observedAt: context.observedAt,
      calendarId: target.id,
      calendarName: page.summary ?? target.name,
      calendarTimeZone: page.timeZone ?? null,
    };
    for (const listed of (page.items ?? []) as unknown[]) {
      const read = readGoogleEvent(listed);
      if ('problem' in read) {
        if (rejectOnce(run, target.id, listed, read.problem)) counts.rejected++;
        continue;
      }
      const item = read.event;
      const skip = skipReason(item, cursor, context.window);
      if (skip !== undefined) {
        counts.skipped.set(skip, (counts.skipped.get(skip) ?? 0) + 1);
        continue;
      }
      const id = recordId(target.id, item.id as string);
      if (run.listed.has(id)) {
        counts.duplicates++;
        continue;
      }
      const record = withPreviousDetails(eventRecord(item, scope), run.previous.byId.get(id));
      recordYielded(run, record, { listed: true });
      counts.records++;
      if (record.deleted) counts.cancelled++;
      run.progress.add('events listed');
      yield record;
    }

    state.cursor = advance(cursor, page, target, state);
    if (state.cursor === null || state.cursor.calendar !== cursor.calendar) {
      logCalendar(run, target, counts);
      counts = emptyCounts();
    }
    await context.checkpoint(state);
  }
}

/**
 * Rejects an event that cannot be read, once: an event with an unreadable start comes in
 * both the window's and the beyond-the-horizon listing. False when it was already rejected.
 */
function rejectOnce(run: PullRun, calendarId: string, item: unknown, problem: string): boolean {
  const fields = (item ?? {}) as { id?: unknown; summary?: unknown };
  const eventId = typeof fields.id === 'string' && fields.id !== '' ? fields.id : undefined;
  const key = eventId === undefined ? `${calendarId} ${JSON.stringify(item)}` : recordId(calendarId, eventId);
  if (run.rejected.has(key)) return false;
  run.rejected.add(key);
  const summary = typeof fields.summary === 'string' ? ` "${fields.summary.slice(0, 60)}"` : '';
  run.context.reject({
    what: 'calendar event',
    location: eventId === undefined ? `gcal://${calendarId} (an event without an id${summary})` : recordRef(calendarId, eventId),
    reason: `${problem}; the other events are pulled (open the event in Google Calendar to see it as Google keeps it)`,
  });
  return true;
}

/** The cursor after a page: the next page, the next pass, the next calendar, or null when all are listed. */
function advance(cursor: Cursor, page: EventsPage, target: CalendarTarget, state: PullState): Cursor | null {
  if (page.nextPageToken) return { ...cursor, pageToken: page.nextPageToken };
  switch (cursor.pass) {
    case 'changes':
      if (page.nextSyncToken) state.nextSyncTokens[target.id] = page.nextSyncToken;
      return startCalendar(state, cursor.calendar + 1);
    case 'window':
      if (page.nextSyncToken) state.nextSyncTokens[target.id] = page.nextSyncToken;
      return { ...cursor, pass: 'beyond-horizon', pageToken: null };
    case 'beyond-horizon':
      return startCalendar(state, cursor.calendar + 1);
  }
}

/**
 * 410 GONE on a sync token: the token expired; list the calendar in full again. With
 * showDeleted and updatedMin, Google includes every event deleted since window.since,
 * so deletions since the last pull still arrive (as cancelled events); previous records
 * the full listing lacks are carried over and reported, never dropped.
 * 410 on updatedMin: Google will not filter that far back; list without it and filter here.
 */
function recoverFrom(error: unknown, cursor: Cursor, target: CalendarTarget, run: PullRun, resumedPageToken: string | null): Cursor {
  const failure = error instanceof CalendarRequestError ? error.failure : undefined;
  const said = failure === undefined ? '' : ` (${describeFailure(failure)})`;
  const log = (message: string) => run.context.log(`calendar "${target.id}": ${message}`);
  // First, as the page token is the likelier culprit: the other cases below still apply on the retry.
  if (resumedPageToken !== null && cursor.pageToken === resumedPageToken && (failure?.status === 400 || failure?.status === 410)) {
    log(`the page token saved by the interrupted pull was refused${said}; listing this pass again from its first page`);
    return { ...cursor, pageToken: null };
  }
  if (failure?.status === 410 && cursor.pass === 'changes') {
    log(`the sync token of the last pull is no longer valid${said}; listing the calendar in full again`);
    return startFullListing(run.state, cursor.calendar);
  }
  if (failure?.status === 410 && !cursor.filterLocally && cursor.pass !== 'changes') {
    log(
      `Google will not filter by updatedMin=${run.context.window.since.toISOString()}${said}; ` +
        'listing every event and keeping those written since then',
    );
    return { ...cursor, pageToken: null, filterLocally: true };
  }
  throw adviceFor(error, target.id);
}

function emptyCounts(): CalendarCounts {
  return { records: 0, cancelled: 0, pages: 0, duplicates: 0, rejected: 0, skipped: new Map() };
}

function logCalendar(run: PullRun, target: CalendarTarget, counts: CalendarCounts): void {
  const how = run.state.fullyListed.includes(target.id) ? 'listed in full' : 'changes since the last pull';
  const skipped = [...counts.skipped]
    .filter(([reason]) => reason !== 'starts before the horizon')
    .map(([reason, n]) => `${n} skipped: ${reason}`);
  const duplicates = counts.duplicates > 0 ? [`${counts.duplicates} listed twice, kept once`] : [];
  const rejected = counts.rejected > 0 ? [`${counts.rejected} could not be read and ${counts.rejected === 1 ? 'was' : 'were'} rejected`] : [];
  const details = [...skipped, ...duplicates, ...rejected].join('; ');
  run.context.log(
    `calendar "${target.id}": ${how}: ${counts.records} events (${counts.cancelled} cancelled) in ${counts.pages} requests` +
      (details === '' ? '' : `; ${details}`),
  );
}
