import type { Item, Trip } from './rental-catalog.js';
import type { Identity } from './people.js';
import type { Instant } from './time.js';

/**
 * The business's history as the generator simulates it: every customer, booking,
 * charge and refund with the moments they happened. Database snapshots (the
 * backup, production) and every export are projections of this one history, which
 * is what keeps them consistent with each other.
 */

export interface CustomerPlan {
  /** Assigned in order of creation, as bigserial would. */
  id: number;
  identity: Identity;
  /** Created with their first booking. */
  createdAt: Instant;
}

export interface RefundPlan {
  id: number;
  stripeRefundId: string;
  amountCents: number;
  at: Instant;
}

export interface PaymentPlan {
  id: number;
  stripeChargeId: string;
  amountCents: number;
  paidAt: Instant;
  /** Name on the card: the customer's, or now and then their spouse's. */
  cardName: string;
  /** Whether the charge carries `booking_ref` metadata (the older checkout flow did not). */
  hasRefMetadata: boolean;
  refunds: RefundPlan[];
}

export interface ReschedulePlan {
  at: Instant;
  trip: Trip;
}

/** Where the booking's calendar event is at loss time. */
export type CalendarPresence =
  | 'listed'
  /** A cash walk-in the staff never put in the calendar. */
  | 'walk-in'
  /** The event was deleted by mistake; only Stripe remembers the booking. */
  | 'deleted';

export interface BookingPlan {
  id: number;
  reference: string;
  customer: CustomerPlan;
  item: Item;
  /** The trip as first booked; later trips are in `reschedules`. */
  trip: Trip;
  totalCents: number;
  createdAt: Instant;
  /** null: paid in cash at the dock, so no payment row and no Stripe charge. */
  payment: PaymentPlan | null;
  reschedules: ReschedulePlan[];
  cancelledAt: Instant | null;
  calendar: CalendarPresence;
  /** Whether the booking system wrote the customer's phone into the event description. */
  phoneInDescription: boolean;
  /** A price the description still shows although it was changed afterwards (the payment is right). */
  staleDescriptionTotalCents: number | null;
}

/** A declined card attempt: in Stripe's export, never a payment row. */
export interface FailedChargePlan {
  stripeChargeId: string;
  booking: BookingPlan;
  at: Instant;
  cardName: string;
}

export interface BusinessHistory {
  window: { from: Instant; to: Instant };
  customers: CustomerPlan[];
  bookings: BookingPlan[];
  failedCharges: FailedChargePlan[];
}

/** The trip in force at `instant` (after every reschedule made before it). */
export function tripAt(booking: BookingPlan, instant: Instant): Trip {
  let trip = booking.trip;
  for (const change of booking.reschedules) if (change.at < instant) trip = change.trip;
  return trip;
}

export function refundedCentsAt(payment: PaymentPlan, instant: Instant): number {
  return payment.refunds.filter((refund) => refund.at < instant).reduce((sum, refund) => sum + refund.amountCents, 0);
}

/** When the booking last changed (its calendar event's LAST-MODIFIED). */
export function lastModified(booking: BookingPlan): Instant {
  return Math.max(booking.createdAt, booking.cancelledAt ?? 0, ...booking.reschedules.map((change) => change.at));
}
