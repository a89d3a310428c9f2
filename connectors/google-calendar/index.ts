export { googleCalendarConnector } from './connector.js';
export { CALENDAR_READONLY_SCOPE, type GoogleCalendarSourceOptions } from './options.js';
export type { RetryPolicy } from './retry.js';
export type { CalendarAuthClient } from './auth.js';
