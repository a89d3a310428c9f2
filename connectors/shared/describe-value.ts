/**
 * What a field held, for a rejection's reason: `the text "12.00"`, `the number 12.5`,
 * `missing`, `a list`. Short enough for the ledger, and never the whole of a long value.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'string') return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `the ${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}
