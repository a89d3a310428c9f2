/**
 * One page of one list, through the official SDK, paced by the shared rate limiter
 * and retried until it succeeds or cannot.
 *
 * Only list calls exist here: the connector has no code path that could send a
 * POST or DELETE to Stripe.
 */
import Stripe from 'stripe';
import type { StripeEndpoint } from './api-base.js';
import type { Clock } from './clock.js';
import { adviceFor, classifyStripeError, StripeRequestError, type RequestFailure } from './failures.js';
import type { ListParams, StripeObject, StripeObjectKind } from './objects.js';
import { readStripeObject, type UnreadableObject } from './object-shape.js';
import type { AdaptiveRateLimiter } from './rate-limiter.js';
import { isoSecond } from './slices.js';

export interface PageRequest {
  gte: number;
  lt: number;
  startingAfter?: string;
}

export interface Page {
  objects: StripeObject[];
  /** Objects of the page that cannot be read: each is rejected alone (object-shape). */
  unreadable: UnreadableObject[];
  hasMore: boolean;
  /** The id of the page's last object that has one: where the next page starts. */
  cursor?: string;
}

export type FetchPage = (kind: StripeObjectKind, request: PageRequest, signal?: AbortSignal) => Promise<Page>;

export interface PageFetcherOptions {
  apiKey: string;
  endpoint?: StripeEndpoint;
  connectedAccount?: string;
  pageSize: number;
  limiter: AdaptiveRateLimiter;
  clock: Clock;
  /** Tries per request for transient failures (5xx, dropped connections). */
  maxAttempts: number;
  /** Consecutive 429s tolerated for one request before giving up. */
  maxThrottles: number;
  requestTimeoutMs: number;
  scrub: (text: string) => string;
}

export function createStripeClient(options: Pick<PageFetcherOptions, 'apiKey' | 'endpoint' | 'connectedAccount' | 'requestTimeoutMs'>): Stripe {
  return new Stripe(options.apiKey, {
    ...(options.endpoint ?? {}),
    // Retries happen in fetchPage, where the rate limiter sees every 429.
    maxNetworkRetries: 0,
    // Telemetry headers describe earlier requests to Stripe; a recovery tool has no reason to send them.
    telemetry: false,
    timeout: options.requestTimeoutMs,
    appInfo: { name: 'salvage' },
    ...(options.connectedAccount ? { stripeAccount: options.connectedAccount } : {}),
  });
}

export function createPageFetcher(options: PageFetcherOptions): FetchPage {
  const stripe = createStripeClient(options);
  const { limiter, clock, scrub } = options;

  return async (kind, request, signal) => {
    const params: ListParams = {
      created: { gte: request.gte, lt: request.lt },
      limit: options.pageSize,
      ...(request.startingAfter ? { starting_after: request.startingAfter } : {}),
      ...(kind.expand.length ? { expand: kind.expand } : {}),
    };
    let attempts = 0;
    let throttles = 0;
    for (;;) {
      const permit = await limiter.acquire(signal);
      let failure: RequestFailure;
      try {
        const response = await kind.list(stripe, params, {});
        limiter.succeeded(permit);
        return readPage(kind, response);
      } catch (error) {
        signal?.throwIfAborted();
        if (error instanceof StripeRequestError) throw error;
        failure = classifyStripeError(error, scrub, hostOf(options.endpoint));
      }
      const what = `GET ${kind.path} (${describeRequest(request)})`;
      if (failure.kind === 'throttled') {
        throttles++;
        if (throttles > options.maxThrottles) {
          throw new StripeRequestError(`${what}: still rate limited after ${throttles} tries: ${failure.summary}`, failure, true);
        }
        limiter.throttled(permit, failure.retryAfterMs, throttles);
        continue;
      }
      attempts++;
      if (failure.kind === 'transient' && !failure.retryForbidden && attempts < options.maxAttempts) {
        await clock.sleep(limiter.backoffMs(attempts), signal);
        continue;
      }
      const advice = adviceFor(failure);
      const tries = attempts > 1 ? ` after ${attempts} tries` : '';
      // A cursor Stripe rejects (its object was deleted meanwhile) is no reason to give up
      // the slice: pulled again from its start, it needs no cursor.
      const sliceRetryMayHelp = failure.kind === 'transient' || (failure.kind === 'rejected' && request.startingAfter !== undefined);
      throw new StripeRequestError(`${what} failed${tries}: ${failure.summary}${advice ? `. ${advice}` : ''}`, failure, sliceRetryMayHelp);
    }
  };
}

function describeRequest(request: PageRequest): string {
  const range = `created ${isoSecond(request.gte)}..${isoSecond(request.lt)}`;
  return request.startingAfter ? `${range}, after ${request.startingAfter}` : range;
}

/**
 * Checks the response is a list, and reads each object of it; one that cannot be read is
 * kept aside with why, not the end of the pull. Only a page with more after it and no id
 * to continue from ends it: nothing after such a page could be reached.
 */
function readPage(kind: StripeObjectKind, response: unknown): Page {
  const list = (response ?? {}) as { data?: unknown; has_more?: unknown };
  if (!Array.isArray(list.data) || typeof list.has_more !== 'boolean') {
    throw unexpectedResponse(kind, 'not a list (no data array or has_more)');
  }
  const objects: StripeObject[] = [];
  const unreadable: UnreadableObject[] = [];
  let cursor: string | undefined;
  for (const item of list.data) {
    const read = readStripeObject(item, kind);
    if ('object' in read) objects.push(read.object);
    else unreadable.push(read.unreadable);
    cursor = 'object' in read ? read.object.id : (read.unreadable.id ?? cursor);
  }
  if (list.has_more && cursor === undefined) throw unexpectedResponse(kind, 'a page with more after it, and no object on it with an id to continue from');
  return { objects, unreadable, hasMore: list.has_more, ...(cursor !== undefined ? { cursor } : {}) };
}

function unexpectedResponse(kind: StripeObjectKind, problem: string): StripeRequestError {
  return new StripeRequestError(
    `GET ${kind.path}: unexpected response from the Stripe API: ${problem}`,
    { kind: 'fatal', summary: problem, retryForbidden: true },
    false,
  );
}

function hostOf(endpoint: StripeEndpoint | undefined): string {
  return endpoint ? `${endpoint.host}:${endpoint.port}` : 'api.stripe.com:443';
}
