import { tableKey } from '../db/catalog.js';
import type { CatalogTable } from '../db/catalog-types.js';
import { sqlComment } from '../sql/dml.js';
import { reinsertRows } from '../sql/restore.js';
import type { DriftReport } from './drift.js';
import type { PatchStatement } from './patch-statements.js';
import { primaryKeyText, type Row } from './rows-by-key.js';

const ROWS_PER_INSERT = 1000;

/**
 * An UPDATE cannot bring back a row that undo deletes. The safety copy splits the
 * rows about to change: those a DELETE removes are written back as INSERTs (parents
 * before children: undo deletes children first), the rest as UPDATEs.
 */
export function splitDeleted(current: DriftReport['current'], statements: PatchStatement[]): { deleted: DriftReport['current']; kept: DriftReport['current'] } {
  const deletes = new Map<string, Array<Map<string, string | null>>>();
  for (const s of statements) {
    if (s.kind !== 'delete') continue;
    const list = deletes.get(tableKey(s.table)) ?? [];
    for (const row of s.rows) list.push(new Map(row.key));
    deletes.set(tableKey(s.table), list);
  }
  // The statement's key text and the row's may spell one value differently (007, 7): compare them as PostgreSQL does.
  const deletedKeys = new Map<CatalogTable, Set<string>>();
  const keysOf = (table: CatalogTable): Set<string> => {
    let keys = deletedKeys.get(table);
    if (!keys) {
      const keyOf = primaryKeyText(table);
      keys = new Set((deletes.get(tableKey(table)) ?? []).map((key) => keyOf(table.primaryKey.map((c) => key.get(c) ?? null))));
      deletedKeys.set(table, keys);
    }
    return keys;
  };
  const deleted: DriftReport['current'] = [];
  const kept: DriftReport['current'] = [];
  for (const item of current) {
    const keyOf = primaryKeyText(item.table);
    const gone = deletes.has(tableKey(item.table)) && keysOf(item.table).has(keyOf(item.table.primaryKey.map((c) => item.row[c] ?? null)));
    (gone ? deleted : kept).push(item);
  }
  return { deleted, kept };
}

/** INSERT statements that put the deleted rows back, parents first. */
export function reinsertDeleted(deleted: DriftReport['current']): string[] {
  const groups = new Map<CatalogTable, Row[]>();
  for (const { table, row } of deleted) {
    const rows = groups.get(table);
    if (rows) rows.push(row);
    else groups.set(table, [row]);
  }
  const lines: string[] = [];
  for (const [table, rows] of [...groups].reverse()) {
    const columns = table.columns.filter((c) => !c.generated);
    const overriding = columns.some((c) => c.identity === 'a');
    lines.push(sqlComment(`${tableKey(table)}: ${rows.length} row(s) that undo deletes`));
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
      const chunk = rows.slice(i, i + ROWS_PER_INSERT).map((row) => columns.map((c) => row[c.name] ?? null));
      lines.push(reinsertRows(table, columns.map((c) => c.name), chunk, overriding));
    }
  }
  return lines;
}
