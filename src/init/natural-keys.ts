import type { CatalogTable } from '../db/catalog-types.js';

/**
 * The column sets that name one row of a table for init: its UNIQUE constraints and
 * unique indexes, and also those unique among live rows only (a partial index
 * `WHERE deleted_at IS NULL`, as soft deletes use), which reconcile matches and looks
 * rows up by too, saying when a soft-deleted row makes a value ambiguous.
 */
export function naturalKeys(table: CatalogTable): string[][] {
  const keys = [...table.uniqueKeys];
  for (const conditional of table.conditionalUniqueKeys ?? []) {
    if (!conditional.partial || conditional.columns.length === 0) continue;
    if (!keys.some((k) => k.join('\u0000') === conditional.columns.join('\u0000'))) keys.push(conditional.columns);
  }
  return keys;
}
