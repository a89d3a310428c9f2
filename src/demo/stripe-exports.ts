import { formatCents } from './rental-catalog.js';
import { csvDocument } from './csv-writer.js';
import { STRIPE_EXPORT_SINCE } from './business-history.js';
import { refundedCentsAt, type BookingPlan, type BusinessHistory, type PaymentPlan } from './history-model.js';
import { paymentStatusAt } from './snapshot.js';
import { toStripeCsvTime, type Instant } from './time.js';

/**
 * The Stripe Dashboard exports that outlived the database: every charge and
 * refund created since STRIPE_EXPORT_SINCE, in their state at loss time, newest
 * first as the Dashboard lists them.
 */

export const PAYMENTS_CSV_HEADER = [
  'id', 'Created date (UTC)', 'Amount', 'Amount Refunded', 'Currency', 'Status',
  'Description', 'Customer Email', 'Card Name', 'booking_ref (metadata)',
] as const;

export const REFUNDS_CSV_HEADER = ['id', 'Charge ID', 'Amount', 'Currency', 'Created (UTC)', 'Reason', 'Status'] as const;

const DASHBOARD_STATUS = { succeeded: 'Paid', refunded: 'Refunded', partially_refunded: 'Partially Refunded' } as const;

/** What the checkout put in the charge's description: `Booking K7QX2P – Double kayak` (en dash). */
export function chargeDescription(booking: BookingPlan): string {
  return `Booking ${booking.reference} – ${booking.item}`;
}

interface ChargeLine {
  at: Instant;
  fields: string[];
}

export function paymentsCsv(history: BusinessHistory): string {
  const lossTime = history.window.to;
  const lines: ChargeLine[] = [];
  for (const booking of history.bookings) {
    const payment = booking.payment;
    if (!payment || payment.paidAt < STRIPE_EXPORT_SINCE) continue;
    lines.push({ at: payment.paidAt, fields: chargeFields(booking, payment, lossTime) });
  }
  for (const failed of history.failedCharges) {
    const { booking } = failed;
    lines.push({
      at: failed.at,
      fields: [
        failed.stripeChargeId, toStripeCsvTime(failed.at), formatCents(booking.totalCents), '0.00', 'eur', 'Failed',
        chargeDescription(booking), booking.customer.identity.typedEmail, failed.cardName,
        booking.payment?.hasRefMetadata ? booking.reference : '',
      ],
    });
  }
  lines.sort((a, b) => b.at - a.at);
  return csvDocument(PAYMENTS_CSV_HEADER, lines.map((line) => line.fields));
}

function chargeFields(booking: BookingPlan, payment: PaymentPlan, lossTime: Instant): string[] {
  return [
    payment.stripeChargeId,
    toStripeCsvTime(payment.paidAt),
    formatCents(payment.amountCents),
    formatCents(refundedCentsAt(payment, lossTime)),
    'eur',
    DASHBOARD_STATUS[paymentStatusAt(payment, lossTime)],
    chargeDescription(booking),
    booking.customer.identity.typedEmail,
    payment.cardName,
    payment.hasRefMetadata ? booking.reference : '',
  ];
}

export function refundsCsv(history: BusinessHistory): string {
  const lines: ChargeLine[] = [];
  for (const booking of history.bookings) {
    const payment = booking.payment;
    if (!payment) continue;
    for (const refund of payment.refunds) {
      if (refund.at < STRIPE_EXPORT_SINCE || refund.at >= history.window.to) continue;
      lines.push({
        at: refund.at,
        fields: [refund.stripeRefundId, payment.stripeChargeId, formatCents(refund.amountCents), 'eur', toStripeCsvTime(refund.at), 'requested_by_customer', 'succeeded'],
      });
    }
  }
  lines.sort((a, b) => b.at - a.at);
  return csvDocument(REFUNDS_CSV_HEADER, lines.map((line) => line.fields));
}
