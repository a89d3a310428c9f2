/**
 * The demo's Stripe replay, pulled through the real connector (official SDK, time
 * slices, pagination), serves exactly the charges and refunds of the incident's
 * Dashboard exports, in the same state, and sees nothing but GET requests.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stripeConnector } from '../../connectors/stripe/index.js';
import { EXPORT_PATHS, generateIncident } from '../../src/demo/incident.js';
import { startDemoStripe } from '../../src/demo/stripe-account.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { RuleEvaluator } from '../../src/mapping/evaluate.js';
import { parseMappings } from '../../src/mapping/load.js';
import { collect, FAST, pullContext, TEST_KEY, WINDOW } from '../fakes/stripe/harness.js';
import type { FakeStripeServer } from '../fakes/stripe/server.js';
import { readCsv } from './read-exports.js';

const incident = generateIncident();
const paymentsCsv = readCsv(incident.exports[EXPORT_PATHS.payments] ?? '');
const refundsCsv = readCsv(incident.exports[EXPORT_PATHS.refunds] ?? '');

/** Back to the exports' start (they reach before the backup), so that every exported object is in the pull. */
const EXPORTS_WINDOW = { ...WINDOW, since: new Date('2025-10-01T00:00:00Z') };

const cents = (amount: string | undefined) => Math.round(Number(amount) * 100);
const unix = (time: string | undefined) => Date.parse(`${(time ?? '').replace(' ', 'T')}Z`) / 1000;

/** What each Dashboard status says about a charge, in the API's fields. */
const API_STATE: Record<string, { status: string; refunded: boolean }> = {
  Paid: { status: 'succeeded', refunded: false },
  'Partially Refunded': { status: 'succeeded', refunded: false },
  Refunded: { status: 'succeeded', refunded: true },
  Failed: { status: 'failed', refunded: false },
};

let replay: FakeStripeServer;
let records: SourceRecord[];
beforeAll(async () => {
  replay = await startDemoStripe(incident, TEST_KEY);
  const connector = stripeConnector({ apiKey: TEST_KEY, apiBase: replay.url, objects: ['charges', 'refunds'] }, { ...FAST, pageSize: 25 });
  records = await collect(connector, pullContext({ sourceName: 'stripe', window: EXPORTS_WINDOW }));
});
afterAll(async () => {
  await replay?.close();
});

describe('the demo Stripe replay', () => {
  it('returns through the connector exactly the charges and refunds of the CSV exports, and only GETs reached it', () => {
    const charges = new Map(records.filter((r) => r.type === 'stripe.charge').map((r) => [r.id, r.data]));
    const refunds = new Map(records.filter((r) => r.type === 'stripe.refund').map((r) => [r.id, r.data]));
    expect(records).toHaveLength(charges.size + refunds.size);
    expect([...charges.keys()].sort()).toEqual(paymentsCsv.map((row) => row.id).sort());
    expect([...refunds.keys()].sort()).toEqual(refundsCsv.map((row) => row.id).sort());

    for (const row of paymentsCsv) {
      const state = API_STATE[row.Status ?? ''];
      expect(state, `Dashboard status ${row.Status}`).toBeDefined();
      expect(charges.get(row.id ?? '')).toMatchObject({
        amount: cents(row.Amount),
        amount_refunded: cents(row['Amount Refunded']),
        ...state,
        currency: row.Currency,
        created: unix(row['Created date (UTC)']),
        description: row.Description,
        billing_details: { email: row['Customer Email'], name: row['Card Name'] },
        metadata: row['booking_ref (metadata)'] ? { booking_ref: row['booking_ref (metadata)'] } : {},
      });
    }
    for (const row of refundsCsv) {
      expect(refunds.get(row.id ?? '')).toMatchObject({
        charge: row['Charge ID'],
        amount: cents(row.Amount),
        created: unix(row['Created (UTC)']),
        status: row.Status,
        reason: row.Reason,
      });
    }

    // Several pages per list: the pull went through limit, starting_after and the created filters.
    expect(replay.requests.length).toBeGreaterThan(4);
    expect(new Set(replay.requests.map((r) => r.method))).toEqual(new Set(['GET']));
  });

  it('serves the events of each refund; with them, a payment created before the window and refunded inside it maps from Stripe alone', async () => {
    const connector = stripeConnector({ apiKey: TEST_KEY, apiBase: replay.url, objects: ['charges', 'refunds', 'events'] }, { ...FAST, pageSize: 25 });
    // The demo's own window: charges created before it are not in the charges list.
    const pulled = await collect(connector, pullContext({ sourceName: 'stripe', window: WINDOW }));
    const events = pulled.filter((r) => r.type === 'stripe.event');
    const refundsInWindow = refundsCsv.filter((r) => unix(r['Created (UTC)']) >= WINDOW.since.getTime() / 1000 && unix(r['Created (UTC)']) <= WINDOW.to.getTime() / 1000);
    expect(events.map((e) => e.data.type).sort()).toEqual(refundsInWindow.flatMap(() => ['charge.refunded', 'refund.created']).sort());

    const listedCharges = new Set(pulled.filter((r) => r.type === 'stripe.charge').map((r) => r.id));
    const evaluator = new RuleEvaluator(parseMappings([{ file: 'payments.yaml', text: await readFile(path.resolve('mappings/payments.yaml'), 'utf8') }]));
    const fromEvents = new Map(events.flatMap((event) => evaluator.evaluate(event).candidates.map((c) => [c.values.stripe_charge_id, c.values.status] as const)));
    // The case the events are for: a charge older than the window, refunded inside it.
    const olderRefunded = paymentsCsv.filter((row) => !listedCharges.has(row.id ?? '') && refundsCsv.some((r) => r['Charge ID'] === row.id && unix(r['Created (UTC)']) >= WINDOW.since.getTime() / 1000));
    expect(olderRefunded.length).toBeGreaterThan(0);
    for (const row of olderRefunded) {
      expect(fromEvents.get(row.id), row.id).toBe(row.Status === 'Refunded' ? 'refunded' : 'partially_refunded');
    }
  });

  it('refuses anything but GET, and any other key', async () => {
    const response = await fetch(`${replay.url}/v1/refunds`, { method: 'POST', body: 'charge=ch_1&amount=100', headers: { authorization: `Bearer ${TEST_KEY}` } });
    expect(response.status).toBe(405);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
    const otherKey = await fetch(`${replay.url}/v1/refunds`, { headers: { authorization: 'Bearer rk_test_someoneElsesKey0000' } });
    expect(otherKey.status).toBe(401);
  });
});
