import {
  STRIPE_ID_ALPHABET,
  creationCalendar,
  creationInstant,
  makeBooking,
  randomTrip,
  tripFirstDayFor,
  walkInTrip,
} from './booking-factory.js';
import { incidentCounts, type IncidentCounts } from './counts.js';
import {
  canChange,
  canPartiallyRefund,
  cancelBooking,
  partiallyRefund,
  pickBookings,
  rescheduleBooking,
  type Era,
} from './history-events.js';
import type { BookingPlan, BusinessHistory, CustomerPlan, FailedChargePlan } from './history-model.js';
import { HOSTILE_BACKUP_CUSTOMERS, HOSTILE_WINDOW_CUSTOMERS, hostileIdentity, randomIdentity, type Identity } from './people.js';
import type { Random } from './prng.js';
import { HOUR, MINUTE, addDays, instantFromIso, osloDayOf, osloInstant } from './time.js';

/**
 * Simulates Fjord Kayaks from its first season to the moment the database was
 * lost: customers arrive, book, pay, cancel, move trips and get refunds.
 */

/** The business opened its booking system on this day. */
export const BUSINESS_OPENED = instantFromIso('2025-05-01T00:00:00Z');
/** The Stripe payments and refunds exports start here (so they overlap the backup). */
export const STRIPE_EXPORT_SINCE = instantFromIso('2025-10-01T00:00:00Z');

/** Booking reference alphabet: no I, O, 0 or 1, which customers misread on the phone. */
export const REFERENCE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** Share of bookings paid in cash at the dock (no payment row, no Stripe charge). */
export const CASH_SHARE = 0.08;

export function simulateHistory(rng: Random, scale: number, window: Era): BusinessHistory {
  const counts = incidentCounts(scale);
  const usedEmails = new Set<string>();
  const hostileBackup = HOSTILE_BACKUP_CUSTOMERS.map((template) => hostileIdentity(template, usedEmails));
  const hostileWindow = HOSTILE_WINDOW_CUSTOMERS.map((template) => hostileIdentity(template, usedEmails));
  const customer = (identity: Identity): CustomerPlan => ({ id: 0, identity, createdAt: 0 });
  const randomCustomers = (n: number) => Array.from({ length: n }, () => customer(randomIdentity(rng, usedEmails)));

  const backupCustomers = [...hostileBackup.map(customer), ...randomCustomers(counts.backupCustomers - hostileBackup.length)];
  // Walk-in customers are ordinary tourists; the hostile names must stay recoverable.
  const walkInCustomers = randomCustomers(counts.walkInNewCustomers);
  const onlineNewCustomers = [
    ...hostileWindow.map(customer),
    ...randomCustomers(counts.windowNewCustomers - counts.walkInNewCustomers - hostileWindow.length),
  ];

  const bookings = [
    ...backupEraBookings(rng, counts, backupCustomers, window),
    ...windowBookings(rng, counts, { backupCustomers, walkInCustomers, onlineNewCustomers }, window),
  ];
  numberBookingsAndCustomers(rng, bookings);
  const customers = [...new Set(bookings.map((booking) => booking.customer))].sort((a, b) => a.id - b.id);

  applyChanges(rng, counts, bookings, window);
  const failedCharges = declinedAttempts(rng, counts, bookings);
  numberPaymentsAndRefunds(bookings);
  return { window, customers, bookings, failedCharges };
}

/** How loyal each customer is: most book once, a few come back all summer. */
function loyaltyWeights(rng: Random, customers: readonly CustomerPlan[]): Array<readonly [CustomerPlan, number]> {
  return customers.map((c) => [c, rng.weighted<number>([[1, 80], [4, 15], [12, 5]])] as const);
}

/**
 * Which of `count` bookings are paid in cash: exactly the business's share (8%),
 * spread at random, so every seed shows the same proportion.
 */
function cashFlags(rng: Random, count: number, cashCount: number): boolean[] {
  return rng.shuffled(Array.from({ length: count }, (_, i) => i < cashCount));
}

function backupEraBookings(rng: Random, counts: IncidentCounts, customers: CustomerPlan[], window: Era): BookingPlan[] {
  // Payments follow bookings by up to five minutes; all of it lands before the backup.
  const calendar = creationCalendar(BUSINESS_OPENED, window.from - 10 * MINUTE);
  const loyalty = loyaltyWeights(rng, customers);
  const owners = [...customers];
  while (owners.length < counts.backupBookings) owners.push(rng.weighted(loyalty));
  const cash = cashFlags(rng, owners.length, Math.round(owners.length * CASH_SHARE));
  return owners.map((owner, i) => {
    const createdAt = creationInstant(rng, calendar);
    const trip = randomTrip(rng, tripFirstDayFor(rng, createdAt));
    return makeBooking(rng, { customer: owner, createdAt, trip, paidInCash: cash[i] === true });
  });
}

interface WindowCustomers {
  backupCustomers: CustomerPlan[];
  walkInCustomers: CustomerPlan[];
  onlineNewCustomers: CustomerPlan[];
}

function windowBookings(rng: Random, counts: IncidentCounts, who: WindowCustomers, window: Era): BookingPlan[] {
  const calendar = creationCalendar(window.from, window.to - 15 * MINUTE);
  const bookings: BookingPlan[] = [];

  // Walk-ins in the last weeks before the loss, during opening hours (10:00–15:00 Oslo).
  const walkInOwners = [...who.walkInCustomers];
  while (walkInOwners.length < counts.walkIns) walkInOwners.push(rng.pick(who.backupCustomers));
  for (const owner of walkInOwners) {
    const day = addDays(osloDayOf(window.to), -rng.int(1, 24));
    const createdAt = Math.max(window.from, osloInstant(day, 10) + rng.int(0, 5 * HOUR));
    bookings.push(makeBooking(rng, { customer: owner, createdAt, trip: walkInTrip(rng, createdAt), paidInCash: true, calendar: 'walk-in' }));
  }

  // Online: each new customer's first booking, then returning customers (old and new).
  const returning = loyaltyWeights(rng, who.backupCustomers);
  const owners = [...who.onlineNewCustomers];
  while (owners.length < counts.windowBookings - walkInOwners.length) {
    owners.push(rng.chance(0.3) ? rng.pick(who.onlineNewCustomers) : rng.weighted(returning));
  }
  // The hostile names pay by card, so that they reach every export (CSV quoting included).
  const hostile = new Set(HOSTILE_WINDOW_CUSTOMERS.map((h) => h.email));
  const payable = owners.filter((owner) => !hostile.has(owner.identity.email)).length;
  const cashOnline = Math.max(0, Math.round(counts.windowBookings * CASH_SHARE) - walkInOwners.length);
  const cash = cashFlags(rng, payable, cashOnline);
  let next = 0;
  for (const owner of owners) {
    const paidInCash = hostile.has(owner.identity.email) ? false : cash[next++] === true;
    const createdAt = creationInstant(rng, calendar);
    bookings.push(makeBooking(rng, { customer: owner, createdAt, trip: randomTrip(rng, tripFirstDayFor(rng, createdAt)), paidInCash }));
  }
  return bookings;
}

/** Ids in creation order (as bigserial hands them out), unique references, customers created with their first booking. */
function numberBookingsAndCustomers(rng: Random, bookings: BookingPlan[]): void {
  bookings.sort((a, b) => a.createdAt - b.createdAt);
  const references = new Set<string>();
  bookings.forEach((booking, index) => {
    booking.id = index + 1;
    let reference = rng.string(REFERENCE_ALPHABET, 6);
    while (references.has(reference)) reference = rng.string(REFERENCE_ALPHABET, 6);
    references.add(reference);
    booking.reference = reference;
  });
  const customers: CustomerPlan[] = [];
  for (const booking of bookings) {
    if (booking.customer.id !== 0) continue;
    customers.push(booking.customer);
    booking.customer.id = customers.length;
    booking.customer.createdAt = booking.createdAt;
  }
}

/** Each customer's first booking: the one that created the customer row. */
function firstBookings(bookings: readonly BookingPlan[]): Set<BookingPlan> {
  const first = new Map<CustomerPlan, BookingPlan>();
  for (const booking of bookings) if (!first.has(booking.customer)) first.set(booking.customer, booking);
  return new Set(first.values());
}

function applyChanges(rng: Random, counts: IncidentCounts, bookings: BookingPlan[], window: Era): void {
  const touched = new Set<BookingPlan>();
  const backupEra: Era = { from: BUSINESS_OPENED, to: window.from };
  const before = bookings.filter((b) => b.createdAt < window.from);
  const during = bookings.filter((b) => b.createdAt >= window.from);
  const listedCard = (b: BookingPlan) => b.calendar === 'listed' && b.payment !== null;
  const inStripeExport = (b: BookingPlan) => b.payment !== null && b.payment.paidAt >= STRIPE_EXPORT_SINCE;

  // Before the backup: the backup already shows these.
  for (const b of pickBookings(rng, before, counts.backupEraCancellations, touched, (b) => canChange(b, backupEra))) cancelBooking(rng, b, backupEra);
  for (const b of pickBookings(rng, before, counts.backupEraReschedules, touched, (b) => canChange(b, backupEra))) rescheduleBooking(rng, b, backupEra);
  for (const b of pickBookings(rng, before, counts.backupEraPartialRefunds, touched, (b) => canPartiallyRefund(b, backupEra))) partiallyRefund(rng, b, backupEra);

  // During the window, to bookings the backup has: the backup shows them as they were.
  // Only charges in the Stripe export are cancelled, so the refunded payment stays rebuildable.
  for (const b of pickBookings(rng, before, counts.windowCancellationsOfBackup, touched, (b) => inStripeExport(b) && canChange(b, window))) cancelBooking(rng, b, window);
  for (const b of pickBookings(rng, before, counts.windowReschedulesOfBackup, touched, (b) => canChange(b, window))) rescheduleBooking(rng, b, window);
  for (const b of pickBookings(rng, before, counts.windowPartialRefundsOfBackup, touched, (b) => inStripeExport(b) && canPartiallyRefund(b, window))) partiallyRefund(rng, b, window);

  // During the window, to bookings made in the window.
  for (const b of pickBookings(rng, during, counts.windowCancellationsOfNew, touched, (b) => b.calendar === 'listed' && canChange(b, window))) cancelBooking(rng, b, window);
  for (const b of pickBookings(rng, during, counts.windowPartialRefundsOfNew, touched, (b) => listedCard(b) && canPartiallyRefund(b, window))) partiallyRefund(rng, b, window);

  // The deleted calendar events: never a customer's first booking, so that every
  // recoverable customer's created_at is still the CREATED of an event that exists.
  const first = firstBookings(bookings);
  for (const b of pickBookings(rng, during, counts.deletedEvents, touched, (b) => listedCard(b) && !first.has(b))) b.calendar = 'deleted';
  for (const b of pickBookings(rng, during, counts.staleDescriptionTotals, touched, listedCard)) {
    b.staleDescriptionTotalCents = b.totalCents - rng.pick([500, 1000, 1500]);
  }
}

/** Declined first attempts a few seconds before the charge that went through. */
function declinedAttempts(rng: Random, counts: IncidentCounts, bookings: BookingPlan[]): FailedChargePlan[] {
  const candidates = bookings.filter((b) => b.payment !== null && b.payment.paidAt >= STRIPE_EXPORT_SINCE && b.payment.paidAt - b.createdAt >= 3);
  return rng
    .sample(candidates, counts.failedCharges)
    .sort((a, b) => a.id - b.id)
    .map((booking) => {
      const payment = booking.payment as NonNullable<BookingPlan['payment']>;
      return {
        stripeChargeId: `ch_${rng.string(STRIPE_ID_ALPHABET, 24)}`,
        booking,
        at: rng.int(booking.createdAt + 1, payment.paidAt - 1),
        cardName: payment.cardName,
      };
    });
}

/** Payment and refund ids in the order the rows were written. */
function numberPaymentsAndRefunds(bookings: readonly BookingPlan[]): void {
  const payments = bookings.flatMap((b) => (b.payment ? [b.payment] : [])).sort((a, b) => a.paidAt - b.paidAt);
  payments.forEach((payment, index) => (payment.id = index + 1));
  const refunds = payments.flatMap((p) => p.refunds).sort((a, b) => a.at - b.at);
  refunds.forEach((refund, index) => (refund.id = index + 1));
}
