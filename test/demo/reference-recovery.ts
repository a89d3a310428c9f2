import { DateTime } from 'luxon';
import { EXPORT_PATHS, type Incident, type IncidentRows, type Row } from '../../src/demo/incident.js';
import { descriptionFields, readCalendar, readCsv, type CalendarEvent } from './read-exports.js';

/**
 * A deliberately plain recovery of the sample incident from the backup and the
 * exports alone, written the way mapping rules would say it. It proves the
 * truth's promise (everything not listed as unrecoverable can be rebuilt) and is
 * an executable example of the rules the real mappings need:
 * - calendar events with a `booking-<id>@` UID and LAST-MODIFIED in the window are bookings;
 * - customers are matched by lower-cased email; name from the attendee CN, phone from any description;
 *   created_at = the earliest CREATED among their events;
 * - a booking's total is its charge's Amount when it has one, else the description's (cash) Total;
 * - charges are tied to bookings by `booking_ref (metadata)`, else by the Description's reference;
 *   Failed charges are not payments; a charge whose booking cannot be rebuilt is skipped.
 */
export function referenceRecovery(incident: Incident): IncidentRows {
  const from = Date.parse(incident.window.from);
  const rows = structuredClone(incident.backup);
  const events = readCalendar(incident.exports[EXPORT_PATHS.calendar] ?? '');
  const charges = readCsv(incident.exports[EXPORT_PATHS.payments] ?? '').filter((c) => c['Status'] !== 'Failed');
  const refunds = readCsv(incident.exports[EXPORT_PATHS.refunds] ?? '');

  const bookingEvents = events.filter((e) => /^booking-\d+@fjordkayaks\.example$/.test(e.uid));
  const changed = bookingEvents.filter((e) => (e.lastModified ?? 0) >= from);
  const chargeRef = (c: Record<string, string>) => c['booking_ref (metadata)'] || (/^Booking ([A-Z2-9]{6}) /.exec(c['Description'] ?? '')?.[1] ?? '');
  const chargeByRef = new Map(charges.map((c) => [chargeRef(c), c]));

  // Customers first: new ones get ids after the backup's, in order of creation.
  const customerIds = new Map(rows.customers.map((c) => [c['email'] as string, c['id'] as string]));
  const newcomers = new Map<string, CalendarEvent[]>();
  for (const event of bookingEvents) {
    const email = event.attendeeEmail?.toLowerCase() ?? '';
    if (!customerIds.has(email)) newcomers.set(email, [...(newcomers.get(email) ?? []), event]);
  }
  const ordered = [...newcomers].sort(([, a], [, b]) => firstCreated(a) - firstCreated(b));
  for (const [email, own] of ordered) {
    const id = String(rows.customers.length + 1);
    customerIds.set(email, id);
    const phone = own.map((e) => descriptionFields(e.description)['Phone']).find((p) => p !== undefined) ?? null;
    rows.customers.push({ id, email, full_name: own[0]?.attendeeName ?? '', phone, created_at: pgTime(firstCreated(own)) });
  }

  const bookingsById = new Map(rows.bookings.map((b) => [b['id'] as string, b]));
  for (const event of changed) {
    const id = /^booking-(\d+)@/.exec(event.uid)?.[1] as string;
    const [item, reference] = event.summary.split(' – Booking ') as [string, string];
    const when = eventTimes(event);
    const existing = bookingsById.get(id);
    if (existing) {
      Object.assign(existing, { ...when, status: event.status === 'CANCELLED' ? 'cancelled' : 'confirmed' });
      continue;
    }
    const charge = chargeByRef.get(reference);
    const total = charge?.['Amount'] ?? descriptionFields(event.description)['Total']?.split(' ')[0] ?? '';
    const row: Row = {
      id, reference, customer_id: customerIds.get(event.attendeeEmail?.toLowerCase() ?? '') ?? null, item, ...when,
      status: event.status === 'CANCELLED' ? 'cancelled' : 'confirmed', total, created_at: pgTime(event.created ?? 0),
    };
    rows.bookings.push(row);
    bookingsById.set(id, row);
  }
  rows.bookings.sort((a, b) => Number(a['id']) - Number(b['id']));

  const bookingIdByRef = new Map(rows.bookings.map((b) => [b['reference'] as string, b['id'] as string]));
  const paymentsByCharge = new Map(rows.payments.map((p) => [p['stripe_charge_id'] as string, p]));
  const status: Record<string, string> = { Paid: 'succeeded', Refunded: 'refunded', 'Partially Refunded': 'partially_refunded' };
  for (const charge of [...charges].reverse()) {
    const existing = paymentsByCharge.get(charge['id'] ?? '');
    if (existing) {
      existing['status'] = status[charge['Status'] ?? ''] ?? null;
      continue;
    }
    const bookingId = bookingIdByRef.get(chargeRef(charge));
    if (bookingId === undefined) continue; // its booking is gone for good
    const row: Row = {
      id: String(rows.payments.length + 1), booking_id: bookingId, stripe_charge_id: charge['id'] ?? '', amount: charge['Amount'] ?? '',
      currency: (charge['Currency'] ?? '').toUpperCase(), status: status[charge['Status'] ?? ''] ?? null, paid_at: stripePgTime(charge['Created date (UTC)']),
    };
    rows.payments.push(row);
    paymentsByCharge.set(row['stripe_charge_id'] as string, row);
  }

  const knownRefunds = new Set(rows.refunds.map((r) => r['stripe_refund_id']));
  for (const refund of [...refunds].reverse()) {
    if (knownRefunds.has(refund['id'] ?? '')) continue;
    const payment = paymentsByCharge.get(refund['Charge ID'] ?? '');
    if (!payment) continue;
    rows.refunds.push({
      id: String(rows.refunds.length + 1), payment_id: payment['id'] ?? null, stripe_refund_id: refund['id'] ?? '',
      amount: refund['Amount'] ?? '', refunded_at: stripePgTime(refund['Created (UTC)']),
    });
  }
  return rows;
}

function firstCreated(events: readonly CalendarEvent[]): number {
  return Math.min(...events.map((e) => e.created ?? Infinity));
}

function pgTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}+00`;
}

function stripePgTime(value: string | undefined): string {
  return `${value ?? ''}+00`;
}

/** All-day DATEs mean midnight in Oslo (the calendar's zone); timed events are instants already. */
function eventTimes(event: CalendarEvent): { starts_at: string; ends_at: string } {
  if (!event.allDay) return { starts_at: pgTime(event.start), ends_at: pgTime(event.end) };
  const midnight = (date: string) => DateTime.fromISO(date, { zone: 'Europe/Oslo' }).toMillis();
  return { starts_at: pgTime(midnight(event.startDate)), ends_at: pgTime(midnight(event.endDate)) };
}
