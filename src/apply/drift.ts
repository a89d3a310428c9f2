import type pg from 'pg';
import { tableKey } from '../db/catalog.js';
import type { Catalog, CatalogTable } from '../db/catalog-types.js';
import { findExactTable } from '../db/table-names.js';
import { SafetyRefusal } from '../errors.js';
import { comparisonKey } from '../values/normalize.js';
import type { KeyConstant } from '../sql/apply-session.js';
import type { PatchStatement } from './patch-statements.js';
import { primaryKeyText, readRowsByKey, type Row } from './rows-by-key.js';
import { readUniqueIndexes, rowsSharingUniqueValues } from '../db/unique-values.js';
import { KEY_MAP_EXISTS, SELECT_KEYS_BY_REF } from '../sql/key-map.js';
import { InsertCandidates } from './insert-candidates.js';
import { rowsTakingStagedValues } from './staged-unique.js';
import type { StagedIn } from './staged-statements.js';
import { STAGE_SCHEMA } from '../sql/staged.js';
import type { StagedCandidates, StagedGroup } from '../sql/staged-unique.js';

export interface DriftReport {
  /** One line per row that is no longer as the changeset saw it. */
  drifts: string[];
  /** The rows the patch will change, as they are right now (for the safety copy). */
  current: Array<{ table: CatalogTable; row: Row }>;
}


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

  const expectations = new Map<string, Expectations>();
  const entry = (table: CatalogTable) => {
    const k = tableKey(table);
    let e = expectations.get(k);
    if (!e) expectations.set(k, (e = { table, present: [], absent: [], unique: new InsertCandidates(), staged: new StagedGroups() }));
    return e;
  };
  const keysOfRefs = await keyMapFor(client, statements);

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
      if (s.stagedIn) {
        entry(table).staged.add(stagedCandidates(s.stagedIn, (c) => c.from), true);
        continue;
      }
      for (const row of s.rows) entry(table).absent.push(positions.map((p) => (typeof row[p] === 'string' ? (row[p] as string) : null)));
      entry(table).unique.add(s.columns, s.rows, (cell) => typeof cell === 'string' || cell === null);
    } else if (s.kind === 'keyed-insert') {
      // Its key is made now, so no row holds it yet: what can collide is a unique value the live app took meanwhile.
      const table = tableFor(s.table, s.line);
      const refs = new Set(s.refColumns);
      if (s.stagedIn) {
        // Its key columns are references into the key map, typed text: they give no value yet.
        entry(table).staged.add(stagedCandidates(s.stagedIn, (c) => c.from), false);
        continue;
      }
      entry(table).unique.add(s.columns, s.rows, (_cell, column) => !refs.has(column));
    } else if (s.kind === 'keyed-delete') {
      const table = tableFor(s.table, s.line);
      for (const row of s.rows) {
        const keyed = new Map<string, string | undefined>([...row.refs.map(([c, ref]) => [c, ref === null ? undefined : keysOfRefs.get(ref)] as const), ...row.keys.map(([c, v]) => [c, v ?? undefined] as const)]);
        const unknown = row.refs.filter(([c]) => keyed.get(c) === undefined);
        if (unknown.length || !table.primaryKey.every((c) => keyed.get(c) !== undefined)) {
          report.drifts.push(`${tableKey(table)} ${unknown.map(([c, ref]) => `${c}=${ref}`).join(',')}: the key map holds no key for this row (was the patch applied here?)`);
          continue;
        }
        const guards: Array<[string, KeyConstant]> = [...row.guards, ...row.refs.filter(([c]) => !table.primaryKey.includes(c)).map(([c]) => [c, keyed.get(c) ?? null] as [string, KeyConstant])];
        entry(table).present.push({ key: table.primaryKey.map((c) => keyed.get(c) ?? null), guards });
      }
    }
  }

  for (const { table, present, absent, unique, staged } of expectations.values()) {
    const columns = new Map(table.columns.map((c) => [c.name, c]));
    const pk = table.primaryKey;
    const keyText = (values: Array<string | null>) => pk.map((c, i) => `${c}=${values[i]}`).join(',');
    const keyOf = primaryKeyText(table);
    const rows = await readRowsByKey(client, table, present.map((p) => p.key), true);
    const byKey = new Map(rows.map((r) => [keyOf(pk.map((c) => r[c] ?? null)), r]));
    for (const expected of present) {
      const row = byKey.get(keyOf(expected.key));
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
    // Nothing to lock for rows that must not exist; a concurrent insert still shows as a count mismatch.
    for (const r of await readRowsByKey(client, table, absent, false)) {
      report.drifts.push(`${tableKey(table)} ${keyText(pk.map((c) => r[c] ?? null))}: the patch inserts this row, but it exists now`);
    }
    const indexes = unique.length || staged.size ? await readUniqueIndexes(client, table) : [];
    for (const group of staged.groups()) {
      for (const found of await rowsTakingStagedValues(client, table, group, indexes)) {
        report.drifts.push(
          found.index === undefined
            ? `${tableKey(table)} ${keyText(pk.map((c) => found.live[c] ?? null))}: the patch inserts this row (row ${found.ordinal} of ${found.stage.name}), but it exists now`
            : `${tableKey(table)} ${keyText(pk.map((c) => found.live[c] ?? null))} holds a unique value (${found.index}) of a row the patch inserts (${describeRow(found.staged)}): the live database took it after the changeset was made`,
        );
      }
    }
    if (unique.length) {
      const taken = await rowsSharingUniqueValues(client, table, indexes, unique);
      for (const [at, rows] of taken) {
        for (const r of rows) {
          report.drifts.push(`${tableKey(table)} ${keyText(pk.map((c) => r[c] ?? null))} holds a unique value (${r.index}) of a row the patch inserts (${describeRow(unique.row(at))}): the live database took it after the changeset was made`);
        }
      }
    }
  }
  return report;
}

interface Expectations {
  table: CatalogTable;
  present: Array<{ key: KeyConstant[]; guards: Array<[string, KeyConstant]> }>;
  absent: KeyConstant[][];
  /** Rows the patch inserts: none of their unique values may be taken. */
  unique: InsertCandidates;
  /** Rows the patch inserts from staging tables, checked by one join per index (and per primary key, where the rows give it). */
  staged: StagedGroups;
}

/** Staged inserts grouped by how their staging tables are filled, each group checked in one join per index. */
class StagedGroups {
  private readonly bySignature = new Map<string, StagedGroup & { keyGiven: boolean }>();

  get size(): number {
    return this.bySignature.size;
  }

  add(candidates: StagedCandidates, keyGiven: boolean): void {
    const signature = JSON.stringify([keyGiven, [...candidates.given]]);
    const group = this.bySignature.get(signature);
    if (group) group.stages.push(candidates.stage);
    else this.bySignature.set(signature, { stages: [candidates.stage], given: candidates.given, keyGiven });
  }

  groups(): Iterable<StagedGroup & { keyGiven: boolean }> {
    return this.bySignature.values();
  }
}

/** A staged insert's rows as the drift check joins them: each table column given by the staging column typed like it. */
function stagedCandidates(stagedIn: StagedIn, columnOf: (c: StagedIn['columns'][number]) => string | null): StagedCandidates {
  const given = new Map<string, string>();
  for (const c of stagedIn.columns) {
    const column = columnOf(c);
    if (column !== null) given.set(column, c.name);
  }
  return { stage: { schema: STAGE_SCHEMA, name: stagedIn.name }, given };
}

/** The keys the target's key map holds for the references undo.sql names (none when it has no map). */
async function keyMapFor(client: pg.Client, statements: PatchStatement[]): Promise<Map<string, string>> {
  const refs = statements.flatMap((s) => (s.kind === 'keyed-delete' ? s.rows.flatMap((r) => r.refs.map(([, ref]) => ref)) : [])).filter((r): r is string => r !== null);
  if (refs.length === 0) return new Map();
  const present = (await client.query<{ present: unknown }>(KEY_MAP_EXISTS)).rows[0]?.present;
  if (present !== true && present !== 't' && present !== 'true') return new Map();
  const rows = (await client.query<{ ref: string; key: string }>(SELECT_KEYS_BY_REF, [refs])).rows;
  return new Map(rows.map((r) => [r.ref, r.key]));
}

function describeRow(row: Record<string, string | null>): string {
  return Object.entries(row).slice(0, 3).map(([c, v]) => `${c}=${show(v)}`).join(', ');
}

function show(value: string | null): string {
  return value === null ? 'NULL' : JSON.stringify(value);
}
