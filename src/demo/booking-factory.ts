import { ITEMS, SLOT_HOURS, priceCents, type Item, type SlotHours, type Trip } from './rental-catalog.js';
import type { BookingPlan, CustomerPlan, PaymentPlan } from './history-model.js';
import type { Random } from './prng.js';
import { DAY, addDays, osloClock, osloDayOf, osloInstant, osloMonth, type Instant, type LocalDay } from './time.js';

/**
 * How one booking comes about: when it is made, for which trip, at what price,
 * and how it is paid. Ids and references are given later, once every booking of
 * the history exists and can be put in creation order.
 */

export const STRIPE_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The paddling season, when most trips happen. */
const SEASON = { firstMonthDay: '05-15', lastMonthDay: '09-15' };

/** Booking activity per month of creation (the business is busiest in early summer). */
const CREATION_WEIGHT_BY_MONTH: Record<number, number> = {
  1: 3, 2: 3, 3: 4, 4: 5, 5: 9, 6: 12, 7: 12, 8: 8, 9: 3, 10: 2, 11: 2, 12: 3,
};

/** The days of [from, to) with how busy each is: built once per era, drawn from many times. */
export interface CreationCalendar {
  from: Instant;
  to: Instant;
  days: ReadonlyArray<readonly [LocalDay, number]>;
}

export function creationCalendar(from: Instant, to: Instant): CreationCalendar {
  const days: Array<readonly [LocalDay, number]> = [];
  for (let day = osloDayOf(from); osloInstant(day) < to; day = addDays(day, 1)) {
    days.push([day, CREATION_WEIGHT_BY_MONTH[Number(day.slice(5, 7))] ?? 1]);
  }
  return { from, to, days };
}

/** A creation instant in [from, to), busier in summer and during the day (Oslo time). */
export function creationInstant(rng: Random, calendar: CreationCalendar): Instant {
  const { from, to } = calendar;
  for (let attempt = 0; attempt < 100; attempt++) {
    const day = rng.weighted(calendar.days);
    // Online bookings arrive between 07:00 and 23:00 local time.
    const instant = osloInstant(day, 7) + rng.int(0, 16 * 3600 - 1);
    if (instant >= from && instant < to) return instant;
  }
  return from + rng.int(0, to - from - 1);
}

function seasonDay(rng: Random, year: number): LocalDay {
  const first = `${year}-${SEASON.firstMonthDay}`;
  const last = `${year}-${SEASON.lastMonthDay}`;
  const span = Math.round((osloInstant(last) - osloInstant(first)) / DAY);
  return addDays(first, rng.int(0, span));
}

/**
 * The first day of the trip booked at `createdAt`. In season people book days or
 * weeks ahead; out of season most book next summer (a booking made in March for
 * July), a few paddle in winter.
 */
export function tripFirstDayFor(rng: Random, createdAt: Instant): LocalDay {
  const today = osloDayOf(createdAt);
  const month = osloMonth(createdAt);
  const year = Number(today.slice(0, 4));
  if (month >= 5 && month <= 8) {
    const [min, max] = rng.weighted<readonly [number, number]>([[[0, 3], 30], [[4, 14], 40], [[15, 45], 30]]);
    return addDays(today, rng.int(min, max));
  }
  if (rng.chance(0.22)) return addDays(today, rng.int(1, 20));
  return seasonDay(rng, month >= 9 ? year + 1 : year);
}

/** A timed slot or a multi-day rental starting on `firstDay`. */
export function randomTrip(rng: Random, firstDay: LocalDay): Trip {
  if (rng.chance(0.35)) {
    const days = rng.weighted<number>([[1, 30], [2, 30], [3, 20], [4, 10], [5, 7], [7, 3]]);
    return { kind: 'allDay', firstDay, days };
  }
  const hours = rng.pick(SLOT_HOURS);
  // Starts between 08:00 and 15:30, on the hour or half hour, so every slot ends by 21:30.
  const hour = rng.int(8, 15);
  return { kind: 'timed', day: firstDay, hour, minute: rng.pick([0, 0, 30]), hours };
}

/** A walk-in rents on the spot: the next half hour, for two or three hours. */
export function walkInTrip(rng: Random, createdAt: Instant): Trip {
  const { hour, minute } = osloClock(createdAt);
  const startMinutes = (hour * 60 + minute + 30) - ((hour * 60 + minute) % 30);
  const hours: SlotHours = rng.pick([2, 3] as const);
  return { kind: 'timed', day: osloDayOf(createdAt), hour: Math.floor(startMinutes / 60), minute: startMinutes % 60, hours };
}

export function randomItem(rng: Random): Item {
  return rng.weighted<Item>([[ITEMS[0], 35], [ITEMS[1], 30], [ITEMS[2], 20], [ITEMS[3], 15]]);
}

export interface NewBooking {
  customer: CustomerPlan;
  createdAt: Instant;
  trip: Trip;
  /** Paid in cash at the dock: no payment row, no Stripe charge. */
  paidInCash: boolean;
  calendar?: BookingPlan['calendar'];
}

/** A booking with its price and payment; `id` and `reference` stay 0/'' until numbering. */
export function makeBooking(rng: Random, spec: NewBooking): BookingPlan {
  const item = randomItem(rng);
  const totalCents = priceCents(item, spec.trip, rng.chance(0.2));
  const cash = spec.paidInCash;
  return {
    id: 0,
    reference: '',
    customer: spec.customer,
    item,
    trip: spec.trip,
    totalCents,
    createdAt: spec.createdAt,
    payment: cash ? null : makePayment(rng, spec.customer, spec.createdAt, totalCents),
    reschedules: [],
    cancelledAt: null,
    calendar: spec.calendar ?? 'listed',
    phoneInDescription: rng.chance(0.7),
    staleDescriptionTotalCents: null,
  };
}

/** Charges made before 2026 came more often through the older checkout, which set no metadata. */
const NEW_CHECKOUT_FROM = Date.UTC(2026, 0, 1) / 1000;

function makePayment(rng: Random, customer: CustomerPlan, createdAt: Instant, amountCents: number): PaymentPlan {
  const paidAt = createdAt + rng.int(1, 300);
  const spouse = customer.identity.spouseName;
  return {
    id: 0,
    stripeChargeId: `ch_${rng.string(STRIPE_ID_ALPHABET, 24)}`,
    amountCents,
    paidAt,
    cardName: spouse !== null && rng.chance(0.25) ? spouse : customer.identity.fullName,
    hasRefMetadata: !rng.chance(paidAt < NEW_CHECKOUT_FROM ? 0.16 : 0.05),
    refunds: [],
  };
}
