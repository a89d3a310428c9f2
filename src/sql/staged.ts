import { quoteIdent, quoteQualified, SqlSafetyError, type QualifiedName } from './identifier.js';
import type { SqlValue } from './literal.js';

/**
 * Large blocks of a patch are staged: the rows go into a temporary table with
 * `COPY ... FROM STDIN` (the data inline, as pg_dump writes it), and one
 * set-based statement moves them into the real table. PostgreSQL takes a
 * thousand-row VALUES list about three times slower than the same rows from a
 * table, and apply reads COPY data without a SQL parser.
 *
 *   CREATE TEMP TABLE "pg_temp"."salvage_rows_1" ON COMMIT DROP AS
 *     SELECT "id" AS "id", ... FROM "public"."payments" WITH NO DATA;
 *   COPY "pg_temp"."salvage_rows_1" ("id", ...) FROM STDIN;
 *   1	ch_1	...
 *   \.
 *   INSERT INTO "public"."payments" ("id", ...) SELECT "id", ... FROM "pg_temp"."salvage_rows_1" ON CONFLICT DO NOTHING;
 *
 * The temporary table takes the target columns' own types (typmods included),
 * so each value is read by the same input function, with the same checks, as an
 * untyped literal in a VALUES list would be.
 */

export const STAGE_SCHEMA = 'pg_temp';
export const STAGE_PREFIX = 'salvage_rows_';

/** The n-th staging table of a file: always in pg_temp, so no permanent table can be meant. */
export function stageTable(n: number): QualifiedName {
  if (!Number.isSafeInteger(n) || n < 1) throw new SqlSafetyError(`staging table number ${n} is not a positive integer`);
  return { schema: STAGE_SCHEMA, name: `${STAGE_PREFIX}${n}` };
}

/**
 * A column of a staging table, and the column of the real table whose type it takes;
 * `from: null` is a text column holding a reference into the key map (src/sql/key-map.ts),
 * whose key the target makes when the rows are written.
 */
export interface StageColumn {
  name: string;
  from: string | null;
}

/** The staging column of a reference into the key map: text, whatever the key's own type. */
export const STAGE_REFERENCE = 'NULL::text';

/** An empty temporary table with the given columns, typed like `source`'s; dropped at commit or rollback. */
export function createStage(stage: QualifiedName, source: QualifiedName, columns: StageColumn[]): string {
  if (columns.length === 0) throw new SqlSafetyError('a staging table needs at least one column');
  const list = columns.map((c) => `${c.from === null ? STAGE_REFERENCE : quoteIdent(c.from)} AS ${quoteIdent(c.name)}`).join(', ');
  return `CREATE TEMP TABLE ${quoteQualified(stage)} ON COMMIT DROP AS\n  SELECT ${list} FROM ${quoteQualified(source)} WITH NO DATA;`;
}

/** The statement line of a COPY block; the data lines and COPY_END follow it. */
export function copyIntoStage(stage: QualifiedName, columns: string[]): string {
  return `COPY ${quoteQualified(stage)} (${columns.map(quoteIdent).join(', ')}) FROM STDIN;`;
}

/** The line that ends COPY data. */
export const COPY_END = '\\.';

/**
 * One row of COPY data in PostgreSQL's text format: fields joined by tabs, NULL as
 * `\N`, and backslash, tab, newline and carriage return escaped, so a row is always
 * one line and no value can end the data early.
 */
export function copyLine(values: SqlValue[]): string {
  return values.map(copyField).join('\t');
}

function copyField(value: SqlValue): string {
  if (value === null) return '\\N';
  const text = typeof value === 'string' ? value : copyScalar(value);
  if (text.includes('\u0000')) throw new SqlSafetyError('text contains a NUL byte (U+0000), which PostgreSQL text cannot store');
  return /[\\\t\n\r]/.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c] as string) : text;
}

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function copyScalar(value: number | bigint | boolean): string {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new SqlSafetyError(`${value} cannot be written as an SQL number`);
  return String(value);
}

/** Moves the staged rows into the table; a row that appeared meanwhile shows up as a count mismatch, not an error. */
export function insertFromStage(table: QualifiedName, columns: string[], stage: QualifiedName): string {
  const names = columns.map(quoteIdent).join(', ');
  return `INSERT INTO ${quoteQualified(table)} (${names})\n  SELECT ${names} FROM ${quoteQualified(stage)}\nON CONFLICT DO NOTHING;`;
}

/** A whole COPY block: the statement, one line per row, and the end marker. */
export function copyBlock(stage: QualifiedName, columns: string[], rows: SqlValue[][]): string {
  return copyBlockOfLines(stage, columns, rows.map((row) => copyRow(columns, row)));
}

/** One staged row's line of COPY data, checked against the staging table's columns. */
export function copyRow(columns: readonly string[], row: SqlValue[]): string {
  if (row.length !== columns.length) throw new SqlSafetyError(`a staged row has ${row.length} values for ${columns.length} columns`);
  return copyLine(row);
}

/**
 * copyBlock of rows already made lines by copyRow: a block of a hundred thousand rows is
 * made a line at a time from rows read back one by one, never held as rows of values.
 */
export function copyBlockOfLines(stage: QualifiedName, columns: string[], lines: readonly string[]): string {
  return `${copyIntoStage(stage, columns)}\n${lines.length ? `${lines.join('\n')}\n` : ''}${COPY_END}`;
}
