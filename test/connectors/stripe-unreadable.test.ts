/**
 * One Stripe object that cannot be read (a field of the wrong type, a creation time that
 * is not a Unix time, no id at all) is rejected alone, with its id and what was wrong; the
 * pull goes on and returns every other object exactly once. Through the official SDK,
 * against the fake Stripe serving the malformed objects among good ones.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stripeConnector } from '../../connectors/stripe/index.js';
import type { PullRejection } from '../../src/records/rejection.js';
import { buildBusiness, startFakeStripe, type FakeStripeServer, type StripeJson } from '../fakes/stripe/index.js';
import { collect, duplicates, FAST, objectKeys, objectsInWindow, PULL_NOW, pullContext, recordKeys, TEST_KEY, WINDOW } from '../fakes/stripe/harness.js';

let server: FakeStripeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A business with three charges, a refund and an event the API serves broken. */
function brokenBusiness() {
  const { account } = buildBusiness({ seed: 11, from: WINDOW.from, to: WINDOW.to, now: PULL_NOW, customers: 40, charges: 150 });
  const charges = objectsInWindow(account, ['charge']);
  const refunds = objectsInWindow(account, ['refund']);
  const events = objectsInWindow(account, ['event']).filter((event) => (event.created as number) >= Math.floor(PULL_NOW.getTime() / 1000) - 30 * 86_400);
  const [textAmount, textCreated, noId] = [charges[10], charges[60], charges[100]] as [StripeJson, StripeJson, StripeJson];
  const badRefund = refunds[0] as StripeJson;
  const badEvent = events[0] as StripeJson;
  account.malform(textAmount.id, (charge) => ({ ...(charge as StripeJson), amount: '12.00' }));
  account.malform(textCreated.id, (charge) => ({ ...(charge as StripeJson), created: '2026-03-01T10:00:00Z' }));
  account.malform(noId.id, (charge) => ({ ...(charge as StripeJson), id: null }));
  account.malform(badRefund.id, (refund) => ({ ...(refund as StripeJson), currency: 840 }));
  account.malform(badEvent.id, (event) => ({ ...(event as StripeJson), data: { previous_attributes: {} } }));
  const broken = new Set([textAmount.id, textCreated.id, noId.id, badRefund.id, badEvent.id]);
  return { account, charges, refunds, events, textAmount, textCreated, noId, badRefund, badEvent, broken };
}

describe('stripe: an object that cannot be read is rejected alone', () => {
  for (const tuning of [
    { name: 'one page at a time', pageSize: 100, concurrency: 1 },
    { name: 'small pages, split and cut slices', pageSize: 7, concurrency: 8, maxSliceObjects: 15 },
  ]) {
    it(`rejects each broken object once, with its id and why, and pulls every other one exactly once (${tuning.name})`, async () => {
      const business = brokenBusiness();
      server = await startFakeStripe({ account: business.account, now: () => PULL_NOW });
      const rejections: PullRejection[] = [];
      const context = pullContext({ reject: (r) => rejections.push(r) });
      const records = await collect(
        stripeConnector({ apiKey: TEST_KEY, apiBase: server.url, objects: ['charges', 'refunds', 'events'] }, { ...FAST, ...tuning }),
        context,
      );

      const keys = recordKeys(records);
      expect(duplicates(keys)).toEqual([]);
      const good = [...business.charges, ...business.refunds, ...business.events].filter((object) => !business.broken.has(object.id));
      // Deletions derived from events (customer.deleted) are not in these kinds' lists; compare the listed ones.
      expect(keys.filter((key) => /^stripe\.(charge|refund|event):/.test(key))).toEqual(objectKeys(good));

      const byLocation = Object.fromEntries(rejections.map((r) => [r.location, r]));
      expect(rejections).toHaveLength(5);
      expect(byLocation[`stripe:${business.textAmount.id}`]).toEqual({
        what: 'stripe charge',
        location: `stripe:${business.textAmount.id}`,
        reason: expect.stringMatching(/^its "amount" is the text "12\.00", where Stripe sends an integer \(in the smallest currency unit\); the other objects are pulled/),
      });
      expect(byLocation[`stripe:${business.textCreated.id}`]?.reason).toMatch(/^its "created" is the text "2026-03-01T10:00:00Z", not a Unix time in seconds;/);
      expect(byLocation[`stripe:${business.badRefund.id}`]).toMatchObject({ what: 'stripe refund', reason: expect.stringMatching(/^its "currency" is the number 840, where Stripe sends text;/) });
      expect(byLocation[`stripe:${business.badEvent.id}`]).toMatchObject({ what: 'stripe event', reason: expect.stringMatching(/^its "data\.object" is not an object/) });
      const noId = rejections.find((r) => r.location.startsWith('stripe:/v1/charges (an object without an id, sha256:'));
      expect(noId?.reason).toMatch(/^it has no id \(id is null\);/);
      // Nothing was logged as a failure: the pull finished.
      expect(context.logs.filter((line) => /error|failed/i.test(line))).toEqual([]);
    });
  }

  it('an interrupted pull resumed rejects nothing twice and nothing less', async () => {
    const business = brokenBusiness();
    server = await startFakeStripe({ account: business.account, now: () => PULL_NOW });
    const tuning = { ...FAST, pageSize: 10, concurrency: 2, maxSliceObjects: 20 };
    const connector = stripeConnector({ apiKey: TEST_KEY, apiBase: server.url, objects: ['charges', 'refunds', 'events'] }, tuning);
    // First run: stop after the third checkpoint; what was rejected before it stands, as the sink keeps it.
    const kept: PullRejection[] = [];
    let pending: PullRejection[] = [];
    let checkpoints = 0;
    let state: unknown;
    const first = pullContext({
      reject: (r) => pending.push(r),
      checkpoint: async (s) => {
        state = structuredClone(s);
        kept.push(...pending);
        pending = [];
        if (++checkpoints === 3) throw new Error('simulated crash');
      },
    });
    await expect(collect(connector, first)).rejects.toThrow('simulated crash');
    const second = pullContext({ reject: (r) => kept.push(r), resumeState: state });
    await collect(connector, second);
    expect(kept.map((r) => r.location).sort()).toHaveLength(5);
    expect(duplicates(kept.map((r) => r.location))).toEqual([]);
  });
});
