import { addDays, osloInstant, type Instant, type LocalDay } from './time.js';

/**
 * What Fjord Kayaks rents, for how long, and at what price. Money is kept in
 * integer cents so that totals, discounts and partial refunds are exact.
 */

export const ITEMS = ['Single kayak', 'Double kayak', 'SUP board', 'Canoe'] as const;
export type Item = (typeof ITEMS)[number];

/** Rental lengths sold as timed slots (hours). */
export const SLOT_HOURS = [2, 3, 4, 6] as const;
export type SlotHours = (typeof SLOT_HOURS)[number];

interface PriceList {
  slot: Record<SlotHours, number>;
  day: number;
}

/** Euros. */
const PRICES: Record<Item, PriceList> = {
  'Single kayak': { slot: { 2: 35, 3: 45, 4: 55, 6: 70 }, day: 80 },
  'Double kayak': { slot: { 2: 55, 3: 70, 4: 85, 6: 105 }, day: 120 },
  'SUP board': { slot: { 2: 30, 3: 38, 4: 45, 6: 55 }, day: 65 },
  Canoe: { slot: { 2: 45, 3: 55, 4: 70, 6: 85 }, day: 95 },
};

/** Wetsuit and dry bag, added at checkout by some customers. */
export const ADD_ON_CENTS = 1250;

/**
 * A rental as the booking system thinks of it: a timed slot on one day (starts
 * at a wall-clock time in Oslo), or whole days (all-day calendar events).
 */
export type Trip =
  | { kind: 'timed'; day: LocalDay; hour: number; minute: number; hours: SlotHours }
  | { kind: 'allDay'; firstDay: LocalDay; days: number };

export function tripStart(trip: Trip): Instant {
  return trip.kind === 'timed' ? osloInstant(trip.day, trip.hour, trip.minute) : osloInstant(trip.firstDay);
}

/**
 * Timed slots end at the wall-clock end time (so a slot across the DST change is
 * still "09:00–13:00"); all-day rentals end at local midnight after the last day.
 */
export function tripEnd(trip: Trip): Instant {
  if (trip.kind === 'allDay') return osloInstant(addDays(trip.firstDay, trip.days));
  const endMinutes = trip.hour * 60 + trip.minute + trip.hours * 60;
  return osloInstant(trip.day, Math.floor(endMinutes / 60), endMinutes % 60);
}

/** The same rental moved by whole days, at the same wall-clock time. */
export function shiftTrip(trip: Trip, days: number): Trip {
  return trip.kind === 'timed' ? { ...trip, day: addDays(trip.day, days) } : { ...trip, firstDay: addDays(trip.firstDay, days) };
}

/** List price in cents; three days or more get 10% off. */
export function priceCents(item: Item, trip: Trip, addOn: boolean): number {
  const prices = PRICES[item];
  const base =
    trip.kind === 'timed'
      ? prices.slot[trip.hours] * 100
      : Math.round(prices.day * 100 * trip.days * (trip.days >= 3 ? 0.9 : 1));
  return base + (addOn ? ADD_ON_CENTS : 0);
}

/** `9000` -> `'90.00'`: the text form of numeric(10,2) and of Stripe's CSV amounts. */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
