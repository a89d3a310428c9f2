import type { CatalogColumn } from '../db/catalog-types.js';
import { quoteIdent, quoteQualified, type QualifiedName } from './identifier.js';
import { castType } from './types.js';

/**
 * What three-way reconcile asks the live target, read only, inside one snapshot.
 */

/**
 * A table's unique indexes other than its primary key, partial and expression ones
 * included (`lower(email) WHERE deleted_at IS NULL`): each key part's SQL as
 * pg_get_indexdef prints it, and the predicate. Invalid indexes guarantee nothing and
 * are left out. $1: the table's quoted, qualified name.
 *
 * `columns`: the columns the index reads, key parts and predicate alike, as PostgreSQL
 * recorded them when it made the index (pg_depend); null when it recorded a dependency on
 * the whole table instead, as it does for an index of expressions only (which cannot be
 * told apart from one that reads the whole row): then every column counts.
 */
export const UNIQUE_INDEXES_QUERY = `SELECT ic.relname AS index_name,
       to_json(ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, true)
                       FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k))::text AS parts,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
       CASE WHEN bool_or(d.refobjsubid = 0) THEN NULL
            ELSE to_json(array_agg(a.attname ORDER BY a.attnum) FILTER (WHERE a.attname IS NOT NULL))::text END AS columns
  FROM pg_catalog.pg_index AS i
  JOIN pg_catalog.pg_class AS ic ON ic.oid = i.indexrelid
  LEFT JOIN pg_catalog.pg_depend AS d
         ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = i.indexrelid
        AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = i.indrelid
  LEFT JOIN pg_catalog.pg_attribute AS a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid AND d.refobjsubid > 0
 WHERE i.indrelid = $1::regclass
   AND i.indisunique
   AND i.indisvalid
   AND NOT i.indisprimary
 GROUP BY ic.relname, i.indexrelid, i.indnkeyatts, i.indpred, i.indrelid
 ORDER BY ic.relname`;

export interface UniqueIndex {
  name: string;
  /** Each key part as SQL over the table's columns: `email`, `lower(email)`. */
  parts: string[];
  /** The partial index's predicate, or null. */
  predicate: string | null;
  /** The columns the index reads (key parts and predicate); absent: any of them may be. */
  columns?: string[];
}

/** Of `columns`, those `index` reads, in their order: what a candidate row must give to be compared. */
export function columnsRead(columns: CatalogColumn[], index: UniqueIndex): CatalogColumn[] {
  const read = index.columns;
  return read === undefined ? columns : columns.filter((c) => read.includes(c.name));
}

const ORDINAL = 'salvage ord';
const PART = 'salvage part ';

/**
 * The live rows that share a unique index's key with the candidate rows given as
 * parameters ($1..$n: one text[] for each column the index reads, `columnsRead`, NULL
 * where a row gives nothing; only those are sent and cast), when the
 * candidate also falls under the index's predicate. The index's own SQL is evaluated
 * twice: over the candidates (only their columns in scope), and over the table (only
 * its columns in scope), so that expression and partial indexes mean exactly what
 * they mean to PostgreSQL, and the join can use the index itself.
 * Returns "salvage ord" (1-based row of the parameters) and every column of the live row.
 */
export function liveRowsByUniqueIndex(table: QualifiedName, columns: CatalogColumn[], index: UniqueIndex): string {
  const names = columns.map((c) => quoteIdent(c.name));
  const read = columnsRead(columns, index);
  const typed = read.map((c, i) => `u.${quoteIdent(`c${i}`)}::${castType(c.type)} AS ${quoteIdent(c.name)}`);
  const params = read.map((_, i) => `$${i + 1}::text[]`);
  const uNames = [...read.map((_, i) => quoteIdent(`c${i}`)), quoteIdent(ORDINAL)];
  const parts = index.parts.map((part, i) => `(${part}) AS ${quoteIdent(PART + i)}`);
  const predicate = index.predicate === null ? 'true' : `(${index.predicate})`;
  const join = index.parts.map((_, i) => `t.${quoteIdent(PART + i)} = c.${quoteIdent(PART + i)}`).join(' AND ');
  return [
    `SELECT c.${quoteIdent(ORDINAL)}, ${names.map((n) => `t.${n}`).join(', ')}`,
    `  FROM (SELECT ${quoteIdent(ORDINAL)}, ${parts.join(', ')}, ${predicate} AS "salvage applies"`,
    `          FROM (SELECT u.${quoteIdent(ORDINAL)}, ${typed.join(', ')}`,
    `                  FROM unnest(${params.join(', ')}) WITH ORDINALITY AS u (${uNames.join(', ')})) AS c) AS c`,
    `  JOIN (SELECT ${names.join(', ')}, ${parts.join(', ')} FROM ${quoteQualified(table)} WHERE ${predicate}) AS t`,
    `    ON ${join}`,
    ' WHERE c."salvage applies"',
  ].join('\n');
}
