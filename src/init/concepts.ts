import type { CatalogColumn, CatalogTable } from '../db/catalog-types.js';
import { columnKind } from '../mapping/value-kinds.js';

/**
 * What a column (or a source field) is about, read from its name and type. Columns
 * and fields meet through these: `customers.email` and a calendar attendee's email
 * are both `email`. A guess, always: init says which concept it saw and why.
 */
export type Concept =
  | 'email'
  | 'fullName'
  | 'firstName'
  | 'lastName'
  | 'phone'
  | 'amount'
  | 'currency'
  | 'status'
  | 'start'
  | 'end'
  | 'created'
  | 'updated'
  /** When the row's event happened (paid_at, refunded_at): the record's own time. */
  | 'happened'
  | 'title'
  | 'description'
  | 'location'
  | 'reference'
  | 'eventUid'
  | 'stripeId'
  /** A table's own single integer primary key, when a source carries it (`booking-643@host`). */
  | 'rowId';

export interface ColumnConcept {
  concept: Concept;
  /** For stripeId: the Stripe object (`charge`, `customer`...), or `any` for a bare stripe_id. */
  stripeObject?: string;
  /** For amount: the column counts minor units (cents). */
  cents?: boolean;
  /** For rowId: the table's name as a singular word (`booking` for bookings). */
  rowOf?: string;
}

/** `stripe_charge_id` -> charge. Stripe's object names, and the short forms people use in column names. */
const STRIPE_OBJECTS: Readonly<Record<string, string>> = {
  charge: 'charge',
  customer: 'customer',
  cus: 'customer',
  refund: 'refund',
  invoice: 'invoice',
  payment_intent: 'payment_intent',
  pi: 'payment_intent',
  intent: 'payment_intent',
  subscription: 'subscription',
  sub: 'subscription',
  checkout_session: 'checkout.session',
  session: 'checkout.session',
  price: 'price',
  product: 'product',
  dispute: 'dispute',
};

/** The id prefix of each Stripe object (`ch_1Abc`): how a field's values say what they are. */
export const STRIPE_ID_PREFIXES: Readonly<Record<string, string>> = {
  ch_: 'charge',
  py_: 'charge',
  cus_: 'customer',
  re_: 'refund',
  in_: 'invoice',
  pi_: 'payment_intent',
  sub_: 'subscription',
  cs_: 'checkout.session',
  price_: 'price',
  prod_: 'product',
  dp_: 'dispute',
  du_: 'dispute',
};

/** Lower-case words of a name: `starts_at` -> [starts, at], `customerEmail` -> [customer, email]. */
export function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

const has = (ws: string[], ...any: string[]) => any.some((w) => ws.includes(w));

/** A table of people: it has an email column. Its `name` is then a person's name. */
export function isPeopleTable(table: CatalogTable): boolean {
  return table.columns.some((c) => columnKind(c) === 'text' && has(words(c.name), 'email', 'mail'));
}

export function classifyColumn(column: CatalogColumn, table: CatalogTable): ColumnConcept | undefined {
  const ws = words(column.name);
  const kind = columnKind(column);
  if (kind === 'integer' && table.primaryKey.length === 1 && table.primaryKey[0] === column.name) {
    return { concept: 'rowId', rowOf: singular(words(table.name).at(-1) ?? table.name) };
  }
  const stripe = /^stripe_(.+?)(?:_id)?$/.exec(column.name.toLowerCase());
  if (stripe && (kind === 'text' || kind === 'other')) {
    const object = stripe[1] === 'id' ? 'any' : STRIPE_OBJECTS[stripe[1] ?? ''];
    if (object) return { concept: 'stripeId', stripeObject: object };
  }
  if (column.name.toLowerCase() === 'stripe_id') return { concept: 'stripeId', stripeObject: 'any' };
  // charge_id, refund_id, payment_intent: Stripe's own object names hold its ids (customer_id is too often a key of one's own).
  // (An `_id` it must have, but for payment_intent: a bare `subscription` or `invoice` may hold a plan's name or a number.)
  const bare = /^(?:(charge|refund|payment_intent|invoice|subscription|checkout_session)_id|(payment_intent))$/.exec(column.name.toLowerCase());
  if (bare && (kind === 'text' || kind === 'other') && !table.foreignKeys.some((fk) => fk.columns.includes(column.name))) {
    return { concept: 'stripeId', stripeObject: STRIPE_OBJECTS[bare[1] ?? bare[2] ?? ''] ?? 'any' };
  }

  if (kind === 'timestamp' || kind === 'date') {
    if (has(ws, 'start', 'starts', 'begin', 'begins', 'from', 'pickup', 'checkin') || isPair(ws, ['pick', 'picked'], ['up']) || column.name === 'scheduled_at' || column.name === 'appointment_at') return { concept: 'start' };
    if (has(ws, 'end', 'ends', 'until', 'finish', 'finishes', 'return', 'dropoff', 'checkout') || isPair(ws, ['drop'], ['off'])) return { concept: 'end' };
    if (has(ws, 'created', 'inserted', 'registered', 'creation', 'booked', 'signed')) return { concept: 'created' };
    if (has(ws, 'updated', 'modified', 'changed')) return { concept: 'updated' };
    if (column.notNull && isEventTime(ws)) return { concept: 'happened' };
    return undefined;
  }
  if (kind === 'integer' || kind === 'decimal') {
    const cents = has(ws, 'cents', 'minor');
    if (cents || has(ws, 'amount', 'total', 'price', 'sum', 'fee', 'cost', 'paid', 'due', 'balance', 'subtotal', 'net', 'gross')) {
      // An integer amount is read as cents: money in whole units rarely fits an integer.
      return { concept: 'amount', cents: kind === 'integer' };
    }
    return undefined;
  }
  if (kind !== 'text' && kind !== 'other') return undefined;
  if (has(ws, 'email', 'mail')) return { concept: 'email' };
  if (has(ws, 'phone', 'mobile', 'telephone', 'tel', 'cell')) return { concept: 'phone' };
  if (has(ws, 'currency', 'ccy')) return { concept: 'currency' };
  if (has(ws, 'status', 'state')) return { concept: 'status' };
  if (isPair(ws, ['first', 'given'], ['name']) || column.name === 'firstname') return { concept: 'firstName' };
  if (isPair(ws, ['last', 'family', 'sur'], ['name']) || column.name === 'lastname' || column.name === 'surname') return { concept: 'lastName' };
  if (ws.includes('name')) return nameConcept(ws, table);
  if (has(ws, 'uid') || (ws.includes('event') && ws.includes('id'))) return { concept: 'eventUid' };
  if (has(ws, 'title', 'summary', 'subject')) return { concept: 'title' };
  if (has(ws, 'description', 'notes', 'note', 'comment', 'comments', 'details', 'body', 'message')) return { concept: 'description' };
  if (has(ws, 'location', 'place', 'room', 'venue')) return { concept: 'location' };
  if (has(ws, 'reference', 'ref', 'code', 'confirmation', 'number', 'no')) return { concept: 'reference' };
  return undefined;
}

/** bookings -> booking, categories -> category, addresses -> address. */
export function singular(word: string): string {
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (/(?:ss|sh|ch|x)es$/.test(word)) return word.slice(0, -2);
  return word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word;
}

/** `customer_name`, `full_name`, `display_name` are a person's; `product_name` is not. */
function nameConcept(ws: string[], table: CatalogTable): ColumnConcept {
  if (has(ws, 'full', 'display', 'customer', 'patient', 'client', 'contact', 'guest', 'member', 'holder', 'card')) return { concept: 'fullName' };
  return isPeopleTable(table) ? { concept: 'fullName' } : { concept: 'title' };
}

function isPair(ws: string[], first: string[], second: string[]): boolean {
  return ws.some((w, i) => first.includes(w) && second.includes(ws[i + 1] ?? ''));
}

/** paid_at, refunded_at, sent_on, issued_at: a past participle (or paid/sent) before at/on. */
function isEventTime(ws: string[]): boolean {
  const last = ws[ws.length - 1];
  const verb = ws[ws.length - 2];
  if (last !== 'at' && last !== 'on' && last !== 'time' && last !== 'date') return false;
  if (verb === undefined || has(ws, 'due', 'expires', 'expiry', 'birth', 'valid', 'scheduled')) return false;
  return verb.endsWith('ed') || ['paid', 'sent', 'made', 'done', 'taken', 'given'].includes(verb);
}

/** Write-time columns: where a table says when its rows were written. */
export function isWriteTimeColumn(column: CatalogColumn, table: CatalogTable): boolean {
  const concept = classifyColumn(column, table)?.concept;
  if (concept === 'created' || concept === 'updated' || concept === 'happened') return true;
  const kind = columnKind(column);
  return (kind === 'timestamp' || kind === 'date') && isEventTime(words(column.name));
}
