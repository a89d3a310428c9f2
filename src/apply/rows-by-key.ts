import type pg from 'pg';
import type { CatalogColumn, CatalogTable } from '../db/catalog-types.js';
import { comparisonKey } from '../values/normalize.js';
import { selectRowsByKey, type KeyConstant } from '../sql/apply-session.js';

export type Row = Record<string, string | null>;

/** Keys per query: a patch's staged block holds up to 100,000, and one IN list of them all plans slowly. */
const KEYS_PER_QUERY = 1000;

/** The target's rows (every stored column) behind these primary keys, locked FOR UPDATE when asked. */
export async function readRowsByKey(client: pg.Client, table: CatalogTable, keys: KeyConstant[][], lock: boolean): Promise<Row[]> {
  const columns = table.columns.filter((c) => !c.generated).map((c) => c.name);
  const rows: Row[] = [];
  for (let i = 0; i < keys.length; i += KEYS_PER_QUERY) {
    const result = await client.query<Row>(selectRowsByKey(table, columns, table.primaryKey, keys.slice(i, i + KEYS_PER_QUERY), lock));
    for (const row of result.rows) rows.push(row);
  }
  return rows;
}

/** A primary key as PostgreSQL compares it (`007` = `7`), to pair the rows read back with the keys asked for. */
export function primaryKeyText(table: CatalogTable): (values: Array<string | null>) => string {
  const columns = table.primaryKey.map((name) => table.columns.find((c) => c.name === name) as CatalogColumn);
  const [single] = columns;
  if (single && columns.length === 1) return (values) => comparisonKey(single, values[0] ?? null);
  return (values) => columns.map((c, i) => comparisonKey(c, values[i] ?? null)).join('\u0001');
}
