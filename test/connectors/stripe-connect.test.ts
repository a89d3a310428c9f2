/**
 * Stripe Connect: a platform with a connected account per customer business. With
 * `accounts: all` the connector lists the connected accounts (/v1/accounts, whatever
 * their creation time, so one created in the window is in), pulls each with its
 * `Stripe-Account` header and the platform's own objects without, names the account in
 * every ref, and resumes account by account. `accounts` and `application_fees` are
 * pullable kinds; a zero-decimal currency (JPY) maps with `{ cents_to_amount: { digits: 0 } }`.
 * Real SDK against the fake Stripe.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { stripeConnector } from '../../connectors/stripe/index.js';
import { RuleEvaluator } from '../../src/mapping/evaluate.js';
import { parseMappings } from '../../src/mapping/load.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { buildBusiness, FakeStripeAccount, startFakeStripe, type FakeStripeServer, type StripeJson } from '../fakes/stripe/index.js';
import { collect, FAST, objectsInWindow, PULL_NOW, pullContext, TEST_KEY, WINDOW } from '../fakes/stripe/harness.js';

const unix = (iso: string) => Date.parse(iso) / 1000;

function connectedAccount(id: string, created: string): StripeJson {
  return { id, object: 'account', created: unix(created), type: 'express', email: `owner@${id}.example`, country: 'JP', default_currency: 'jpy', charges_enabled: true, payouts_enabled: true, metadata: {} };
}

function applicationFee(id: string, account: string, created: string, amount: number): StripeJson {
  return { id, object: 'application_fee', account, amount, amount_refunded: 0, charge: `ch_for_${id}`, created: unix(created), currency: 'jpy', refunded: false, livemode: false };
}

/** The platform (its own charges, its accounts, its fees) and two connected businesses, one of them created in the window. */
function platform() {
  const own = buildBusiness({ seed: 11, from: WINDOW.from, to: WINDOW.to, now: PULL_NOW, customers: 5, charges: 12 });
  own.account.add(
    connectedAccount('acct_1Older', '2025-06-01T00:00:00Z'),
    connectedAccount('acct_2NewInWindow', '2026-03-03T00:00:00Z'),
    applicationFee('fee_1', 'acct_1Older', '2026-02-10T10:00:00Z', 500),
    applicationFee('fee_2', 'acct_2NewInWindow', '2026-03-10T10:00:00Z', 1200),
  );
  const older = buildBusiness({ seed: 12, accountId: 'acct_1Older', from: WINDOW.from, to: WINDOW.to, now: PULL_NOW, customers: 8, charges: 25 });
  const newer = buildBusiness({ seed: 13, accountId: 'acct_2NewInWindow', from: WINDOW.from, to: WINDOW.to, now: PULL_NOW, customers: 8, charges: 25 });
  return { own: own.account, connected: [older.account, newer.account] };
}

let server: FakeStripeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const keys = (records: SourceRecord[]) => records.map((r) => r.ref).sort();

describe('stripe connect: accounts: all', () => {
  it('pulls the platform and every connected account, each with its header, the account in every ref', async () => {
    const { own, connected } = platform();
    server = await startFakeStripe({ account: own, connectedAccounts: connected, now: () => PULL_NOW });
    const context = pullContext();
    const records = await collect(stripeConnector({ apiKey: TEST_KEY, apiBase: server.url, objects: ['charges', 'application_fees', 'accounts'], accounts: 'all' }, FAST), context);

    const expected = [
      ...objectsInWindow(own, ['charge', 'application_fee', 'account']).map((o) => `stripe:${o.id}`),
      ...connected.flatMap((account) => objectsInWindow(account, ['charge']).map((o) => `stripe:${account.accountId}/${o.id}`)),
    ].sort();
    expect(keys(records)).toEqual(expected);
    expect(new Set(records.map((r) => r.id)).size).toBe(records.length);
    // The account created in the window is pulled like the older one.
    expect(records.filter((r) => r.ref.startsWith('stripe:acct_2NewInWindow/')).length).toBe(objectsInWindow(connected[1] as FakeStripeAccount, ['charge']).length);
    // Listing the accounts: the platform's own request, not filtered by the window.
    const listing = server.requests.filter((r) => r.path === '/v1/accounts');
    expect(listing.every((r) => r.account === null)).toBe(true);
    expect(server.requests.filter((r) => r.path === '/v1/charges').map((r) => r.account).filter((a, i, all) => all.indexOf(a) === i).sort()).toEqual([null, 'acct_1Older', 'acct_2NewInWindow'].sort());
    expect(context.logs[0]).toMatch(/\(test mode, restricted key, the platform and 2 connected accounts\)/);
    // `objects: [accounts]` lists accounts created in the window; fees are the platform's own.
    expect(records.filter((r) => r.type === 'stripe.account').map((r) => r.id)).toEqual(['acct_2NewInWindow']);
    expect(records.filter((r) => r.type === 'stripe.application_fee').map((r) => r.id).sort()).toEqual(['fee_1', 'fee_2']);
  });

  it('resumes account by account: an interrupted pull and its resume give every object exactly once', async () => {
    const { own, connected } = platform();
    server = await startFakeStripe({ account: own, connectedAccounts: connected, now: () => PULL_NOW });
    const options = { apiKey: TEST_KEY, apiBase: server.url, objects: ['charges'], accounts: 'all' as const };
    const full = keys(await collect(stripeConnector(options, FAST), pullContext()));

    // First run: dies at its fourth checkpoint; what it yielded after the third is lost, as the records sink truncates it.
    let saved: unknown;
    let kept: SourceRecord[] = [];
    const pending: SourceRecord[] = [];
    let checkpoints = 0;
    const first = pullContext({
      checkpoint: async (state) => {
        if (++checkpoints === 4) throw new Error('killed');
        saved = structuredClone(state);
        kept = [...kept, ...pending.splice(0)];
      },
    });
    await expect(
      (async () => {
        for await (const record of stripeConnector(options, { ...FAST, concurrency: 1, maxSliceObjects: 3, pageSize: 5 }).pull(first)) pending.push(record);
      })(),
    ).rejects.toThrow('killed');
    expect(saved).toMatchObject({ version: 1, account: 'accounts' });
    expect(Object.keys((saved as { done: object }).done).every((k) => /^(platform|acct_\w+)\|charges$/.test(k))).toBe(true);

    const second = await collect(stripeConnector(options, FAST), pullContext({ resumeState: saved }));
    const both = [...kept, ...second];
    expect(keys(both)).toEqual(full);
    expect(kept.length).toBeGreaterThan(0);
    expect(second.length).toBeLessThan(full.length);
  });

  it('refuses connectedAccount and accounts together, and an account id of the wrong shape', async () => {
    const error = (options: object) =>
      collect(stripeConnector({ apiKey: TEST_KEY, apiBase: 'http://127.0.0.1:9', ...options }, FAST), pullContext()).then(
        () => undefined,
        (e: unknown) => (e as Error).message,
      );
    expect(await error({ accounts: 'all', connectedAccount: 'acct_1A' })).toMatch(/either connectedAccount .* or accounts/);
    expect(await error({ accounts: ['acct_1A', 'shop-2'] })).toMatch(/accounts must be "all" or account ids like acct_1A2b3C \(got "shop-2"\)/);
  });
});

describe('stripe connect: a zero-decimal currency (JPY) in a mapping', () => {
  it('`{ cents_to_amount: { digits: 0 } }` keeps yen as yen; the default would divide by 100', () => {
    const mapping = parseMappings([
      {
        file: 'fees.yaml',
        // The account a record belongs to is in its ref (stripe:acct_.../fee_...); an extract takes it out.
        text: `table: fees\nrules:\n  - name: fee\n    type: stripe.application_fee\n    extract:\n      - { from: ref, pattern: '^stripe:(?<acct>acct_[A-Za-z0-9]+)/' }\n    columns:\n      id: data.id\n      account: $acct\n      amount: { from: data.amount, transform: [{ cents_to_amount: { digits: 0 } }] }\n      wrong: { from: data.amount, transform: [cents_to_amount] }\n`,
      },
    ]);
    const fee = applicationFee('fee_9', 'acct_1Older', '2026-02-10T10:00:00Z', 500);
    const record: SourceRecord = { source: 'stripe', type: 'stripe.application_fee', id: 'fee_9', ref: 'stripe:acct_1Older/fee_9', observedAt: '2026-04-26T08:00:00Z', data: fee };
    const [candidate] = new RuleEvaluator(mapping).evaluate(record).candidates;
    expect(candidate?.values).toMatchObject({ id: 'fee_9', account: 'acct_1Older', amount: '500', wrong: '5.00' });
  });
});
