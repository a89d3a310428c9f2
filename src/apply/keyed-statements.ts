import type { KeyGenerator } from '../changeset/key-refs.js';
import type { StagedIn } from './staged-statements.js';
import { STAGE_SCHEMA } from '../sql/staged.js';
import { rowsOnce, rowsOnDemand } from './rows-on-demand.js';
import type { A_Expr, DeleteStmt, InsertStmt, RangeVar } from '@pgsql/types';
import { nodeOf, requireNode, type Node } from './parse-node.js';
import { castArgument, constantRows, constantOf, namesOf, only, qualifiedColumn, sameTable, selectedValues, soleItem, tableOf, truncateIdentifier, type Constant, type Refuse, type TableName } from './parse-tree.js';

/**
 * The statements of keys the target makes at apply time (src/sql/key-map.ts), read back
 * from their parse trees: the key map filled by the table's own sequence or uuid
 * function, rows inserted reading their keys from it, and (undo) removed the same way.
 * Like every form apply runs, each is checked node by node; anything else is refused.
 */
export const KEY_MAP_NAME: TableName = { schema: 'salvage', name: 'salvage_keys' };

export type Pair = [column: string, value: Constant];

export interface KeysStatement {
  generator: KeyGenerator;
  /** The references that get a new key, one row each. */
  rows: string[];
}

export interface KeyedInsertStatement {
  table: TableName;
  columns: string[];
  /** The columns whose value is read from the key map; their cells are references. */
  refColumns: string[];
  rows: Constant[][];
  /** The staging table v was, when it was one. */
  stagedIn?: StagedIn;
  /** The generator of the keys the statement makes itself for its rows (insertWithNewKeys), put in the key map as it writes them. */
  newKeys?: KeyGenerator;
}

/** One row of a keyed DELETE (undo): which references give its key map columns, its literal key, what it must still hold. */
export interface KeyedRemoval {
  refs: Pair[];
  keys: Pair[];
  guards: Pair[];
}

export function isKeyMap(r: RangeVar | undefined): boolean {
  return r?.schemaname === KEY_MAP_NAME.schema && r?.relname === KEY_MAP_NAME.name;
}

/** An INSERT that reads from more than a VALUES list or a staging table: the keyed form. */
export function isKeyedInsert(node: InsertStmt): boolean {
  const from = nodeOf(node.selectStmt, 'SelectStmt')?.fromClause;
  return Array.isArray(from) && from.length > 1;
}

export function isKeyedDelete(node: DeleteStmt): boolean {
  return Array.isArray(node.usingClause) && node.usingClause.length > 1;
}

const KEY_ALIAS = 'k ';
const REF = 'ref ';

/**
 * Claims the staging table `relation` names for a statement on `table` (staged-statements.ts):
 * created and filled earlier in the file, typed like `table`, read by no other statement.
 */
export type ClaimStage = (relation: RangeVar, table: TableName, why: string) => StagedIn & { rows: Constant[][] };

/** v's rows, and for a staging table the real column each of its columns is typed like (null: a text reference). */
interface VRows {
  names: string[];
  rows: Constant[][];
  typedLike?: Array<string | null>;
  stagedIn?: StagedIn;
}

const V_SOURCE = 'the rows must come from a VALUES list AS v, or a staging table of this patch (pg_temp.salvage_rows_<n>) AS v';

/** `(VALUES (constants)...) AS v (names)`, or `pg_temp.salvage_rows_n AS v` typed like `table`. */
function valuesV(item: Node | undefined, table: TableName, claim: ClaimStage, refuse: Refuse): VRows {
  const staged = nodeOf(item, 'RangeVar');
  if (staged) {
    const alias = staged.alias;
    if (alias?.aliasname !== 'v') return refuse(V_SOURCE);
    only(alias, 'aliasname');
    only(staged, 'schemaname', 'relname', 'inh', 'relpersistence', 'alias', 'location');
    const stage = claim({ ...staged, alias: undefined }, table, V_SOURCE);
    return { names: stage.columns.map((c) => c.name), rows: stage.rows, typedLike: stage.columns.map((c) => c.from), stagedIn: { name: stage.name, columns: stage.columns } };
  }
  const sub = nodeOf(item, 'RangeSubselect');
  const alias = sub?.alias;
  if (!sub || !alias || alias.aliasname !== 'v') return refuse(V_SOURCE);
  only(sub, 'subquery', 'alias');
  only(alias, 'aliasname', 'colnames');
  const columns = namesOf(alias.colnames);
  return { names: columns, rows: constantRows(sub.subquery, columns.length, refuse) };
}

/** The key map joined once per keyed column, `"salvage"."salvage_keys" AS "k c"`; returns each c. */
function keyMapJoins(items: Node[], refuse: Refuse): string[] {
  return items.map((item) => {
    const r = nodeOf(item, 'RangeVar');
    if (!r || !isKeyMap(r)) return refuse('the only other relation allowed is salvage.salvage_keys AS "k <column>"');
    only(r, 'schemaname', 'relname', 'inh', 'relpersistence', 'alias', 'location');
    const alias = r.alias;
    if (alias) only(alias, 'aliasname');
    const name = String(alias?.aliasname ?? '');
    if (!name.startsWith(KEY_ALIAS)) refuse('the key map must be aliased "k <column>"');
    return name.slice(KEY_ALIAS.length);
  });
}

const KEY_LOOKUP = 'LATERAL (SELECT k."key" FROM salvage.salvage_keys AS k WHERE k."ref" = v."ref <column>" OFFSET 0) AS "k <column>"';

/** One key read per row, exactly `KEY_LOOKUP` (src/sql/key-map.ts); returns its column. */
function keyLookupOf(item: Node | undefined, refuse: Refuse): string {
  const why = `the only other relation allowed is the key lookup ${KEY_LOOKUP}`;
  const sub = nodeOf(item, 'RangeSubselect');
  if (!sub || sub.lateral !== true || !sub.alias) return refuse(why);
  only(sub, 'lateral', 'subquery', 'alias');
  only(sub.alias, 'aliasname');
  const alias = String(sub.alias.aliasname);
  if (!alias.startsWith(KEY_ALIAS)) refuse(why);
  const column = alias.slice(KEY_ALIAS.length);
  const select = requireNode(sub.subquery, 'SelectStmt', refuse);
  only(select, 'targetList', 'fromClause', 'whereClause', 'limitOffset', 'limitOption', 'op');
  if (select.op !== 'SETOP_NONE' || select.limitOption !== 'LIMIT_OPTION_COUNT' || constantOf(select.limitOffset, refuse) !== '0') refuse(why);
  const target = requireNode(soleItem(select.targetList), 'ResTarget', refuse);
  only(target, 'val', 'location');
  const map = nodeOf(soleItem(select.fromClause), 'RangeVar');
  if (!map || !isKeyMap(map) || map.alias?.aliasname !== 'k') return refuse(why);
  only(map, 'schemaname', 'relname', 'inh', 'relpersistence', 'alias', 'location');
  only(map.alias, 'aliasname');
  const where = nodeOf(select.whereClause, 'A_Expr');
  if (qualifiedColumn(target.val, 'k', refuse) !== 'key' || !where || where.kind !== 'AEXPR_OP' || nodeOf(where.name?.[0], 'String')?.sval !== '=' || where.name?.length !== 1) return refuse(why);
  only(where, 'kind', 'name', 'lexpr', 'rexpr', 'location');
  if (qualifiedColumn(where.lexpr, 'k', refuse) !== 'ref' || qualifiedColumn(where.rexpr, 'v', refuse) !== truncateIdentifier(REF + column)) {
    refuse(`"${alias}" must be looked up by k."ref" = v."ref ${column}"`);
  }
  return column;
}

function terms(node: Node | undefined, refuse: Refuse): A_Expr[] {
  if (!node) return refuse('a WHERE clause joining the key map is required');
  const bool = nodeOf(node, 'BoolExpr');
  if (bool && bool.boolop !== 'AND_EXPR') refuse('conditions may only be joined with AND');
  return (bool ? (bool.args ?? []) : [node]).map((term) => {
    const expr = nodeOf(term, 'A_Expr');
    const op = nodeOf(expr?.name?.[0], 'String')?.sval;
    if (!expr || op !== '=') return refuse('conditions may only compare columns');
    return expr;
  });
}

/** `"k c"."ref" = v."ref c"`: returns c, or undefined for another shape. */
function refJoin(expr: A_Expr, refuse: Refuse): string | undefined {
  const alias = namesOf(nodeOf(expr.lexpr, 'ColumnRef')?.fields)[0];
  if (expr.kind !== 'AEXPR_OP' || !alias?.startsWith(KEY_ALIAS)) return undefined;
  const column = alias.slice(KEY_ALIAS.length);
  if (qualifiedColumn(expr.lexpr, alias, refuse) !== 'ref' || qualifiedColumn(expr.rexpr, 'v', refuse) !== truncateIdentifier(REF + column)) {
    refuse(`"${alias}" must be joined on "${alias}"."ref" = v."ref ${column}"`);
  }
  return column;
}

/** Which generator makes the keys: `nextval('"s"."seq"'::regclass)` or a known uuid function, cast to text. */
function generatorOf(node: Node | undefined, refuse: Refuse): KeyGenerator {
  const call = nodeOf(castArgument(node, refuse), 'FuncCall');
  if (!call) return refuse('a key must come from nextval(sequence) or a uuid function');
  only(call, 'funcname', 'args', 'funcformat', 'location');
  const fname = namesOf(call.funcname);
  const args = call.args ?? [];
  if (fname.length === 1 && fname[0] === 'nextval' && args.length === 1) {
    const named = constantOf(castArgument(args[0], refuse), refuse);
    const m = /^"((?:[^"]|"")+)"\."((?:[^"]|"")+)"$/.exec(named ?? '');
    if (!m) return refuse('nextval must name a schema-qualified sequence');
    return { kind: 'sequence', schema: (m[1] as string).replaceAll('""', '"'), name: (m[2] as string).replaceAll('""', '"') };
  }
  const fn = fname.at(-1);
  if (args.length === 0 && fname.length <= 2 && (fn === 'gen_random_uuid' || fn === 'uuid_generate_v4')) {
    return { kind: 'uuid', schema: fname.length === 2 ? (fname[0] as string) : null, function: fn };
  }
  return refuse('a key must come from nextval(sequence), gen_random_uuid() or uuid_generate_v4()');
}

function requireNothingOnConflict(node: InsertStmt, refuse: Refuse): void {
  const conflict = node.onConflictClause;
  if (!conflict || conflict.action !== 'ONCONFLICT_NOTHING') return refuse('an INSERT must end with ON CONFLICT DO NOTHING');
  only(conflict, 'action', 'location');
  if (node.override !== 'OVERRIDING_NOT_SET') refuse('OVERRIDING is not allowed');
}

function insertColumns(node: InsertStmt, refuse: Refuse): string[] {
  return (node.cols ?? []).map((c) => {
    const target = requireNode(c, 'ResTarget', refuse);
    only(target, 'name', 'location');
    return String(target.name);
  });
}

/**
 * `INSERT INTO salvage.salvage_keys (ref, key) SELECT v.ref, <generator>::text FROM (VALUES ...) AS v (ref) ON CONFLICT DO NOTHING`,
 * or `FROM pg_temp.salvage_rows_n AS v`, a staging table of the key map's own `ref` column.
 */
export function keysOf(node: InsertStmt, refuse: Refuse, claim: ClaimStage): KeysStatement {
  only(node, 'relation', 'cols', 'selectStmt', 'onConflictClause', 'override');
  requireNothingOnConflict(node, refuse);
  if (insertColumns(node, refuse).join() !== 'ref,key') refuse('the key map is filled as (ref, key)');
  const select = nodeOf(node.selectStmt, 'SelectStmt');
  if (!select) return refuse('the key map is filled from a VALUES list of references');
  only(select, 'targetList', 'fromClause', 'limitOption', 'op');
  const targets = selectedValues(select.targetList, refuse);
  if (targets.length !== 2 || qualifiedColumn(targets[0], 'v', refuse) !== 'ref') refuse('the key map is filled as SELECT v."ref", <key>');
  const generator = generatorOf(targets[1], refuse);
  const from = select.fromClause ?? [];
  if (from.length !== 1) refuse('the key map is filled from one VALUES list');
  const v = valuesV(from[0], KEY_MAP_NAME, claim, refuse);
  if (v.names.join() !== 'ref' || (v.typedLike && v.typedLike.join() !== 'ref')) refuse('the references are v ("ref"), typed like the key map\'s ref');
  const refs = (rows: Constant[][]) => rows.map((r) => r[0] ?? refuse('a reference cannot be NULL'));
  if (!v.stagedIn) return { generator, rows: refs(v.rows) };
  refs(rowsOnce(v.rows)); // checked now; kept in the COPY data until read (rows-on-demand.ts)
  return { generator, rows: rowsOnDemand(v.rows.length, () => refs(rowsOnce(v.rows))) };
}

/**
 * `INSERT INTO s.t (c...) SELECT "k c"."key"::type | v."c"::type ... FROM (VALUES ...) AS v (...),
 * LATERAL (SELECT k."key" FROM salvage.salvage_keys AS k WHERE k."ref" = v."ref c" OFFSET 0) AS "k c" ...
 * ON CONFLICT DO NOTHING`.
 */
export function keyedInsertOf(node: InsertStmt, refuse: Refuse, claim: ClaimStage): KeyedInsertStatement {
  only(node, 'relation', 'cols', 'selectStmt', 'onConflictClause', 'override');
  requireNothingOnConflict(node, refuse);
  const table = tableOf(node.relation, refuse);
  if (sameTable(table, KEY_MAP_NAME)) refuse('rows of the key map are only written as (ref, key)');
  const columns = insertColumns(node, refuse);
  const select = requireNode(node.selectStmt, 'SelectStmt', refuse);
  only(select, 'targetList', 'fromClause', 'limitOption', 'op');
  const [first, ...lookups] = select.fromClause ?? [];
  const v = valuesV(first, table, claim, refuse);
  const joined = lookups.map((item) => keyLookupOf(item, refuse));
  const refColumns = insertedFrom(columns, select.targetList, v, refuse);
  const sorted = (list: string[]) => [...list].sort().join('\u0000');
  if (sorted(joined) !== sorted(refColumns)) refuse('each key read from the key map needs its own "k <column>" looked up by its reference');
  return { table, columns, refColumns, rows: v.rows, ...(v.stagedIn ? { stagedIn: v.stagedIn } : {}) };
}

/**
 * What a keyed INSERT selects: each column `v."c"::type`, or `"k c"."key"::type` for a
 * key read from the key map, with v holding one column per inserted column, in order
 * (`"ref c"` for a key). Returns the columns whose key comes from the map.
 */
function insertedFrom(columns: string[], targetList: Node[] | undefined, v: VRows, refuse: Refuse): string[] {
  const targets = selectedValues(targetList, refuse);
  if (targets.length !== columns.length) refuse('the INSERT must select one value per column');
  const refColumns: string[] = [];
  const vColumns: string[] = [];
  columns.forEach((column, i) => {
    const fields = namesOf(nodeOf(castArgument(targets[i], refuse), 'ColumnRef')?.fields);
    if (fields[0] === 'v') {
      if (qualifiedColumn(castArgument(targets[i], refuse), 'v', refuse) !== truncateIdentifier(column)) refuse(`column ${column} must be inserted from v."${column}"`);
      vColumns.push(truncateIdentifier(column));
    } else if (fields[0] === truncateIdentifier(KEY_ALIAS + column) && fields[1] === 'key' && fields.length === 2) {
      refColumns.push(column);
      vColumns.push(truncateIdentifier(REF + column));
    } else {
      refuse(`column ${column} must be inserted from v."${column}" or "k ${column}"."key"`);
    }
  });
  if (v.names.join('\u0000') !== vColumns.join('\u0000')) refuse('v must have one column per inserted column, in order');
  // A staged v: each value column typed like the column it goes into, each reference text.
  v.typedLike?.forEach((from, i) => {
    const column = columns[i] as string;
    if (refColumns.includes(column) ? from !== null : from !== column) refuse(`v."${v.names[i]}" must be typed like ${refColumns.includes(column) ? 'text (NULL::text)' : column}`);
  });
  return refColumns;
}

const NEW_KEYS = 'WITH "k <column>" AS (INSERT INTO salvage.salvage_keys ("ref", "key") SELECT v."ref <column>", <key>::text FROM pg_temp.salvage_rows_<n> AS v ON CONFLICT DO NOTHING RETURNING "ref", "key")';

/**
 * A staged block that makes its own keys (insertWithNewKeys in src/sql/key-map.ts):
 *   WITH "k c" AS (INSERT INTO salvage.salvage_keys ("ref", "key") SELECT v."ref c", <generator>::text
 *     FROM pg_temp.salvage_rows_n AS v ON CONFLICT DO NOTHING RETURNING "ref", "key")
 *   INSERT INTO s.t (c, ...) SELECT "k c"."key"::type, v."d"::type, ...
 *     FROM pg_temp.salvage_rows_n AS v, "k c" WHERE "k c"."ref" = v."ref c" ON CONFLICT DO NOTHING
 * Both read the same staging table, claimed once; c is the only column from the key map.
 */
export function keyedInsertWithNewKeysOf(node: InsertStmt, refuse: Refuse, claim: ClaimStage): KeyedInsertStatement & { newKeys: KeyGenerator } {
  only(node, 'relation', 'cols', 'selectStmt', 'onConflictClause', 'override', 'withClause');
  requireNothingOnConflict(node, refuse);
  const table = tableOf(node.relation, refuse);
  if (sameTable(table, KEY_MAP_NAME)) refuse('rows of the key map are only written as (ref, key)');
  const columns = insertColumns(node, refuse);
  const select = requireNode(node.selectStmt, 'SelectStmt', refuse);
  only(select, 'targetList', 'fromClause', 'whereClause', 'limitOption', 'op');
  if (select.op !== 'SETOP_NONE') refuse('the INSERT must be one SELECT');
  const [first, made, ...rest] = select.fromClause ?? [];
  if (rest.length) refuse(`a statement that makes its own keys reads only its staging table AS v and the keys it makes`);
  const v = valuesV(first, table, claim, refuse);
  if (!v.stagedIn) return refuse(`a statement that makes its own keys reads ${V_SOURCE}`);
  const refColumns = insertedFrom(columns, select.targetList, v, refuse);
  const column = refColumns[0];
  if (refColumns.length !== 1 || column === undefined) return refuse('a statement that makes its own keys reads exactly one column from them');
  const alias = truncateIdentifier(KEY_ALIAS + column);
  const ref = truncateIdentifier(REF + column);
  // The keys it made, named as the WITH names them: no schema, no alias.
  const keys = nodeOf(made, 'RangeVar');
  if (!keys || keys.relname !== alias || keys.schemaname !== undefined || keys.alias !== undefined) return refuse(`the keys must be read as "${alias}", the name the WITH gives them`);
  only(keys, 'relname', 'inh', 'relpersistence', 'location');
  const where = nodeOf(select.whereClause, 'A_Expr');
  if (!where || where.kind !== 'AEXPR_OP' || where.name?.length !== 1 || nodeOf(where.name[0], 'String')?.sval !== '=') return refuse(`the rows must be joined to their keys by "${alias}"."ref" = v."${ref}"`);
  only(where, 'kind', 'name', 'lexpr', 'rexpr', 'location');
  if (qualifiedColumn(where.lexpr, alias, refuse) !== 'ref' || qualifiedColumn(where.rexpr, 'v', refuse) !== ref) refuse(`the rows must be joined to their keys by "${alias}"."ref" = v."${ref}"`);
  const newKeys = newKeysOf(node.withClause, alias, ref, v.stagedIn.name, refuse);
  return { table, columns, refColumns, rows: v.rows, stagedIn: v.stagedIn, newKeys };
}

/** The WITH of keyedInsertWithNewKeysOf: one key per staged row, from `v."ref c"`, returned as ("ref", "key"). */
function newKeysOf(clause: InsertStmt['withClause'], alias: string, ref: string, stage: string, refuse: Refuse): KeyGenerator {
  if (!clause) return refuse(NEW_KEYS);
  only(clause, 'ctes', 'location');
  const cte = requireNode(soleItem(clause.ctes), 'CommonTableExpr', refuse);
  only(cte, 'ctename', 'ctequery', 'ctematerialized', 'location');
  if (cte.ctename !== alias || cte.ctematerialized !== 'CTEMaterializeDefault') refuse(`the keys must be made in WITH "${alias}" AS (...)`);
  const insert = requireNode(cte.ctequery, 'InsertStmt', refuse);
  only(insert, 'relation', 'cols', 'selectStmt', 'onConflictClause', 'override', 'returningClause');
  if (!isKeyMap(insert.relation)) refuse(NEW_KEYS);
  only(insert.relation as RangeVar, 'schemaname', 'relname', 'inh', 'relpersistence', 'location');
  requireNothingOnConflict(insert, refuse);
  if (insertColumns(insert, refuse).join() !== 'ref,key') refuse('the key map is filled as (ref, key)');
  const returning = insert.returningClause;
  if (!returning) return refuse(NEW_KEYS);
  only(returning, 'exprs');
  const returned = selectedValues(returning.exprs, refuse).map((value) => {
    const fields = namesOf(nodeOf(value, 'ColumnRef')?.fields);
    return fields.length === 1 ? fields[0] : undefined;
  });
  if (returned.join() !== 'ref,key') refuse('the keys made must be returned as ("ref", "key")');
  const select = requireNode(insert.selectStmt, 'SelectStmt', refuse);
  only(select, 'targetList', 'fromClause', 'limitOption', 'op');
  if (select.op !== 'SETOP_NONE') refuse(NEW_KEYS);
  const targets = selectedValues(select.targetList, refuse);
  if (targets.length !== 2 || qualifiedColumn(targets[0], 'v', refuse) !== ref) refuse(`the key map is filled as SELECT v."${ref}", <key>`);
  const generator = generatorOf(targets[1], refuse);
  const from = nodeOf(soleItem(select.fromClause), 'RangeVar');
  const v = from?.alias;
  if (!from || !v || v.aliasname !== 'v' || from.schemaname !== STAGE_SCHEMA || from.relname !== stage) return refuse('the keys must be made for the rows of the same staging table AS v');
  only(from, 'schemaname', 'relname', 'inh', 'relpersistence', 'alias', 'location');
  only(v, 'aliasname');
  return generator;
}

/**
 * Undo: `DELETE FROM s.t AS t USING (VALUES ...) AS v (...), salvage.salvage_keys AS "k c" ...
 * WHERE "k c"."ref" = v."ref c" AND t.c = "k c"."key"::type AND t.d IS NOT DISTINCT FROM v."old d"::type ...`.
 * Or, for a staging table of this file (`USING pg_temp.salvage_rows_n AS v`, typed text for
 * each "ref c" and like c for "key c" and "old c"), each key read by the key lookup
 * (`LATERAL (SELECT k."key" ... OFFSET 0) AS "k c"`) instead of a join condition.
 */
export function keyedDeleteOf(node: DeleteStmt, refuse: Refuse, claim: ClaimStage): { table: TableName; rows: KeyedRemoval[] } {
  only(node, 'relation', 'whereClause', 'usingClause');
  const relation = node.relation;
  if (relation?.alias?.aliasname !== 't') refuse('the table must be aliased AS t');
  const table = tableOf(relation, refuse);
  const [first, ...joins] = node.usingClause ?? [];
  const v = valuesV(first, table, claim, refuse);
  const staged = v.stagedIn !== undefined;
  // A staging table looks each key up, a VALUES list joins the map on its references.
  const joined = staged ? joins.map((item) => keyLookupOf(item, refuse)) : keyMapJoins(joins, refuse);
  const uses = new Map<string, { role: 'ref' | 'key' | 'old'; column: string }>();
  const keyed = new Set<string>();
  const joinedOn = new Set<string>();
  if (staged) {
    for (const column of joined) {
      joinedOn.add(column);
      uses.set(truncateIdentifier(REF + column), { role: 'ref', column });
    }
  }
  for (const expr of terms(node.whereClause, refuse)) {
    const join = staged ? undefined : refJoin(expr, refuse);
    if (join !== undefined) {
      joinedOn.add(join);
      uses.set(truncateIdentifier(REF + join), { role: 'ref', column: join });
      continue;
    }
    const column = qualifiedColumn(expr.lexpr, 't', refuse);
    const right = castArgument(expr.rexpr, refuse);
    const rightAlias = namesOf(nodeOf(right, 'ColumnRef')?.fields)[0];
    if (expr.kind === 'AEXPR_OP' && rightAlias === 'v') {
      const vColumn = qualifiedColumn(right, 'v', refuse);
      if (vColumn !== truncateIdentifier(`key ${column}`)) refuse(`t.${column} must equal v."key ${column}"`);
      uses.set(vColumn, { role: 'key', column });
    } else if (expr.kind === 'AEXPR_OP') {
      if (qualifiedColumn(right, truncateIdentifier(KEY_ALIAS + column), refuse) !== 'key') refuse(`t.${column} must equal "k ${column}"."key"`);
      keyed.add(column);
    } else if (expr.kind === 'AEXPR_NOT_DISTINCT') {
      const vColumn = qualifiedColumn(right, 'v', refuse);
      if (vColumn !== truncateIdentifier(`old ${column}`)) refuse(`t.${column} must be guarded by v."old ${column}"`);
      uses.set(vColumn, { role: 'old', column });
    } else {
      refuse('conditions may only be key map joins, keys or IS NOT DISTINCT FROM guards');
    }
  }
  const sorted = (list: Iterable<string>) => [...list].sort().join('\u0000');
  if (keyed.size === 0 || sorted(keyed) !== sorted(joined) || sorted(joinedOn) !== sorted(joined)) refuse('each key column must be read from its own "k <column>" joined on its reference');
  for (const name of v.names) if (!uses.has(name)) refuse(`v."${name}" is not used`);
  if (uses.size !== v.names.length) refuse('v must hold every reference and guard the conditions use');
  const roles = v.names.map((name) => uses.get(name) as { role: 'ref' | 'key' | 'old'; column: string });
  // A staged v: each reference text, each key and guard typed like its column.
  v.typedLike?.forEach((from, i) => {
    const { role, column } = roles[i] as { role: 'ref' | 'key' | 'old'; column: string };
    if (role === 'ref' ? from !== null : from !== column) refuse(`v."${v.names[i]}" must be typed like ${role === 'ref' ? 'text (NULL::text)' : column}`);
  });
  const removals = (rows: Constant[][]) =>
    rows.map((cells) => {
      const row: KeyedRemoval = { refs: [], keys: [], guards: [] };
      cells.forEach((cell, i) => {
        const { role, column } = roles[i] as { role: 'ref' | 'key' | 'old'; column: string };
        (role === 'ref' ? row.refs : role === 'key' ? row.keys : row.guards).push([column, cell]);
      });
      return row;
    });
  // A staged block's rows stay in its COPY data until read (rows-on-demand.ts).
  return { table, rows: staged ? rowsOnDemand(v.rows.length, () => removals(rowsOnce(v.rows))) : removals(v.rows) };
}
