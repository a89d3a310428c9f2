import { describeFailure, isTransient, readApiFailure, type ApiFailure } from './api-error.js';

/**
 * How the connector waits out rate limits and server faults. googleapis' own retries are
 * switched off (`retry: false`), so this is the only policy: capped exponential back-off
 * with jitter, as Google's error guide asks, and Retry-After honoured when sent.
 */
export interface RetryPolicy {
  /** Attempts per request, the first included. */
  maxAttempts: number;
  /** The first back-off; each further one doubles, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this fails the pull instead of hanging it. */
  maxRetryAfterMs: number;
  /** Injectable so tests never sleep for real. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** In [0, 1): the jitter's source. */
  random: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 1_000,
  maxDelayMs: 64_000,
  maxRetryAfterMs: 15 * 60_000,
  sleep: sleepFor,
  random: Math.random,
};

function sleepFor(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener('abort', aborted, { once: true });
  });
}

/**
 * The pause before retry number `retry` (1 for the first retry): exponential with "equal
 * jitter", so concurrent clients spread out but never retry at once. A server's Retry-After
 * is a floor.
 */
export function backoffDelay(retry: number, policy: RetryPolicy, retryAfterMs?: number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  const jittered = exponential / 2 + (policy.random() * exponential) / 2;
  return Math.round(Math.max(jittered, retryAfterMs ?? 0));
}

/** Thrown when a request fails for good; carries what Google said. */
export class CalendarRequestError extends Error {
  constructor(
    readonly failure: ApiFailure,
    message: string,
  ) {
    super(message);
    this.name = 'CalendarRequestError';
  }
}

/**
 * Runs a request, retrying transient failures. Every other failure, and a transient one
 * that outlasts the attempts, becomes a CalendarRequestError (or the original error when
 * it is not an API failure at all, e.g. an abort).
 */
export async function withRetry<T>(
  request: () => Promise<T>,
  what: string,
  policy: RetryPolicy,
  log: (message: string) => void,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await request();
    } catch (error) {
      const failure = readApiFailure(error);
      if (failure === undefined) throw error;
      if (!isTransient(failure)) throw new CalendarRequestError(failure, `${what}: ${describeFailure(failure)}`);
      if (attempt >= policy.maxAttempts) {
        throw new CalendarRequestError(failure, `${what}: still failing after ${attempt} attempts (${describeFailure(failure)}); pull again later to resume`);
      }
      if (failure.retryAfterMs !== undefined && failure.retryAfterMs > policy.maxRetryAfterMs) {
        const minutes = Math.ceil(failure.retryAfterMs / 60_000);
        throw new CalendarRequestError(failure, `${what}: the server asks to wait ${minutes} min (${describeFailure(failure)}); pull again then to resume`);
      }
      const delay = backoffDelay(attempt, policy, failure.retryAfterMs);
      log(`${what}: ${describeFailure(failure)}; retrying in ${(delay / 1000).toFixed(1)}s (attempt ${attempt + 1} of ${policy.maxAttempts})`);
      await policy.sleep(delay, signal);
    }
  }
}
