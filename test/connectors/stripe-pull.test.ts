/**
 * The Stripe connector against a local Stripe-compatible server, through the
 * official SDK: what a pull returns, and that it returns each object exactly once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stripeConnector } from '../../connectors/stripe/index.js';
import {
  buildBusiness,
  FakeStripeAccount,
  shapes,
  startFakeStripe,
  stripeId,
  seededRandom,
  type FakeStripeServer,
  type StripeJson,
} from '../fakes/stripe/index.js';
import { collect, duplicates, FAST, objectKeys, objectsInWindow, PULL_NOW, pullContext, recordKeys, TEST_KEY, WINDOW } from '../fakes/stripe/harness.js';

let server: FakeStripeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const LISTED_TYPES = ['customer', 'charge', 'payment_intent', 'refund', 'invoice', 'subscription', 'checkout.session', 'dispute', 'product', 'price'];
const THIRTY_DAYS = 30 * 86_400;
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

function business() {
  const built = buildBusiness({
    seed: 7,
    from: WINDOW.from,
    to: WINDOW.to,
    now: PULL_NOW,
    customers: 120,
    charges: 400,
    products: 8,
    subscriptions: 40,
    deletedCustomers: 4,
    olderChargesRefunded: 6,
  });
  // A subscription from last year, cancelled two weeks before the incident: only its event tells.
  const random = seededRandom(5);
  const price = shapes.price({ id: stripeId('price', random), created: seconds(WINDOW.since) - 400 * 86_400, product: 'prod_Old', unitAmount: 1900, recurring: 'month' });
  const cancelledAt = seconds(WINDOW.to) - 14 * 86_400;
  const old = shapes.subscription({
    id: stripeId('sub', random),
    created: seconds(WINDOW.since) - 200 * 86_400,
    customer: 'cus_Old',
    price,
    status: 'canceled',
    canceledAt: cancelledAt,
  });
  built.account.add(old, shapes.event({ id: stripeId('evt', random), created: cancelledAt, type: 'customer.subscription.deleted', object: old }));
  built.cancelledOlderSubscriptions.push(old);
  return built;
}

describe('stripe connector: a whole pull', () => {
  it('returns every object created in the window exactly once, with deletions and the last 30 days of events', async () => {
    const { account, deletedCustomers, cancelledOlderSubscriptions } = business();
    server = await startFakeStripe({ account, now: () => PULL_NOW });
    const context = pullContext();
    const records = await collect(stripeConnector({ apiKey: TEST_KEY, apiBase: server.url }, { ...FAST, pageSize: 25 }), context);

    const eventHorizon = seconds(PULL_NOW) - THIRTY_DAYS;
    const events = objectsInWindow(account, ['event']).filter((event) => (event.created as number) >= eventHorizon);
    const deletions = events.filter((event) => event.type === 'customer.deleted');
    const expected = [
      ...objectKeys(objectsInWindow(account, LISTED_TYPES)),
      ...objectKeys(events),
      ...deletions.map((event) => `stripe.customer:${(event.data as { object: StripeJson }).object.id}`),
    ].sort();

    const keys = recordKeys(records);
    expect(duplicates(keys)).toEqual([]);
    expect(keys).toEqual(expected);
    expect(records.filter((r) => r.type === 'stripe.charge').length).toBeGreaterThan(350);
    expect(deletions.length).toBeGreaterThan(0);
    expect(records.some((r) => r.type === 'stripe.product')).toBe(true);

    // Deleted customers vanish from the customers list; their deletion event brings them back, marked deleted.
    for (const customer of deletedCustomers) {
      const deletedRecord = records.find((r) => r.type === 'stripe.customer' && r.id === customer.id);
      const inEvents = deletions.some((event) => (event.data as { object: StripeJson }).object.id === customer.id);
      if (!inEvents) {
        expect(deletedRecord).toBeUndefined();
        continue;
      }
      expect(deletedRecord).toMatchObject({ deleted: true, data: { email: customer.email } });
      expect(deletedRecord?.updatedAt).toBeDefined();
    }
    // A subscription created before the window and cancelled in it is visible only as an event.
    expect(cancelledOlderSubscriptions.some((s) => (s.canceled_at as number) >= eventHorizon)).toBe(true);
    for (const subscription of cancelledOlderSubscriptions) {
      expect(records.some((r) => r.type === 'stripe.subscription' && r.id === subscription.id)).toBe(false);
      const cancelledAt = subscription.canceled_at as number;
      const cancellation = records.find(
        (r) => r.type === 'stripe.event' && r.data.type === 'customer.subscription.deleted' && (r.data.data as { object: StripeJson }).object.id === subscription.id,
      );
      if (cancelledAt >= eventHorizon) expect(cancellation).toBeDefined();
      else expect(cancellation).toBeUndefined();
    }
    expect(context.logs.join('\n')).toMatch(/Stripe keeps events for 30 days: changes made before 2026-03-27T08:00:00Z .* visible only as each object's current state/);
  });

  it('builds envelopes: type, ref, createdAt from created, data as Stripe returned it with the customer expanded', async () => {
    const { account } = business();
    server = await startFakeStripe({ account, now: () => PULL_NOW });
    const records = await collect(stripeConnector({ apiKey: TEST_KEY, apiBase: server.url, objects: ['charges', 'subscriptions'] }, FAST), pullContext());

    const charge = records.find((r) => r.type === 'stripe.charge' && r.data.customer !== null);
    expect(charge).toBeDefined();
    if (!charge) return;
    const original = account.get(charge.id) as StripeJson;
    expect(charge).toMatchObject({
      source: 'payments',
      ref: `stripe:${charge.id}`,
      observedAt: '2026-04-26T08:00:00.000Z',
      createdAt: new Date((original.created as number) * 1000).toISOString(),
    });
    expect(charge.deleted).toBeUndefined();
    const customer = account.get(original.customer as string) as StripeJson;
    expect(charge.data).toEqual({ ...original, customer });
    expect((charge.data.customer as StripeJson).object).toBe('customer');

    // Canceled subscriptions are listed only with status=all; the connector asks for them.
    const subscriptionRequests = server.requests.filter((r) => r.path === '/v1/subscriptions');
    expect(subscriptionRequests.every((r) => r.query.status === 'all')).toBe(true);
    const expectedSubscriptions = objectsInWindow(account, ['subscription']);
    expect(expectedSubscriptions.some((s) => s.status === 'canceled')).toBe(true);
    expect(records.filter((r) => r.type === 'stripe.subscription').length).toBe(expectedSubscriptions.length);
  });

  it('pages concurrently across many small slices without losing or repeating objects on slice borders', async () => {
    const account = new FakeStripeAccount();
    const random = seededRandom(99);
    const since = seconds(WINDOW.since);
    const to = seconds(WINDOW.to);
    const charge = (created: number) =>
      shapes.charge({ id: stripeId('ch', random), created, amount: 1000, customer: null, email: 'someone@example.com' });
    // Dense seconds exactly where borders fall (the window's ends) and where splits and cuts will.
    for (const at of [since, to, since + 1, to - 1, Math.floor((since + to) / 2)]) {
      for (let i = 0; i < 23; i++) account.add(charge(at));
    }
    for (let i = 0; i < 300; i++) account.add(charge(since + Math.floor(random() * (to - since))));
    // Just outside the window: must not come back.
    const outside = [charge(since - 1), charge(to + 1)];
    account.add(...outside);

    server = await startFakeStripe({ account });
    const records = await collect(
      stripeConnector(
        { apiKey: TEST_KEY, apiBase: server.url, objects: ['charges'] },
        { ...FAST, pageSize: 7, maxSliceObjects: 20, concurrency: 6 },
      ),
      pullContext(),
    );
    const keys = recordKeys(records);
    expect(duplicates(keys)).toEqual([]);
    expect(keys).toEqual(objectKeys(objectsInWindow(account, ['charge'])));
    expect(keys).not.toContain(`stripe.charge:${outside[0]?.id}`);
    expect(keys).not.toContain(`stripe.charge:${outside[1]?.id}`);

    // It really was sliced and paged: many distinct created ranges, cursors, 7 per page.
    const ranges = new Set(server.requests.map((r) => JSON.stringify(r.query.created)));
    expect(ranges.size).toBeGreaterThan(10);
    expect(server.requests.some((r) => typeof r.query.starting_after === 'string')).toBe(true);
    expect(server.requests.every((r) => r.query.limit === '7')).toBe(true);
  });

  it('checkpoints after each slice with the created ranges done, which end up covering the whole window', async () => {
    const { account } = business();
    server = await startFakeStripe({ account, now: () => PULL_NOW });
    const context = pullContext();
    await collect(stripeConnector({ apiKey: TEST_KEY, apiBase: server.url, objects: ['charges', 'refunds'] }, { ...FAST, pageSize: 20 }), context);
    expect(context.checkpoints.length).toBeGreaterThan(2);
    const last = context.checkpoints[context.checkpoints.length - 1];
    const whole = [[seconds(WINDOW.since), seconds(WINDOW.to) + 1]];
    expect(last).toEqual({ version: 1, account: null, done: { charges: whole, refunds: whole } });
  });

  it('pulls a connected account with the Stripe-Account header and says so in every ref', async () => {
    const platform = new FakeStripeAccount();
    const connected = buildBusiness({ seed: 3, accountId: 'acct_1Connected', from: WINDOW.from, to: WINDOW.to, now: PULL_NOW, customers: 10, charges: 30 });
    server = await startFakeStripe({ account: platform, connectedAccounts: [connected.account], now: () => PULL_NOW });
    const records = await collect(
      stripeConnector({ apiKey: TEST_KEY, apiBase: server.url, objects: ['charges', 'events'], connectedAccount: 'acct_1Connected' }, FAST),
      pullContext(),
    );
    expect(server.requests.every((r) => r.account === 'acct_1Connected')).toBe(true);
    const charges = records.filter((r) => r.type === 'stripe.charge');
    expect(charges.length).toBe(objectsInWindow(connected.account, ['charge']).length);
    for (const record of records) expect(record.ref).toBe(`stripe:acct_1Connected/${record.id}`);
  });

  it('reports one summary line per object kind when not on a terminal', async () => {
    const { account } = business();
    server = await startFakeStripe({ account, now: () => PULL_NOW });
    const context = pullContext();
    const records = await collect(stripeConnector({ apiKey: TEST_KEY, apiBase: server.url, objects: ['charges', 'disputes', 'products'] }, FAST), context);
    const charges = records.filter((r) => r.type === 'stripe.charge').length;
    expect(context.logs).toContain(`${charges} charges in ${context.logs.find((l) => l.startsWith(`${charges} charges in`))?.split(' in ')[1]}`);
    expect(context.logs.some((l) => /^\d+ disputes in \d+\.\ds$/.test(l))).toBe(true);
    expect(context.logs.some((l) => /^\d+ products in \d+\.\ds$/.test(l))).toBe(true);
    expect(context.logs.some((l) => /^\d+ requests \(\d+(\.\d)?\/s\)$/.test(l))).toBe(true);
    expect(context.logs[0]).toMatch(/^pulling charges, disputes, products created 2026-01-19T00:00:00Z\.\.2026-04-25T09:00:01Z \(test mode, restricted key\)/);
  });
});
