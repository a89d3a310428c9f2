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
import type { Change } from '../../src/changeset/changeset.js';
import { DEMO_SCHEMA_SQL } from '../../src/sql/demo-schema.js';
import { caseDir, OBSERVED_WINDOW, pullAndReconcile, query, writeFiles, type PipelineRun } from '../corpus/support.js';
import { startFakeStripe, type FakeStripeServer } from '../fakes/stripe/index.js';
import { refundStoryAccount as account, REFUND_STORY_BACKUP_SQL } from '../fakes/stripe/refund-story.js';
import { collect, FAST, PULL_NOW, pullContext, TEST_KEY } from '../fakes/stripe/harness.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';

const pgUp = await postgresAvailable();
describe.runIf(pgUp)('stripe events: a payment refunded in the window comes back from Stripe alone', () => {
  let server: FakeStripeServer;
  let backup: TestDatabase;
  let run: PipelineRun;

  beforeAll(async () => {
    server = await startFakeStripe({ account: account(), now: () => PULL_NOW });
    backup = await createTestDatabase('stripe_events_evidence');
    await query(backup.url, DEMO_SCHEMA_SQL);
    await query(backup.url, REFUND_STORY_BACKUP_SQL);
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
