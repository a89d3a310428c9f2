/**
 * Stripe events as evidence: a payment created before the window and refunded inside it
 * is in no list of the window (lists filter by creation), so only its `charge.refunded`
 * event says it changed. With the shipped mappings (mappings/payments.yaml,
 * refunds.yaml), `salvage pull` + `salvage reconcile` against the fake Stripe and a real
 * PostgreSQL backup turn that event into the payment's update and the refund's row,
 * from Stripe alone. Disputes, cancelled subscriptions and deletions are mapped by the
 * README's examples, checked here on the records the connector writes.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stripeConnector } from '../../connectors/stripe/index.js';
import { RuleEvaluator } from '../../src/mapping/evaluate.js';
import { parseMappings } from '../../src/mapping/load.js';
import type { Change } from '../../src/reconcile/changeset.js';
import { DEMO_SCHEMA_SQL } from '../../src/sql/demo-schema.js';
import { caseDir, OBSERVED_WINDOW, pullAndReconcile, query, writeFiles, type PipelineRun } from '../corpus/support.js';
import { FakeStripeAccount, shapes, startFakeStripe, type FakeStripeServer } from '../fakes/stripe/index.js';
import { collect, FAST, PULL_NOW, pullContext, TEST_KEY } from '../fakes/stripe/harness.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';

const pgUp = await postgresAvailable();
const unix = (iso: string) => Date.parse(iso) / 1000;

/** A charge from December (before the window), refunded in full on 10 April (inside it, within Stripe's 30 days of events). */
function account(): FakeStripeAccount {
  const charge = shapes.charge({ id: 'ch_before_window', created: unix('2025-12-05T10:00:00Z'), amount: 17250, customer: null, email: 'kari@example.org', description: 'Booking K7QX2P', amountRefunded: 17250, metadata: { booking_ref: 'K7QX2P' } });
  charge.refunded = true;
  const refund = shapes.refund({ id: 're_in_window', created: unix('2026-04-10T09:00:00Z'), amount: 17250, charge: 'ch_before_window', paymentIntent: null });
  const dispute = shapes.dispute({ id: 'dp_in_window', created: unix('2026-04-12T09:00:00Z'), amount: 5000, charge: 'ch_other', paymentIntent: null });
  const subscription = { id: 'sub_cancelled', object: 'subscription', created: unix('2025-11-01T00:00:00Z'), status: 'canceled', canceled_at: unix('2026-04-14T00:00:00Z'), customer: 'cus_1' };
  return new FakeStripeAccount().add(
    charge,
    refund,
    dispute,
    shapes.event({ id: 'evt_refund', created: refund.created as number, type: 'refund.created', object: refund }),
    shapes.event({ id: 'evt_refunded', created: refund.created as number, type: 'charge.refunded', object: charge, previousAttributes: { amount_refunded: 0, refunded: false } }),
    shapes.event({ id: 'evt_dispute', created: dispute.created as number, type: 'charge.dispute.created', object: dispute }),
    shapes.event({ id: 'evt_sub', created: subscription.canceled_at, type: 'customer.subscription.deleted', object: subscription }),
  );
}

describe.runIf(pgUp)('stripe events: a payment refunded in the window comes back from Stripe alone', () => {
  let server: FakeStripeServer;
  let backup: TestDatabase;
  let run: PipelineRun;

  beforeAll(async () => {
    server = await startFakeStripe({ account: account(), now: () => PULL_NOW });
    backup = await createTestDatabase('stripe_events_evidence');
    await query(backup.url, DEMO_SCHEMA_SQL);
    // The backup (taken 20 January) has the December payment as it was then: succeeded.
    await query(
      backup.url,
      `INSERT INTO customers (id, email, full_name, created_at) VALUES (1, 'kari@example.org', 'Kari Nordmann', '2025-12-01T00:00:00Z');
       INSERT INTO bookings (id, reference, customer_id, item, starts_at, ends_at, status, total, created_at)
         VALUES (7, 'K7QX2P', 1, 'Double kayak', '2026-07-04T07:00:00Z', '2026-07-04T10:00:00Z', 'confirmed', 172.50, '2025-12-05T10:00:00Z');
       INSERT INTO payments (id, booking_id, stripe_charge_id, amount, currency, status, paid_at)
         VALUES (3, 7, 'ch_before_window', 172.50, 'EUR', 'succeeded', '2025-12-05T10:00:00Z');`,
    );
    const dir = await caseDir('stripe-events');
    await writeFiles(dir, {
      'salvage.yaml': `job: ./job\nbackup: { url: env:EVENTS_BACKUP_URL }\n${OBSERVED_WINDOW}\nmappings: ./mappings\nsources:\n  stripe: { kind: stripe, apiKey: env:EVENTS_STRIPE_KEY, objects: [charges, refunds, events], apiBase: "${server.url}" }\n  payments: { kind: csv, files: [exports/payments.csv] }\n  refunds: { kind: csv, files: [exports/refunds.csv] }\n`,
      // The Dashboard exports the shipped mappings also read hold nothing here: the evidence is Stripe's alone.
      'exports/payments.csv': 'id,Status\n',
      'exports/refunds.csv': 'id,Status\n',
      'mappings/payments.yaml': await readFile(path.resolve('mappings/payments.yaml'), 'utf8'),
      'mappings/refunds.yaml': await readFile(path.resolve('mappings/refunds.yaml'), 'utf8'),
    });
    run = await pullAndReconcile(dir, { EVENTS_BACKUP_URL: backup.url, EVENTS_STRIPE_KEY: TEST_KEY });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await backup?.drop();
  });

  it('the payment row is updated to refunded, on the evidence of the charge.refunded event', () => {
    const update = run.changeset.changes.find((c: Change) => c.table === 'public.payments' && c.key.id === '3');
    expect(update).toMatchObject({ kind: 'update', values: { status: 'refunded' }, old: { status: 'succeeded' } });
    expect(update?.evidence.status).toEqual([expect.objectContaining({ record: 'evt_refunded', rule: 'payments.yaml#stripe-event-charge-refunded' })]);
  });

  it('the refund row is inserted, pointing at the backup\'s payment, on the refund and its event', () => {
    const insert = run.changeset.changes.find((c: Change) => c.table === 'public.refunds');
    expect(insert).toMatchObject({ kind: 'insert', values: { stripe_refund_id: 're_in_window', payment_id: '3', amount: '172.50' } });
    expect(insert?.evidence.stripe_refund_id?.map((e) => e.record).sort()).toEqual(['evt_refund', 're_in_window']);
  });
});

/** The README's examples for what the demo schema has no table for. */
const EXAMPLES = `
table: disputes
match: [[stripe_dispute_id]]
rules:
  - name: stripe-event-dispute
    type: stripe.event
    when:
      data.type: { matches: '^charge\\.dispute\\.' }
    columns:
      stripe_dispute_id: data.data.object.id
      stripe_charge_id: data.data.object.charge
      amount: { from: data.data.object.amount, transform: [cents_to_amount] }
      status: data.data.object.status
      opened_at: { from: data.data.object.created, transform: [{ timestamp: { unix: s } }] }
---
table: subscriptions
match: [[stripe_subscription_id]]
rules:
  - name: stripe-event-subscription-cancelled
    type: stripe.event
    when:
      data.type: customer.subscription.deleted
    columns:
      stripe_subscription_id: data.data.object.id
      status: { value: cancelled }
      cancelled_at: { from: data.data.object.canceled_at, transform: [{ timestamp: { unix: s } }] }
`;

describe('stripe events: disputes and cancelled subscriptions map from their events', () => {
  let server: FakeStripeServer;
  beforeAll(async () => {
    server = await startFakeStripe({ account: account(), now: () => PULL_NOW });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('one candidate each, with the values the event holds', async () => {
    const records = await collect(stripeConnector({ apiKey: TEST_KEY, apiBase: server.url, objects: ['events'] }, FAST), pullContext());
    const evaluator = new RuleEvaluator(parseMappings(EXAMPLES.split('---').map((text, i) => ({ file: `example-${i}.yaml`, text }))));
    const candidates = records.flatMap((record) => evaluator.evaluate(record).candidates.map((c) => ({ rule: c.rule, values: c.values })));
    expect(candidates).toEqual([
      { rule: 'example-1.yaml#stripe-event-subscription-cancelled', values: { stripe_subscription_id: 'sub_cancelled', status: 'cancelled', cancelled_at: '2026-04-14T00:00:00Z' } },
      { rule: 'example-0.yaml#stripe-event-dispute', values: { stripe_dispute_id: 'dp_in_window', stripe_charge_id: 'ch_other', amount: '50.00', status: 'needs_response', opened_at: '2026-04-12T09:00:00Z' } },
    ]);
  });
});
