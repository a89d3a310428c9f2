/**
 * The mapping examples for Stripe records (to ship in mappings/) work on records as
 * the connector writes them: payments from `stripe.charge` with the expanded
 * customer's email, customers from the same charges, refunds from `stripe.refund`,
 * and deleted customers recognisable by `deleted: true`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stripeConnector } from '../../connectors/stripe/index.js';
import { RuleEvaluator } from '../../src/mapping/evaluate.js';
import { parseMappings } from '../../src/mapping/load.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { buildBusiness, startFakeStripe, type FakeStripeServer, type StripeJson } from '../fakes/stripe/index.js';
import { collect, FAST, PULL_NOW, pullContext, TEST_KEY, WINDOW } from '../fakes/stripe/harness.js';

/**
 * mappings/payments.yaml: rules for `stripe.charge` records beside the CSV export's.
 * The refund state is two fields on a charge, so three rules with exclusive `when`s
 * set the status (the mapping language has no YAML merge keys to share the columns).
 */
const PAYMENTS_FROM_STRIPE = `
table: payments
match: [[stripe_charge_id]]
rules:
  - name: stripe-charge-paid
    source: payments
    type: stripe.charge
    when:
      data.status: succeeded
      data.amount_refunded: 0
    extract:
      - from: data.description
        pattern: 'Booking (?<ref>[A-Z0-9]{6})'
        optional: true
    columns:
      stripe_charge_id: data.id
      booking_id:
        from: [data.metadata.booking_ref, $ref]
        transform: [trim]
        lookup: { table: bookings, by: reference }
      amount: { from: data.amount, transform: [cents_to_amount] }
      currency: { from: data.currency, transform: [upper] }
      status: { value: succeeded }
      paid_at: { from: createdAt, transform: [timestamp] }
  - name: stripe-charge-refunded
    source: payments
    type: stripe.charge
    when:
      data.status: succeeded
      data.refunded: true
    extract:
      - from: data.description
        pattern: 'Booking (?<ref>[A-Z0-9]{6})'
        optional: true
    columns:
      stripe_charge_id: data.id
      booking_id:
        from: [data.metadata.booking_ref, $ref]
        transform: [trim]
        lookup: { table: bookings, by: reference }
      amount: { from: data.amount, transform: [cents_to_amount] }
      currency: { from: data.currency, transform: [upper] }
      status: { value: refunded }
      paid_at: { from: createdAt, transform: [timestamp] }
  - name: stripe-charge-partially-refunded
    source: payments
    type: stripe.charge
    when:
      data.status: succeeded
      data.refunded: false
      data.amount_refunded: { gt: 0 }
    extract:
      - from: data.description
        pattern: 'Booking (?<ref>[A-Z0-9]{6})'
        optional: true
    columns:
      stripe_charge_id: data.id
      booking_id:
        from: [data.metadata.booking_ref, $ref]
        transform: [trim]
        lookup: { table: bookings, by: reference }
      amount: { from: data.amount, transform: [cents_to_amount] }
      currency: { from: data.currency, transform: [upper] }
      status: { value: partially_refunded }
      paid_at: { from: createdAt, transform: [timestamp] }
`;

/** mappings/customers.yaml: the payer of a Stripe charge, by the expanded customer's email. */
const CUSTOMERS_FROM_STRIPE = `
table: customers
match: [[email]]
merge:
  created_at: min
rules:
  - name: stripe-charge-payer
    source: payments
    type: stripe.charge
    when:
      data.status: succeeded
    columns:
      # The expanded customer first; a guest checkout has only billing details and the receipt address.
      email: { from: [data.customer.email, data.billing_details.email, data.receipt_email], transform: [email] }
      full_name: { from: [data.customer.name, data.billing_details.name], transform: [collapse_whitespace] }
      created_at: { from: createdAt, transform: [timestamp] }
  - name: stripe-customer
    source: payments
    type: stripe.customer
    when:
      deleted: { not_equals: true }    # a deleted customer is evidence, not a row to recreate
    columns:
      email: { from: data.email, transform: [email] }
      full_name: { from: data.name, transform: [collapse_whitespace] }
      created_at: { from: createdAt, transform: [timestamp] }
`;

/** mappings/refunds.yaml: refunds from the API, pointing at their charge's payment row. */
const REFUNDS_FROM_STRIPE = `
table: refunds
match: [[stripe_refund_id]]
rules:
  - name: stripe-refund
    source: payments
    type: stripe.refund
    when:
      data.status: succeeded
    columns:
      stripe_refund_id: data.id
      payment_id: { from: data.charge, lookup: { table: payments, by: stripe_charge_id } }
      amount: { from: data.amount, transform: [cents_to_amount] }
      refunded_at: { from: createdAt, transform: [timestamp] }
`;

let server: FakeStripeServer;
let records: SourceRecord[];
beforeAll(async () => {
  const { account } = buildBusiness({ seed: 41, from: WINDOW.from, to: WINDOW.to, now: PULL_NOW, customers: 40, charges: 150, deletedCustomers: 3 });
  server = await startFakeStripe({ account, now: () => PULL_NOW });
  records = await collect(stripeConnector({ apiKey: TEST_KEY, apiBase: server.url, objects: ['charges', 'refunds', 'customers', 'events'] }, FAST), pullContext());
});
afterAll(async () => {
  await server.close();
});

function evaluate(text: string, type: string) {
  const evaluator = new RuleEvaluator(parseMappings([{ file: 'stripe.yaml', text }]));
  return records.filter((r) => r.type === type).map((record) => ({ record, result: evaluator.evaluate(record) }));
}

describe('mapping Stripe records', () => {
  it('turns each succeeded charge into exactly one payments row, with the booking looked up and the refund state', () => {
    const results = evaluate(PAYMENTS_FROM_STRIPE, 'stripe.charge');
    expect(results.length).toBe(150);
    for (const { record, result } of results) {
      expect(result.failures).toEqual([]);
      expect(result.candidates).toHaveLength(1);
      const [candidate] = result.candidates;
      const charge = record.data as StripeJson;
      expect(candidate?.values).toMatchObject({
        stripe_charge_id: charge.id,
        amount: ((charge.amount as number) / 100).toFixed(2),
        currency: 'EUR',
        status: charge.refunded ? 'refunded' : (charge.amount_refunded as number) > 0 ? 'partially_refunded' : 'succeeded',
      });
      expect(candidate?.lookups.booking_id).toMatchObject({ table: 'bookings', by: 'reference', key: (charge.metadata as { booking_ref: string }).booking_ref });
      expect(candidate?.record.ref).toBe(`stripe:${charge.id}`);
    }
    expect(new Set(results.map(({ result }) => result.candidates[0]?.values.status))).toEqual(new Set(['succeeded', 'refunded', 'partially_refunded']));
  });

  it("finds the payer's email on the expanded customer, and falls back to the receipt address for guests", () => {
    const results = evaluate(CUSTOMERS_FROM_STRIPE, 'stripe.charge');
    for (const { record, result } of results) {
      expect(result.failures).toEqual([]);
      const customer = record.data.customer as StripeJson | null;
      const expected = customer && customer.deleted !== true ? customer.email : record.data.receipt_email;
      expect(result.candidates[0]?.values.email).toBe(expected);
    }
    expect(results.some(({ record }) => record.data.customer === null)).toBe(true);
  });

  it('leaves deleted customers out of the customers rows, and maps refunds to their payment', () => {
    const customers = evaluate(CUSTOMERS_FROM_STRIPE, 'stripe.customer');
    const deleted = customers.filter(({ record }) => record.deleted === true);
    expect(deleted.length).toBeGreaterThan(0);
    for (const { result } of deleted) expect(result.candidates).toEqual([]);
    for (const { result } of customers.filter(({ record }) => record.deleted !== true)) expect(result.candidates).toHaveLength(1);

    const refunds = evaluate(REFUNDS_FROM_STRIPE, 'stripe.refund');
    expect(refunds.length).toBeGreaterThan(0);
    for (const { record, result } of refunds) {
      expect(result.candidates[0]?.lookups.payment_id).toMatchObject({ table: 'payments', by: 'stripe_charge_id', key: record.data.charge });
    }
  });
});
