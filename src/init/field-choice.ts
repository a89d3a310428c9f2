import type { CatalogColumn } from '../db/catalog-types.js';
import { words, type ColumnConcept, type Concept } from './concepts.js';
import type { SourceField } from './families.js';

/**
 * Which of a family's fields could fill a column, best first: the same concept
 * (an email for an email column), then a name that matches (`Item` for `item`).
 * A field read out of free text ranks after a field of its own; a record's own
 * Stripe id only ever fills a Stripe id column.
 */
export function fieldsFor(column: CatalogColumn, concept: ColumnConcept | undefined, fields: readonly SourceField[]): SourceField[] {
  const scored = fields.flatMap((field) => {
    const fit = fitOf(column, concept, field);
    return fit === 0 ? [] : [{ field, fit }];
  });
  scored.sort(
    (a, b) =>
      b.fit - a.fit ||
      Number(a.field.extract?.fromText === true) - Number(b.field.extract?.fromText === true) ||
      labelAffinity(column.name, b.field.label) - labelAffinity(column.name, a.field.label) ||
      a.field.label.length - b.field.label.length,
  );
  return scored.map((s) => s.field);
}

/** 0: does not fit; 3: same concept; 2: related concept; 1: only the names match. */
function fitOf(column: CatalogColumn, concept: ColumnConcept | undefined, field: SourceField): number {
  if (concept?.concept === 'stripeId') {
    if (field.concept !== 'stripeId') return 0;
    if (field.stripeObject === concept.stripeObject) return 3;
    return concept.stripeObject === 'any' && field.ownId ? 3 : 0;
  }
  if (concept?.concept === 'rowId' || field.concept === 'rowId') {
    return concept?.concept === 'rowId' && field.concept === 'rowId' && field.rowOf === concept.rowOf ? 3 : 0;
  }
  if (field.ownId) return 0;
  if (concept !== undefined && field.concept !== undefined) {
    if (field.concept === concept.concept) return 3;
    if (related(concept.concept, field.concept)) return 2;
  }
  // Names alone: the same words, or a field of no known meaning whose words are among the column's.
  if (field.concept === 'stripeId') return 0;
  const affinity = labelAffinity(column.name, field.label);
  return affinity === 3 || (affinity === 2 && field.concept === undefined) ? 1 : 0;
}

function related(column: Concept, field: Concept): boolean {
  if (column === 'happened' && field === 'created') return true;
  if ((column === 'firstName' || column === 'lastName') && field === 'fullName') return true;
  return false;
}

const ABBREVIATIONS: Readonly<Record<string, string>> = {
  ref: 'reference',
  qty: 'quantity',
  amt: 'amount',
  desc: 'description',
  no: 'number',
  num: 'number',
  tel: 'phone',
  addr: 'address',
};
/** Words that say nothing about what a column holds. */
const FILLER = new Set(['id', 'at', 'on', 'the', 'of', 'metadata', 'utc', 'data']);
/** Words too common to match on alone: `date` is not `date_of_birth`. */
const GENERIC = new Set(['date', 'time', 'name', 'type', 'value', 'number', 'code', 'text', 'amount', 'status', 'kind']);

function meaningfulWords(name: string): string[] {
  return words(name)
    .map((w) => ABBREVIATIONS[w] ?? w)
    .filter((w) => !FILLER.has(w));
}

/** 3: the same words; 2: one's words all in the other's; 0: otherwise. */
export function labelAffinity(columnName: string, label: string): number {
  const a = meaningfulWords(columnName);
  const b = meaningfulWords(label);
  if (a.length === 0 || b.length === 0) return 0;
  if (a.join(' ') === b.join(' ')) return 3;
  const [shorter, longer] = a.length <= b.length ? [a, b] : [b, a];
  if (shorter.every((w) => GENERIC.has(w))) return 0;
  return shorter.every((w) => longer.includes(w)) ? 2 : 0;
}
