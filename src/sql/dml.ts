import { quoteIdent, quoteQualified, type QualifiedName } from './identifier.js';
import { literal, type SqlValue } from './literal.js';
import { castType } from './types.js';

/**
 * The statements a patch is made of. Each builder returns complete SQL text;
 * values pass through `literal`, names through `quoteIdent`: nothing else
 * reaches SQL text.
 */

/** A value to insert, or the column's own default. */
export type InsertValue = SqlValue | { default: true };

export interface InsertRow {
  values: InsertValue[];
  /** Provenance shown above the row. */
  comment?: string;
}

/** A `--` comment: newlines and control characters cannot end it early or hide text. */
export function sqlComment(text: string): string {
  // eslint-disable-next-line no-control-regex
  return `-- ${text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')}`;
}

/** One multi-row INSERT; ON CONFLICT DO NOTHING so a row that appeared meanwhile shows up as a count mismatch, not an error. */
export function insertRows(table: QualifiedName, columns: string[], rows: InsertRow[]): string {
  const lines = [`INSERT INTO ${quoteQualified(table)} (${columns.map(quoteIdent).join(', ')}) VALUES`];
  rows.forEach((row, i) => {
    if (row.comment) lines.push(`  ${sqlComment(row.comment)}`);
    const values = row.values.map((v) => (v !== null && typeof v === 'object' ? 'DEFAULT' : literal(v)));
    lines.push(`  (${values.join(', ')})${i < rows.length - 1 ? ',' : ''}`);
  });
  lines.push('ON CONFLICT DO NOTHING;');
  return lines.join('\n');
}

export type ColumnValue = readonly [column: string, value: SqlValue];

function conjunction(key: ColumnValue[], guards: ColumnValue[]): string {
  const parts = [
    ...key.map(([c, v]) => `${quoteIdent(c)} = ${literal(v)}`),
    ...guards.map(([c, v]) => `${quoteIdent(c)} IS NOT DISTINCT FROM ${literal(v)}`),
  ];
  return parts.join(' AND ');
}

/** An UPDATE of one row by key that only applies while the row still holds the values it was reviewed with. */
export function guardedUpdate(table: QualifiedName, key: ColumnValue[], set: ColumnValue[], guards: ColumnValue[]): string {
  if (key.length === 0) throw new Error('guardedUpdate needs a key');
  const assignments = set.map(([c, v]) => `${quoteIdent(c)} = ${literal(v)}`).join(', ');
  return `UPDATE ${quoteQualified(table)} SET ${assignments}\n  WHERE ${conjunction(key, guards)};`;
}

/** Moves a sequence past `value` (never backwards), so new rows cannot collide with recovered keys. Returns one row. */
export function advanceSequence(sequence: QualifiedName, value: bigint): string {
  const name = quoteQualified(sequence);
  return `SELECT setval(${literal(name)}, GREATEST(${value.toString()}, last_value), true) FROM ${name};`;
}

export const PATCH_BEGIN = 'BEGIN;';
export const PATCH_COMMIT = 'COMMIT;';
/** Set inside every patch transaction: literals are written for standard strings; keep TimeZone stable for text forms. */
export const PATCH_SETTINGS = ["SET LOCAL standard_conforming_strings = on;", "SET LOCAL TimeZone = 'UTC';"];

/** One row of a set-based UPDATE: its key, its new values, and the old values that guard it. */
export interface SetRow {
  key: SqlValue[];
  values: SqlValue[];
  guards: SqlValue[];
  comment?: string;
}

export interface TypedColumn {
  name: string;
  /** format_type() text, checked by castType. */
  type: string;
}

const KEY_PREFIX = 'key ';
const NEW_PREFIX = 'new ';
const OLD_PREFIX = 'old ';

function valuesList(rows: Array<{ cells: SqlValue[]; comment?: string }>): string[] {
  const lines: string[] = [];
  rows.forEach((row, i) => {
    if (row.comment) lines.push(`    ${sqlComment(row.comment)}`);
    lines.push(`    (${row.cells.map((v) => literal(v)).join(', ')})${i < rows.length - 1 ? ',' : ''}`);
  });
  return lines;
}

/** Where v's rows come from: a VALUES list in the statement, or a staging table (see staged.ts). */
export type KeyedRows<R> = { values: R[] } | { stage: QualifiedName };

function namesOf(...groups: Array<[prefix: string, columns: TypedColumn[]]>): string[] {
  return groups.flatMap(([prefix, columns]) => columns.map((c) => prefix + c.name));
}

/** `FROM (VALUES ...) AS v (names)` or `FROM "pg_temp"."salvage_rows_n" AS v`, after the given keyword. */
function vSource(keyword: 'FROM' | 'USING', names: string[], rows: KeyedRows<{ cells: SqlValue[]; comment?: string }>): string[] {
  if ('stage' in rows) return [`  ${keyword} ${quoteQualified(rows.stage)} AS v`];
  return [`  ${keyword} (VALUES`, ...valuesList(rows.values), `  ) AS v (${names.map(quoteIdent).join(', ')})`];
}

function keyedWhere(key: TypedColumn[], guards: TypedColumn[]): string {
  return [
    ...key.map((c) => `t.${quoteIdent(c.name)} = v.${quoteIdent(KEY_PREFIX + c.name)}::${castType(c.type)}`),
    ...guards.map((c) => `t.${quoteIdent(c.name)} IS NOT DISTINCT FROM v.${quoteIdent(OLD_PREFIX + c.name)}::${castType(c.type)}`),
  ].join('\n    AND ');
}

/** The staging columns of a keyed statement, in v's order: "key k", "new c"..., "old c"... */
export function keyedStageColumns(key: TypedColumn[], columns: TypedColumn[], guards: TypedColumn[]): Array<{ name: string; from: string }> {
  const of = (prefix: string, list: TypedColumn[]) => list.map((c) => ({ name: prefix + c.name, from: c.name }));
  return [...of(KEY_PREFIX, key), ...of(NEW_PREFIX, columns), ...of(OLD_PREFIX, guards)];
}

/**
 * Many rows updated by one statement: `UPDATE t SET c = v."new c" FROM (VALUES ...) v
 * WHERE t.key = v."key ..." AND t.c IS NOT DISTINCT FROM v."old c"`. Each row of v
 * must match exactly one table row, so the row count is the number of rows of v
 * unless something drifted.
 */
export function setUpdate(table: QualifiedName, key: TypedColumn[], columns: TypedColumn[], guards: TypedColumn[], rows: SetRow[] | KeyedRows<SetRow>): string {
  const source = Array.isArray(rows) ? { values: rows } : rows;
  const names = namesOf([KEY_PREFIX, key], [NEW_PREFIX, columns], [OLD_PREFIX, guards]);
  const set = columns.map((c) => `${quoteIdent(c.name)} = v.${quoteIdent(NEW_PREFIX + c.name)}::${castType(c.type)}`).join(', ');
  const cells = 'stage' in source ? source : { values: source.values.map((r) => ({ cells: [...r.key, ...r.values, ...r.guards], comment: r.comment })) };
  return [`UPDATE ${quoteQualified(table)} AS t SET ${set}`, ...vSource('FROM', names, cells), `  WHERE ${keyedWhere(key, guards)};`].join('\n');
}

export interface KeyedGuards {
  key: SqlValue[];
  guards: SqlValue[];
}

/** Undo only: removes inserted rows, each only while it still holds every value salvage wrote. */
export function setDelete(table: QualifiedName, key: TypedColumn[], guards: TypedColumn[], rows: KeyedGuards[] | KeyedRows<KeyedGuards>): string {
  const source = Array.isArray(rows) ? { values: rows } : rows;
  const names = namesOf([KEY_PREFIX, key], [OLD_PREFIX, guards]);
  const cells = 'stage' in source ? source : { values: source.values.map((r) => ({ cells: [...r.key, ...r.guards] })) };
  const [using, ...values] = vSource('USING', names, cells);
  return [`DELETE FROM ${quoteQualified(table)} AS t ${(using as string).trimStart()}`, ...values, `  WHERE ${keyedWhere(key, guards)};`].join('\n');
}
