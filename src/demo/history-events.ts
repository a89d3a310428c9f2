import { shiftTrip, tripStart } from './rental-catalog.js';
import { STRIPE_ID_ALPHABET } from './booking-factory.js';
import { tripAt, refundedCentsAt, type BookingPlan } from './history-model.js';
import type { Random } from './prng.js';
import { DAY, HOUR, type Instant } from './time.js';

/**
 * What happens to bookings after they are made: cancellations (with a full
 * refund when paid by card), reschedules, partial refunds (a goodwill discount
 * for bad weather, say). Each change happens inside an era, [from, to), and
 * before the trip starts.
 */

export interface Era {
  from: Instant;
  to: Instant;
}

/** The span in which a booking can still be cancelled or moved: after it was paid, a day before the trip. */
function changeSpan(booking: BookingPlan, era: Era): { earliest: Instant; latest: Instant } | null {
  const made = booking.payment?.paidAt ?? booking.createdAt;
  const earliest = Math.max(made, era.from) + HOUR;
  const latest = Math.min(tripStart(tripAt(booking, era.to)) - DAY, era.to - HOUR);
  return latest > earliest ? { earliest, latest } : null;
}

export function canChange(booking: BookingPlan, era: Era): boolean {
  return booking.cancelledAt === null && changeSpan(booking, era) !== null;
}

export function newRefundId(rng: Random): string {
  return `re_${rng.string(STRIPE_ID_ALPHABET, 24)}`;
}

/** Cancels the booking; a card payment is refunded in full a minute or two later. */
export function cancelBooking(rng: Random, booking: BookingPlan, era: Era): void {
  const span = changeSpan(booking, era);
  if (!span || booking.cancelledAt !== null) throw new Error(`booking ${booking.reference || booking.createdAt} cannot be cancelled in this era`);
  const at = rng.int(span.earliest, span.latest);
  booking.cancelledAt = at;
  const payment = booking.payment;
  if (payment) {
    const left = payment.amountCents - refundedCentsAt(payment, Infinity);
    if (left > 0) payment.refunds.push({ id: 0, stripeRefundId: newRefundId(rng), amountCents: left, at: at + rng.int(5, 120) });
  }
}

/** Moves the trip by up to three weeks, keeping its wall-clock time; always to a day after the change. */
export function rescheduleBooking(rng: Random, booking: BookingPlan, era: Era): void {
  const span = changeSpan(booking, era);
  if (!span) throw new Error('booking cannot be rescheduled in this era');
  const at = rng.int(span.earliest, span.latest);
  const current = tripAt(booking, era.to);
  for (let attempt = 0; attempt < 20; attempt++) {
    const days = rng.int(1, 21) * (rng.chance(0.6) ? 1 : -1);
    const moved = shiftTrip(current, days);
    if (tripStart(moved) > at + DAY) {
      booking.reschedules.push({ at, trip: moved });
      return;
    }
  }
  booking.reschedules.push({ at, trip: shiftTrip(current, 7) });
}

export function canPartiallyRefund(booking: BookingPlan, era: Era): boolean {
  const payment = booking.payment;
  return payment !== null && booking.cancelledAt === null && Math.max(payment.paidAt, era.from) + HOUR < era.to - HOUR;
}

/** A goodwill refund of a quarter or half of the price, in whole 50 cents. */
export function partiallyRefund(rng: Random, booking: BookingPlan, era: Era): void {
  const payment = booking.payment;
  if (!payment) throw new Error('a cash booking has nothing to refund');
  const at = rng.int(Math.max(payment.paidAt, era.from) + HOUR, era.to - HOUR);
  const share = rng.pick([0.25, 0.5]);
  const amountCents = Math.max(500, Math.round((payment.amountCents * share) / 50) * 50);
  payment.refunds.push({ id: 0, stripeRefundId: newRefundId(rng), amountCents, at });
}

/**
 * Picks `count` bookings that satisfy `eligible` and were not picked before (so
 * that each special case stays a clean example of one thing).
 */
export function pickBookings(
  rng: Random,
  bookings: readonly BookingPlan[],
  count: number,
  touched: Set<BookingPlan>,
  eligible: (booking: BookingPlan) => boolean,
): BookingPlan[] {
  const chosen = rng.sample(bookings.filter((booking) => !touched.has(booking) && eligible(booking)), count);
  for (const booking of chosen) touched.add(booking);
  return chosen;
}
