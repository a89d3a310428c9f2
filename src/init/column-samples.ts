import type pg from 'pg';
import type { CatalogTable } from '../db/catalog-types.js';
import { columnSampleQuery } from '../sql/init-queries.js';
import { columnValues, type ColumnValues } from './value-match.js';

/** Rows read per table: enough to recognise a field's values, one bounded read however large the table. */
export const COLUMN_SAMPLE_ROWS = 5000;
const MAX_TEXT = 200;

/** Types whose text says nothing a record field could equal. */
const UNSAMPLED_TYPES = new Set(['json', 'jsonb', 'bytea', 'xml', 'tsvector', 'bool']);

/** A table's sampled values by column, and how many rows the sample read. */
export interface TableSample {
  rows: number;
  columns: Map<string, ColumnValues>;
}

/**
 * Reads a bounded sample of a table's existing values, newest rows first (by its
 * newest write-time column, else its primary key): the backup's own evidence of
 * what each column holds, which init measures the sources' fields against.
 */
export async function sampleColumns(client: pg.Client, table: CatalogTable, newestColumn: string | undefined): Promise<TableSample> {
  const columns = table.columns.filter((c) => !c.generated && !UNSAMPLED_TYPES.has(c.typeName) && !c.type.endsWith('[]'));
  if (columns.length === 0) return { rows: 0, columns: new Map() };
  const orderBy = newestColumn ?? (table.primaryKey.length === 1 ? table.primaryKey[0] : undefined);
  const result = await client.query(columnSampleQuery(table, columns.map((c) => c.name), orderBy), [COLUMN_SAMPLE_ROWS]);
  const rows = result.rows as Array<Record<string, string | null>>;
  const sampled = new Map<string, ColumnValues>();
  columns.forEach((column, i) => {
    // Long texts (notes, descriptions) are no key any field would equal, and would only fill memory.
    const texts = rows.map((r) => r[`v_${i}`]).filter((v): v is string => typeof v === 'string' && v.length <= MAX_TEXT);
    sampled.set(column.name, columnValues(column, texts));
  });
  return { rows: rows.length, columns: sampled };
}
