import type { Incident, IncidentRows, Row } from './incident-types.js';

/**
 * What production did after the incident, before salvage ran: the app was restarted
 * from the stale backup the same afternoon and kept taking sign-ups and bookings.
 * Deterministic from the incident, so the demo and its tests see the same story:
 * - a customer lost with the database signs up again with the same e-mail, and books;
 * - that first booking takes the next number of the restored sequence, which a lost
 *   booking had (the sources prove that lost booking's number: a reissued number);
 * - the team then moves every sequence a thousand ahead, as restore guides advise,
 *   and two new customers sign up and book.
 */
export interface AfterRestart {
  /** The rows the live app wrote, with the ids it gave them. */
  rows: IncidentRows;
  /** The lost customer who signed up again (their e-mail). */
  returningCustomer: string;
  /** The lost booking whose number the live app gave to a new booking (its reference). */
  reissuedBooking: string | undefined;
  /** When the app was back. */
  restartedAt: string;
}

const RESTART_DELAY_MS = 4 * 3600_000;
const SEQUENCE_BUMP = 1000n;

export function afterRestart(incident: Incident): AfterRestart {
  const restarted = new Date(Date.parse(incident.window.to) + RESTART_DELAY_MS);
  const at = (minutes: number) => pgTime(new Date(restarted.getTime() + minutes * 60_000));
  const nextId = (rows: readonly Row[]) => rows.reduce((max, r) => (BigInt(r['id'] ?? '0') > max ? BigInt(r['id'] ?? '0') : max), 0n) + 1n;
  const customerId = nextId(incident.backup.customers);
  const bookingId = nextId(incident.backup.bookings);

  const inBackup = new Set(incident.backup.customers.map((c) => c['email']));
  const unrecoverable = incident.truth.unrecoverable['customers'] ?? {};
  const booked = new Set(incident.production.bookings.map((b) => b['customer_id']));
  const returning = incident.production.customers.find((c) => !inBackup.has(c['email']) && !((c['email'] ?? '') in unrecoverable) && booked.has(c['id'] ?? null));
  if (!returning) throw new Error('the sample incident has no lost customer with bookings to sign up again');
  const email = returning['email'] as string;

  const customer = (id: bigint, mail: string, name: string, minutes: number): Row => ({ id: id.toString(), email: mail, full_name: name, phone: null, created_at: at(minutes) });
  const booking = (id: bigint, reference: string, customerOf: bigint, minutes: number): Row => ({
    id: id.toString(),
    reference,
    customer_id: customerOf.toString(),
    item: 'Single kayak',
    starts_at: at(60 * 24 * 14 + minutes),
    ends_at: at(60 * 24 * 14 + minutes + 360),
    status: 'confirmed',
    total: '70.00',
    created_at: at(minutes),
  });
  const signUp = customerId + SEQUENCE_BUMP;
  const rows: IncidentRows = {
    customers: [
      customer(customerId, email, returning['full_name'] ?? 'Returning customer', 5),
      customer(signUp, 'first.after.restart@example.com', 'Ingrid After-Restart', 40),
      customer(signUp + 1n, 'second.after.restart@example.com', 'Ola After-Restart', 55),
    ],
    bookings: [
      booking(bookingId, 'LIVE01', customerId, 8),
      booking(bookingId + SEQUENCE_BUMP, 'LIVE02', signUp, 42),
      booking(bookingId + SEQUENCE_BUMP + 1n, 'LIVE03', signUp + 1n, 57),
    ],
    payments: [],
    refunds: [],
  };
  const reissued = incident.production.bookings.find((b) => b['id'] === bookingId.toString());
  return { rows, returningCustomer: email, reissuedBooking: reissued?.['reference'] ?? undefined, restartedAt: pgTime(restarted) };
}

/** PostgreSQL's UTC text form, as every demo row holds times. */
function pgTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}+00`;
}
