/**
 * The queries that read a database's schema from pg_catalog. One query per
 * aspect over all tables at once (never one per table), so that a schema of
 * hundreds of tables costs a handful of round trips.
 *
 * Why pg_catalog and not information_schema: information_schema is slow on big
 * schemas, shows only objects the role has privileges on, and has no place for
 * identity/generated details, partitioning or index definitions.
 *
 * Every query below runs unchanged on PostgreSQL 15 and on PGlite (PostgreSQL 18).
 * Multi-column results (key columns, foreign key column pairs) come back as one
 * row per column with its position, never as SQL arrays, so that the result reads
 * the same whatever type parsers the client has (salvage's own clients return
 * every value as text). OIDs are returned as text for the same reason and passed
 * back to the later queries as `$1::oid[]`.
 */

/** salvage's own schema (audit, bookkeeping): never part of the user's data. */
export const SALVAGE_SCHEMA = 'salvage';

/**
 * Schemas that never hold user data. The pg_toast*, pg_temp_* and pg_toast_temp_*
 * families are matched by pattern in TABLES_QUERY, as their names carry numbers.
 */
export const EXCLUDED_SCHEMAS: readonly string[] = ['pg_catalog', 'information_schema', SALVAGE_SCHEMA];

export const CURRENT_DATABASE_QUERY = 'SELECT pg_catalog.current_database() AS database';

/**
 * Ordinary ('r') and partitioned ('p') tables. Partitions themselves are left out:
 * their rows are read and written through the partitioned parent, and listing
 * both would show every row twice.
 * $1 text[]: schemas to exclude; $2 text[] or NULL: only these schemas.
 */
export const TABLES_QUERY = `SELECT c.oid::text AS table_oid,
       n.nspname AS schema_name,
       c.relname AS table_name
  FROM pg_catalog.pg_class AS c
  JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p')
   AND NOT c.relispartition
   AND n.nspname <> ALL ($1::text[])
   AND n.nspname !~ '^pg_(toast|temp_)'
   AND ($2::text[] IS NULL OR n.nspname = ANY ($2::text[]))
 ORDER BY n.nspname, c.relname`;

/**
 * Live columns in attnum order. `base_type` follows domains (also domains over
 * domains) down to the underlying type, whose name is `type_name`. A generated
 * column's expression is stored in pg_attrdef too, but it is not a default, so
 * it is not reported as one.
 * $1 oid[]: the tables.
 */
export const COLUMNS_QUERY = `WITH RECURSIVE live_columns AS (
       SELECT a.attrelid, a.attnum, a.attname, a.atttypid, a.atttypmod,
              a.attnotnull, a.attidentity, a.attgenerated
         FROM pg_catalog.pg_attribute AS a
        WHERE a.attrelid = ANY ($1::oid[])
          AND a.attnum > 0
          AND NOT a.attisdropped
     ),
     base_type (type_oid, base_oid) AS (
       SELECT DISTINCT atttypid, atttypid FROM live_columns
        UNION
       SELECT b.type_oid, t.typbasetype
         FROM base_type AS b
         JOIN pg_catalog.pg_type AS t ON t.oid = b.base_oid
        WHERE t.typtype = 'd'
     )
SELECT c.attrelid::text AS table_oid,
       c.attname AS column_name,
       c.attnum::text AS position,
       pg_catalog.format_type(c.atttypid, c.atttypmod) AS formatted_type,
       bt.typname AS type_name,
       c.attnotnull AS not_null,
       CASE WHEN c.attgenerated = '' THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END AS default_expression,
       NULLIF(c.attidentity, '')::text AS identity_kind,
       c.attgenerated <> '' AS is_generated
  FROM live_columns AS c
  JOIN base_type AS b ON b.type_oid = c.atttypid
  JOIN pg_catalog.pg_type AS bt ON bt.oid = b.base_oid AND bt.typtype <> 'd'
  LEFT JOIN pg_catalog.pg_attrdef AS d ON d.adrelid = c.attrelid AND d.adnum = c.attnum
 ORDER BY c.attrelid, c.attnum`;

/**
 * Primary keys, UNIQUE constraints and unique indexes, one row per key column in
 * key order. Every UNIQUE or PRIMARY KEY constraint is backed by a unique index,
 * so pg_index alone covers all three. Left out: partial indexes (unique only
 * among some rows), expression indexes (not plain columns), invalid indexes (a
 * failed CREATE INDEX CONCURRENTLY guarantees nothing) and INCLUDE columns
 * (stored in the index but not part of the uniqueness).
 * $1 oid[]: the tables.
 */
export const UNIQUE_KEYS_QUERY = `SELECT i.indrelid::text AS table_oid,
       ic.relname AS index_name,
       i.indisprimary AS is_primary,
       k.ordinality::text AS ordinal,
       a.attname AS column_name
  FROM pg_catalog.pg_index AS i
  JOIN pg_catalog.pg_class AS ic ON ic.oid = i.indexrelid
 CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ordinality)
  JOIN pg_catalog.pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
 WHERE i.indrelid = ANY ($1::oid[])
   AND i.indisunique
   AND i.indisvalid
   AND i.indpred IS NULL
   AND i.indexprs IS NULL
   AND k.ordinality <= i.indnkeyatts
 ORDER BY i.indrelid, ic.relname, k.ordinality`;

/**
 * The unique indexes UNIQUE_KEYS_QUERY leaves out, partial or on expressions, as the
 * plain columns their key is computed from: one row per (index, column). Lookups use
 * them to know that `email` of `UNIQUE (lower(email)) WHERE deleted_at IS NULL` is
 * unique among some rows. An expression's columns are read from its stored node tree
 * (`{VAR ... :varattno N ...}`); an index whose key reads the whole row (varattno 0)
 * is left out, as its key is not computed from named columns. The predicate's columns
 * are not key columns. $1 oid[]: the tables.
 */
export const CONDITIONAL_UNIQUE_KEYS_QUERY = `WITH conditional AS (
  SELECT i.indrelid, i.indexrelid, i.indpred IS NOT NULL AS is_partial,
         ARRAY(SELECT k.attnum::int
                 FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ordinality)
                WHERE k.ordinality <= i.indnkeyatts AND k.attnum <> 0
               UNION
               SELECT m.v[1]::int
                 FROM regexp_matches(coalesce(i.indexprs::text, ''), ':varattno (-?[0-9]+)', 'g') AS m(v)) AS attnums
    FROM pg_catalog.pg_index AS i
   WHERE i.indrelid = ANY ($1::oid[])
     AND i.indisunique
     AND i.indisvalid
     AND (i.indpred IS NOT NULL OR i.indexprs IS NOT NULL)
)
SELECT c.indrelid::text AS table_oid,
       ic.relname AS index_name,
       c.is_partial,
       pg_catalog.pg_get_indexdef(c.indexrelid) AS definition,
       a.attname AS column_name
  FROM conditional AS c
  JOIN pg_catalog.pg_class AS ic ON ic.oid = c.indexrelid
  JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.indrelid AND a.attnum = ANY (c.attnums)
 WHERE NOT (0 = ANY (c.attnums))
 ORDER BY c.indrelid, ic.relname, a.attname`;

/**
 * Foreign keys, one row per (column, referenced column) pair in key order.
 * Only top-level constraints (conparentid = 0): PostgreSQL clones a foreign key
 * of a partitioned table onto each partition, and one referencing a partitioned
 * table into one constraint per referenced partition; those clones are internal.
 * $1 oid[]: the (referencing) tables.
 */
export const FOREIGN_KEYS_QUERY = `SELECT con.conrelid::text AS table_oid,
       con.conname AS constraint_name,
       rn.nspname AS referenced_schema,
       rc.relname AS referenced_table,
       k.ordinality::text AS ordinal,
       a.attname AS column_name,
       ra.attname AS referenced_column
  FROM pg_catalog.pg_constraint AS con
  JOIN pg_catalog.pg_class AS rc ON rc.oid = con.confrelid
  JOIN pg_catalog.pg_namespace AS rn ON rn.oid = rc.relnamespace
 CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(attnum, referenced_attnum, ordinality)
  JOIN pg_catalog.pg_attribute AS a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
  JOIN pg_catalog.pg_attribute AS ra ON ra.attrelid = con.confrelid AND ra.attnum = k.referenced_attnum
 WHERE con.contype = 'f'
   AND con.conparentid = 0
   AND con.conrelid = ANY ($1::oid[])
 ORDER BY con.conrelid, con.conname, k.ordinality`;

/**
 * The sequences that feed columns, found through pg_depend (the same links
 * pg_get_serial_sequence follows, but for all tables in one query):
 * - identity columns: the sequence depends on the column internally (deptype 'i');
 * - a column default that calls nextval('x'::regclass): the default expression
 *   depends on the sequence (deptype 'n'); this covers serial/bigserial and hand
 *   written defaults alike;
 * - a sequence OWNED BY the column (deptype 'a'), even when no default uses it.
 * A column can match more than one way (serial matches the last two with the
 * same sequence); `priority` says which one to believe first: identity, then the
 * default that really feeds the column, then ownership.
 * $1 oid[]: the tables.
 */
export const COLUMN_SEQUENCES_QUERY = `SELECT dep.refobjid::text AS table_oid,
       a.attname AS column_name,
       sn.nspname AS sequence_schema,
       s.relname AS sequence_name,
       CASE dep.deptype WHEN 'i' THEN 1 ELSE 3 END AS priority
  FROM pg_catalog.pg_depend AS dep
  JOIN pg_catalog.pg_class AS s ON s.oid = dep.objid AND s.relkind = 'S'
  JOIN pg_catalog.pg_namespace AS sn ON sn.oid = s.relnamespace
  JOIN pg_catalog.pg_attribute AS a ON a.attrelid = dep.refobjid AND a.attnum = dep.refobjsubid
 WHERE dep.classid = 'pg_catalog.pg_class'::regclass
   AND dep.refclassid = 'pg_catalog.pg_class'::regclass
   AND dep.refobjid = ANY ($1::oid[])
   AND dep.refobjsubid > 0
   AND dep.deptype IN ('a', 'i')
UNION ALL
SELECT d.adrelid::text AS table_oid,
       a.attname AS column_name,
       sn.nspname AS sequence_schema,
       s.relname AS sequence_name,
       2 AS priority
  FROM pg_catalog.pg_attrdef AS d
  JOIN pg_catalog.pg_depend AS dep
    ON dep.classid = 'pg_catalog.pg_attrdef'::regclass
   AND dep.objid = d.oid
   AND dep.refclassid = 'pg_catalog.pg_class'::regclass
   AND dep.deptype = 'n'
  JOIN pg_catalog.pg_class AS s ON s.oid = dep.refobjid AND s.relkind = 'S'
  JOIN pg_catalog.pg_namespace AS sn ON sn.oid = s.relnamespace
  JOIN pg_catalog.pg_attribute AS a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
 WHERE d.adrelid = ANY ($1::oid[])
 ORDER BY table_oid, column_name, priority, sequence_schema, sequence_name`;
