import type { KeyGenerator } from '../changeset/key-refs.js';
import { quoteIdent, quoteQualified, SqlSafetyError, type QualifiedName } from './identifier.js';
import { literal, type SqlValue } from './literal.js';
import { castType } from './types.js';
import type { TypedColumn } from './dml.js';
import { sqlComment } from './dml.js';
import type { StageColumn } from './staged.js';

/**
 * The key map: keys the target makes at apply time, named by a reference the patch
 * carries (`<changeset>/<change id>`). The patch fills it first, by calling the
 * table's own sequence or uuid function, and every row that needs such a key (the
 * new row itself, and the rows that point at it) reads it from there, inside the one
 * transaction. It stays in the target beside salvage_history, so undo.sql can find
 * the rows the patch inserted under keys nobody knew when the patch was written.
 */
export const KEY_MAP: QualifiedName = { schema: 'salvage', name: 'salvage_keys' };

/**
 * `ref` compares byte by byte (COLLATE "C"): a reference is a name, never sorted for a
 * reader, and every key a large patch makes goes into and is looked up through this
 * index, where the database's own collation (en_US.UTF-8, say) costs a strcoll() per
 * comparison. A map an earlier version made keeps its own collation; both work.
 */
export const CREATE_KEY_MAP = [
  'CREATE SCHEMA IF NOT EXISTS salvage',
  `CREATE TABLE IF NOT EXISTS salvage.salvage_keys (
  ref text COLLATE "C" PRIMARY KEY,
  key text NOT NULL,
  assigned_at timestamptz NOT NULL DEFAULT now()
)`,
];

/** The call that makes one key, as text. */
export function keyGeneratorCall(generator: KeyGenerator): string {
  if (generator.kind === 'sequence') {
    return `nextval(${literal(quoteQualified(generator))}::regclass)`;
  }
  const fn = quoteIdent(generator.function);
  return generator.schema === null ? `${fn}()` : `${quoteIdent(generator.schema)}.${fn}()`;
}

export interface RefRow {
  ref: string;
  comment?: string;
}

/**
 * `INSERT INTO "salvage"."salvage_keys" ("ref", "key") SELECT v."ref", nextval(...)::text
 *  FROM (VALUES ...) AS v ("ref")`: one new key per reference, in the listed order.
 * Or `FROM "pg_temp"."salvage_rows_n" AS v`, a staging table typed like the key map's
 * `ref` column (`keyMapStageColumns`), filled by COPY: a fresh temporary table is read
 * back in the order COPY wrote it (no other session scans it, none in parallel), so the
 * keys come out in the same order either way.
 */
export function assignKeys(generator: KeyGenerator, refs: RefRow[] | { stage: QualifiedName }): string {
  const from =
    'stage' in refs
      ? [`  FROM ${quoteQualified(refs.stage)} AS v`]
      : [
          '  FROM (VALUES',
          ...refs.flatMap((r, i) => [...(r.comment ? [`    ${sqlComment(r.comment)}`] : []), `    (${literal(r.ref)})${i < refs.length - 1 ? ',' : ''}`]),
          '  ) AS v ("ref")',
        ];
  return [`INSERT INTO ${quoteQualified(KEY_MAP)} ("ref", "key")`, `  SELECT v."ref", ${keyGeneratorCall(generator)}::text`, ...from, 'ON CONFLICT DO NOTHING;'].join('\n');
}

/** The staging table of new references: the key map's own `ref` column. */
export const KEY_MAP_STAGE_COLUMNS: StageColumn[] = [{ name: 'ref', from: 'ref' }];

/** A keyed insert's staging columns, in v's order: `"ref c"` (text) for a key read from the map, `"c"` typed like c. */
export function keyedInsertStageColumns(columns: KeyedColumn[]): StageColumn[] {
  return columns.map((c) => ({ name: keyedVName(c), from: c.fromKeyMap ? null : c.name }));
}

/** A column of a keyed insert: a value of its own, or a key read from the key map by reference. */
export interface KeyedColumn extends TypedColumn {
  fromKeyMap: boolean;
}

const REF_PREFIX = 'ref ';
const KEY_ALIAS_PREFIX = 'k ';

/** v's column for `c`: `"c"` for a value, `"ref c"` for a reference into the key map. */
export function keyedVName(column: KeyedColumn): string {
  return column.fromKeyMap ? REF_PREFIX + column.name : column.name;
}

/** The key map's alias for column `c`: `"k c"`. */
export function keyMapAlias(column: string): string {
  return KEY_ALIAS_PREFIX + column;
}

type KeyedSource = Array<{ cells: SqlValue[]; comment?: string }> | { stage: QualifiedName };

/** How v reaches the key map: joined, on conditions the statement writes itself, or a lookup per row (keyLookup). */
type KeyMapReach = 'join' | 'lookup';

function keyedFrom(columns: KeyedColumn[], rows: KeyedSource, keyword: 'FROM' | 'USING', reach: KeyMapReach, extraNames: string[] = []): string[] {
  const names = [...columns.map(keyedVName), ...extraNames];
  const joins = columns
    .filter((c) => c.fromKeyMap)
    .map((c) => `,\n    ${reach === 'join' ? `${quoteQualified(KEY_MAP)} AS ${quoteIdent(keyMapAlias(c.name))}` : keyLookup(c)}`)
    .join('');
  if ('stage' in rows) return [`  ${keyword} ${quoteQualified(rows.stage)} AS v${joins}`];
  return [
    `  ${keyword} (VALUES`,
    ...rows.flatMap((row, i) => [...(row.comment ? [`    ${sqlComment(row.comment)}`] : []), `    (${row.cells.map((v) => literal(v)).join(', ')})${i < rows.length - 1 ? ',' : ''}`]),
    `  ) AS v (${names.map(quoteIdent).join(', ')})${joins}`,
  ];
}

/**
 * `LATERAL (SELECT k."key" FROM "salvage"."salvage_keys" AS k WHERE k."ref" = v."ref c" OFFSET 0) AS "k c"`:
 * the key of one row's reference, found through the key map's primary key. `OFFSET 0`
 * keeps it a lookup per row: as a plain join, PostgreSQL hashes the whole key map for
 * every block, and the map grows by a block each time, so a recovery of n blocks would
 * hash it n times over.
 */
function keyLookup(column: KeyedColumn): string {
  return `LATERAL (SELECT k."key" FROM ${quoteQualified(KEY_MAP)} AS k WHERE k."ref" = v.${quoteIdent(keyedVName(column))} OFFSET 0) AS ${quoteIdent(keyMapAlias(column.name))}`;
}

/**
 * New rows some of whose columns are keys made at apply time:
 *   INSERT INTO s.t (c...) SELECT "k id"."key"::bigint, v."email"::text, ...
 *   FROM (VALUES ...) AS v ("ref id", "email", ...),
 *     LATERAL (SELECT k."key" FROM "salvage"."salvage_keys" AS k WHERE k."ref" = v."ref id" OFFSET 0) AS "k id"
 *   ON CONFLICT DO NOTHING
 * A reference the key map lacks drops its row, which apply's count check turns into
 * a rollback: a row never goes in with a key it was not meant to have. Large blocks
 * read v from a staging table (`FROM "pg_temp"."salvage_rows_n" AS v, ...`) whose
 * columns are `keyedInsertStageColumns`: one statement, however many rows.
 */
export function insertWithKeys(table: QualifiedName, columns: KeyedColumn[], rows: KeyedSource): string {
  const selected = columns.map((c) => (c.fromKeyMap ? `${quoteIdent(keyMapAlias(c.name))}."key"::${castType(c.type)}` : `v.${quoteIdent(c.name)}::${castType(c.type)}`));
  return [
    `INSERT INTO ${quoteQualified(table)} (${columns.map((c) => quoteIdent(c.name)).join(', ')})`,
    `  SELECT ${selected.join(', ')}`,
    ...keyedFrom(columns, rows, 'FROM', 'lookup'),
    'ON CONFLICT DO NOTHING;',
  ].join('\n');
}

/**
 * A staged block of new rows whose only key-map column is their own key, made and
 * used in one statement:
 *   WITH "k id" AS (
 *     INSERT INTO "salvage"."salvage_keys" ("ref", "key")
 *       SELECT v."ref id", nextval(...)::text
 *       FROM "pg_temp"."salvage_rows_n" AS v
 *     ON CONFLICT DO NOTHING
 *     RETURNING "ref", "key"
 *   )
 *   INSERT INTO s.t ("id", ...) SELECT "k id"."key"::bigint, v."c"::type, ...
 *     FROM "pg_temp"."salvage_rows_n" AS v, "k id"
 *     WHERE "k id"."ref" = v."ref id"
 *   ON CONFLICT DO NOTHING;
 * The key map gets its keys exactly as assignKeys gives them, and each row takes its key
 * straight from the keys just made (a hash join of the block) instead of one index
 * lookup per row in a map that grows by a block each time. A reference the map already
 * held returns nothing, so its row is not inserted and the count check rolls apply back,
 * as the two statements would. Only for rows that point at no other new row: the
 * outer INSERT cannot see keys its own WITH makes.
 */
export function insertWithNewKeys(table: QualifiedName, generator: KeyGenerator, columns: KeyedColumn[], stage: QualifiedName): string {
  const keyed = columns.filter((c) => c.fromKeyMap);
  const own = keyed[0];
  if (keyed.length !== 1 || !own) throw new SqlSafetyError(`new keys for ${quoteQualified(table)} are made for exactly one column`);
  const made = quoteIdent(keyMapAlias(own.name));
  const ref = quoteIdent(keyedVName(own));
  const selected = columns.map((c) => (c.fromKeyMap ? `${made}."key"::${castType(c.type)}` : `v.${quoteIdent(c.name)}::${castType(c.type)}`));
  return [
    `WITH ${made} AS (`,
    `  INSERT INTO ${quoteQualified(KEY_MAP)} ("ref", "key")`,
    `    SELECT v.${ref}, ${keyGeneratorCall(generator)}::text`,
    `    FROM ${quoteQualified(stage)} AS v`,
    '  ON CONFLICT DO NOTHING',
    '  RETURNING "ref", "key"',
    ')',
    `INSERT INTO ${quoteQualified(table)} (${columns.map((c) => quoteIdent(c.name)).join(', ')})`,
    `  SELECT ${selected.join(', ')}`,
    `  FROM ${quoteQualified(stage)} AS v, ${made}`,
    `  WHERE ${made}."ref" = v.${ref}`,
    'ON CONFLICT DO NOTHING;',
  ].join('\n');
}

/**
 * Undo of a keyed insert: the row goes only while it holds every value the patch wrote.
 * Its key is a key the map recorded (`t.id = "k id"."key"`) or one a source proved
 * (`t.id = v."key id"`); other columns read from the map must hold their key, the rest
 * are guarded by v's "old c" columns. A VALUES list joins the map on each reference
 * (`"k id"."ref" = v."ref id"`); a staging table (`keyedDeleteStageColumns`) looks each
 * key up per row (keyLookup), as a keyed insert does, so the whole map is not hashed
 * for every block:
 *   DELETE FROM s.t AS t USING "pg_temp"."salvage_rows_n" AS v,
 *     LATERAL (SELECT k."key" FROM "salvage"."salvage_keys" AS k WHERE k."ref" = v."ref id" OFFSET 0) AS "k id"
 *   WHERE t."id" = "k id"."key"::bigint
 *     AND t."note" IS NOT DISTINCT FROM v."old note"::text;
 */
export function deleteWithKeys(table: QualifiedName, primaryKey: readonly string[], columns: KeyedColumn[], rows: Array<{ cells: SqlValue[] }> | { stage: QualifiedName }): string {
  const refs = columns.filter((c) => c.fromKeyMap);
  const keys = columns.filter((c) => !c.fromKeyMap && primaryKey.includes(c.name));
  const guards = columns.filter((c) => !c.fromKeyMap && !primaryKey.includes(c.name));
  const staged = 'stage' in rows;
  const conditions = [
    ...refs.flatMap((c) => [
      ...(staged ? [] : [`${quoteIdent(keyMapAlias(c.name))}."ref" = v.${quoteIdent(keyedVName(c))}`]),
      `t.${quoteIdent(c.name)} = ${quoteIdent(keyMapAlias(c.name))}."key"::${castType(c.type)}`,
    ]),
    ...keys.map((c) => `t.${quoteIdent(c.name)} = v.${quoteIdent(`key ${c.name}`)}::${castType(c.type)}`),
    ...guards.map((c) => `t.${quoteIdent(c.name)} IS NOT DISTINCT FROM v.${quoteIdent(`old ${c.name}`)}::${castType(c.type)}`),
  ];
  const extra = [...keys.map((c) => `key ${c.name}`), ...guards.map((c) => `old ${c.name}`)];
  const [using, ...rest] = keyedFrom(refs, rows, 'USING', staged ? 'lookup' : 'join', extra);
  return [`DELETE FROM ${quoteQualified(table)} AS t ${(using as string).trimStart()}`, ...rest, `  WHERE ${conditions.join('\n    AND ')};`].join('\n');
}

/** A staged keyed delete's columns, in deleteWithKeysOrder: `"ref c"` (text) per reference, `"key c"` and `"old c"` typed like c. */
export function keyedDeleteStageColumns(primaryKey: readonly string[], columns: KeyedColumn[]): StageColumn[] {
  return deleteWithKeysOrder(primaryKey, columns).map((c) =>
    c.fromKeyMap ? { name: keyedVName(c), from: null } : { name: `${primaryKey.includes(c.name) ? 'key' : 'old'} ${c.name}`, from: c.name },
  );
}

/** The cells of a deleteWithKeys row, in v's order: references, then keys, then guards. */
export function deleteWithKeysOrder(primaryKey: readonly string[], columns: KeyedColumn[]): KeyedColumn[] {
  return [...columns.filter((c) => c.fromKeyMap), ...columns.filter((c) => !c.fromKeyMap && primaryKey.includes(c.name)), ...columns.filter((c) => !c.fromKeyMap && !primaryKey.includes(c.name))];
}

/** The keys the map holds for these references ($1 text[]). */
export const SELECT_KEYS_BY_REF = `SELECT "ref", "key" FROM ${quoteQualified(KEY_MAP)} WHERE "ref" = ANY ($1::text[])`;

/** Whether the key map exists (an undo of a patch whose keys were never made finds none). */
export const KEY_MAP_EXISTS = "SELECT to_regclass('salvage.salvage_keys') IS NOT NULL AS present";
