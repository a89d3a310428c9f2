/**
 * Pairs a source's status values with the values a column allows: the same word
 * (`Refunded` -> `refunded`, `Partially Refunded` -> `partially_refunded`), or a word
 * that means the same in payment and booking systems (`Paid` -> `succeeded`). A value
 * with no counterpart is left unmapped, never forced onto the nearest one.
 */
const SYNONYMS: readonly string[][] = [
  ['succeeded', 'paid', 'success', 'successful', 'captured', 'complete', 'completed', 'settled'],
  ['cancelled', 'canceled', 'void', 'voided'],
  ['confirmed', 'booked', 'accepted', 'scheduled'],
  ['pending', 'processing', 'awaiting'],
  ['failed', 'declined', 'failure'],
  ['noshow', 'missed'],
];

const normal = (value: string) => value.toLowerCase().replace(/[^a-z0-9]/g, '');

export interface StatusMap {
  /** source value -> column value */
  values: Record<string, string>;
  /** Source values with no counterpart. */
  unmapped: string[];
}

export function mapStatusValues(sourceValues: readonly string[], allowed: readonly string[]): StatusMap {
  const values: Record<string, string> = {};
  const unmapped: string[] = [];
  for (const value of sourceValues) {
    const match = allowed.find((a) => normal(a) === normal(value)) ?? allowed.find((a) => sameMeaning(a, value));
    if (match === undefined) unmapped.push(value);
    else values[value] = match;
  }
  return { values, unmapped };
}

function sameMeaning(a: string, b: string): boolean {
  return SYNONYMS.some((group) => group.includes(normal(a)) && group.includes(normal(b)));
}
