import type { CatalogTable } from '../db/catalog-types.js';
import { classifyColumn, words, type ColumnConcept } from './concepts.js';
import type { RecordFamily } from './families.js';
import { fieldsFor } from './field-choice.js';
import type { LossVerdict } from './backup-end.js';
import { describeScore, MIN_MATCHES, type Evidence, type FieldScore } from './evidence.js';
import { naturalKeys } from './natural-keys.js';
import type { Anchor } from './plan-types.js';

/**
 * Whether a family's records describe rows of a table, and how surely. Without an
 * anchor a family writes no rule for the table, however many column names happen
 * to match: a refund's amount is not a payment's.
 *   3: the records' own Stripe id fills the table's Stripe id column, or calendar
 *      events meet a table with a start and an end;
 *   2: the table is named for what the records are (`payments` for Stripe charges);
 *   1: the records carry the table's unique key (a customer's email, a booking reference).
 */
export function anchorOf(table: CatalogTable, family: RecordFamily): Anchor | undefined {
  const concepts = table.columns.map((column) => ({ column, concept: classifyColumn(column, table) }));
  const named = (c: string) => concepts.find((x) => x.concept?.concept === c)?.column.name;

  if (family.ownObject) {
    const owns = concepts.filter((x) => x.concept?.concept === 'stripeId' && x.concept.stripeObject === family.ownObject);
    // A unique column holds a row's own id; a plain one (a refund's charge_id) points at another object.
    const unique = (name: string) => naturalKeys(table).some((k) => k.length === 1 && k[0] === name) || (table.primaryKey.length === 1 && table.primaryKey[0] === name);
    const uniqueStripe = concepts.some((x) => x.concept?.concept === 'stripeId' && unique(x.column.name));
    const own = owns.find((x) => unique(x.column.name)) ?? (uniqueStripe ? undefined : owns[0]);
    if (own) return { strength: 3, why: `its records' own Stripe ids fill ${own.column.name}` };
  }
  const start = named('start');
  const end = named('end');
  if (family.thing === 'event' && start && end) {
    return { strength: 3, why: `a table with a start and an end (${start}, ${end}) is what calendar events describe` };
  }
  const stripeColumns = concepts.filter((x) => x.concept?.concept === 'stripeId');
  if (stripeColumns.length === 0 && namedFor(table, family)) {
    return { strength: 2, why: `the table is named for what these records are (${family.describe})` };
  }
  for (const key of naturalKeys(table)) {
    if (carriesKey(table, family, key, concepts)) {
      return { strength: 1, why: `its records carry ${key.join(', ')}, the table's unique key` };
    }
  }
  return undefined;
}

/**
 * What the backup's rows say about an anchor. A family none of whose sampled records
 * is a row the table has (by any of its unique keys) does not describe it when its
 * records are rows of another table (patients are not practitioners) or the table
 * probably lost nothing; otherwise its records may all be lost rows, and the anchor
 * stands, saying so. Own ids anchor whatever the overlap (a table whose every row was
 * lost matches nothing). A family whose every record is a row the table has adds
 * nothing to a table that probably lost none. Without a sample, the name-based
 * anchor stands.
 */
export function judgeAnchor(
  table: CatalogTable,
  family: RecordFamily,
  named: Anchor | undefined,
  context: { evidence: Evidence; verdict: LossVerdict | undefined; tables: readonly CatalogTable[] },
): { anchor?: Anchor; veto?: string } {
  const { evidence, verdict } = context;
  const overlap = evidence.rowOverlap(table, family);
  if (!overlap) return named ? { anchor: named } : {};
  if (overlap.matched < MIN_MATCHES) {
    if (!named || named.strength === 3) return named ? { anchor: named } : {};
    const none = `none of the ${overlap.of} sampled ${family.describe} is a row it has (by ${overlap.column})`;
    const elsewhere = context.tables
      .filter((t) => t !== table)
      .map((t) => evidence.rowOverlap(t, family))
      .find((o): o is FieldScore => o !== undefined && o.matched >= MIN_MATCHES);
    if (elsewhere) return { veto: `${none}: they are rows of another table (${describeScore(elsewhere)} by ${elsewhere.path})` };
    if (verdict === 'unlikely') return { veto: `${none}, and it probably lost none` };
    return { anchor: { ...named, why: `${named.why}; none of the ${overlap.of} sampled records is a row the backup has yet: lost rows, or not its rows at all` } };
  }
  const rows = `${describeScore(overlap)} (from ${overlap.path})`;
  if (verdict === 'unlikely' && named?.strength !== 3 && overlap.matched === overlap.of) {
    return { veto: `every sampled value of ${family.describe} is a row it has (${rows}) and it probably lost none: they are for lookups, not new rows` };
  }
  // A record that carries a row's key may only point at it (a refund carries its charge's id): evidence confirms an anchor, never makes one.
  return named ? { anchor: { ...named, why: `${named.why}; ${rows}` } } : {};
}

/** Table-name words (singular) that name what each kind of record is. */
const TABLE_WORDS: Readonly<Partial<Record<RecordFamily['thing'], string[]>>> = {
  charge: ['payment', 'charge', 'transaction'],
  refund: ['refund'],
  invoice: ['invoice', 'bill'],
  customer: ['customer', 'client', 'patient', 'member', 'user', 'person', 'people', 'contact', 'guest'],
  subscription: ['subscription', 'membership'],
  event: ['booking', 'appointment', 'reservation', 'event', 'session', 'lesson', 'visit'],
};

function namedFor(table: CatalogTable, family: RecordFamily): boolean {
  const wanted = TABLE_WORDS[family.thing] ?? [];
  return words(table.name).some((w) => wanted.includes(w.replace(/(?:ies)$/, 'y').replace(/s$/, '')));
}

/**
 * Stripe objects other than those that name a person by email are not a table's
 * natural-key evidence: a payment intent's receipt email does not make it a customer.
 */
const STRIPE_PEOPLE_SOURCES = new Set(['charge', 'customer', 'invoice', 'checkout.session']);

function carriesKey(
  table: CatalogTable,
  family: RecordFamily,
  key: string[],
  concepts: Array<{ column: { name: string }; concept: ColumnConcept | undefined }>,
): boolean {
  return key.every((name) => {
    const column = table.columns.find((c) => c.name === name);
    const concept = concepts.find((x) => x.column.name === name)?.concept;
    if (!column) return false;
    // A Stripe id of another object is a reference to it, not this row's identity.
    if (concept?.concept === 'stripeId') return false;
    if (family.type.startsWith('stripe.') && !(concept?.concept === 'email' && STRIPE_PEOPLE_SOURCES.has(family.ownObject ?? ''))) return false;
    return fieldsFor(column, concept, family.fields).length > 0;
  });
}
