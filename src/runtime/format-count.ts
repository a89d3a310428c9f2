/**
 * A count as people read it in a summary: 1,234,567, the same on every machine whatever
 * its locale; `?` for a count an older changeset did not record.
 */
export function formatCount(n: number | undefined): string {
  return n === undefined ? '?' : n.toLocaleString('en-US');
}
