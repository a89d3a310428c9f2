import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { parseInstant } from '../../src/demo/columns.js';
import { EXPORT_PATHS, INCIDENT_WINDOW, generateIncident, writeIncidentFiles, type Row } from '../../src/demo/incident.js';
import { escapeText, foldLine, quoteParam } from '../../src/demo/ics-writer.js';
import { PAYMENTS_CSV_HEADER, REFUNDS_CSV_HEADER } from '../../src/demo/stripe-exports.js';
import { descriptionFields, readCalendar, readCsv } from './read-exports.js';

const incident = generateIncident();
const { production, backup, truth } = incident;
const paymentsCsv = incident.exports[EXPORT_PATHS.payments] ?? '';
const refundsCsv = incident.exports[EXPORT_PATHS.refunds] ?? '';
const ics = incident.exports[EXPORT_PATHS.calendar] ?? '';
const windowFrom = Date.parse(INCIDENT_WINDOW.from);
const windowTo = Date.parse(INCIDENT_WINDOW.to);
const stripeSince = Date.parse('2025-10-01T00:00:00Z');

const ms = (value: string | null | undefined) => parseInstant(value ?? '');
const osloDate = (value: string | null | undefined) => DateTime.fromMillis(ms(value), { zone: 'Europe/Oslo' }).toISODate();
const stripeTime = (value: string | undefined) => Date.parse(`${(value ?? '').replace(' ', 'T')}Z`);
const index = (rows: Row[], column: string) => new Map(rows.map((r) => [r[column] as string, r]));
const bookingsById = index(production.bookings, 'id');
const bookingsByRef = index(production.bookings, 'reference');
const customersById = index(production.customers, 'id');
const paymentsByCharge = index(production.payments, 'stripe_charge_id');
const paymentsById = index(production.payments, 'id');
const unrecoverableBookings = truth.unrecoverable['bookings'] ?? {};

function expectCrlfOnly(content: string) {
  expect(content.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  expect(content.endsWith('\r\n')).toBe(true);
}

describe('exports/payments.csv', () => {
  const rows = readCsv(paymentsCsv);

  it('is a Stripe Dashboard export: BOM, exact header, CRLF', () => {
    expect(paymentsCsv.startsWith('\uFEFFid,Created date (UTC),Amount,Amount Refunded,Currency,Status,Description,Customer Email,Card Name,booking_ref (metadata)\r\n')).toBe(true);
    expect(Object.keys(rows[0] ?? {})).toEqual([...PAYMENTS_CSV_HEADER]);
    expectCrlfOnly(paymentsCsv);
  });

  it('quotes names with commas and quotes', () => {
    expect(paymentsCsv).toContain(',"Ola Nordmann, Jr.",');
    expect(rows.map((r) => r['Card Name'])).toContain('Ola Nordmann, Jr.');
  });

  it('has every card charge since 2025-10-01 in its state at loss time, consistent with production', () => {
    const charged = rows.filter((r) => r['Status'] !== 'Failed');
    const expected = production.payments.filter((p) => ms(p['paid_at']) >= stripeSince);
    expect(charged.map((r) => r['id']).sort()).toEqual(expected.map((p) => p['stripe_charge_id']).sort());
    const status = { Paid: 'succeeded', Refunded: 'refunded', 'Partially Refunded': 'partially_refunded' } as Record<string, string>;
    for (const row of charged) {
      const payment = paymentsByCharge.get(row['id'] ?? '');
      const booking = bookingsById.get(payment?.['booking_id'] ?? '');
      const customer = customersById.get(booking?.['customer_id'] ?? '');
      expect(row['id']).toMatch(/^ch_[A-Za-z0-9]{24}$/);
      expect(stripeTime(row['Created date (UTC)'])).toBe(ms(payment?.['paid_at']));
      expect(row['Amount']).toBe(payment?.['amount']);
      expect(row['Currency']).toBe('eur');
      expect(status[row['Status'] ?? '']).toBe(payment?.['status']);
      const refunded = production.refunds.filter((r) => r['payment_id'] === payment?.['id']).reduce((s, r) => s + Number(r['amount']), 0);
      expect(row['Amount Refunded']).toBe(refunded.toFixed(2));
      expect(row['Description']).toBe(`Booking ${booking?.['reference']} – ${booking?.['item']}`);
      expect(['', booking?.['reference']]).toContain(row['booking_ref (metadata)']);
      expect(row['Customer Email']?.toLowerCase()).toBe(customer?.['email']);
    }
  });

  it('has the realistic mess: older charges without metadata, typed capitals, spouses paying, failed attempts', () => {
    const charged = rows.filter((r) => r['Status'] !== 'Failed');
    const noMetadata = charged.filter((r) => r['booking_ref (metadata)'] === '').length / charged.length;
    expect(noMetadata).toBeGreaterThan(0.05);
    expect(noMetadata).toBeLessThan(0.16);
    expect(charged.some((r) => r['Customer Email'] !== r['Customer Email']?.toLowerCase())).toBe(true);
    const cardNameDiffers = charged.filter((r) => {
      const booking = bookingsById.get(paymentsByCharge.get(r['id'] ?? '')?.['booking_id'] ?? '');
      return customersById.get(booking?.['customer_id'] ?? '')?.['full_name'] !== r['Card Name'];
    });
    expect(cardNameDiffers.length).toBeGreaterThan(5);
    const failed = rows.filter((r) => r['Status'] === 'Failed');
    expect(failed).toHaveLength(5);
    for (const row of failed) {
      expect(paymentsByCharge.has(row['id'] ?? '')).toBe(false);
      expect(row['Amount Refunded']).toBe('0.00');
      const ref = /^Booking ([A-Z2-9]{6}) – /.exec(row['Description'] ?? '')?.[1] ?? '';
      expect(bookingsByRef.has(ref)).toBe(true);
    }
  });

  it('still knows the bookings whose calendar events were deleted', () => {
    const deleted = Object.entries(unrecoverableBookings).filter(([, reason]) => reason.startsWith('calendar event deleted'));
    for (const [reference] of deleted) expect(rows.some((r) => r['Description']?.includes(reference))).toBe(true);
  });
});

describe('exports/refunds.csv', () => {
  const rows = readCsv(refundsCsv);

  it('has every refund since 2025-10-01, consistent with production', () => {
    expect(refundsCsv.startsWith(`\uFEFF${REFUNDS_CSV_HEADER.join(',')}\r\n`)).toBe(true);
    expectCrlfOnly(refundsCsv);
    const expected = production.refunds.filter((r) => ms(r['refunded_at']) >= stripeSince);
    expect(rows.map((r) => r['id']).sort()).toEqual(expected.map((r) => r['stripe_refund_id']).sort());
    const refunds = index(production.refunds, 'stripe_refund_id');
    for (const row of rows) {
      const refund = refunds.get(row['id'] ?? '');
      expect(row['Charge ID']).toBe(paymentsById.get(refund?.['payment_id'] ?? '')?.['stripe_charge_id']);
      expect(row['Amount']).toBe(refund?.['amount']);
      expect(stripeTime(row['Created (UTC)'])).toBe(ms(refund?.['refunded_at']));
      expect([row['Currency'], row['Reason'], row['Status']]).toEqual(['eur', 'requested_by_customer', 'succeeded']);
    }
  });

  it('refunds during the window only charges that payments.csv has (so the refunded payment is rebuildable)', () => {
    const charges = new Set(readCsv(paymentsCsv).map((r) => r['id']));
    for (const row of rows.filter((r) => stripeTime(r['Created (UTC)']) >= windowFrom)) expect(charges.has(row['Charge ID'])).toBe(true);
  });
});

describe('exports/calendar.ics', () => {
  const events = readCalendar(ics);
  const bookingEvents = events.filter((e) => e.uid.startsWith('booking-'));
  const staffEvents = events.filter((e) => !e.uid.startsWith('booking-'));

  it('is well-formed: CRLF, folded at 75 octets without splitting a character', () => {
    expectCrlfOnly(ics);
    const lines = ics.split('\r\n').slice(0, -1);
    for (const line of lines) {
      expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
      expect(line).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    }
    expect(lines.filter((l) => l.startsWith(' ')).length).toBeGreaterThan(100);
    expect(ics).toContain('X-WR-TIMEZONE:Europe/Oslo');
    expect(ics).toContain('BEGIN:VTIMEZONE\r\nTZID:Europe/Oslo');
  });

  it('escapes TEXT and quotes parameters as RFC 5545 (and RFC 6868) require', () => {
    const unfolded = ics.replace(/\r\n /g, '');
    expect(unfolded).toContain('Customer: Ola Nordmann\\, Jr.\\n');
    expect(unfolded).toContain('Customer: Back\\\\slash Hansen\\n');
    expect(unfolded).toContain('ATTENDEE;CN="Zoë ^\'Zo^\' Ødegård";PARTSTAT=ACCEPTED:mailto:zoe.odegard@online.no');
    expect(unfolded).toContain('LOCATION:Fjord Kayaks\\, Bryggen 3\\, 5003 Bergen\\, Norway');
  });

  it('has one event per booking except the unrecoverable ones, consistent with production', () => {
    const listed = production.bookings.filter((b) => unrecoverableBookings[b['reference'] ?? ''] === undefined);
    expect(bookingEvents.map((e) => e.uid).sort()).toEqual(listed.map((b) => `booking-${b['id']}@fjordkayaks.example`).sort());
    let staleTotals = 0;
    for (const event of bookingEvents) {
      const booking = bookingsById.get(/^booking-(\d+)@/.exec(event.uid)?.[1] ?? '');
      const customer = customersById.get(booking?.['customer_id'] ?? '');
      expect(event.summary).toBe(`${booking?.['item']} – Booking ${booking?.['reference']}`);
      if (event.allDay) {
        // A DATE has no zone: it means the day in Oslo (the calendar's X-WR-TIMEZONE).
        expect(event.startDate).toBe(osloDate(booking?.['starts_at']));
        expect(event.endDate).toBe(osloDate(booking?.['ends_at']));
      } else {
        expect(event.start).toBe(ms(booking?.['starts_at']));
        expect(event.end).toBe(ms(booking?.['ends_at']));
      }
      expect(event.status).toBe(booking?.['status'] === 'cancelled' ? 'CANCELLED' : 'CONFIRMED');
      expect(event.created).toBe(ms(booking?.['created_at']));
      expect(event.lastModified).toBeGreaterThanOrEqual(event.created ?? Infinity);
      expect(event.lastModified).toBeLessThan(windowTo);
      expect(event.attendeeName).toBe(customer?.['full_name']);
      expect(event.attendeeEmail?.toLowerCase()).toBe(customer?.['email']);
      const fields = descriptionFields(event.description);
      expect(fields['Customer']).toBe(customer?.['full_name']);
      expect(fields['Email']?.toLowerCase()).toBe(customer?.['email']);
      if (fields['Phone'] !== undefined) expect(fields['Phone']).toBe(customer?.['phone']);
      const paid = production.payments.some((p) => p['booking_id'] === booking?.['id']);
      expect(fields['Total']).toMatch(paid ? /^\d+\.\d{2} EUR$/ : /^\d+\.\d{2} EUR \(cash\)$/);
      if (fields['Total']?.split(' ')[0] !== booking?.['total']) {
        staleTotals++;
        expect(paid).toBe(true);
      }
    }
    expect(staleTotals).toBe(2);
  });

  it('writes all-day rentals as DATE values with an exclusive end, timed ones in Oslo time', () => {
    const allDay = bookingEvents.filter((e) => e.allDay);
    expect(allDay.length).toBeGreaterThan(100);
    expect(ics).toMatch(/DTSTART;VALUE=DATE:\d{8}\r\nDTEND;VALUE=DATE:\d{8}\r\n/);
    expect(ics).toMatch(/DTSTART;TZID=Europe\/Oslo:\d{8}T\d{6}\r\nDTEND;TZID=Europe\/Oslo:\d{8}T\d{6}\r\n/);
  });

  it('marks changes made during the window with LAST-MODIFIED, so a window filter finds them', () => {
    const changedSinceBackup = production.bookings.filter((b) => {
      const old = backup.bookings.find((o) => o['id'] === b['id']);
      return old !== undefined && JSON.stringify(old) !== JSON.stringify(b);
    });
    for (const booking of changedSinceBackup) {
      const event = bookingEvents.find((e) => e.uid === `booking-${booking['id']}@fjordkayaks.example`);
      expect(event?.lastModified).toBeGreaterThanOrEqual(windowFrom);
    }
  });

  it('keeps the phone in most descriptions, never of the customers whose phone is unknown', () => {
    const withPhone = bookingEvents.filter((e) => descriptionFields(e.description)['Phone'] !== undefined);
    expect(withPhone.length / bookingEvents.length).toBeGreaterThan(0.5);
    for (const email of Object.keys(truth.unknownColumns['customers'] ?? {})) {
      const mine = bookingEvents.filter((e) => e.attendeeEmail?.toLowerCase() === email);
      expect(mine.length).toBeGreaterThan(0);
      for (const event of mine) expect(descriptionFields(event.description)['Phone']).toBeUndefined();
    }
  });

  it('has staff events that are not bookings: a weekly meeting edited in the window, dock maintenance', () => {
    expect(staffEvents.map((e) => e.summary).sort()).toEqual(['Dock maintenance', 'Dock maintenance', 'Weekly staff meeting']);
    const meeting = staffEvents.find((e) => e.summary === 'Weekly staff meeting');
    expect(meeting?.recurring).toBe(true);
    expect(meeting?.created).toBeLessThan(windowFrom);
    expect(meeting?.lastModified).toBeGreaterThanOrEqual(windowFrom);
    expect(ics).toContain('RRULE:FREQ=WEEKLY;BYDAY=MO');
  });
});

describe('iCalendar writing rules', () => {
  it('folds at 75 octets and never inside a multi-byte character', () => {
    const line = `DESCRIPTION:${'x'.repeat(62)}🚣ø${'y'.repeat(80)}`;
    const folded = foldLine(line).split('\r\n');
    for (const part of folded) expect(Buffer.byteLength(part, 'utf8')).toBeLessThanOrEqual(75);
    expect(folded[0]).toBe(`DESCRIPTION:${'x'.repeat(62)}`); // 74 octets: the 4-octet emoji does not fit
    expect(folded[1]?.startsWith(' 🚣ø')).toBe(true);
    expect(folded.map((p, i) => (i === 0 ? p : p.slice(1))).join('')).toBe(line);
  });

  it('escapes TEXT and parameter values', () => {
    expect(escapeText('a\\b;c,d\ne')).toBe('a\\\\b\\;c\\,d\\ne');
    expect(quoteParam('Zoë "Zo" ^_^')).toBe('"Zoë ^\'Zo^\' ^^_^^"');
  });
});

describe('writeIncidentFiles', () => {
  it('writes every export under the directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'salvage-demo-'));
    try {
      await writeIncidentFiles(incident, dir);
      for (const [path, content] of Object.entries(incident.exports)) {
        expect(await readFile(join(dir, path), 'utf8')).toBe(content);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
