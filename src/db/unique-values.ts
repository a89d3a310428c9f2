import type pg from 'pg';
import type { CatalogColumn, CatalogTable } from './catalog-types.js';
import { quoteQualified } from '../sql/identifier.js';
import { columnsRead, liveRowsByUniqueIndex, UNIQUE_INDEXES_QUERY, type UniqueIndex } from '../sql/live-queries.js';

export type { UniqueIndex };
type Row = Record<string, string | null>;

/** Rows per query: each is one array parameter per column the index reads. */
const ROWS_PER_QUERY = 1000;

/** A table's unique indexes other than its primary key, partial and expression ones included. */
export async function readUniqueIndexes(client: pg.Client, table: CatalogTable): Promise<UniqueIndex[]> {
  const rows = (await client.query<{ index_name: string; parts: string; predicate: string | null; columns: string | null }>(UNIQUE_INDEXES_QUERY, [quoteQualified(table)])).rows;
  return rows.map((r) => ({
    name: r.index_name,
    parts: JSON.parse(r.parts) as string[],
    predicate: r.predicate,
    ...(r.columns === null ? {} : { columns: JSON.parse(r.columns) as string[] }),
  }));
}

/**
 * Rows about to be written, read by position, so that a caller holding its rows as arrays
 * (a patch's hundreds of thousands) need not make an object of each.
 */
export interface CandidateRows {
  readonly length: number;
  /** The row's value for the column, or null where it gives none. */
  value(row: number, column: string): string | null;
}

function objectRows(rows: Row[]): CandidateRows {
  return { length: rows.length, value: (i, column) => rows[i]?.[column] ?? null };
}

/**
 * For each row about to be written (column -> text, absent or null where it gives
 * nothing), the database's rows that already hold one of its unique values, by each
 * unique index's own meaning (`lower(email)`, `WHERE deleted_at IS NULL`), as
 * PostgreSQL evaluates it. Keyed by the row's position in `rows`.
 */
export async function rowsSharingUniqueValues(
  client: pg.Client,
  table: CatalogTable,
  indexes: UniqueIndex[],
  candidates: Row[] | CandidateRows,
): Promise<Map<number, Array<Row & { index: string }>>> {
  const out = new Map<number, Array<Row & { index: string }>>();
  const rows = Array.isArray(candidates) ? objectRows(candidates) : candidates;
  if (rows.length === 0 || indexes.length === 0) return out;
  const stored: CatalogColumn[] = table.columns.filter((c) => !c.generated);
  for (let start = 0; start < rows.length; start += ROWS_PER_QUERY) {
    const end = Math.min(rows.length, start + ROWS_PER_QUERY);
    const values = new Map<string, Array<string | null>>();
    const column = (name: string) => {
      let list = values.get(name);
      if (!list) {
        list = [];
        for (let i = start; i < end; i++) list.push(rows.value(i, name));
        values.set(name, list);
      }
      return list;
    };
    for (const index of indexes) {
      // Only the columns the index reads are sent: a row's other values cannot change what it matches.
      const params = columnsRead(stored, index).map((c) => column(c.name));
      const result = await client.query<Row & { 'salvage ord': string }>(liveRowsByUniqueIndex(table, stored, index), params);
      for (const found of result.rows) {
        const at = start + Number(found['salvage ord']) - 1;
        const list = out.get(at) ?? [];
        list.push({ ...found, index: index.name });
        out.set(at, list);
      }
    }
  }
  return out;
}
