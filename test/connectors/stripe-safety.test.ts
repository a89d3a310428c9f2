/**
 * The Stripe connector's safety rules: it refuses keys that can write unless told
 * otherwise, sends nothing but GETs, talks only to the configured host, and never
 * repeats the key in logs, errors, records or checkpoints.
 */
import { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KNOWN_OBJECTS, stripeConnector, StripeKeyRefusedError, type StripeSourceOptions } from '../../connectors/stripe/index.js';
import { buildBusiness, startFakeStripe, type FakeStripeServer } from '../fakes/stripe/index.js';
import { collect, FAST, PULL_NOW, pullContext, TEST_KEY, WINDOW } from '../fakes/stripe/harness.js';

let server: FakeStripeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Every outgoing TCP connection of this test file, by host. */
const connections: string[] = [];
const originalConnect = Socket.prototype.connect;
beforeAll(() => {
  Socket.prototype.connect = function (this: Socket, ...args: unknown[]) {
    // net.connect() hands over its arguments already normalized, as [options, callback].
    const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
    const options = (typeof first === 'object' && first !== null ? first : { port: first, host: args[1] }) as { host?: unknown; path?: unknown };
    connections.push(String(options.host ?? options.path ?? '(default host)'));
    return (originalConnect as (...a: unknown[]) => Socket).apply(this, args);
  } as typeof Socket.prototype.connect;
});
afterAll(() => {
  Socket.prototype.connect = originalConnect;
});

function account() {
  return buildBusiness({ seed: 31, from: WINDOW.from, to: WINDOW.to, now: PULL_NOW, customers: 40, charges: 120, subscriptions: 10, deletedCustomers: 2 }).account;
}

async function pullError(options: StripeSourceOptions): Promise<Error> {
  const error = await collect(stripeConnector(options, FAST), pullContext()).catch((e: unknown) => e);
  if (!(error instanceof Error)) throw new Error('expected the pull to fail');
  return error;
}

describe('stripe connector: keys', () => {
  it.each(['sk_live_', 'sk_test_'])('refuses a secret key (%s...) before sending anything, recommending a restricted key', async (prefix) => {
    server = await startFakeStripe({ account: account() });
    const key = `${prefix}51PgafTB7WZ01zgkWsecretSecretSecret0123`;
    const error = await pullError({ apiKey: key, apiBase: server.url });
    expect(error).toBeInstanceOf(StripeKeyRefusedError);
    expect((error as StripeKeyRefusedError).refusedBySafetyGuard).toBe(true);
    expect(error.name).toBe('SourceInputError');
    expect(error.message).toMatch(/^sources\.payments: refusing a secret key \(sk_(live|test)_\.\.\.\).*restricted key \(rk_live_\.\.\. or rk_test_\.\.\.\).*"Read" permission.*allowSecretKey: true/);
    expect(error.message).not.toContain(key.slice(8));
    expect(server.requests).toHaveLength(0);
  });

  it('uses a secret key when allowSecretKey is set, and says a restricted key is safer', async () => {
    server = await startFakeStripe({ account: account(), now: () => PULL_NOW });
    const context = pullContext();
    const records = await collect(
      stripeConnector({ apiKey: 'sk_test_51PgafTB7WZ01zgkWsecret0123', apiBase: server.url, objects: ['charges'], allowSecretKey: true }, FAST),
      context,
    );
    expect(records.length).toBeGreaterThan(0);
    expect(context.logs.join('\n')).toMatch(/using a secret key \(allowSecretKey: true\): salvage sends only GET requests, but a restricted read-only key is safer/);
  });

  it.each([
    ['pk_live_51Pgaf0123456789', /publishable key \(pk_live_\.\.\.\), which cannot read payments/],
    ['not-a-key', /apiKey does not look like a Stripe API key .*a value of 9 characters/],
    ['  ', /apiKey is empty/],
  ])('rejects %j with advice and no request', async (apiKey, message) => {
    server = await startFakeStripe({ account: account() });
    const error = await pullError({ apiKey, apiBase: server.url });
    expect(error.message).toMatch(message);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses plain http to anything but this machine: the key would cross the network readable', async () => {
    const error = await pullError({ apiKey: TEST_KEY, apiBase: 'http://stripe-proxy.example:8080' });
    expect(error.message).toMatch(/apiBase uses plain http to stripe-proxy\.example: that would send the API key unencrypted; use https/);
  });

  it('rejects unknown object names, listing the known ones', async () => {
    const error = await pullError({ apiKey: TEST_KEY, apiBase: 'http://127.0.0.1:9', objects: ['charges', 'payouts', 'Checkout Sessions'] });
    expect(error.message).toBe(`sources.payments: unknown Stripe object "payouts" in objects (known: ${KNOWN_OBJECTS.join(', ')})`);
  });
});

describe('stripe connector: read-only, loopback-only, no leaks', () => {
  it('sends only GETs to list endpoints, only to the configured loopback server', async () => {
    connections.length = 0;
    server = await startFakeStripe({
      account: account(),
      now: () => PULL_NOW,
      randomFaults: { probability: 0.15, seed: 4, retryAfterSeconds: 0, kinds: ['server-error', 'rate-limit', 'garbage'] },
    });
    await collect(stripeConnector({ apiKey: TEST_KEY, apiBase: server.url }, { ...FAST, pageSize: 20 }), pullContext());
    expect(server.requests.length).toBeGreaterThan(20);
    expect(new Set(server.requests.map((r) => r.method))).toEqual(new Set(['GET']));
    const paths = new Set(server.requests.map((r) => r.path));
    for (const path of paths) expect(path).toMatch(/^\/v1\/(customers|charges|payment_intents|refunds|invoices|subscriptions|checkout\/sessions|disputes|products|prices|events)$/);
    expect(server.requests.every((r) => r.remoteAddress === '127.0.0.1')).toBe(true);
    expect(connections.length).toBeGreaterThan(0);
    expect(new Set(connections)).toEqual(new Set(['127.0.0.1']));
  });

  it('never puts the key in logs, errors, records or checkpoints, even when the server echoes it', async () => {
    const secretPart = TEST_KEY.slice('rk_test_'.length);
    const texts: string[] = [];

    // A successful pull: logs, records, checkpoints.
    server = await startFakeStripe({ account: account(), now: () => PULL_NOW, faults: [{ kind: 'rate-limit', times: 2 }] });
    const context = pullContext();
    const records = await collect(stripeConnector({ apiKey: TEST_KEY, apiBase: server.url }, { ...FAST, pageSize: 30 }), context);
    texts.push(...context.logs, JSON.stringify(records), JSON.stringify(context.checkpoints));
    await server.close();

    // Failing pulls: the server rejects the key and echoes it (as a misconfigured proxy might).
    server = await startFakeStripe({ account: account(), acceptKeys: ['rk_test_other000000000'] });
    const failing = pullContext();
    const rejected = await collect(stripeConnector({ apiKey: TEST_KEY, apiBase: server.url, objects: ['charges'] }, FAST), failing).then(
      () => new Error('expected the pull to fail'),
      (e: Error) => e,
    );
    texts.push(rejected.message, rejected.stack ?? '', ...failing.logs);
    const refused = await pullError({ apiKey: `sk_live_${secretPart}`, apiBase: server.url });
    texts.push(refused.message, refused.stack ?? '');

    expect(rejected.message).toMatch(/HTTP 401/);
    expect(rejected.message).toContain('rk_test_***');
    for (const text of texts) {
      expect(text).not.toContain(secretPart);
      expect(text).not.toContain(secretPart.slice(-4));
    }
  });
});
