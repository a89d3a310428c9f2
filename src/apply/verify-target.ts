import path from 'node:path';
import { readCatalog, tableKey } from '../db/catalog.js';
import { findExactTable } from '../db/table-names.js';
import type { Catalog, CatalogColumn, CatalogTable } from '../db/catalog-types.js';
import type pg from 'pg';
import { connectDatabase } from '../db/connect.js';
import { comparisonKey } from '../values/normalize.js';
import { DEFAULT_VALUE, readPatchStatements, type PatchStatement } from './patch-statements.js';
import { KEY_MAP_EXISTS, SELECT_KEYS_BY_REF } from '../sql/key-map.js';
import { readVerifiedPatch } from './verify-patch.js';
import { primaryKeyText, readRowsByKey } from './rows-by-key.js';
import { countStagedNotAsWritten, type StagedWrite } from '../sql/read-back.js';
import { STAGE_SCHEMA } from '../sql/staged.js';
import type { StagedIn } from './staged-statements.js';

export interface VerifyResult {
  database: string;
  checked: number;
  /** Rows that do not hold what the patch wrote (a row with two wrong columns counts once; it has two problems). */
  wrongRows: number;
  problems: string[];
}

/**
 * After apply: re-reads the target and confirms that every row the patch
 * inserted is there with the values written, and every update holds its new
 * values. Read only.
 */
export async function verifyApplied(options: { patchDir: string; target: { url?: string; embeddedDir: string } }): Promise<VerifyResult> {
  const verified = await readVerifiedPatch(options.patchDir);
  const file = path.join(options.patchDir, 'patch.sql');
  const statements = await readPatchStatements(verified.sql, file, 'patch');
  const db = await connectDatabase({ url: options.target.url, embeddedDir: options.target.embeddedDir, readOnly: true, applicationName: 'salvage verify' });
  try {
    const catalog = await readCatalog(db.client);
    const { checked, wrongRows, problems } = await compareWritten(db.client, catalog, statements, file);
    return { database: db.database, checked, wrongRows, problems };
  } finally {
    await db.close();
  }
}

export interface WrittenComparison {
  checked: number;
  wrongRows: number;
  problems: string[];
  /** The tables with a row that does not hold what the patch wrote. */
  tables: CatalogTable[];
}

/**
 * Reads back every row the INSERTs and UPDATEs of a file wrote and compares it with the
 * values written: after apply (verify), and inside apply's transaction before COMMIT.
 * There (`stagesLive`), a statement that moved its rows from a staging table is first
 * compared in one query against that table; only one with a difference is read back
 * row by row, to name each row and value.
 */
export async function compareWritten(client: pg.Client, catalog: Catalog, statements: PatchStatement[], file: string, stagesLive = false): Promise<WrittenComparison> {
  const problems: string[] = [];
  const tables = new Set<CatalogTable>();
  let checked = 0;
  let wrongRows = 0;
  for (const s of statements) {
    if (s.kind !== 'insert' && s.kind !== 'update' && s.kind !== 'keyed-insert') continue;
    const table = findExactTable(catalog, s.table.schema, s.table.name);
    if (!table) {
      problems.push(`${file}:${s.line}: the target has no table ${s.table.schema}.${s.table.name}`);
      continue;
    }
    const write = stagesLive && s.stagedIn ? stagedWrite(s, s.stagedIn, table) : undefined;
    // Without its primary key among the columns written, a row can only be read back one by one.
    if (write && write.keys.length + write.references.filter((r) => r.key).length > 0) {
      const wrong = (await client.query<{ wrong: string }>(countStagedNotAsWritten(write))).rows[0]?.wrong;
      if (wrong === '0') {
        checked += s.rows.length;
        continue;
      }
    }
    const columns = new Map(table.columns.map((c) => [c.name, c]));
    const expected =
      s.kind === 'insert'
        ? s.rows.map((row) => new Map(s.columns.flatMap((c, i) => (row[i] === DEFAULT_VALUE ? [] : [[c, row[i] as string | null] as const]))))
        : s.kind === 'keyed-insert'
          ? await keyedRows(client, s)
          : s.rows.map((row) => new Map<string, string | null>([...row.key, ...row.set]));
    const keyOf = primaryKeyText(table);
    const keysOf = (get: (c: string) => string | null | undefined) => table.primaryKey.map((c) => get(c) ?? null);
    const found = await readRowsByKey(client, table, expected.map((values) => keysOf((c) => values.get(c))), false);
    const byKey = new Map(found.map((r) => [keyOf(keysOf((c) => r[c])), r]));
    for (const values of expected) {
      checked++;
      const label = `${tableKey(table)} ${table.primaryKey.map((c) => `${c}=${values.get(c)}`).join(',')}`;
      const row = byKey.get(keyOf(keysOf((c) => values.get(c))));
      if (!row) {
        problems.push(`${label}: missing`);
        wrongRows++;
        tables.add(table);
        continue;
      }
      const before = problems.length;
      for (const [column, value] of values) {
        const meta = columns.get(column) as CatalogColumn;
        if (comparisonKey(meta, row[column] ?? null) !== comparisonKey(meta, value)) {
          problems.push(`${label}: ${column} is ${JSON.stringify(row[column])}, the patch wrote ${JSON.stringify(value)}`);
        }
      }
      if (problems.length > before) {
        wrongRows++;
        tables.add(table);
      }
    }
  }
  return { checked, wrongRows, problems, tables: [...tables] };
}

/** A keyed insert's rows as written: each reference replaced by the key the target's key map gave it. */
async function keyedRows(client: pg.Client, s: Extract<PatchStatement, { kind: 'keyed-insert' }>): Promise<Array<Map<string, string | null>>> {
  const refs = s.rows.flatMap((row) => s.refColumns.map((c) => row[s.columns.indexOf(c)] ?? null)).filter((r): r is string => r !== null);
  const present = (await client.query<{ present: unknown }>(KEY_MAP_EXISTS)).rows[0]?.present;
  const keys = present === true || present === 't' || present === 'true' ? new Map((await client.query<{ ref: string; key: string }>(SELECT_KEYS_BY_REF, [refs])).rows.map((r) => [r.ref, r.key])) : new Map<string, string>();
  // A reference the map lacks gives no key: the row reads as missing, never a query on a made-up key.
  return s.rows.map((row) => new Map(s.columns.map((c, i) => [c, s.refColumns.includes(c) ? (keys.get(row[i] ?? '') ?? null) : (row[i] ?? null)] as const)));
}

/** A staged statement's columns as the set-based read-back compares them (src/sql/read-back.ts). */
function stagedWrite(s: Extract<PatchStatement, { kind: 'insert' | 'update' | 'keyed-insert' }>, stagedIn: StagedIn, table: CatalogTable): StagedWrite {
  const write: StagedWrite = { table, stage: { schema: STAGE_SCHEMA, name: stagedIn.name }, keys: [], references: [], values: [] };
  stagedIn.columns.forEach(({ name, from }, i) => {
    // An update's v is "key c", "new c", "old c": the guards were checked before writing.
    if (s.kind === 'update' && !name.startsWith('key ') && !name.startsWith('new ')) return;
    const column = from ?? (s.kind === 'keyed-insert' ? s.columns[i] : undefined);
    if (column === undefined) return;
    const isKey = table.primaryKey.includes(column);
    if (from === null) write.references.push({ column, from: name, type: table.columns.find((c) => c.name === column)?.type ?? 'text', key: isKey });
    else if (isKey) write.keys.push({ column, from: name });
    else write.values.push({ column, from: name });
  });
  return write;
}
