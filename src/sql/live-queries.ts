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
 */
export const UNIQUE_INDEXES_QUERY = `SELECT ic.relname AS index_name,
       to_json(ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, true)
                       FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k))::text AS parts,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS predicate
  FROM pg_catalog.pg_index AS i
  JOIN pg_catalog.pg_class AS ic ON ic.oid = i.indexrelid
 WHERE i.indrelid = $1::regclass
   AND i.indisunique
   AND i.indisvalid
   AND NOT i.indisprimary
 ORDER BY ic.relname`;

export interface UniqueIndex {
  name: string;
  /** Each key part as SQL over the table's columns: `email`, `lower(email)`. */
  parts: string[];
  /** The partial index's predicate, or null. */
  predicate: string | null;
}

const ORDINAL = 'salvage ord';
const PART = 'salvage part ';

/**
 * The live rows that share a unique index's key with the candidate rows given as
 * parameters ($1..$n: one text[] per column, NULL where a row gives nothing), when the
 * candidate also falls under the index's predicate. The index's own SQL is evaluated
 * twice: over the candidates (only their columns in scope), and over the table (only
 * its columns in scope), so that expression and partial indexes mean exactly what
 * they mean to PostgreSQL, and the join can use the index itself.
 * Returns "salvage ord" (1-based row of the parameters) and every column of the live row.
 */
export function liveRowsByUniqueIndex(table: QualifiedName, columns: CatalogColumn[], index: UniqueIndex): string {
  const names = columns.map((c) => quoteIdent(c.name));
  const typed = columns.map((c, i) => `u.${quoteIdent(`c${i}`)}::${castType(c.type)} AS ${names[i]}`);
  const params = columns.map((_, i) => `$${i + 1}::text[]`);
  const uNames = [...columns.map((_, i) => quoteIdent(`c${i}`)), quoteIdent(ORDINAL)];
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
