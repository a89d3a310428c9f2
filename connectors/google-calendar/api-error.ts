/**
 * What a failed Calendar API call says, read from gaxios' error: the HTTP status, the
 * `error.errors[].reason` strings Google's error guide tells clients to act on, and
 * Retry-After. The message is Google's, never the request (the token is in a header,
 * but a quoted request is one refactoring away from leaking it).
 */
import { describeNetworkCause, networkErrorCode } from '../shared/network-cause.js';

export interface ApiFailure {
  /** HTTP status; undefined when no response came (connection refused, reset, timeout). */
  status: number | undefined;
  /** `error.errors[].reason`, e.g. `rateLimitExceeded`, `fullSyncRequired`. */
  reasons: string[];
  message: string;
  /** From a Retry-After header (seconds or an HTTP date), in milliseconds. */
  retryAfterMs: number | undefined;
  /** Node's error code for failures without a response (ECONNRESET...). */
  networkCode: string | undefined;
  /** For failures without a response: where the request went and why it failed (refused, DNS, TLS, timeout). */
  unreachable?: { host: string; cause: string };
}

/** 403 reasons that mean "slow down", not "forbidden" (Calendar API error guide). */
const RATE_LIMIT_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded']);

/** Failures without a response that a later attempt may not meet. */
const TRANSIENT_NETWORK_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED', 'UND_ERR_SOCKET']);

export function readApiFailure(error: unknown, now: () => number = Date.now): ApiFailure | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  if ((error as { name?: unknown }).name === 'AbortError') return undefined;
  const e = error as {
    status?: unknown;
    code?: unknown;
    message?: unknown;
    response?: { status?: unknown; headers?: unknown; data?: unknown };
  };
  const response = e.response;
  const status = typeof response?.status === 'number' ? response.status : typeof e.status === 'number' ? e.status : undefined;
  const body = bodyError(response?.data);
  // gaxios keeps the socket's code on the error or on its cause, depending on the transport.
  const networkCode = status === undefined ? (typeof e.code === 'string' ? e.code : networkErrorCode(error)) : undefined;
  if (status === undefined && networkCode === undefined) return undefined;
  const cause = status === undefined ? describeNetworkCause(error) : undefined;
  return {
    ...(cause !== undefined ? { unreachable: { host: hostOf((error as { config?: { url?: unknown } }).config?.url), cause } } : {}),
    status,
    reasons: body.reasons,
    message: body.message ?? (typeof e.message === 'string' ? e.message : 'request failed'),
    retryAfterMs: retryAfterMs(headerValue(response?.headers, 'retry-after'), now()),
    networkCode,
  };
}

function bodyError(data: unknown): { reasons: string[]; message: string | undefined } {
  const error = typeof data === 'object' && data !== null ? (data as { error?: unknown }).error : undefined;
  if (typeof error !== 'object' || error === null) return { reasons: [], message: undefined };
  const { errors, message } = error as { errors?: unknown; message?: unknown };
  const reasons = Array.isArray(errors)
    ? errors.map((item) => (item as { reason?: unknown } | null)?.reason).filter((reason): reason is string => typeof reason === 'string')
    : [];
  return { reasons, message: typeof message === 'string' ? message : undefined };
}

/** gaxios 7 hands out fetch `Headers`; older code paths a plain object. */
function headerValue(headers: unknown, name: string): string | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  const get = (headers as { get?: unknown }).get;
  if (typeof get === 'function') {
    const value: unknown = get.call(headers, name);
    return typeof value === 'string' ? value : undefined;
  }
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

function retryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/** Worth another attempt after a pause: quota, overload, server faults, dropped connections. */
export function isTransient(failure: ApiFailure): boolean {
  const { status } = failure;
  if (status === undefined) return failure.networkCode !== undefined && TRANSIENT_NETWORK_CODES.has(failure.networkCode);
  if (status === 429 || status >= 500) return true;
  return status === 403 && failure.reasons.some((reason) => RATE_LIMIT_REASONS.has(reason));
}

/** "403 userRateLimitExceeded: User Rate Limit Exceeded": what a log line or an error shows. */
export function describeFailure(failure: ApiFailure): string {
  if (failure.unreachable) return `cannot reach ${failure.unreachable.host}: ${failure.unreachable.cause}`;
  if (failure.status === undefined) return `${failure.networkCode ?? 'network error'}: ${failure.message}`;
  const reasons = failure.reasons.length > 0 ? ` ${failure.reasons.join(', ')}` : '';
  return `${failure.status}${reasons}: ${failure.message}`;
}

/** The host (and port) a request went to, from gaxios' config; Google's own when unknown. */
function hostOf(url: unknown): string {
  try {
    const parsed = new URL(String(url));
    return parsed.port ? `${parsed.hostname}:${parsed.port}` : parsed.hostname;
  } catch {
    return 'www.googleapis.com';
  }
}
