import { quoteIdent, quoteQualified, SqlSafetyError, type QualifiedName } from './identifier.js';
import { KEY_MAP, keyMapAlias } from './key-map.js';
import { castType } from './types.js';

/**
 * What apply's read-back compares, for rows a statement moved from a staging table:
 * the staging table is still there until COMMIT, so one query counts the staged rows
 * the table does not hold as written, instead of reading every row back into salvage.
 */
export interface StagedWrite {
  table: QualifiedName;
  stage: QualifiedName;
  /** Primary key columns, matched by the type's equality (the index finds them): column <- v column. */
  keys: Array<{ column: string; from: string }>;
  /** Columns written from a key the key map holds for v's reference: column <- v column, and the column's type. */
  references: Array<{ column: string; from: string; type: string; key: boolean }>;
  /** The other columns written, compared as their types print them: column <- v column. */
  values: Array<{ column: string; from: string }>;
}

/**
 *   SELECT count(*)::bigint AS "wrong" FROM "pg_temp"."salvage_rows_n" AS v
 *     WHERE NOT EXISTS (SELECT FROM "s"."t" AS t, "salvage"."salvage_keys" AS "k c"
 *       WHERE "k c"."ref" = v."ref c" AND t."c" = "k c"."key"::type
 *         AND t."k" = v."k" AND t."d"::text IS NOT DISTINCT FROM v."d"::text ...)
 * The staging table holds each value as the column's own type read it, so equal text
 * is the same value; a row a trigger, rule or default changed, or one that is gone,
 * counts. A reference the map lacks counts too: its row cannot be there as written.
 * `OFFSET 0` keeps the NOT EXISTS a subquery run per staged row through the key's
 * index: as an anti join, PostgreSQL hashes the whole table (and key map) for each
 * block, and the read back of ten blocks into a table of a million rows reads it ten times.
 */
export function countStagedNotAsWritten(write: StagedWrite): string {
  if (write.keys.length + write.references.filter((r) => r.key).length === 0) throw new SqlSafetyError(`reading back ${quoteQualified(write.table)} needs its primary key`);
  const maps = write.references.map((r) => `${quoteQualified(KEY_MAP)} AS ${quoteIdent(keyMapAlias(r.column))}`);
  const conditions = [
    ...write.references.flatMap((r) => [
      `${quoteIdent(keyMapAlias(r.column))}."ref" = v.${quoteIdent(r.from)}`,
      `t.${quoteIdent(r.column)} = ${quoteIdent(keyMapAlias(r.column))}."key"::${castType(r.type)}`,
    ]),
    ...write.keys.map((k) => `t.${quoteIdent(k.column)} = v.${quoteIdent(k.from)}`),
    ...write.values.map((c) => `t.${quoteIdent(c.column)}::text IS NOT DISTINCT FROM v.${quoteIdent(c.from)}::text`),
  ];
  return [
    `SELECT count(*)::bigint AS "wrong" FROM ${quoteQualified(write.stage)} AS v`,
    `  WHERE NOT EXISTS (SELECT FROM ${[`${quoteQualified(write.table)} AS t`, ...maps].join(', ')}`,
    `    WHERE ${conditions.join('\n      AND ')}\n    OFFSET 0);`,
  ].join('\n');
}
