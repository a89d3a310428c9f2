import type pg from 'pg';
import type { Catalog, CatalogTable } from '../db/catalog-types.js';
import { PreconditionFailed } from '../errors.js';
import { quoteQualified, type QualifiedName } from '../sql/identifier.js';
import { TRIGGERS_AND_RULES } from '../sql/triggers.js';
import { tableKey } from '../db/catalog.js';
import { comparisonKey } from '../values/normalize.js';
import type { DriftReport } from './drift.js';
import type { PatchStatement } from './patch-statements.js';
import { primaryKeyText, readRowsByKey, type Row } from './rows-by-key.js';
import { compareWritten } from './verify-target.js';

const SHOWN = 20;

interface Attached {
  kind: string;
  name: string;
  table_name: string;
}

/** The user triggers and rules on these tables. */
async function triggersAndRules(client: pg.Client, tables: QualifiedName[]): Promise<Attached[]> {
  const names = [...new Set(tables.map((t) => quoteQualified(t)))];
  if (names.length === 0) return [];
  return (await client.query<Attached>(TRIGGERS_AND_RULES, [names])).rows;
}

const patchedTables = (statements: PatchStatement[]): QualifiedName[] =>
  statements.flatMap((s) => (s.kind === 'insert' || s.kind === 'update' || s.kind === 'delete' ? [s.table] : []));

/** Before writing: a trigger or rule on a patched table may change what the patch writes; say so up front. */
export async function warnAboutTriggers(client: pg.Client, statements: PatchStatement[], log: (line: string) => void): Promise<void> {
  for (const a of await triggersAndRules(client, patchedTables(statements))) {
    log(`warning: ${a.table_name} has ${a.kind} "${a.name}": it runs when salvage writes, and apply will refuse if it changes what the patch wrote`);
  }
}

/**
 * Before COMMIT, inside the transaction: every row the file inserted or updated must hold
 * exactly what it wrote. A trigger that rewrites values (upper(full_name)) would otherwise
 * commit rows that verify calls wrong and whose undo guards never match again. A difference
 * rolls everything back, naming the triggers and rules of the tables concerned.
 */
export async function requireWrittenAsPatch(
  client: pg.Client,
  catalog: Catalog,
  statements: PatchStatement[],
  file: string,
  database: string,
  before: DriftReport['current'],
): Promise<void> {
  const result = await compareWritten(client, catalog, statements, file, true);
  const untouched = await changedBesidesPatch(client, statements, before);
  result.problems.push(...untouched.problems);
  result.wrongRows += untouched.rows;
  result.tables.push(...untouched.tables.filter((t) => !result.tables.includes(t)));
  if (result.problems.length === 0) return;
  const attached = await triggersAndRules(client, result.tables.map((t: CatalogTable) => ({ schema: t.schema, name: t.name })));
  const causes = attached.length
    ? [`Code on ${attached.length === 1 ? 'that table' : 'those tables'} that can change written rows:`, ...attached.map((a) => `  ${a.kind} "${a.name}" on ${a.table_name}`)]
    : ['No trigger or rule on those tables: something else changed the rows (a default, a domain, a generated value).'];
  throw new PreconditionFailed(
    [
      `${result.wrongRows} row(s) of ${database} did not hold what ${file} wrote when read back before COMMIT. Everything was rolled back; nothing was written.`,
      ...result.problems.slice(0, SHOWN).map((p) => `  ${p}`),
      ...(result.problems.length > SHOWN ? [`  ... and ${result.problems.length - SHOWN} more`] : []),
      ...causes,
      'Committing would leave rows that "salvage verify" calls wrong and that undo could never reverse. Disable or adapt that code for the apply (ALTER TABLE ... DISABLE TRIGGER name, as its owner), then apply again.',
    ].join('\n'),
  );
}

/** Rows read back and compared at a time: the rows of a million updates are not held at once. */
const CHUNK = 10_000;

/**
 * The columns of an updated row that the patch does not write must still hold what they
 * held before (the drift check read them under lock): a trigger may change those too.
 * What each row sets is its statement's SET list (`setColumns`): nothing is decoded but
 * the keys. The rows are read back a chunk at a time.
 */
async function changedBesidesPatch(
  client: pg.Client,
  statements: PatchStatement[],
  before: DriftReport['current'],
): Promise<{ problems: string[]; rows: number; tables: CatalogTable[] }> {
  const out = { problems: [] as string[], rows: 0, tables: [] as CatalogTable[] };
  const byTable = new Map<CatalogTable, Row[]>();
  for (const { table, row } of before) {
    const rows = byTable.get(table);
    if (rows) rows.push(row);
    else byTable.set(table, [row]);
  }
  for (const [table, rows] of byTable) {
    const keyOf = primaryKeyText(table);
    const keyValues = (get: (c: string) => string | null | undefined) => table.primaryKey.map((c) => get(c) ?? null);
    // Each updated key, and the columns its statement sets (one Set per statement, shared by its rows).
    const setColumns = new Map<string, ReadonlySet<string>>();
    for (const s of statements) {
      if (s.kind !== 'update' || tableKey(s.table) !== tableKey(table)) continue;
      const set = new Set([...table.primaryKey, ...s.setColumns]);
      for (const row of s.rows) setColumns.set(keyOf(keyValues((c) => row.key.find(([k]) => k === c)?.[1])), set);
    }
    if (setColumns.size === 0) continue;
    for (let start = 0; start < rows.length; start += CHUNK) {
      const chunk = rows.slice(start, start + CHUNK);
      const now = new Map((await readRowsByKey(client, table, chunk.map((r) => keyValues((c) => r[c])), false)).map((r) => [keyOf(keyValues((c) => r[c])), r]));
      for (const old of chunk) {
        const key = keyOf(keyValues((c) => old[c]));
        const set = setColumns.get(key);
        const current = now.get(key);
        if (!set || !current) continue; // a row undo deleted, or one compareWritten reports missing
        const label = `${tableKey(table)} ${table.primaryKey.map((c) => `${c}=${old[c]}`).join(',')}`;
        let changed = false;
        for (const column of table.columns) {
          if (column.generated || set.has(column.name)) continue;
          if (comparisonKey(column, current[column.name] ?? null) === comparisonKey(column, old[column.name] ?? null)) continue;
          out.problems.push(`${label}: ${column.name} is ${JSON.stringify(current[column.name])}, it was ${JSON.stringify(old[column.name])} and the patch does not write it`);
          changed = true;
        }
        if (changed) {
          out.rows++;
          if (!out.tables.includes(table)) out.tables.push(table);
        }
      }
    }
  }
  return out;
}
