import type { ChangeKind, Changeset, TableCounts } from '../changeset/changeset.js';

export interface SummaryRow {
  table: string;
  counts: TableCounts;
}

/** One row per table with its counts; tables only the changes mention are counted from the changes. */
export function summaryRows(changeset: Pick<Changeset, 'tables' | 'changes'>): SummaryRow[] {
  return summaryRowsOf(changeset.tables, changeset.changes);
}

/** summaryRows from the tables' summaries and each change's table and kind (all a summary needs of a change). */
export function summaryRowsOf(tables: Changeset['tables'], changes: Iterable<{ table: string; kind: ChangeKind }>): SummaryRow[] {
  const rows = tables.map((t) => ({ table: t.table, counts: t.counts }));
  const known = new Set(rows.map((r) => r.table));
  for (const change of changes) {
    if (known.has(change.table)) continue;
    let row = rows.find((r) => r.table === change.table);
    if (!row) rows.push((row = { table: change.table, counts: { insert: 0, update: 0, unchanged: 0, conflict: 0, unrecoverable: 0 } }));
    row.counts[change.kind] += 1;
  }
  return rows;
}

export function countsTotal(rows: SummaryRow[]): TableCounts {
  const total: TableCounts = { insert: 0, update: 0, unchanged: 0, conflict: 0, unrecoverable: 0 };
  for (const { counts } of rows) {
    for (const key of Object.keys(total) as Array<keyof TableCounts>) total[key] += counts[key];
  }
  return total;
}

/**
 * `record[key]` for the record's own keys only: a column named `constructor` or
 * `toString` must not find Object.prototype's member in a map that lacks it.
 */
export function own<T>(record: Record<string, T> | undefined, key: string): T | undefined {
  return record !== undefined && Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}
