import type { PullWindow } from '../../src/records/connector.js';
import type { EventsListParams, GoogleEvent } from './calendar-api.js';
import { instantOf } from './event-time.js';
import type { Cursor } from './pull-state.js';

/** The largest page Google serves (events.list reference). */
export const MAX_RESULTS = 2500;

/**
 * The events.list parameters of one page. The window is about write time (docs/config.md):
 * `updatedMin` selects what was written since window.since, whatever date the event is
 * on; `timeMax` only stops the expansion of recurring series at the horizon. A sync token
 * excludes updatedMin, timeMin, timeMax and orderBy (Google answers 400 otherwise), and
 * orderBy is never sent because Google then omits nextSyncToken.
 */
export function listRequest(calendarId: string, cursor: Cursor, syncToken: string | undefined, window: PullWindow): EventsListParams {
  const params: EventsListParams = { calendarId, maxResults: MAX_RESULTS, showDeleted: true };
  if (cursor.pageToken !== null) params.pageToken = cursor.pageToken;
  const updatedMin = cursor.filterLocally ? {} : { updatedMin: window.since.toISOString() };
  switch (cursor.pass) {
    case 'changes':
      return { ...params, singleEvents: true, syncToken };
    case 'window':
      return { ...params, singleEvents: true, timeMax: window.horizon.toISOString(), ...updatedMin };
    case 'beyond-horizon':
      // Unexpanded, so a series shows up as its one master (skipped below), not as
      // thousands of instances past the horizon.
      return { ...params, singleEvents: false, timeMin: window.horizon.toISOString(), ...updatedMin };
  }
}

/** Why an item of a page is not made a record (counted and logged, never silent). */
export type Skip = 'written before the window' | 'recurring instance past the horizon' | 'recurring series past the horizon' | 'starts before the horizon';

/** Whether an item of a page becomes a record; the reason when not. */
export function skipReason(item: GoogleEvent, cursor: Cursor, window: PullWindow): Skip | undefined {
  if (cursor.filterLocally && writtenBefore(item, window.since)) return 'written before the window';
  switch (cursor.pass) {
    case 'changes':
      // A sync token cannot carry timeMax: stop the expansion at the horizon here, as a full listing does.
      return item.recurringEventId && startsAfter(item, window.horizon) ? 'recurring instance past the horizon' : undefined;
    case 'window':
      return undefined;
    case 'beyond-horizon': {
      if (item.recurringEventId || item.recurrence?.length) return 'recurring series past the horizon';
      const start = instantOf(item.start);
      // Events that start before the horizon came with the window listing already.
      return start !== undefined && start < window.horizon.getTime() ? 'starts before the horizon' : undefined;
    }
  }
}

function writtenBefore(item: GoogleEvent, since: Date): boolean {
  const updated = item.updated ? Date.parse(item.updated) : Number.NaN;
  return !Number.isNaN(updated) && updated < since.getTime();
}

function startsAfter(item: GoogleEvent, horizon: Date): boolean {
  const start = instantOf(item.originalStartTime) ?? instantOf(item.start);
  return start !== undefined && start > horizon.getTime();
}
