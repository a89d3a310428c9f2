import { DEMO_COLUMNS, type DemoTable } from '../sql/demo-schema.js';
import { withoutTrailingZeros } from '../values/trailing-zeros.js';

/**
 * What each column of the demo schema means to the grader: how two values are
 * compared, which columns point at a parent, and which row identity survives a
 * recovery (the natural key; surrogate ids of new rows come from the sequence).
 */

export type ColumnKind =
  /** A bigserial id a recovery cannot know for new rows; not compared for lost rows. */
  | { kind: 'surrogate' }
  /** An id the exports carry (bookings.id is in the calendar UID): compared. */
  | { kind: 'id' }
  | { kind: 'text' }
  | { kind: 'numeric' }
  | { kind: 'timestamp' }
  /** A foreign key, compared through the parent's natural key. */
  | { kind: 'reference'; table: DemoTable };

const surrogate: ColumnKind = { kind: 'surrogate' };
const text: ColumnKind = { kind: 'text' };
const numeric: ColumnKind = { kind: 'numeric' };
const timestamp: ColumnKind = { kind: 'timestamp' };
const references = (table: DemoTable): ColumnKind => ({ kind: 'reference', table });

export const COLUMN_KINDS: Readonly<Record<DemoTable, Readonly<Record<string, ColumnKind>>>> = {
  customers: { id: surrogate, email: text, full_name: text, phone: text, created_at: timestamp },
  bookings: {
    id: { kind: 'id' }, reference: text, customer_id: references('customers'), item: text,
    starts_at: timestamp, ends_at: timestamp, status: text, total: numeric, created_at: timestamp,
  },
  payments: {
    id: surrogate, booking_id: references('bookings'), stripe_charge_id: text, amount: numeric,
    currency: text, status: text, paid_at: timestamp,
  },
  refunds: { id: surrogate, payment_id: references('payments'), stripe_refund_id: text, amount: numeric, refunded_at: timestamp },
};

export const NATURAL_KEYS: Readonly<Record<DemoTable, string>> = {
  customers: 'email',
  bookings: 'reference',
  payments: 'stripe_charge_id',
  refunds: 'stripe_refund_id',
};

export function columnsOf(table: DemoTable): readonly string[] {
  return DEMO_COLUMNS[table];
}

export function kindOf(table: DemoTable, column: string): ColumnKind {
  return COLUMN_KINDS[table][column] ?? text;
}

/** `2026-03-02 14:02:00+00`, `2026-03-02T14:02:00Z`, `...+01:00`, `...-0530` -> epoch ms; NaN when unreadable. */
export function parseInstant(value: string): number {
  const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(value.trim());
  if (!match) return Number.NaN;
  const [, date, time, zone] = match;
  let offset = 'Z';
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    offset = `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || '00'}`;
  }
  return Date.parse(`${date}T${time}${offset}`);
}

/** A decimal's canonical spelling: `90.00`, `90.0` and `+90` all become `90`. */
export function canonicalDecimal(value: string): string | null {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(value.trim());
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return null;
  const whole = (match[2] ?? '').replace(/^0+(?=\d)/, '') || '0';
  const fraction = withoutTrailingZeros(match[3] ?? '');
  const sign = match[1] === '-' && (whole !== '0' || fraction !== '') ? '-' : '';
  return `${sign}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** Whether two values of a column mean the same (references are resolved by the caller). */
export function sameValue(kind: ColumnKind, expected: string | null, actual: string | null): boolean {
  if (expected === null || actual === null) return expected === actual;
  switch (kind.kind) {
    case 'timestamp': {
      const a = parseInstant(expected);
      const b = parseInstant(actual);
      return Number.isNaN(a) || Number.isNaN(b) ? expected === actual : a === b;
    }
    case 'numeric': {
      const a = canonicalDecimal(expected);
      const b = canonicalDecimal(actual);
      return a === null || b === null ? expected === actual : a === b;
    }
    default:
      // Text is compared byte for byte: a decomposed "ö" is not the customer's name.
      return expected === actual;
  }
}
