import { parse } from 'csv-parse/sync';
import { FakeStripeAccount } from '../../test/fakes/stripe/account.js';
import { startFakeStripe, type FakeStripeServer } from '../../test/fakes/stripe/server.js';
import type { StripeJson } from '../../test/fakes/stripe/shapes.js';
import { EXPORT_PATHS, type Incident } from './incident.js';

/**
 * The sample incident's Stripe account, served on 127.0.0.1 by the one Stripe fake (the
 * test suite's, test/fakes/stripe/) so that `salvage demo` pulls charges, refunds and
 * their events through the real connector and the official SDK.
 *
 * Only `apiKey` is accepted. Every event is kept: the story reaches back further than
 * the 30 days Stripe keeps events, and the demo replays it as the account saw it.
 * The account has no other objects (customers, ...): the business only kept charges and refunds.
 */
export function startDemoStripe(incident: Incident, apiKey: string): Promise<FakeStripeServer> {
  return startFakeStripe({ account: demoStripeAccount(incident), acceptKeys: [apiKey], eventRetentionDays: Number.POSITIVE_INFINITY });
}

/** A Stripe API object, as JSON. */
type StripeObjectJson = StripeJson & { created: number };

type CsvRow = Record<string, string>;

const NULL_ADDRESS = { city: null, country: null, line1: null, line2: null, postal_code: null, state: null };

/** The Dashboard's status column, for charges that went through; anything else was declined. */
const SUCCEEDED_STATUSES = new Set(['Paid', 'Refunded', 'Partially Refunded']);

/**
 * The incident's card charges and refunds as the Stripe API returns them: exactly the
 * charges and refunds of its Dashboard exports (`exports/payments.csv`,
 * `exports/refunds.csv`, see stripe-exports.ts), in their state at loss time. They are
 * read back from the exports because the exports are what the generator derived from the
 * simulated history, and the incident keeps no other record of card names, the emails
 * as customers typed them, declined attempts or which charges carry `booking_ref`.
 * Checkout ran as a guest checkout: no Stripe customer, the payer in `billing_details`.
 */
export function demoStripeAccount(incident: Incident): FakeStripeAccount {
  const charges = exportRows(incident, EXPORT_PATHS.payments).map(chargeObject);
  const refunds = exportRows(incident, EXPORT_PATHS.refunds).map(refundObject);
  return new FakeStripeAccount().add(...charges, ...refunds, ...refundEvents(refunds, charges));
}

/**
 * The events Stripe sends for each refund: `refund.created` with the refund, and
 * `charge.refunded` with the charge, both at the refund's time. The charge is shown as
 * it is at loss time (the export's state), which is what the last refund's event holds;
 * a charge refunded twice has only its final state to show in both.
 */
function refundEvents(refunds: StripeObjectJson[], charges: StripeObjectJson[]): StripeObjectJson[] {
  const chargeById = new Map(charges.map((charge) => [charge.id, charge]));
  return refunds.flatMap((refund) => {
    const event = (type: string, object: StripeObjectJson, previous?: Record<string, unknown>): StripeObjectJson => ({
      id: `evt_${type.replace(/\W/g, '_')}_${refund.id.slice(3)}`,
      object: 'event',
      api_version: '2026-10-28.endive',
      created: refund.created,
      data: { object, ...(previous ? { previous_attributes: previous } : {}) },
      livemode: false,
      pending_webhooks: 0,
      request: { id: null, idempotency_key: null },
      type,
    });
    const charge = chargeById.get(String(refund.charge));
    const events = [event('refund.created', refund)];
    if (charge) events.push(event('charge.refunded', charge, { amount_refunded: (charge.amount_refunded as number) - (refund.amount as number), refunded: false }));
    return events;
  });
}

function exportRows(incident: Incident, path: string): CsvRow[] {
  const content = incident.exports[path];
  if (content === undefined) throw new Error(`the incident has no ${path}`);
  return parse(content, { bom: true, columns: true, skip_empty_lines: true }) as CsvRow[];
}

function chargeObject(row: CsvRow): StripeObjectJson {
  const id = field(row, 'id');
  const amount = cents(field(row, 'Amount'));
  const amountRefunded = cents(field(row, 'Amount Refunded'));
  const succeeded = SUCCEEDED_STATUSES.has(field(row, 'Status'));
  const bookingRef = field(row, 'booking_ref (metadata)');
  const email = field(row, 'Customer Email');
  return {
    id,
    object: 'charge',
    amount,
    amount_captured: succeeded ? amount : 0,
    amount_refunded: amountRefunded,
    balance_transaction: succeeded ? `txn_${id.slice(3)}` : null,
    billing_details: { address: { ...NULL_ADDRESS }, email, name: field(row, 'Card Name'), phone: null },
    calculated_statement_descriptor: 'FJORD KAYAKS',
    captured: succeeded,
    created: unixSeconds(field(row, 'Created date (UTC)')),
    currency: field(row, 'Currency'),
    customer: null,
    description: field(row, 'Description'),
    disputed: false,
    failure_code: succeeded ? null : 'card_declined',
    failure_message: succeeded ? null : 'Your card was declined.',
    livemode: false,
    // The older checkout flow did not set booking_ref: Stripe then has no such key at all.
    metadata: bookingRef === '' ? {} : { booking_ref: bookingRef },
    paid: succeeded,
    payment_intent: null,
    payment_method_details: { card: { brand: 'visa', country: 'NO', last4: '4242' }, type: 'card' },
    receipt_email: succeeded ? email : null,
    refunded: field(row, 'Status') === 'Refunded',
    status: succeeded ? 'succeeded' : 'failed',
  };
}

function refundObject(row: CsvRow): StripeObjectJson {
  const id = field(row, 'id');
  return {
    id,
    object: 'refund',
    amount: cents(field(row, 'Amount')),
    balance_transaction: `txn_${id.slice(3)}`,
    charge: field(row, 'Charge ID'),
    created: unixSeconds(field(row, 'Created (UTC)')),
    currency: field(row, 'Currency'),
    metadata: {},
    payment_intent: null,
    reason: field(row, 'Reason'),
    receipt_number: null,
    status: field(row, 'Status'),
  };
}

function field(row: CsvRow, name: string): string {
  const value = row[name];
  if (value === undefined) throw new Error(`the Stripe export has no column "${name}"`);
  return value;
}

/** `'172.50'` -> `17250`: Stripe amounts are integers in the currency's smallest unit. */
function cents(amount: string): number {
  const match = /^(\d+)\.(\d{2})$/.exec(amount);
  if (match === null) throw new Error(`not an amount with two decimals: "${amount}"`);
  return Number(match[1]) * 100 + Number(match[2]);
}

/** `'2026-03-02 14:02:00'` (UTC, as the Dashboard writes it) -> Unix seconds. */
function unixSeconds(time: string): number {
  const ms = Date.parse(`${time.replace(' ', 'T')}Z`);
  if (Number.isNaN(ms)) throw new Error(`not a Stripe export time: "${time}"`);
  return ms / 1000;
}
