import type { Catalog, CatalogColumn } from '../db/catalog-types.js';
import { findTable, tableKey } from '../db/catalog.js';
import type { Problem } from '../errors.js';
import type { MappingSet } from './types.js';

/**
 * Columns that will silently read "now": NOT NULL with a default like `now()` or
 * `CURRENT_TIMESTAMP`, and no rule of the table filling them. Every recovered new row
 * would get the time the patch is applied as its `created_at`, a plausible-looking value
 * nobody questions later. Not an error (the insert succeeds, and for some columns the
 * apply time is right), so `check` warns once per table, naming the columns.
 */
export function nowDefaultWarnings(mappings: MappingSet, catalog: Catalog): Problem[] {
  const warnings: Problem[] = [];
  for (const mapping of mappings.tables) {
    const table = findTable(catalog, mapping.table);
    if (!table) continue;
    const filled = new Set(mapping.rules.flatMap((r) => r.columns.map((c) => c.column)));
    const silent = table.columns.filter((c) => c.notNull && !c.generated && isClockDefault(c) && !filled.has(c.name));
    if (silent.length === 0) continue;
    const [first] = silent;
    const listed = silent.map((c) => `${c.name} (${c.type}, DEFAULT ${c.default ?? ''})`).join(', ');
    const example = first ? `${first.name}: { from: createdAt, transform: [timestamp] } with merge: { ${first.name}: min }` : '';
    warnings.push({
      file: mapping.positions.table.file,
      line: mapping.positions.table.line,
      column: mapping.positions.table.column,
      message:
        `${tableKey(table)}: no rule fills ${listed}: every new row would get the time the patch is applied. ` +
        `Map the earliest evidence of the row instead, e.g. ${example} (min keeps the earliest time any source gives)`,
    });
  }
  return warnings;
}

/**
 * A default read from the clock. Matched on the catalog's own text (`now()`,
 * `CURRENT_TIMESTAMP`, `timezone('utc'::text, now())`...), with one alternation and no
 * nested repetition, so it runs in linear time.
 */
const CLOCK = /\b(?:now|clock_timestamp|statement_timestamp|transaction_timestamp)\s*\(|\b(?:current_timestamp|current_date|current_time|localtimestamp|localtime)\b/i;

/** SQL string literals ('it''s'); their alternatives start differently, so no backtracking. */
const LITERAL = /'(?:[^']|'')*'/g;

export function isClockDefault(column: Pick<CatalogColumn, 'default'>): boolean {
  // A quoted 'now()' is text, not a call.
  return column.default !== null && CLOCK.test(column.default.replace(LITERAL, "''"));
}
