import type { RecordCitation } from '../mapping/evaluate.js';

// Numeric, so that a CSV's line L94 comes before its line L100, as in the file.
const byId = new Intl.Collator('en', { numeric: true });
const byTime = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A group's members in an order that depends on what the records are, not on when a
 * connector happened to write them: sources as they come (the configured order reconcile
 * reads them in), and within one source by the record's time (oldest first, so evidence
 * reads as the story happened), then its id. A pull that runs requests
 * concurrently (Stripe's time slices) writes its records in the order the answers arrived,
 * and the first member names a row, gives the text a merged value is written as and leads
 * every evidence list: without this, the same records could make a different changeset.
 */
export function inCitationOrder<T extends { record: RecordCitation }>(members: T[]): T[] {
  if (members.length < 2) return members;
  const sourceRank = new Map<string, number>();
  for (const m of members) if (!sourceRank.has(m.record.source)) sourceRank.set(m.record.source, sourceRank.size);
  // Array.prototype.sort is stable: members of one record keep their rule order.
  return members.sort(
    (a, b) => (sourceRank.get(a.record.source) as number) - (sourceRank.get(b.record.source) as number) ||
      byTime(a.record.time, b.record.time) ||
      byId.compare(a.record.id, b.record.id),
  );
}
