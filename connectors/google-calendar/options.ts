import type { RetryPolicy } from './retry.js';
import type { CalendarAuthClient } from './auth.js';

/** What salvage.yaml says about a `kind: google-calendar` source (secrets already resolved from env:). */
export interface GoogleCalendarSourceOptions {
  /** An OAuth 2.0 access token that carries the calendar.readonly scope. */
  accessToken?: string;
  /** A service account's JSON key: the JSON text itself, or the path of the key file (relative to the config's directory). */
  credentials?: string;
  /** With `credentials`: the user whose calendars to read (domain-wide delegation). */
  subject?: string;
  /** The calendars to pull; `all` is every calendar in the account's calendar list. Default: `[primary]`. */
  calendarIds?: 'all' | string[];
  /** The API's root URL (googleapis' `rootUrl`), for tests, proxies and replays. Default: Google's. */
  apiBase?: string;
  /** Back-off tuning and the clock it sleeps on; salvage.yaml does not expose these (tests do). */
  retry?: Partial<RetryPolicy>;
  /**
   * Called with the auth client before the first request. Tests use it to preset a token
   * on a service-account client, so that no token request leaves the machine.
   */
  prepareAuthClient?: (client: CalendarAuthClient) => void;
}

/** Google's own endpoint, used when no `apiBase` is configured. */
export const GOOGLE_API_ROOT = 'https://www.googleapis.com/';

/** Read-only is a rule: no other scope is ever requested. */
export const CALENDAR_READONLY_SCOPE = 'https://www.googleapis.com/auth/calendar.readonly';
