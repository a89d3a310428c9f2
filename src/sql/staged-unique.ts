import type { CatalogColumn } from '../db/catalog-types.js';
import { quoteIdent, quoteQualified, SqlSafetyError, type QualifiedName } from './identifier.js';
import type { UniqueIndex } from './live-queries.js';
import { STAGE_PREFIX, STAGE_SCHEMA } from './staged.js';
import { castType } from './types.js';

/** Rows a statement inserts, as they sit in its filled staging table, for apply's drift check. */
export interface StagedCandidates {
  stage: QualifiedName;
  /** The table's column -> the staging column holding its value (typed like it); a column not here gives nothing (NULL). */
  given: ReadonlyMap<string, string>;
}

/** Staging tables filled alike (the same columns given the same way): checked together, in one join. */
export interface StagedGroup {
  stages: QualifiedName[];
  given: ReadonlyMap<string, string>;
}

export const STAGED_ORDINAL = 'salvage ord';
/** "salvage stage": which staging table of the group (1-based) a row is in. */
export const STAGED_TABLE = 'salvage stage';
/** "salvage new <column>": the staged value of a given column, as text, to name the row in a drift report. */
export const STAGED_SHOWN_PREFIX = 'salvage new ';

const PART = 'salvage part ';

/**
 * The live rows that share a unique index's key (or, given the primary key as `index`,
 * the key itself) with a row of a group of staging tables, where the staged row falls
 * under the index's predicate: the set-based form of liveRowsByUniqueIndex, one query
 * however many rows are staged.
 *
 *   SELECT c."salvage stage", c."salvage ord", c."salvage new email", ..., t."id", t."email", ...
 *     FROM (SELECT "salvage stage", "salvage ord", (lower(email)) AS "salvage part 0", (<predicate>) AS "salvage applies", "email"::text AS "salvage new email", ...
 *             FROM (SELECT 1 AS "salvage stage", row_number() OVER () AS "salvage ord", NULL::bigint AS "id", v."email" AS "email", ...
 *                     FROM "pg_temp"."salvage_rows_n" AS v
 *                   UNION ALL
 *                   SELECT 2 AS "salvage stage", ... FROM "pg_temp"."salvage_rows_m" AS v) AS c) AS c
 *     JOIN (SELECT "id", "email", ..., (lower(email)) AS "salvage part 0" FROM "s"."t" WHERE <predicate>) AS t
 *       ON t."salvage part 0" = c."salvage part 0"
 *    WHERE c."salvage applies"
 *
 * The staging tables are joined together, not one query each: each query reads the whole
 * table (PostgreSQL hashes it rather than probe its index a hundred thousand times), so
 * one query per staged block (up to a hundred thousand rows each) made the check grow with the square of
 * the recovery once the live table grows with it.
 * The index's SQL is evaluated over the staged rows under the table's own column names
 * (the staging columns are typed like them), and over the table, so that expression and
 * partial indexes mean what they mean to PostgreSQL. "salvage ord" numbers each staging
 * table's rows in the order COPY wrote them (a fresh temporary table no other session
 * scans, and none is scanned in parallel).
 */
export function liveRowsTakingStagedValues(table: QualifiedName, columns: CatalogColumn[], group: StagedGroup, index: UniqueIndex): string {
  const { stages, given } = group;
  if (stages.length === 0) throw new SqlSafetyError('no staging table to compare');
  for (const stage of stages) {
    if (stage.schema !== STAGE_SCHEMA || !stage.name.startsWith(STAGE_PREFIX)) throw new SqlSafetyError(`${quoteQualified(stage)} is not a staging table`);
  }
  for (const column of given.keys()) {
    if (!columns.some((c) => c.name === column)) throw new SqlSafetyError(`${quoteQualified(table)} has no column ${JSON.stringify(column)} among those compared`);
  }
  const names = columns.map((c) => quoteIdent(c.name));
  const staged = columns.map((c, i) => {
    const from = given.get(c.name);
    return from === undefined ? `NULL::${castType(c.type)} AS ${names[i]}` : `v.${quoteIdent(from)} AS ${names[i]}`;
  });
  const shown = columns.filter((c) => given.has(c.name)).map((c) => `${quoteIdent(c.name)}::text AS ${quoteIdent(STAGED_SHOWN_PREFIX + c.name)}`);
  const parts = index.parts.map((part, i) => `(${part}) AS ${quoteIdent(PART + i)}`);
  const predicate = index.predicate === null ? 'true' : `(${index.predicate})`;
  const join = index.parts.map((_, i) => `t.${quoteIdent(PART + i)} = c.${quoteIdent(PART + i)}`).join(' AND ');
  const ordinal = quoteIdent(STAGED_ORDINAL);
  const which = quoteIdent(STAGED_TABLE);
  const shownNames = columns.filter((c) => given.has(c.name)).map((c) => `c.${quoteIdent(STAGED_SHOWN_PREFIX + c.name)}`);
  const branches = stages.flatMap((stage, i) => [
    ...(i > 0 ? ['                UNION ALL'] : []),
    `                SELECT ${i + 1} AS ${which}, row_number() OVER () AS ${ordinal}, ${staged.join(', ')}`,
    `                  FROM ${quoteQualified(stage)} AS v`,
  ]);
  return [
    `SELECT ${[`c.${which}`, `c.${ordinal}`, ...shownNames, ...names.map((n) => `t.${n}`)].join(', ')}`,
    `  FROM (SELECT ${[which, ordinal, ...parts, `${predicate} AS "salvage applies"`, ...shown].join(', ')}`,
    '          FROM (',
    ...branches,
    '               ) AS c) AS c',
    `  JOIN (SELECT ${names.join(', ')}, ${parts.join(', ')} FROM ${quoteQualified(table)} WHERE ${predicate}) AS t`,
    `    ON ${join}`,
    ' WHERE c."salvage applies"',
  ].join('\n');
}
