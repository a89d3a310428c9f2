import { formatCents, tripEnd, tripStart } from './rental-catalog.js';
import { refundedCentsAt, tripAt, type BookingPlan, type BusinessHistory, type PaymentPlan } from './history-model.js';
import type { IncidentRows, Row } from './incident-types.js';
import { toPgTimestamp, type Instant } from './time.js';

/**
 * The database as it stood at an instant: every row written before it, in the
 * state its last change before it left it. The backup is the snapshot at
 * `window.from`, production the one at `window.to`.
 */
export function snapshotAt(history: BusinessHistory, instant: Instant): IncidentRows {
  const bookings = history.bookings.filter((b) => b.createdAt < instant);
  const payments = bookings.flatMap((b) => (b.payment && b.payment.paidAt < instant ? [{ booking: b, payment: b.payment }] : []));
  const refunds = payments.flatMap(({ payment }) => payment.refunds.filter((r) => r.at < instant).map((refund) => ({ payment, refund })));
  return {
    customers: history.customers
      .filter((c) => c.createdAt < instant)
      .map((c) => ({
        id: String(c.id),
        email: c.identity.email,
        full_name: c.identity.fullName,
        phone: c.identity.phone,
        created_at: toPgTimestamp(c.createdAt),
      })),
    bookings: bookings.map((b) => bookingRow(b, instant)),
    payments: payments.sort((a, b) => a.payment.id - b.payment.id).map(({ booking, payment }) => paymentRow(booking, payment, instant)),
    refunds: refunds
      .sort((a, b) => a.refund.id - b.refund.id)
      .map(({ payment, refund }) => ({
        id: String(refund.id),
        payment_id: String(payment.id),
        stripe_refund_id: refund.stripeRefundId,
        amount: formatCents(refund.amountCents),
        refunded_at: toPgTimestamp(refund.at),
      })),
  };
}

function bookingRow(booking: BookingPlan, instant: Instant): Row {
  const trip = tripAt(booking, instant);
  return {
    id: String(booking.id),
    reference: booking.reference,
    customer_id: String(booking.customer.id),
    item: booking.item,
    starts_at: toPgTimestamp(tripStart(trip)),
    ends_at: toPgTimestamp(tripEnd(trip)),
    status: booking.cancelledAt !== null && booking.cancelledAt < instant ? 'cancelled' : 'confirmed',
    total: formatCents(booking.totalCents),
    created_at: toPgTimestamp(booking.createdAt),
  };
}

export type PaymentStatus = 'succeeded' | 'refunded' | 'partially_refunded';

export function paymentStatusAt(payment: PaymentPlan, instant: Instant): PaymentStatus {
  const refunded = refundedCentsAt(payment, instant);
  if (refunded === 0) return 'succeeded';
  return refunded >= payment.amountCents ? 'refunded' : 'partially_refunded';
}

function paymentRow(booking: BookingPlan, payment: PaymentPlan, instant: Instant): Row {
  return {
    id: String(payment.id),
    booking_id: String(booking.id),
    stripe_charge_id: payment.stripeChargeId,
    amount: formatCents(payment.amountCents),
    currency: 'EUR',
    status: paymentStatusAt(payment, instant),
    paid_at: toPgTimestamp(payment.paidAt),
  };
}
