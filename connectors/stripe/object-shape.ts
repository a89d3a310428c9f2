/**
 * Whether an object a Stripe list returned can be read as salvage reads it. One object
 * that cannot (a field of the wrong type, a time that is not a Unix time, no id) is
 * rejected alone, with what was wrong, and the pull goes on: a proxy that mangled one
 * object, or an API version that changed one field, must not cost the other thousands.
 */
import { createHash } from 'node:crypto';
import type { StripeObject, StripeObjectKind } from './objects.js';
import { describeValue } from '../shared/describe-value.js';

/** An object of a list page that is not rejected yet: what is known of it, and why it cannot be read. */
export interface UnreadableObject {
  /** Its id when it has a usable one: the ledger's location, and a cursor to page past it. */
  id?: string;
  /** Its creation time when readable: which time slice it belongs to. */
  created?: number;
  /** What tells it apart when it has no id: a hash of its JSON (two slices may both show it). */
  key: string;
  reason: string;
}

/**
 * Amounts (integers in the currency's smallest unit) and Unix times that mappings read
 * and transforms do arithmetic on: present and not null, they must be integers, or a
 * `"12.00"` would reach a rule as text, and a rule would write cents as euros.
 */
const INTEGER_FIELDS = [
  'amount',
  'amount_captured',
  'amount_refunded',
  'amount_total',
  'amount_subtotal',
  'amount_due',
  'amount_paid',
  'amount_remaining',
  'unit_amount',
  'application_fee_amount',
  'canceled_at',
  'cancel_at',
  'ended_at',
  'start_date',
  'current_period_start',
  'current_period_end',
  'trial_start',
  'trial_end',
  'period_start',
  'period_end',
  'due_date',
  'expires_at',
  'updated',
] as const;

/** Text fields that every object having them carries as a string (a currency code, a status, an email). */
const TEXT_FIELDS = ['currency', 'status', 'email', 'receipt_email', 'customer_email', 'description'] as const;

/** The object as read, or why it cannot be. */
export function readStripeObject(item: unknown, kind: StripeObjectKind): { object: StripeObject } | { unreadable: UnreadableObject } {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    return { unreadable: { key: digest(item), reason: `not a JSON object but ${describeValue(item)}` } };
  }
  const fields = item as Record<string, unknown>;
  const id = typeof fields.id === 'string' && fields.id !== '' ? fields.id : undefined;
  const created = typeof fields.created === 'number' && Number.isInteger(fields.created) ? fields.created : undefined;
  const unreadable = (reason: string) => ({
    unreadable: { ...(id ? { id } : {}), ...(created !== undefined ? { created } : {}), key: id ?? digest(item), reason },
  });
  if (id === undefined) return unreadable(`it has no id (id is ${describeValue(fields.id)})`);
  if (fields.object !== kind.objectName) {
    return unreadable(`its "object" is ${describeValue(fields.object)}; ${kind.path} lists "${kind.objectName}" objects`);
  }
  if (created === undefined) return unreadable(`its "created" is ${describeValue(fields.created)}, not a Unix time in seconds`);
  for (const field of INTEGER_FIELDS) {
    const value = fields[field];
    if (value !== undefined && value !== null && !(typeof value === 'number' && Number.isInteger(value))) {
      return unreadable(`its "${field}" is ${describeValue(value)}, where Stripe sends an integer${field.startsWith('amount') || field === 'unit_amount' ? ' (in the smallest currency unit)' : ' (a Unix time in seconds)'}`);
    }
  }
  for (const field of TEXT_FIELDS) {
    const value = fields[field];
    if (value !== undefined && value !== null && typeof value !== 'string') return unreadable(`its "${field}" is ${describeValue(value)}, where Stripe sends text`);
  }
  if (kind.objectName === 'event') {
    const data = fields.data as { object?: unknown } | null | undefined;
    if (typeof fields.type !== 'string') return unreadable(`its "type" is ${describeValue(fields.type)}, where Stripe sends the event's name`);
    if (data === null || typeof data !== 'object' || data.object === null || typeof data.object !== 'object' || Array.isArray(data.object)) {
      return unreadable('its "data.object" is not an object: the event does not say what it happened to');
    }
  }
  return { object: fields as StripeObject };
}

function digest(item: unknown): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(item) ?? String(item)).digest('hex').slice(0, 16)}`;
}
