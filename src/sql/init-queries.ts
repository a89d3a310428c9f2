import { quoteIdent, quoteQualified, type QualifiedName } from './identifier.js';

/**
 * The queries `salvage init` and `salvage check` run on the backup, beyond the
 * catalog itself (./catalog-queries.ts): where each table's writes end, and which
 * values a status-like column may hold. Every one is a plain read, run in the
 * backup's read-only session. Identifiers pass quoteIdent; the few values are
 * parameters.
 */

/**
 * One pass over a table: its row count and the oldest and newest value of each
 * write-time column (created_at, updated_at, paid_at...), as text so that
 * microseconds and the session's UTC zone come through unchanged. Output columns
 * are `row_count`, then `oldest_0`, `newest_0`, `oldest_1`... in the order the
 * columns were given, so that a column name never has to survive being an alias.
 */
export function newestWritesQuery(table: QualifiedName, columns: readonly string[]): string {
  const ends = columns.flatMap((column, i) => [
    `min(${quoteIdent(column)})::text AS ${quoteIdent(`oldest_${i}`)}`,
    `max(${quoteIdent(column)})::text AS ${quoteIdent(`newest_${i}`)}`,
  ]);
  return `SELECT ${['count(*)::text AS "row_count"', ...ends].join(', ')} FROM ${quoteQualified(table)}`;
}

/**
 * Up to $1 distinct non-null values of one column, in text form and sorted (so
 * the same backup always shows the same list). Used for status-like columns with
 * no enum or CHECK constraint saying what they may hold.
 */
export function distinctValuesQuery(table: QualifiedName, column: string): string {
  const col = quoteIdent(column);
  return `SELECT DISTINCT ${col}::text AS "value" FROM ${quoteQualified(table)} WHERE ${col} IS NOT NULL ORDER BY 1 LIMIT $1`;
}

/**
 * The labels of every enum-typed column of user tables (domains over enums
 * included), in the enum's own order.
 * $1 text[]: schemas to leave out.
 */
export const ENUM_COLUMNS_QUERY = `WITH RECURSIVE base_type (type_oid, base_oid) AS (
       SELECT t.oid, t.oid FROM pg_catalog.pg_type AS t
        UNION
       SELECT b.type_oid, t.typbasetype
         FROM base_type AS b
         JOIN pg_catalog.pg_type AS t ON t.oid = b.base_oid
        WHERE t.typtype = 'd'
     )
SELECT n.nspname AS schema_name,
       c.relname AS table_name,
       a.attname AS column_name,
       e.enumlabel AS label
  FROM pg_catalog.pg_attribute AS a
  JOIN pg_catalog.pg_class AS c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p')
  JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
  JOIN base_type AS b ON b.type_oid = a.atttypid
  JOIN pg_catalog.pg_enum AS e ON e.enumtypid = b.base_oid
 WHERE a.attnum > 0
   AND NOT a.attisdropped
   AND n.nspname <> ALL ($1::text[])
   AND n.nspname !~ '^pg_(toast|temp_)'
 ORDER BY n.nspname, c.relname, a.attname, e.enumsortorder`;

/**
 * CHECK constraints on exactly one column of a user table, with their text as
 * pg_get_constraintdef prints it (`CHECK ((status = ANY (ARRAY['a'::text, ...])))`),
 * for reading the list of values the column allows.
 * $1 text[]: schemas to leave out.
 */
export const SINGLE_COLUMN_CHECKS_QUERY = `SELECT n.nspname AS schema_name,
       c.relname AS table_name,
       a.attname AS column_name,
       pg_catalog.pg_get_constraintdef(con.oid) AS definition
  FROM pg_catalog.pg_constraint AS con
  JOIN pg_catalog.pg_class AS c ON c.oid = con.conrelid AND c.relkind IN ('r', 'p')
  JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_attribute AS a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
 WHERE con.contype = 'c'
   AND pg_catalog.array_length(con.conkey, 1) = 1
   AND n.nspname <> ALL ($1::text[])
   AND n.nspname !~ '^pg_(toast|temp_)'
 ORDER BY n.nspname, c.relname, a.attname, con.conname`;

/**
 * A bounded sample of a table's rows, one text column per sampled column (`v_0`,
 * `v_1`... in the order given), newest first by `orderBy` when there is one: the rows
 * the sources' records, pulled from around the backup's end, most likely describe.
 * $1: how many rows.
 */
export function columnSampleQuery(table: QualifiedName, columns: readonly string[], orderBy: string | undefined): string {
  const list = columns.map((column, i) => `${quoteIdent(column)}::text AS ${quoteIdent(`v_${i}`)}`).join(', ');
  const order = orderBy === undefined ? '' : ` ORDER BY ${quoteIdent(orderBy)} DESC NULLS LAST`;
  return `SELECT ${list} FROM ${quoteQualified(table)}${order} LIMIT $1`;
}
