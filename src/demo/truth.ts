import type { BusinessHistory } from './history-model.js';
import type { IncidentTruth } from './incident-types.js';

/**
 * The answer key: which lost rows no export can rebuild, and which columns of
 * rebuildable rows no export carries. Derived from the same history as the
 * exports, so it cannot drift from them.
 */

export const REASONS = {
  walkInBooking: 'cash walk-in never entered in the calendar: no export mentions this booking',
  walkInCustomer: 'first-time customer whose only booking was a cash walk-in never entered in the calendar: no export mentions them',
  deletedEventBooking:
    'calendar event deleted: payments.csv still has the reference, amount and customer, but not the item, start or end',
  deletedEventPayment: 'the booking it pays for cannot be rebuilt (calendar event deleted), so the payment has no parent row',
  deletedEventRefund: 'the payment it refunds cannot be rebuilt (its booking\'s calendar event was deleted)',
  phoneNeverWritten: 'the phone was never written in a calendar event description, and no other export carries phone numbers',
} as const;

export function incidentTruth(history: BusinessHistory): IncidentTruth {
  const from = history.window.from;
  const unrecoverable: IncidentTruth['unrecoverable'] = { customers: {}, bookings: {}, payments: {}, refunds: {} };
  const unknownColumns: IncidentTruth['unknownColumns'] = { customers: {}, bookings: {}, payments: {}, refunds: {} };
  const lost = (t: string, key: string, reason: string) => ((unrecoverable[t] ??= {})[key] = reason);

  for (const booking of history.bookings) {
    if (booking.createdAt < from || booking.calendar === 'listed') continue;
    if (booking.calendar === 'walk-in') {
      lost('bookings', booking.reference, REASONS.walkInBooking);
      continue;
    }
    lost('bookings', booking.reference, REASONS.deletedEventBooking);
    if (booking.payment) {
      lost('payments', booking.payment.stripeChargeId, REASONS.deletedEventPayment);
      for (const refund of booking.payment.refunds) lost('refunds', refund.stripeRefundId, REASONS.deletedEventRefund);
    }
  }

  for (const customer of history.customers) {
    if (customer.createdAt < from) continue;
    const own = history.bookings.filter((b) => b.customer === customer);
    const listed = own.filter((b) => b.calendar === 'listed');
    if (listed.length === 0) {
      lost('customers', customer.identity.email, REASONS.walkInCustomer);
    } else if (customer.identity.phone !== null && !listed.some((b) => b.phoneInDescription)) {
      (unknownColumns['customers'] ??= {})[customer.identity.email] = { phone: REASONS.phoneNeverWritten };
    }
  }
  return { unrecoverable, unknownColumns };
}
