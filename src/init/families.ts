import type { SourceRecord } from '../records/envelope.js';
import type { Concept } from './concepts.js';

/**
 * What init knows about the records a source will produce, before any pull: one
 * family per record shape (calendar events, Stripe charges, the rows of one CSV
 * export...), with the fields its records carry. A starter rule is written per
 * (table, family) that fits.
 */

/** The shape of a field's values, which decides its transforms. */
export type ValueKind =
  | 'text'
  | 'personName'
  | 'email'
  | 'phone'
  /** Money in major units, as text or number: 45.00 */
  | 'decimal'
  /** Money in minor units: 4500 (Stripe) */
  | 'cents'
  | 'integer'
  /** An instant with an offset or Z: 2026-03-01T10:00:00+01:00 */
  | 'instant'
  /** A calendar time: an instant, or a bare date for all-day events */
  | 'eventTime'
  /** A date and time with no zone: 2026-03-01 10:00:00 */
  | 'wallTime'
  | 'unixSeconds'
  | 'date'
  | 'currency'
  | 'boolean'
  | 'stripeId'
  | 'status';

/**
 * A value inside another field, read with an optional extract: a `Total: 35.00 EUR`
 * line of a description, the `643` of a UID `booking-643@host`. The pattern is
 * `before(?<capture>value)after`; the capture's name is given per rule.
 */
export interface Extraction {
  /** The field it is found in, e.g. `data.description`. */
  from: string;
  before: string;
  value: string;
  after: string;
  flags: string;
  /** Read out of free text, where a template may change: ranks after a field of its own. */
  fromText: boolean;
  /** In how many sampled records it was seen, of how many. */
  seen: number;
  of: number;
}

export interface SourceField {
  /** A record path (`data.attendees[0].email`); for an extraction, the field it is read from. */
  path: string;
  /** Set when the value is part of another field (a `Label: value` line, a number in a UID). */
  extract?: Extraction;
  /** For rowId: the table (a singular word, `booking`) whose primary key the value is. */
  rowOf?: string;
  /** What the source calls it: matched against column names, shown in comments. */
  label: string;
  concept?: Concept;
  /** The Stripe object its values are ids of (`charge` for ch_...). */
  stripeObject?: string;
  /** The record's own id (a charge's `ch_...`), as opposed to an id it points at. */
  ownId?: boolean;
  kind: ValueKind;
  /** For decimal: written with a decimal comma (45,00). */
  comma?: boolean;
  /** For wallTime: the zone the source writes in, when it says so (a header "Created (UTC)"). */
  zone?: string;
  /** For status fields: the values it takes (known from the source's docs, or sampled). */
  values?: string[];
  /** Why this field means what it is said to mean, for the comment next to the guess. */
  why: string;
}

export type FamilyThing =
  | 'event'
  | 'message'
  | 'charge'
  | 'refund'
  | 'customer'
  | 'invoice'
  | 'payment_intent'
  | 'subscription'
  | 'checkout.session'
  | 'row';

export interface RecordFamily {
  /** The rule name: `calendar-event`, `stripe-charge`, `payments-row`. */
  name: string;
  /** The record type the rule selects (`calendar.event`, `stripe.charge`, `csv.row`). */
  type: string;
  sources: string[];
  /** For comments: `calendar events`, `Stripe charges`, `rows of exports/payments.csv`. */
  describe: string;
  thing: FamilyThing;
  /** The Stripe object whose ids are these records' own ids. */
  ownObject?: string;
  fields: SourceField[];
  /**
   * By a field's path: where the sample shows its value repeated when it is missing
   * (a reference inside a description). Read as the second `from` of the same column.
   */
  fallbacks?: Map<string, SourceField>;
  /** Where the field list comes from: the source's documented shape, or sampled records. */
  evidence: string;
  /** The sampled records of this shape (pulled, or read from exports): what fields are measured by. */
  sample?: SourceRecord[];
  /**
   * Set when not every record of this family is about the tables' rows (most emails
   * are not from customers): the rule gets a TODO condition to say which are.
   */
  needsSelection?: string;
}
