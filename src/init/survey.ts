import type { Catalog, CatalogTable } from '../db/catalog-types.js';
import { readCatalog, tableKey } from '../db/catalog.js';
import type { DbHandle } from '../db/connect.js';
import { newestWritesQuery } from '../sql/init-queries.js';
import { BEGIN_READ_ONLY_SNAPSHOT, ROLLBACK, selectSequenceState } from '../sql/select.js';
import { lossVerdict, parsePgInstant, type LossVerdict, type Newest } from './backup-end.js';
import { sampleColumns, type TableSample } from './column-samples.js';
import { classifyColumn, isWriteTimeColumn } from './concepts.js';
import { addObservedDomains, readDeclaredDomains, type ValueDomains } from '../db/value-domains.js';

export interface TableSurvey {
  table: CatalogTable;
  rows: number;
  /** Each write-time column and its oldest and newest values as PostgreSQL prints them (null: no non-null value). */
  writeColumns: Array<{ column: string; oldest: string | null; newest: string | null }>;
  newest?: Newest;
  sequences: Array<{ column: string; sequence: string; lastValue: string | null }>;
  lostRows: LossVerdict;
  lostWhy: string;
  /** A bounded sample of its existing values: the evidence fields are measured against. */
  sample: TableSample;
}

export interface BackupSurvey {
  database: string;
  /** host:port/db, never a password. */
  describe: string;
  catalog: Catalog;
  tables: TableSurvey[];
  /** The newest write in the whole backup: about when it was taken. */
  backupEnd?: Newest & { table: string };
  domains: ValueDomains;
}

/**
 * Reads what init needs from the backup in one read-only snapshot: the catalog,
 * each table's row count and newest writes (one scan per table), its sequences'
 * positions, and the values status-like columns take.
 */
export async function surveyBackup(db: DbHandle): Promise<BackupSurvey> {
  const { client } = db;
  await client.query(BEGIN_READ_ONLY_SNAPSHOT);
  try {
    const catalog = await readCatalog(client);
    const drafts: Array<Omit<TableSurvey, 'lostRows' | 'lostWhy'>> = [];
    for (const table of catalog.tables) {
      const writeColumns = table.columns.filter((c) => isWriteTimeColumn(c, table)).map((c) => c.name);
      const row = (await client.query(newestWritesQuery(table, writeColumns))).rows[0] as Record<string, string | null> | undefined;
      const newestValues = writeColumns.map((column, i) => ({ column, oldest: row?.[`oldest_${i}`] ?? null, newest: row?.[`newest_${i}`] ?? null }));
      const sequences = [];
      for (const [column, sequence] of Object.entries(table.sequences)) {
        const state = (await client.query(selectSequenceState(sequence))).rows[0] as { last_value?: string } | undefined;
        sequences.push({ column, sequence: `${sequence.schema}.${sequence.name}`, lastValue: state?.last_value ?? null });
      }
      const newest = newestOf(newestValues);
      const sample = await sampleColumns(client, table, newest?.column);
      drafts.push({ table, rows: Number(row?.['row_count'] ?? 0), writeColumns: newestValues, newest, sequences, sample });
    }
    const domains = await readDeclaredDomains(client);
    const stateColumns = catalog.tables.flatMap((table) =>
      table.columns
        .filter((c) => ['status', 'currency'].includes(classifyColumn(c, table)?.concept ?? ''))
        .map((c) => ({ table, column: c.name })),
    );
    await addObservedDomains(client, domains, stateColumns);

    const end = drafts.reduce<(Newest & { table: string }) | undefined>((best, d) => {
      if (!d.newest || (best && best.at >= d.newest.at)) return best;
      return { ...d.newest, table: tableKey(d.table) };
    }, undefined);
    const tables = drafts.map((d) => {
      const { verdict, why } = lossVerdict(d.rows, d.newest, end?.at);
      return { ...d, lostRows: verdict, lostWhy: why };
    });
    return { database: db.database, describe: db.describe, catalog, tables, ...(end ? { backupEnd: end } : {}), domains };
  } finally {
    await client.query(ROLLBACK);
  }
}

function newestOf(values: TableSurvey['writeColumns']): Newest | undefined {
  let best: Newest | undefined;
  for (const { column, oldest, newest } of values) {
    const at = newest === null ? undefined : parsePgInstant(newest);
    const first = oldest === null ? undefined : parsePgInstant(oldest);
    if (at && (!best || at > best.at)) best = { column, at, ...(first ? { oldest: first } : {}) };
  }
  return best;
}
