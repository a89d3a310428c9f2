import { SourceInputError } from '../../src/records/connector.js';
import type { CalendarApi } from './calendar-api.js';
import { adviceFor } from './failure-advice.js';
import type { CalendarTarget } from './pull-state.js';

/**
 * The calendars a pull covers: the configured ids in order (duplicates once), or with
 * `all` every calendar in the account's list, hidden ones included (a calendar someone
 * unticked in the web UI still holds bookings). `primary` stays `primary`, so record ids
 * do not change when the account's address does.
 */
export async function resolveCalendars(calendarIds: 'all' | string[] | undefined, api: CalendarApi): Promise<CalendarTarget[]> {
  if (calendarIds === 'all') return listedCalendars(api);
  const ids = [...new Set((calendarIds ?? ['primary']).map((id) => id.trim()))];
  if (ids.length === 0 || ids.includes('')) {
    throw new SourceInputError('calendarIds must list calendar ids (like primary or bookings@group.calendar.google.com), or be "all"');
  }
  return ids.map((id) => ({ id, name: null }));
}

async function listedCalendars(api: CalendarApi): Promise<CalendarTarget[]> {
  const calendars: CalendarTarget[] = [];
  let pageToken: string | undefined;
  do {
    let page;
    try {
      page = await api.listCalendars(pageToken);
    } catch (error) {
      throw adviceFor(error, undefined);
    }
    for (const entry of page.items ?? []) {
      if (!entry.id || entry.deleted) continue;
      calendars.push({ id: entry.id, name: entry.summaryOverride ?? entry.summary ?? null });
    }
    pageToken = page.nextPageToken ?? undefined;
  } while (pageToken !== undefined);
  if (calendars.length === 0) {
    throw new SourceInputError('calendarIds is "all" but the account lists no calendars; is it the right account (subject)?');
  }
  return calendars;
}
