import { quoteIdent, quoteQualified, type QualifiedName } from './identifier.js';
import { literal, type SqlValue } from './literal.js';

/**
 * Puts rows back that a statement is about to delete, in the safety copy. A plain
 * INSERT (no ON CONFLICT): if a row with that key exists again by the time someone
 * restores, the restore must stop and say so, not skip the row. Values are the
 * server's own text forms, so untyped literals convert back exactly.
 */
export function reinsertRows(table: QualifiedName, columns: string[], rows: SqlValue[][], overridingSystemValue: boolean): string {
  const lines = [`INSERT INTO ${quoteQualified(table)} (${columns.map(quoteIdent).join(', ')})${overridingSystemValue ? ' OVERRIDING SYSTEM VALUE' : ''} VALUES`];
  rows.forEach((row, i) => lines.push(`  (${row.map((v) => literal(v)).join(', ')})${i < rows.length - 1 ? ',' : ';'}`));
  return lines.join('\n');
}
