import type { Catalog, CatalogColumn } from '../db/catalog-types.js';
import { findTable } from '../db/catalog.js';
import { toColumnText } from '../values/normalize.js';
import type { ColumnFit } from './rule-stats.js';

/**
 * What reconcile will make of a rule's value in its column, known before reconcile:
 * the same conversion (toColumnText), so an e-mail mapped into a numeric column, a
 * text longer than its varchar, or an amount with digits the column would round away
 * shows up per rule in `salvage check`, not only as unrecoverable rows later.
 */
export function columnFit(catalog: Catalog): ColumnFit {
  const tables = new Map<string, Map<string, CatalogColumn> | undefined>();
  return (table, column, value) => {
    let columns = tables.get(table);
    if (!tables.has(table)) {
      const found = findTable(catalog, table);
      columns = found && new Map(found.columns.map((c) => [c.name, c]));
      tables.set(table, columns);
    }
    const meta = columns?.get(column);
    if (!meta) return undefined;
    const converted = toColumnText(meta, value);
    return converted.ok ? undefined : converted.error;
  };
}
