/**
 * The Stripe connector's parts on their own: second ranges, the slicer's
 * exactly-once property under random splits, cuts and failures, the adaptive rate
 * limiter on a virtual clock, and the small parsers.
 */
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../connectors/stripe/clock.js';
import { classifyStripeError, parseRetryAfter } from '../../connectors/stripe/failures.js';
import { createKeyScrubber } from '../../connectors/stripe/key-guard.js';
import type { StripeObject } from '../../connectors/stripe/objects.js';
import type { Page, PageRequest } from '../../connectors/stripe/page-fetcher.js';
import { AdaptiveRateLimiter } from '../../connectors/stripe/rate-limiter.js';
import { PullLedger, readResumeState } from '../../connectors/stripe/resume-state.js';
import { pullSlice, type PulledSlice } from '../../connectors/stripe/slice-puller.js';
import { runSlices } from '../../connectors/stripe/slice-scheduler.js';
import { mergeRanges, subtractRanges, type SecondRange } from '../../connectors/stripe/slices.js';
import { decodeQuery } from '../fakes/stripe/query.js';
import { seededRandom } from '../fakes/stripe/random.js';

describe('second ranges', () => {
  it('merges overlapping and adjacent ranges and subtracts done ones', () => {
    expect(mergeRanges([[5, 8], [1, 3], [3, 4], [7, 10], [12, 12]])).toEqual([[1, 4], [5, 10]]);
    expect(subtractRanges([0, 100], [[10, 20], [20, 30], [50, 60], [90, 120]])).toEqual([[0, 10], [30, 50], [60, 90]]);
    expect(subtractRanges([0, 100], [])).toEqual([[0, 100]]);
    expect(subtractRanges([0, 100], [[-5, 200]])).toEqual([]);
  });

  it('keeps the done ranges of a pull and reads them back from a checkpoint', () => {
    const ledger = new PullLedger('acct_1');
    ledger.markDone('charges', 50, 100);
    ledger.markDone('charges', 0, 50);
    ledger.markDone('refunds', 10, 20);
    const state = readResumeState(JSON.parse(JSON.stringify(ledger.snapshot())), 'acct_1', 'here');
    expect(state).toEqual({ version: 1, account: 'acct_1', done: { charges: [[0, 100]], refunds: [[10, 20]] } });
    const resumed = new PullLedger('acct_1', state);
    expect(resumed.missing('charges', [0, 200])).toEqual([[100, 200]]);
    expect(resumed.missing('customers', [0, 200])).toEqual([[0, 200]]);
    expect(() => readResumeState({ cursor: 'x' }, null, 'sources.p')).toThrow(/cannot resume: the interrupted pull left a checkpoint this Stripe connector does not understand/);
  });
});

/** A list endpoint in memory, newest first, with Stripe's cursor semantics. */
function memoryList(objects: StripeObject[], pageSize: number, failureRate: number, seed: number) {
  const sorted = [...objects].sort((a, b) => (b.created as number) - (a.created as number) || (a.id < b.id ? 1 : -1));
  const random = seededRandom(seed);
  return async (request: PageRequest): Promise<Page> => {
    await Promise.resolve();
    if (random() < failureRate) throw new Error('injected failure');
    let index = sorted.findIndex((o) => (o.created as number) < request.lt);
    if (index < 0) index = sorted.length;
    if (request.startingAfter) index = Math.max(index, sorted.findIndex((o) => o.id === request.startingAfter) + 1);
    const page: StripeObject[] = [];
    for (; index < sorted.length && page.length <= pageSize; index++) {
      const object = sorted[index] as StripeObject;
      if ((object.created as number) < request.gte) break;
      page.push(object);
    }
    const hasMore = page.length > pageSize;
    const objects = page.slice(0, pageSize);
    return { objects, unreadable: [], hasMore, cursor: objects.at(-1)?.id };
  };
}

describe('slicing is exactly-once', () => {
  it('returns each object once and covers the range exactly, whatever the splits, cuts and failures', async () => {
    for (let seed = 1; seed <= 25; seed++) {
      const random = seededRandom(seed);
      const objects: StripeObject[] = [];
      const span = 1 + Math.floor(random() * 5000);
      const count = Math.floor(random() * 400);
      for (let i = 0; i < count; i++) {
        // Clumps: many objects share a second, as at busy moments and on slice borders.
        const created = random() < 0.4 ? Math.floor(random() * 4) * Math.floor(span / 4) : Math.floor(random() * span);
        objects.push({ id: `ch_${seed}_${i}`, object: 'charge', created });
      }
      const pageSize = 1 + Math.floor(random() * 12);
      const fetchPage = memoryList(objects, pageSize, random() * 0.15, seed);
      const results: PulledSlice[] = [];
      for await (const result of runSlices([{ kind: 'charges', gte: 0, lt: span, attempt: 1 }], {
        concurrency: 1 + Math.floor(random() * 8),
        maxAttempts: 1000,
        isRetryable: () => true,
        pull: (slice, queue) => pullSlice(slice, { fetchPage, queue, maxObjects: 1 + Math.floor(random() * 40) }),
      })) {
        results.push(result);
      }
      const ids = results.flatMap((r) => r.objects.map((o) => o.id)).sort();
      expect(ids, `seed ${seed}`).toEqual(objects.map((o) => o.id).sort());
      const ranges: SecondRange[] = results.map((r) => [r.slice.gte, r.slice.lt]);
      expect(mergeRanges(ranges), `seed ${seed}`).toEqual([[0, span]]);
      expect(ranges.reduce((sum, [a, b]) => sum + (b - a), 0), `seed ${seed}: ranges overlap`).toBe(span);
      for (const result of results) {
        for (const object of result.objects) {
          expect(object.created as number).toBeGreaterThanOrEqual(result.slice.gte);
          expect(object.created as number).toBeLessThan(result.slice.lt);
        }
      }
    }
  });

  it('gives up a slice after its tries, with the reason', async () => {
    const failing = async (): Promise<Page> => {
      throw new Error('still broken');
    };
    const run = async () => {
      for await (const result of runSlices([{ kind: 'charges', gte: 0, lt: 10, attempt: 1 }], {
        concurrency: 2,
        maxAttempts: 3,
        isRetryable: () => true,
        pull: (slice, queue) => pullSlice(slice, { fetchPage: failing, queue, maxObjects: 10 }),
      })) void result;
    };
    await expect(run()).rejects.toThrow('still broken');
  });
});

/** A clock that advances only when everyone is asleep: timing logic without real waiting. */
function virtualClock(seed = 1): Clock & { time: number } {
  const random = seededRandom(seed);
  const clock = {
    time: 0,
    now: () => clock.time,
    random,
    sleep: async (ms: number) => {
      const wakeAt = clock.time + ms;
      // Let other sleepers register, then jump to the earliest wake-up (here: ours, in order).
      await new Promise((resolve) => setImmediate(resolve));
      clock.time = Math.max(clock.time, wakeAt);
    },
  };
  return clock;
}

describe('adaptive rate limiter', () => {
  it('spaces requests evenly at the target rate', async () => {
    const clock = virtualClock();
    const limiter = new AdaptiveRateLimiter({ maxRequestsPerSecond: 50, clock });
    const sentAt: number[] = [];
    for (let i = 0; i < 11; i++) sentAt.push((await limiter.acquire()).sentAt);
    expect(sentAt[10]).toBeCloseTo(200, 5);
    for (let i = 1; i < sentAt.length; i++) expect((sentAt[i] as number) - (sentAt[i - 1] as number)).toBeCloseTo(20, 5);
  });

  it('on a 429 pauses everyone for Retry-After and slows down once per burst, then recovers with successes', async () => {
    const clock = virtualClock();
    const limiter = new AdaptiveRateLimiter({ maxRequestsPerSecond: 100, clock });
    const burst = [await limiter.acquire(), await limiter.acquire(), await limiter.acquire()];
    const pause = limiter.throttled(burst[0] as never, 2000, 1);
    expect(pause).toBeGreaterThanOrEqual(2000);
    expect(pause).toBeLessThan(2000 + 250);
    // The other two were sent before the slow-down: one burst is one signal.
    limiter.throttled(burst[1] as never, 2000, 1);
    limiter.throttled(burst[2] as never, 2000, 1);
    expect(limiter.requestsPerSecond).toBeCloseTo(80, 5);
    const next = await limiter.acquire();
    expect(next.sentAt).toBeGreaterThanOrEqual(burst[0]!.sentAt + 2000);
    for (let i = 0; i < 100; i++) limiter.succeeded(await limiter.acquire());
    expect(limiter.requestsPerSecond).toBe(100);
    expect(limiter.stats).toMatchObject({ throttled: 3, lowestRate: 80 });
  });

  it('takes 429s within a second of a slow-down as the same signal, and later ones as new', async () => {
    const clock = virtualClock();
    const limiter = new AdaptiveRateLimiter({ maxRequestsPerSecond: 100, clock });
    limiter.throttled(await limiter.acquire(), undefined, 1);
    expect(limiter.requestsPerSecond).toBeCloseTo(80, 5);
    // Sent after the slow-down, but the server's one-second window still holds the excess.
    limiter.throttled(await limiter.acquire(), undefined, 1);
    expect(limiter.requestsPerSecond).toBeCloseTo(80, 5);
    clock.time += 1000;
    limiter.throttled(await limiter.acquire(), undefined, 1);
    expect(limiter.requestsPerSecond).toBeCloseTo(64, 5);
  });

  it('backs off exponentially with jitter, capped', () => {
    const clock = virtualClock(3);
    const limiter = new AdaptiveRateLimiter({ maxRequestsPerSecond: 10, clock, backoffBaseMs: 100, backoffMaxMs: 1000 });
    for (const [attempt, ceiling] of [[1, 100], [2, 200], [3, 400], [4, 800], [5, 1000], [9, 1000]] as const) {
      const delay = limiter.backoffMs(attempt);
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
  });
});

describe('parsers', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT', Date.parse('Wed, 21 Oct 2026 07:27:58 GMT'))).toBe(2000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('sorts SDK errors into what to do next', () => {
    const scrub = (text: string) => text;
    expect(classifyStripeError({ type: 'StripeRateLimitError', statusCode: 429, headers: { 'retry-after': '3' } }, scrub)).toMatchObject({ kind: 'throttled', retryAfterMs: 3000 });
    expect(classifyStripeError({ type: 'StripeConnectionError', message: 'socket hang up' }, scrub)).toMatchObject({ kind: 'transient' });
    expect(classifyStripeError({ type: 'StripeAPIError', statusCode: 500, headers: { 'stripe-should-retry': 'false' } }, scrub)).toMatchObject({
      kind: 'transient',
      retryForbidden: true,
    });
    expect(classifyStripeError({ type: 'StripeInvalidRequestError', statusCode: 400, code: 'resource_missing' }, scrub)).toMatchObject({ kind: 'rejected' });
    expect(classifyStripeError({ type: 'StripePermissionError', statusCode: 403 }, scrub)).toMatchObject({ kind: 'fatal' });
    expect(classifyStripeError(new TypeError('x is not a function'), scrub)).toMatchObject({ kind: 'fatal' });
  });

  it('scrubs the key and anything key-shaped from text', () => {
    const scrub = createKeyScrubber('rk' + '_live_51AbCdEfGhIjKlMnOp');
    const key = 'rk' + '_live_51AbCdEfGhIjKlMnOp';
    expect(scrub(`key ${key} and sk_test_***********9xYz and rk_live_51AbC`)).toBe('key *** and sk_test_*** and rk_live_***');
  });

  it('decodes Stripe form queries: nested hashes and both array forms', () => {
    expect(decodeQuery('?created[gte]=1&created[lt]=2&expand[0]=data.customer&expand[1]=data.invoice&types[]=a&types[]=b&limit=100')).toEqual({
      created: { gte: '1', lt: '2' },
      expand: ['data.customer', 'data.invoice'],
      types: ['a', 'b'],
      limit: '100',
    });
  });
});
