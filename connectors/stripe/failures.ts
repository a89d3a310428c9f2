/**
 * What a failed Stripe request means for the pull.
 *
 * The SDK's own retries are switched off (it would retry a 429 only with
 * `Stripe-Should-Retry: true`, and invisibly to our rate limiter), so every failure
 * arrives here and is sorted into what to do next:
 * - throttled: a 429; pause everyone, slow down, try again;
 * - transient: 5xx, a dropped connection, a timeout; back off and try again;
 * - rejected: a 400/404 for this request (e.g. a pagination cursor Stripe no longer
 *   knows); the slice may be pulled again from its start;
 * - fatal: the key is wrong or lacks permission, or salvage has a bug; stop.
 */
import { SourceInputError } from '../../src/records/connector.js';
import { describeNetworkCause } from '../shared/network-cause.js';

export type FailureKind = 'throttled' | 'transient' | 'rejected' | 'fatal';

export interface RequestFailure {
  kind: FailureKind;
  /** Safe to show: status, Stripe's error type/code and message (scrubbed of keys), request id. */
  summary: string;
  status?: number;
  /** From Retry-After, for throttles. */
  retryAfterMs?: number;
  /** The server said `Stripe-Should-Retry: false`. */
  retryForbidden: boolean;
}

/** A request that could not be completed; its message never holds the key. */
export class StripeRequestError extends SourceInputError {
  constructor(
    message: string,
    readonly failure: RequestFailure,
    /** Pulling the slice again from its start may succeed (the failure was passing, or tied to a cursor). */
    readonly sliceRetryMayHelp: boolean,
  ) {
    super(message);
  }
}

/** The fields of a Stripe SDK error that we read (its classes differ between the ESM and CJS builds). */
interface StripeErrorLike {
  type?: unknown;
  rawType?: unknown;
  statusCode?: unknown;
  code?: unknown;
  message?: unknown;
  requestId?: unknown;
  headers?: unknown;
}

/** `host` names where requests went (api.stripe.com, or apiBase's host), for a connection failure. */
export function classifyStripeError(error: unknown, scrub: (text: string) => string, host = 'api.stripe.com:443'): RequestFailure {
  const e = (error ?? {}) as StripeErrorLike;
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const headers = (e.headers && typeof e.headers === 'object' ? e.headers : {}) as Record<string, unknown>;
  const shouldRetry = typeof headers['stripe-should-retry'] === 'string' ? headers['stripe-should-retry'] : undefined;
  // The SDK says only "An error occurred with our connection to Stripe"; the socket's error says what to check.
  const connection = e.type === 'StripeConnectionError' ? `: cannot reach ${host}: ${describeNetworkCause(error) ?? 'the connection failed without a reason'}` : '';
  const summary = scrub(summarize(e, status) + connection);
  const base = { summary, status, retryForbidden: shouldRetry === 'false' };

  if (status === 429 || e.type === 'StripeRateLimitError') {
    return { ...base, kind: 'throttled', retryAfterMs: parseRetryAfter(headers['retry-after']) };
  }
  if (e.type === 'StripeConnectionError') return { ...base, kind: 'transient' };
  if (status !== undefined && (status >= 500 || status === 409)) return { ...base, kind: 'transient' };
  if (status === 400 || status === 404) return { ...base, kind: 'rejected' };
  if (status === 401 || status === 403) return { ...base, kind: 'fatal' };
  // A StripeAPIError without a status is a response the SDK could not parse (a proxy's HTML page).
  if (e.type === 'StripeAPIError') return { ...base, kind: 'transient' };
  return { ...base, kind: 'fatal' };
}

function summarize(e: StripeErrorLike, status: number | undefined): string {
  const parts: string[] = [];
  parts.push(status !== undefined ? `HTTP ${status}` : typeof e.type === 'string' ? e.type : 'error');
  if (typeof e.rawType === 'string') parts.push(e.rawType);
  if (typeof e.code === 'string') parts.push(`(${e.code})`);
  let text = parts.join(' ');
  if (typeof e.message === 'string' && e.message) text += `: ${e.message}`;
  if (typeof e.requestId === 'string' && e.requestId) text += ` [request ${e.requestId}]`;
  return text;
}

/** Retry-After is either seconds or an HTTP date; anything else is ignored. */
export function parseRetryAfter(value: unknown, nowMs: number = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** Advice for the failures a user can fix. */
export function adviceFor(failure: RequestFailure): string {
  if (failure.status === 401) return 'Stripe did not accept the API key: check that apiKey names the right environment variable and that the key is not expired or rolled.';
  if (failure.status === 403) {
    return 'the key lacks permission for this: give the restricted key "Read" access to it in the Stripe Dashboard, or leave the object out of objects:.';
  }
  return '';
}
