/**
 * The Stripe connector when Stripe is slow, rate limited or broken: it retries what
 * can be retried, pulls a failed slice again whole, and still returns every object
 * exactly once; what cannot be fixed by waiting stops the pull with a clear message.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stripeConnector } from '../../connectors/stripe/index.js';
import { buildBusiness, startFakeStripe, type FakeStripeOptions, type FakeStripeServer, type FaultKind } from '../fakes/stripe/index.js';
import { collect, duplicates, FAST, objectKeys, objectsInWindow, PULL_NOW, pullContext, recordKeys, TEST_KEY, WINDOW } from '../fakes/stripe/harness.js';

let server: FakeStripeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function chargesAccount(charges = 240, seed = 11) {
  return buildBusiness({ seed, from: WINDOW.from, to: WINDOW.to, now: PULL_NOW, customers: 30, charges, events: false }).account;
}

async function pullCharges(options: Omit<FakeStripeOptions, 'account'>, tuning = {}, account = chargesAccount()) {
  server = await startFakeStripe({ account, ...options });
  const context = pullContext();
  const records = await collect(
    stripeConnector({ apiKey: TEST_KEY, apiBase: server.url, objects: ['charges'] }, { ...FAST, pageSize: 10, concurrency: 4, ...tuning }),
    context,
  );
  const keys = recordKeys(records);
  return { records, keys, expected: objectKeys(objectsInWindow(account, ['charge'])), context, requests: server.requests };
}

describe('stripe connector: retries', () => {
  it('waits out a plain 429 (no retry headers; the SDK would give up) with backoff, and slows down', async () => {
    const { keys, expected, context, requests } = await pullCharges({ faults: [{ kind: 'rate-limit', times: 3 }] });
    expect(duplicates(keys)).toEqual([]);
    expect(keys).toEqual(expected);
    expect(requests.filter((r) => r.status === 429)).toHaveLength(3);
    expect(context.logs.join('\n')).toMatch(/Stripe answered 429 \(rate limited\) 3 times in \d+ requests; the pace went down to/);
  });

  it('honours Retry-After with Stripe-Should-Retry: true: nothing is sent until it has passed', async () => {
    const { keys, expected, requests } = await pullCharges({
      faults: [{ kind: 'rate-limit-retry-after', retryAfterSeconds: 1, times: 1, when: (r) => r.query.starting_after !== undefined }],
    });
    expect(keys).toEqual(expected);
    const throttled = requests.find((r) => r.status === 429);
    expect(throttled).toBeDefined();
    const after = requests.filter((r) => r.seq > (throttled?.seq ?? 0) && r.at > (throttled?.at ?? 0) + 50);
    const sentDuringPause = requests.filter((r) => r.seq > (throttled?.seq ?? 0) && r.at < (throttled?.at ?? 0) + 990);
    expect(after.length).toBeGreaterThan(0);
    // Requests already on their way may arrive; no new one is started inside the pause.
    expect(sentDuringPause.length).toBeLessThanOrEqual(4);
  });

  it('adapts to a server rate limit below its target pace and still completes', async () => {
    const { keys, expected, context, requests } = await pullCharges(
      { rateLimit: { requestsPerSecond: 50 } },
      { requestsPerSecond: 150, backoffBaseMs: 100 },
      chargesAccount(500),
    );
    expect(duplicates(keys)).toEqual([]);
    expect(keys).toEqual(expected);
    const throttled = requests.filter((r) => r.status === 429).length;
    expect(throttled).toBeGreaterThan(0);
    // Adapting means most requests get through, not a storm of 429s.
    expect(throttled).toBeLessThan(requests.length / 3);
    expect(context.logs.join('\n')).toMatch(/the pace went down to \d+\.\d\/s/);
  });

  it('retries 500s, dropped connections and non-JSON answers', async () => {
    const kinds: FaultKind[] = ['server-error', 'drop-connection', 'drop-connection', 'garbage'];
    const { keys, expected, requests } = await pullCharges({
      faults: kinds.map((kind, i) => ({ kind, times: 1, when: (r) => r.path === '/v1/charges' && (i === 0 || r.query.starting_after !== undefined) })),
    });
    expect(keys).toEqual(expected);
    expect(requests.filter((r) => r.fault !== undefined).map((r) => r.fault)).toEqual(kinds);
  });

  it('pulls a slice that failed half way again from its start, without duplicating what it had read', async () => {
    // Every request of one slice's third page fails until that slice is retried: the slice's
    // requests give up (2 tries), and the slice is pulled again whole.
    let cursorsSeen = 0;
    const { keys, expected, context } = await pullCharges(
      {
        faults: [
          {
            kind: 'server-error',
            times: 2,
            when: (r) => r.query.starting_after !== undefined && ++cursorsSeen >= 2,
          },
        ],
      },
      { maxRequestAttempts: 2, concurrency: 1 },
    );
    expect(duplicates(keys)).toEqual([]);
    expect(keys).toEqual(expected);
    expect(context.logs.join('\n')).toMatch(/charges created .*: pulling this slice again from its start \(try 2 of 3\) after: GET \/v1\/charges .* failed after 2 tries: HTTP 500 api_error/);
  });

  it('is complete and duplicate-free under random failures of every kind', async () => {
    for (const seed of [1, 2, 3]) {
      const { keys, expected, requests } = await pullCharges(
        { randomFaults: { probability: 0.2, seed, retryAfterSeconds: 0, kinds: ['rate-limit', 'server-error', 'drop-connection', 'garbage', 'rate-limit-retry-after'] } },
        { maxRequestAttempts: 4, maxSliceAttempts: 5, pageSize: 8, maxSliceObjects: 25 },
      );
      expect(duplicates(keys)).toEqual([]);
      expect(keys).toEqual(expected);
      expect(requests.some((r) => r.fault !== undefined)).toBe(true);
      await server?.close();
      server = undefined;
    }
  }, 20_000);
});

describe('stripe connector: failures that waiting does not fix', () => {
  it('stops on an unknown key, saying what to check', async () => {
    server = await startFakeStripe({ account: chargesAccount(20), acceptKeys: ['rk_test_SomeOtherKey000000'] });
    const error = await collect(stripeConnector({ apiKey: TEST_KEY, apiBase: server.url, objects: ['charges'] }, FAST), pullContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('SourceInputError');
    expect((error as Error).message).toMatch(/^sources\.payments: GET \/v1\/charges .* failed: HTTP 401 .*Stripe did not accept the API key/);
    expect(server.requests).toHaveLength(1);
  });

  it('stops when the restricted key may not read an object, naming the permission to add', async () => {
    server = await startFakeStripe({ account: chargesAccount(20), forbiddenPaths: ['/v1/disputes'] });
    const error = await collect(
      stripeConnector({ apiKey: TEST_KEY, apiBase: server.url, objects: ['charges', 'disputes'] }, FAST),
      pullContext(),
    ).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/GET \/v1\/disputes .* HTTP 403 .*rak_dispute_read.*give the restricted key "Read" access/);
  });

  it('does not retry a request the server says not to retry, but still retries the slice', async () => {
    const { keys, expected, requests } = await pullCharges({ faults: [{ kind: 'unavailable-no-retry', times: 1 }] });
    expect(keys).toEqual(expected);
    expect(requests[0]?.status).toBe(503);
  });
});
