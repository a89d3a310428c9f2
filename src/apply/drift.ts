import type pg from 'pg';
import { tableKey } from '../db/catalog.js';
import type { Catalog, CatalogColumn, CatalogTable } from '../db/catalog-types.js';
import { findExactTable } from '../db/table-names.js';
import { SafetyRefusal } from '../errors.js';
import { comparisonKey } from '../reconcile/normalize.js';
import { selectRowsByKey, type KeyConstant } from '../sql/apply-session.js';
import type { PatchStatement } from './patch-statements.js';

export type Row = Record<string, string | null>;

export interface DriftReport {
  /** One line per row that is no longer as the changeset saw it. */
  drifts: string[];
  /** The rows the patch will change, as they are right now (for the safety copy). */
  current: Array<{ table: CatalogTable; row: Row }>;
}

const CHUNK = 1000;

/**
 * Before anything is written, inside the transaction: every row the patch
 * updates (or undo removes) still holds the values its guards expect, and every
 * row it inserts is still absent. The rows are locked FOR UPDATE, so nothing can
 * change between this check and the write.
 */
export async function checkDrift(client: pg.Client, catalog: Catalog, statements: PatchStatement[], file: string): Promise<DriftReport> {
  const report: DriftReport = { drifts: [], current: [] };
  const tableFor = (name: { schema: string; name: string }, line: number): CatalogTable => {
    const table = findExactTable(catalog, name.schema, name.name);
    if (!table) throw new SafetyRefusal(`${file}:${line}: the target database has no table ${name.schema}.${name.name}. Nothing was written.`);
    return table;
  };

  const expectations = new Map<string, { table: CatalogTable; present: Array<{ key: KeyConstant[]; guards: Array<[string, KeyConstant]> }>; absent: KeyConstant[][] }>();
  const entry = (table: CatalogTable) => {
    const k = tableKey(table);
    let e = expectations.get(k);
    if (!e) expectations.set(k, (e = { table, present: [], absent: [] }));
    return e;
  };

  for (const s of statements) {
    if (s.kind === 'update' || s.kind === 'delete') {
      const table = tableFor(s.table, s.line);
      const pk = table.primaryKey;
      for (const row of s.rows) {
        const keyed = new Map(row.key);
        if (pk.length === 0 || pk.length !== row.key.length || !pk.every((c) => keyed.has(c))) {
          throw new SafetyRefusal(
            `${file}:${s.line}: this ${s.kind.toUpperCase()} is not keyed by the primary key of ${tableKey(table)} (${pk.join(', ') || 'none'}). Nothing was written.`,
          );
        }
        entry(table).present.push({ key: pk.map((c) => keyed.get(c) ?? null), guards: row.guards });
      }
    } else if (s.kind === 'insert') {
      const table = tableFor(s.table, s.line);
      const positions = table.primaryKey.map((c) => s.columns.indexOf(c));
      if (positions.length === 0 || positions.some((p) => p < 0)) {
        throw new SafetyRefusal(`${file}:${s.line}: this INSERT does not give the primary key of ${tableKey(table)}. Nothing was written.`);
      }
      for (const row of s.rows) entry(table).absent.push(positions.map((p) => (typeof row[p] === 'string' ? (row[p] as string) : null)));
    }
  }

  for (const { table, present, absent } of expectations.values()) {
    const columns = new Map(table.columns.map((c) => [c.name, c]));
    const pk = table.primaryKey;
    const keyText = (values: Array<string | null>) => pk.map((c, i) => `${c}=${values[i]}`).join(',');
    const pkColumns = pk.map((c) => columns.get(c) as CatalogColumn);
    const single = pkColumns.length === 1 ? (pkColumns[0] as CatalogColumn) : undefined;
    const normalizedKey = single
      ? (values: Array<string | null>) => comparisonKey(single, values[0] ?? null)
      : (values: Array<string | null>) => pkColumns.map((c, i) => comparisonKey(c, values[i] ?? null)).join('\u0001');

    for (let i = 0; i < present.length; i += CHUNK) {
      const chunk = present.slice(i, i + CHUNK);
      const rows = await fetchRows(client, table, chunk.map((p) => p.key), true);
      const byKey = new Map(rows.map((r) => [normalizedKey(pk.map((c) => r[c] ?? null)), r]));
      for (const expected of chunk) {
        const row = byKey.get(normalizedKey(expected.key));
        const where = () => `${tableKey(table)} ${keyText(expected.key)}`;
        if (!row) {
          report.drifts.push(`${where()}: the row is gone`);
          continue;
        }
        report.current.push({ table, row });
        for (const [column, value] of expected.guards) {
          const meta = columns.get(column);
          if (!meta) {
            report.drifts.push(`${where()}: the target has no column ${column}`);
            continue;
          }
          const now = row[column] ?? null;
          // The same text is the same value; only different texts need comparing as values.
          if (now !== value && comparisonKey(meta, now) !== comparisonKey(meta, value)) {
            report.drifts.push(`${where()}: ${column} is now ${show(now)}, the reviewed patch expects ${show(value)}`);
          }
        }
      }
    }
    for (let i = 0; i < absent.length; i += CHUNK) {
      // Nothing to lock for rows that must not exist; a concurrent insert still shows as a count mismatch.
      const rows = await fetchRows(client, table, absent.slice(i, i + CHUNK), false);
      for (const r of rows) report.drifts.push(`${tableKey(table)} ${keyText(pk.map((c) => r[c] ?? null))}: the patch inserts this row, but it exists now`);
    }
  }
  return report;
}

async function fetchRows(client: pg.Client, table: CatalogTable, keys: KeyConstant[][], lock: boolean): Promise<Row[]> {
  if (keys.length === 0) return [];
  const columns = table.columns.filter((c) => !c.generated).map((c) => c.name);
  const result = await client.query<Row>(selectRowsByKey(table, columns, table.primaryKey, keys, lock));
  return result.rows;
}

function show(value: string | null): string {
  return value === null ? 'NULL' : JSON.stringify(value);
}
