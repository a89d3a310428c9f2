/**
 * A small Stripe story for tests of events as evidence: a charge from December (before
 * the window) refunded in full on 10 April (inside it), a dispute and a cancelled
 * subscription in April, each with the event Stripe sends; and the backup row the
 * December payment had when the backup was taken.
 */
import { FakeStripeAccount } from './account.js';
import * as shapes from './shapes.js';

const unix = (iso: string) => Date.parse(iso) / 1000;

export function refundStoryAccount(): FakeStripeAccount {
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


/** The backup (taken 20 January, demo schema) has the December payment as it was then: succeeded, payment id 3. */
export const REFUND_STORY_BACKUP_SQL = `INSERT INTO customers (id, email, full_name, created_at) VALUES (1, 'kari@example.org', 'Kari Nordmann', '2025-12-01T00:00:00Z');
INSERT INTO bookings (id, reference, customer_id, item, starts_at, ends_at, status, total, created_at)
  VALUES (7, 'K7QX2P', 1, 'Double kayak', '2026-07-04T07:00:00Z', '2026-07-04T10:00:00Z', 'confirmed', 172.50, '2025-12-05T10:00:00Z');
INSERT INTO payments (id, booking_id, stripe_charge_id, amount, currency, status, paid_at)
  VALUES (3, 7, 'ch_before_window', 172.50, 'EUR', 'succeeded', '2025-12-05T10:00:00Z');`;
