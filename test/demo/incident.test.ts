import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { DEMO_COLUMNS, DEMO_TABLES, type DemoTable } from '../../src/sql/demo-schema.js';
import { NATURAL_KEYS, parseInstant } from '../../src/demo/columns.js';
import { INCIDENT_WINDOW, generateIncident, type IncidentRows, type Row } from '../../src/demo/incident.js';
import { REASONS } from '../../src/demo/truth.js';

const incident = generateIncident();
const { production, backup, truth } = incident;
const windowFrom = Date.parse(INCIDENT_WINDOW.from);
const windowTo = Date.parse(INCIDENT_WINDOW.to);

const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\+00$/;
const ms = (value: string | null | undefined) => parseInstant(value ?? '');
const byId = (rows: Row[]) => new Map(rows.map((r) => [r['id'] as string, r]));

function lostRows(table: DemoTable): Row[] {
  const before = byId(backup[table]);
  return production[table].filter((row) => {
    const old = before.get(row['id'] as string);
    return !old || JSON.stringify(old) !== JSON.stringify(row);
  });
}

describe('generateIncident: determinism', () => {
  it('gives the same incident, byte for byte, for the same seed', () => {
    expect(JSON.stringify(generateIncident())).toBe(JSON.stringify(incident));
    expect(JSON.stringify(generateIncident({ seed: 7, scale: 0.3 }))).toBe(JSON.stringify(generateIncident({ seed: 7, scale: 0.3 })));
  });

  it('gives a different incident for another seed', () => {
    const other = generateIncident({ seed: 1 });
    expect(other.production.bookings.map((b) => b['reference'])).not.toEqual(production.bookings.map((b) => b['reference']));
  });

  it('still has every special case at a small scale', () => {
    const small = generateIncident({ scale: 0.1 });
    expect(Object.keys(small.truth.unrecoverable['bookings'] ?? {}).length).toBeGreaterThanOrEqual(3);
    expect(Object.keys(small.truth.unrecoverable['customers'] ?? {}).length).toBeGreaterThanOrEqual(1);
    expect(small.production.refunds.length).toBeGreaterThan(small.backup.refunds.length);
  });

  it('refuses a scale that is not a positive number', () => {
    expect(() => generateIncident({ scale: 0 })).toThrow(/scale/);
  });
});

describe('generateIncident: the business at scale 1', () => {
  it('has the sizes of a small rental business', () => {
    expect(incident.window).toEqual(INCIDENT_WINDOW);
    expect(backup.customers.length).toBe(300);
    expect(backup.bookings.length).toBe(800);
    expect(production.customers.length - backup.customers.length).toBe(60);
    expect(production.bookings.length - backup.bookings.length).toBe(180);
    expect(lostRows('bookings').length).toBe(180 + 10 + 8);
  });

  it('has 8% cash bookings (no payment row), walk-ins included', () => {
    const paid = new Set(production.payments.map((p) => p['booking_id']));
    expect(production.bookings.filter((b) => !paid.has(b['id'] ?? null))).toHaveLength(Math.round(800 * 0.08) + Math.round(180 * 0.08));
  });

  it('creates bookings in the window for trips months later', () => {
    const newBookings = production.bookings.filter((b) => ms(b['created_at']) >= windowFrom);
    const summer = newBookings.filter((b) => ms(b['starts_at']) >= Date.parse('2026-05-15T00:00:00Z'));
    expect(summer.length / newBookings.length).toBeGreaterThan(0.5);
    expect(newBookings.every((b) => ms(b['created_at']) < windowTo)).toBe(true);
  });

  it('spells every value as PostgreSQL text', () => {
    for (const table of DEMO_TABLES) {
      for (const row of production[table]) {
        expect(Object.keys(row)).toEqual(DEMO_COLUMNS[table]);
        expect(row['id']).toMatch(/^[1-9]\d*$/);
        for (const column of ['created_at', 'starts_at', 'ends_at', 'paid_at', 'refunded_at']) {
          if (column in row) expect(row[column]).toMatch(PG_TIMESTAMP);
        }
        for (const column of ['total', 'amount']) if (column in row) expect(row[column]).toMatch(/^\d+\.\d{2}$/);
      }
    }
    for (const b of production.bookings) {
      expect(b['reference']).toMatch(/^[A-HJ-NP-Z2-9]{6}$/);
      expect(['Single kayak', 'Double kayak', 'SUP board', 'Canoe']).toContain(b['item']);
      expect(ms(b['ends_at'])).toBeGreaterThan(ms(b['starts_at']));
    }
    for (const c of production.customers) expect(c['email']).toBe(c['email']?.toLowerCase());
    for (const p of production.payments) {
      expect(p['stripe_charge_id']).toMatch(/^ch_[A-Za-z0-9]{24}$/);
      expect(p['currency']).toBe('EUR');
    }
    for (const r of production.refunds) expect(r['stripe_refund_id']).toMatch(/^re_[A-Za-z0-9]{24}$/);
  });

  it('includes the hostile names among the customers lost since the backup', () => {
    const lostNames = lostRows('customers').map((c) => c['full_name']);
    for (const name of ["Siobhán O'Brien", 'Zoë "Zo" Ødegård', 'Back\\slash Hansen', 'Kai 🚣 Berg', 'Ingrid Sjo\u0308stro\u0308m', 'Ola Nordmann, Jr.']) {
      expect(lostNames).toContain(name);
    }
    expect(backup.customers.map((c) => c['full_name'])).toContain("Renée D'Arcy");
  });

  it('has all-day rentals from Oslo midnight to Oslo midnight, and timed slots across the DST change', () => {
    const oslo = (value: string | null | undefined) => DateTime.fromMillis(ms(value), { zone: 'Europe/Oslo' });
    const allDay = production.bookings.filter((b) => oslo(b['starts_at']).hour === 0);
    expect(allDay.length).toBeGreaterThan(100);
    for (const b of allDay) {
      expect(oslo(b['starts_at']).toFormat('HH:mm:ss')).toBe('00:00:00');
      expect(oslo(b['ends_at']).toFormat('HH:mm:ss')).toBe('00:00:00');
    }
    const timed = production.bookings.filter((b) => oslo(b['starts_at']).hour !== 0);
    const winter = timed.filter((b) => oslo(b['starts_at']).offset === 60);
    const summer = timed.filter((b) => oslo(b['starts_at']).offset === 120);
    expect(winter.length).toBeGreaterThan(0);
    expect(summer.length).toBeGreaterThan(0);
  });
});

describe('generateIncident: invariants', () => {
  function expectValidForeignKeys(rows: IncidentRows) {
    const ids = (table: DemoTable) => new Set(rows[table].map((r) => r['id']));
    const customers = ids('customers');
    const bookings = ids('bookings');
    const payments = ids('payments');
    for (const b of rows.bookings) expect(customers.has(b['customer_id'] ?? null)).toBe(true);
    for (const p of rows.payments) expect(bookings.has(p['booking_id'] ?? null)).toBe(true);
    for (const r of rows.refunds) expect(payments.has(r['payment_id'] ?? null)).toBe(true);
    for (const table of DEMO_TABLES) {
      expect(ids(table).size).toBe(rows[table].length);
      const keys = rows[table].map((r) => r[NATURAL_KEYS[table]]);
      expect(new Set(keys).size).toBe(keys.length);
    }
  }

  it('keeps foreign keys valid and keys unique in production and in the backup', () => {
    expectValidForeignKeys(production);
    expectValidForeignKeys(backup);
  });

  it('has a backup that is production as of the window start', () => {
    const now = (table: DemoTable) => byId(production[table]);
    for (const table of DEMO_TABLES) {
      for (const old of backup[table]) {
        const row = now(table).get(old['id'] as string);
        expect(row, `${table} ${old['id']}`).toBeDefined();
        for (const column of DEMO_COLUMNS[table]) {
          if (row?.[column] === old[column]) continue;
          // Only these change after the fact: a booking is cancelled or moved, a payment refunded.
          const mutable: Record<string, string[]> = { bookings: ['status', 'starts_at', 'ends_at'], payments: ['status'] };
          expect(mutable[table] ?? [], `${table} ${old['id']}.${column}`).toContain(column);
        }
      }
      for (const row of backup[table]) {
        const written = row['created_at'] ?? row['paid_at'] ?? row['refunded_at'];
        expect(ms(written)).toBeLessThan(windowFrom);
      }
      for (const row of production[table].filter((r) => !byId(backup[table]).has(r['id'] as string))) {
        const written = row['created_at'] ?? row['paid_at'] ?? row['refunded_at'];
        expect(ms(written)).toBeGreaterThanOrEqual(windowFrom);
      }
    }
  });

  it('hands out ids in creation order, as bigserial does', () => {
    for (const table of DEMO_TABLES) {
      const ids = production[table].map((r) => Number(r['id']));
      expect(ids).toEqual(ids.map((_, i) => i + 1));
    }
  });

  it('keeps the business rules: customer created with first booking, payment = total, paid within 5 minutes, refunds add up', () => {
    const bookingsById = byId(production.bookings);
    const firstBooking = new Map<string, number>();
    for (const b of production.bookings) {
      const id = b['customer_id'] as string;
      firstBooking.set(id, Math.min(firstBooking.get(id) ?? Infinity, ms(b['created_at'])));
    }
    for (const c of production.customers) expect(ms(c['created_at'])).toBe(firstBooking.get(c['id'] as string));
    for (const p of production.payments) {
      const booking = bookingsById.get(p['booking_id'] as string);
      expect(p['amount']).toBe(booking?.['total']);
      const delay = (ms(p['paid_at']) - ms(booking?.['created_at'])) / 1000;
      expect(delay).toBeGreaterThanOrEqual(1);
      expect(delay).toBeLessThanOrEqual(300);
      const refunded = production.refunds.filter((r) => r['payment_id'] === p['id']).reduce((sum, r) => sum + Number(r['amount']), 0);
      const expected = refunded === 0 ? 'succeeded' : Math.abs(refunded - Number(p['amount'])) < 0.001 ? 'refunded' : 'partially_refunded';
      expect(p['status']).toBe(expected);
      if (p['status'] === 'refunded') expect(booking?.['status']).toBe('cancelled');
    }
  });

  it('has the changes of the window: cancellations and reschedules of backup bookings, partial refunds', () => {
    const old = byId(backup.bookings);
    const changed = production.bookings.filter((b) => old.has(b['id'] as string) && JSON.stringify(old.get(b['id'] as string)) !== JSON.stringify(b));
    expect(changed.filter((b) => b['status'] === 'cancelled')).toHaveLength(10);
    expect(changed.filter((b) => b['status'] === 'confirmed')).toHaveLength(8);
    const newCancelled = production.bookings.filter((b) => !old.has(b['id'] as string) && b['status'] === 'cancelled');
    expect(newCancelled.length).toBe(5);
    const partial = lostRows('payments').filter((p) => p['status'] === 'partially_refunded');
    expect(partial.length).toBe(4);
  });
});

describe('generateIncident: truth', () => {
  const productionKeys = (table: DemoTable) => new Set(production[table].map((r) => r[NATURAL_KEYS[table]]));
  const backupKeys = (table: DemoTable) => new Set(backup[table].map((r) => r[NATURAL_KEYS[table]]));

  it('lists unrecoverable rows that production has and the backup lacks', () => {
    for (const table of DEMO_TABLES) {
      for (const key of Object.keys(truth.unrecoverable[table] ?? {})) {
        expect(productionKeys(table).has(key), `${table} ${key}`).toBe(true);
        expect(backupKeys(table).has(key), `${table} ${key}`).toBe(false);
      }
    }
  });

  it('has the walk-ins and deleted calendar events, with reasons', () => {
    const reasons = Object.values(truth.unrecoverable['bookings'] ?? {});
    expect(reasons.filter((r) => r === REASONS.walkInBooking)).toHaveLength(4);
    expect(reasons.filter((r) => r === REASONS.deletedEventBooking)).toHaveLength(3);
    expect(Object.values(truth.unrecoverable['payments'] ?? {})).toEqual(Array(3).fill(REASONS.deletedEventPayment));
    expect(Object.values(truth.unrecoverable['customers'] ?? {})).toEqual(Array(3).fill(REASONS.walkInCustomer));
    expect(Object.keys(truth.unrecoverable['refunds'] ?? {})).toHaveLength(0);
  });

  it('lists unknown columns only of lost, recoverable rows', () => {
    const lostKeys = new Set(lostRows('customers').map((c) => c['email']));
    const unknown = truth.unknownColumns['customers'] ?? {};
    expect(Object.keys(unknown).length).toBeGreaterThan(0);
    for (const [email, columns] of Object.entries(unknown)) {
      expect(lostKeys.has(email)).toBe(true);
      expect(truth.unrecoverable['customers']?.[email]).toBeUndefined();
      expect(Object.keys(columns)).toEqual(['phone']);
      expect(production.customers.find((c) => c['email'] === email)?.['phone']).not.toBeNull();
    }
  });
});
