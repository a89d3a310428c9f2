import { SourceInputError } from '../../src/records/connector.js';
import { describeFailure } from './api-error.js';
import { CalendarRequestError } from './retry.js';

/**
 * A request that failed for good, said so the user can act: wrong token, calendar not
 * shared, a scope missing. Failures the user cannot fix (5xx after all retries) stay
 * plain errors; both name the calendar and never the credentials.
 */
export function adviceFor(error: unknown, calendarId: string | undefined): unknown {
  if (!(error instanceof CalendarRequestError)) return error;
  const { failure } = error;
  const where = calendarId === undefined ? 'the calendar list' : `calendar "${calendarId}"`;
  const said = describeFailure(failure);
  switch (failure.status) {
    case 401:
      return new SourceInputError(
        `Google rejected the credentials reading ${where} (${said}); the access token has probably expired: ` +
          'get a new one (or use a service account key) and pull again',
      );
    case 403:
      if (failure.reasons.some((reason) => reason === 'rateLimitExceeded' || reason === 'userRateLimitExceeded')) return error;
      return new SourceInputError(
        `access to ${where} denied (${said}); the account needs read access to it, and the token the ` +
          'https://www.googleapis.com/auth/calendar.readonly scope (with a service account: domain-wide delegation and subject)',
      );
    case 404:
      return new SourceInputError(
        `${where} was not found (${said}); check calendarIds in salvage.yaml (use "all" to pull every calendar the account lists)`,
      );
    case 400:
      return new SourceInputError(`Google refused the request for ${where} (${said})`);
    default:
      return error;
  }
}
