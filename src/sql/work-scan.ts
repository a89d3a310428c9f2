import { quoteIdent, SqlSafetyError } from './identifier.js';

/**
 * The work database's side of the backup scan (src/reconcile/backup-scan-sql.ts): staging
 * tables in a schema of the run's own, and the set operations that decide which
 * candidate groups the backup settles as unchanged and which backup rows the full
 * merge needs. Every table lives in that schema and goes with it (dropWorkSchema):
 * nothing is created anywhere else, and never in the backup or the target.
 *
 * The staged tables:
 * - cand_key (k, root): each candidate match key, and the candidate group that owns it;
 * - cand_one (i, a, b, set): a group of one candidate with a clean digest (two 32-bit lanes);
 * - digest_set (set, cols): the columns a digest covers, as 1-based positions in the table;
 * - backup_row (j, pk, ha, hb, vals): each backup row in scan order, its key as text, the
 *   hash lanes of each column's value, and its values as a JSON array;
 * - row_key (j, kidx, k): each match key of a backup row, with the position of its key.
 */

/** A work schema's name: salvage_work_ and a token of the run (lower-case letters and digits only). */
export function workSchemaName(token: string): string {
  if (!/^[a-z0-9]{1,40}$/.test(token)) throw new SqlSafetyError(`a work schema token must be 1 to 40 lower-case letters or digits, not ${JSON.stringify(token)}`);
  return `salvage_work_${token}`;
}

export function createWorkSchema(schema: string): string {
  return `CREATE SCHEMA ${quoteIdent(schema)};`;
}

export function dropWorkSchema(schema: string): string {
  return `DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE;`;
}

/** The staging tables of one table's scan; made afresh for each table (dropScanTables first). */
export function createScanTables(schema: string): string {
  const s = quoteIdent(schema);
  return [
    `CREATE TABLE ${s}.cand_key (k text NOT NULL, root integer NOT NULL);`,
    `CREATE TABLE ${s}.cand_one (i integer PRIMARY KEY, a bigint NOT NULL, b bigint NOT NULL, set integer NOT NULL);`,
    `CREATE TABLE ${s}.digest_set (set integer PRIMARY KEY, cols integer[] NOT NULL);`,
    `CREATE TABLE ${s}.backup_row (j integer PRIMARY KEY, pk text NOT NULL, ha bigint[] NOT NULL, hb bigint[] NOT NULL, vals text NOT NULL);`,
    `CREATE TABLE ${s}.row_key (j integer NOT NULL, kidx integer NOT NULL, k text NOT NULL);`,
  ].join('\n');
}

export function dropScanTables(schema: string): string {
  const s = quoteIdent(schema);
  return `DROP TABLE IF EXISTS ${s}.cand_key, ${s}.cand_one, ${s}.digest_set, ${s}.backup_row, ${s}.row_key, ${s}.hit, ${s}.settling;`;
}

/** The columns each staging table is filled with, in COPY order. */
export const SCAN_TABLE_COLUMNS = {
  cand_key: ['k', 'root'],
  cand_one: ['i', 'a', 'b', 'set'],
  digest_set: ['set', 'cols'],
  backup_row: ['j', 'pk', 'ha', 'hb', 'vals'],
  row_key: ['j', 'kidx', 'k'],
} as const;

export type ScanTable = keyof typeof SCAN_TABLE_COLUMNS;

/** COPY into one staging table, in the text format (src/sql/staged.ts's copyLine writes its lines). */
export function copyIntoScanTable(schema: string, table: ScanTable, from: 'stdin' | 'blob'): string {
  const columns = SCAN_TABLE_COLUMNS[table].map(quoteIdent).join(', ');
  // PGlite reads COPY data from a blob handed with the query, under this device name.
  return `COPY ${quoteIdent(schema)}.${quoteIdent(table)} (${columns}) FROM ${from === 'stdin' ? 'STDIN' : `'/dev/blob'`};`;
}

/**
 * The scan, as sets. `hit` pairs each backup row with each candidate group one of its keys
 * leads to: `rank` orders a row's groups as the in-process scan meets them (by the first
 * key, in match-key order), `roots` counts them, and `nth` numbers a group's rows in scan
 * order. A group is settled by its first row when it is one candidate, that row leads to
 * it alone, and the digest of the row's values over the candidate's columns equals the
 * candidate's (`settling`); a second row leading to it undoes that (see keptEntries).
 */
export function classifyScan(schema: string): string {
  const s = quoteIdent(schema);
  return [
    `ANALYZE ${s}.cand_key, ${s}.cand_one, ${s}.digest_set, ${s}.backup_row, ${s}.row_key;`,
    `CREATE TABLE ${s}.hit AS
  SELECT j, root, rank,
    count(*) OVER (PARTITION BY j) AS roots,
    row_number() OVER (PARTITION BY root ORDER BY j) AS nth
  FROM (
    SELECT rk.j, ck.root, min(rk.kidx) AS rank
    FROM ${s}.row_key AS rk JOIN ${s}.cand_key AS ck ON ck.k = rk.k
    GROUP BY rk.j, ck.root
  ) AS row_root;`,
    `CREATE TABLE ${s}.settling AS
  SELECT h.root AS c, h.j
  FROM ${s}.hit AS h
    JOIN ${s}.cand_one AS o ON o.i = h.root
    JOIN ${s}.digest_set AS d ON d.set = o.set
    JOIN ${s}.backup_row AS b ON b.j = h.j
  WHERE h.nth = 1 AND h.roots = 1
    AND o.a = (SELECT coalesce(bit_xor(b.ha[p]), 0) FROM unnest(d.cols) AS p)
    AND o.b = (SELECT coalesce(bit_xor(b.hb[p]), 0) FROM unnest(d.cols) AS p);`,
    `ANALYZE ${s}.hit, ${s}.settling;`,
  ].join('\n');
}

/**
 * What the merge keeps of the backup, in the order the in-process scan keeps it. A row
 * that leads to some group and settled none is kept whole (`vals`), with its keys some
 * candidate has (`keys`, a JSON array). A group a second row undoes keeps, just before that
 * row, the first row's key alone (`stub_of`: the group; `pk`: that row's key), in the
 * order of the second row's groups. Columns are text, as every engine returns them.
 */
export function keptEntries(schema: string): string {
  const s = quoteIdent(schema);
  // Ordered by the numbers (kept.at), not by the text columns of the same names. A row's
  // keys are gathered in one grouped join, not a subquery per row (row_key has no index).
  return `SELECT kept.at::text AS at, kept.sub::text AS sub, kept.stub_of::text AS stub_of, kept.pk, kept.vals, kept.keys FROM (
  SELECT b.j AS at, 2147483647 AS sub, NULL::integer AS stub_of, NULL::text AS pk, b.vals, owned.keys::text AS keys
  FROM ${s}.backup_row AS b
    JOIN (
      SELECT rk.j, json_agg(rk.k ORDER BY rk.kidx) AS keys
      FROM ${s}.row_key AS rk JOIN ${s}.cand_key AS ck ON ck.k = rk.k
      GROUP BY rk.j
    ) AS owned ON owned.j = b.j
  WHERE NOT EXISTS (SELECT FROM ${s}.settling AS st WHERE st.j = b.j)
  UNION ALL
  SELECT second.j, second.rank, st.c, first.pk, NULL, NULL
  FROM ${s}.settling AS st
    JOIN ${s}.hit AS second ON second.root = st.c AND second.nth = 2
    JOIN ${s}.backup_row AS first ON first.j = st.j
) AS kept
ORDER BY kept.at, kept.sub`;
}

/** The groups that stay settled (no second row leads to them), with the key of the row that settled them. */
export function settledGroups(schema: string): string {
  const s = quoteIdent(schema);
  return `SELECT st.c::text AS c, b.pk
FROM ${s}.settling AS st JOIN ${s}.backup_row AS b ON b.j = st.j
WHERE NOT EXISTS (SELECT FROM ${s}.hit AS h WHERE h.root = st.c AND h.nth = 2)
ORDER BY st.c`;
}

/** Opens the transaction a cursor lives in. */
export const BEGIN = 'BEGIN';

/** A cursor over a query, read in batches inside the caller's transaction (any PostgreSQL, PGlite too). */
export function declareCursor(name: string, query: string): string {
  return `DECLARE ${quoteIdent(name)} NO SCROLL CURSOR FOR ${query}`;
}

export function fetchFromCursor(name: string, count: number): string {
  if (!Number.isSafeInteger(count) || count < 1) throw new SqlSafetyError(`a fetch count must be a positive integer, not ${count}`);
  return `FETCH FORWARD ${count} FROM ${quoteIdent(name)}`;
}

export function closeCursor(name: string): string {
  return `CLOSE ${quoteIdent(name)}`;
}

/** An integer array's literal for COPY data (the numbers' own text; no quoting needed). */
export function integerArrayLiteral(values: ArrayLike<number>): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isSafeInteger(v)) throw new SqlSafetyError(`${v} is not an integer`);
    parts.push(String(v));
  }
  return `{${parts.join(',')}}`;
}
