import type { CalendarAuthClient } from './auth.js';
import { calendar, type calendar_v3 } from './googleapis.js';
import { withRetry, type RetryPolicy } from './retry.js';

export type EventsListParams = calendar_v3.Params$Resource$Events$List;
export type EventsPage = calendar_v3.Schema$Events;
export type CalendarListPage = calendar_v3.Schema$CalendarList;
export type GoogleEvent = calendar_v3.Schema$Event;
export type GoogleEventTime = calendar_v3.Schema$EventDateTime;

/** The two read-only calls the connector makes, each with the retry policy applied. */
export interface CalendarApi {
  listEvents(params: EventsListParams): Promise<EventsPage>;
  listCalendars(pageToken: string | undefined): Promise<CalendarListPage>;
}

export interface CalendarApiSettings {
  auth: CalendarAuthClient;
  rootUrl: string;
  policy: RetryPolicy;
  log: (message: string) => void;
  /** Counts every HTTP attempt (for the progress line's requests/s). */
  onRequest: () => void;
  signal?: AbortSignal;
}

/** calendarList.list pages hold at most 250 entries. */
const CALENDAR_LIST_PAGE = 250;

export function createCalendarApi(settings: CalendarApiSettings): CalendarApi {
  // retry: false: gaxios would otherwise retry 429/5xx three times on its own, sleeping
  // for real and hiding the attempts from the policy (and the log) here.
  const client = calendar({ version: 'v3', auth: settings.auth, rootUrl: settings.rootUrl, retry: false });
  const methodOptions = settings.signal === undefined ? {} : { signal: settings.signal };
  const attempt = async <T>(what: string, request: () => Promise<{ data: T }>): Promise<T> =>
    withRetry(
      async () => {
        settings.onRequest();
        return (await request()).data;
      },
      what,
      settings.policy,
      settings.log,
      settings.signal,
    );

  return {
    listEvents: (params) =>
      attempt(`events.list ${params.calendarId ?? ''}`, () => client.events.list(params, methodOptions)),
    listCalendars: (pageToken) =>
      attempt('calendarList.list', () =>
        client.calendarList.list({ maxResults: CALENDAR_LIST_PAGE, showHidden: true, pageToken }, methodOptions),
      ),
  };
}

/** `apiBase` as googleapis wants its rootUrl: with a trailing slash. */
export function rootUrlOf(apiBase: string): string {
  return apiBase.endsWith('/') ? apiBase : `${apiBase}/`;
}
