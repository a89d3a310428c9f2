import { SafetyRefusal } from '../errors.js';
import { parseByStatement, type ParsedStatement } from './statement-splitter.js';
import { bufferSource, FileWindow, type ByteSource } from './byte-source.js';
import { copyDataInFile, copyDataInMemory, digestOf, type CopyData } from './copy-data.js';
import type { DeleteStmt, InsertStmt, SelectStmt, UpdateStmt } from '@pgsql/types';
import { nodeOf, requireNode, tagOf, type Node, type NodeTag, type NodeOf } from './parse-node.js';
import { castArgument, constantRows, columnOf, constantOf, namesOf, only, qualifiedColumn, selectedValues, soleItem, tableOf, truncateIdentifier, type Constant, type Refuse, type TableName } from './parse-tree.js';
import { Stages, type StagedIn } from './staged-statements.js';
import { rowsOnDemand } from './rows-on-demand.js';
import { isKeyedDelete, isKeyedInsert, isKeyMap, keyedDeleteOf, keyedInsertOf, keyedInsertWithNewKeysOf, keysOf, type ClaimStage, type KeyedInsertStatement, type KeyedRemoval, type KeysStatement } from './keyed-statements.js';

/**
 * patch.sql read back through PostgreSQL's own parser (libpg_query) into the few
 * statement forms salvage itself writes. Anything else is refused with its line:
 * an allow-list, checked on the syntax tree, not with regular expressions.
 * COPY data (staged blocks, src/sql/staged.ts) is not SQL: it is read line by line
 * with the few escapes salvage writes.
 */
export type { Constant, TableName } from './parse-tree.js';
export const DEFAULT_VALUE = Symbol('DEFAULT');
export type InsertCell = Constant | typeof DEFAULT_VALUE;

interface Located {
  /** The statement's text exactly as in the file (for COPY, the statement line without its data). */
  text: string;
  /** 1-based line of the statement's first token. */
  line: number;
}

export type PatchStatement = Located &
  (
    | { kind: 'control' }
    | { kind: 'insert'; table: TableName; columns: string[]; rows: InsertCell[][]; stagedIn?: StagedIn }
    /** `setColumns`: what every row sets, known from the statement without reading its rows. */
    | { kind: 'update'; table: TableName; setColumns: string[]; rows: KeyedRow[]; stagedIn?: StagedIn }
    | { kind: 'delete'; table: TableName; rows: KeyedRow[] }
    | { kind: 'sequence'; sequence: TableName; value: string }
    /** A staging table created; `table` is the real table it is typed like. */
    | { kind: 'stage'; table: TableName; stage: string; rows: [] }
    /** A staging table filled: `data` gives the exact bytes sent to COPY, starting at file line `dataLine`. */
    | { kind: 'copy'; table: TableName; stage: string; columns: string[]; rows: Constant[][]; data: CopyData; dataLine: number }
    /** The key map filled with new keys from the target (keyed-statements.ts). */
    | ({ kind: 'keys' } & KeysStatement)
    | ({ kind: 'keyed-insert' } & KeyedInsertStatement)
    | { kind: 'keyed-delete'; table: TableName; rows: KeyedRemoval[] }
    /** Undo: the key map forgets the patch's keys. */
    | { kind: 'forget-keys'; table: TableName; rows: KeyedRow[] }
  );

export type Pair = [column: string, value: Constant];

/** One VALUES row of a set-based UPDATE or DELETE: which row, what it becomes, what it must still hold. */
export interface KeyedRow {
  key: Pair[];
  set: Pair[];
  guards: Pair[];
}

export type PatchMode = 'patch' | 'undo';

/** A patch file on disk and the sha256 it was verified to have (verify-patch.ts). */
export interface PatchFile {
  path: string;
  sha256: string;
}

/**
 * Parses and checks the whole file; refuses (exit 3) at the first statement salvage would
 * never write. A file is read through a window, not whole: each statement keeps its own
 * text, and each block's COPY data is checked, digested and left in the file
 * (copy-data.ts). The bytes parsed must be the bytes verified: their sha256 is taken on
 * the way and compared at the end.
 */
export async function readPatchStatements(sql: string | Buffer | PatchFile, file: string, mode: PatchMode, onParsed?: (bytes: number) => void): Promise<PatchStatement[]> {
  if (typeof sql === 'string' || Buffer.isBuffer(sql)) {
    // libpg_query reports byte offsets; slice bytes, not UTF-16 units.
    const bytes = typeof sql === 'string' ? Buffer.from(sql, 'utf8') : sql;
    return readStatements(bufferSource(bytes), file, mode, (data) => copyDataInMemory(data.bytes), onParsed);
  }
  const window = new FileWindow(sql.path);
  const changed = () =>
    new SafetyRefusal(`${file} changed while apply was reading it (its sha256 no longer matches the manifest). Nothing was written. Re-run "salvage patch" and review it again.`);
  try {
    let statements: PatchStatement[];
    try {
      statements = await readStatements(window, file, mode, (data) => copyDataInFile(sql.path, data.start, data.end, digestOf(data.bytes), data.line), onParsed);
    } catch (error) {
      // A file edited since it was verified is reported as that, not as whatever the edit broke.
      if (window.finish() !== sql.sha256) throw changed();
      throw error;
    }
    if (window.finish() !== sql.sha256) throw changed();
    return statements;
  } finally {
    window.close();
  }
}

/** COPY data as the parser found it: its bytes (held only while checked), where they are, and their first line. */
interface FoundData {
  bytes: Buffer;
  start: number;
  end: number;
  line: number;
}

async function readStatements(bytes: ByteSource, file: string, mode: PatchMode, keepData: (data: FoundData) => CopyData, onParsed?: (bytes: number) => void): Promise<PatchStatement[]> {
  // Line numbers are counted forward from the previous statement: counting from the
  // top each time is quadratic, and patches hold hundreds of thousands of lines.
  let countedTo = 0;
  let linesBefore = 1;
  const statements: PatchStatement[] = [];
  const stages = new Stages();
  const refuseAt = (line: number, text: string, why: string): never => {
    const first = text.split('\n')[0]?.slice(0, 120) ?? '';
    throw new SafetyRefusal(
      `${file}:${line}: ${why}. salvage only runs the statements it writes itself; this one is not one of them: ${first}. ` +
        'Nothing was written. Regenerate the patch with "salvage patch" and review it again.',
    );
  };
  const parsed = parseByStatement(bytes, onParsed);
  for (;;) {
    let next: IteratorResult<ParsedStatement>;
    try {
      next = await parsed.next();
    } catch (error) {
      throw new SafetyRefusal(`${file}: is not valid SQL (${(error as Error).message}); nothing was written. Re-run "salvage patch".`);
    }
    if (next.done) break;
    const entry = next.value;
    const start = entry.stmt_location ?? 0;
    const raw = bytes.subarray(start, entry.stmt_len ? start + entry.stmt_len : bytes.length).toString('utf8');
    const lead = leadingNoise(raw);
    const text = raw.slice(lead);
    linesBefore += newlines(bytes.subarray(countedTo, start));
    countedTo = start;
    const line = linesBefore + newlines(Buffer.from(raw.slice(0, lead), 'utf8'));
    const refuse = (why: string): never => refuseAt(line, text, why);
    const data = entry.data && {
      bytes: bytes.subarray(entry.data.start, entry.data.end),
      start: entry.data.start,
      end: entry.data.end,
      line: line + newlines(Buffer.from(text, 'utf8')) + 1,
    };
    const refuseData = (dataLine: number, why: string): never => {
      const shown = (data?.bytes.toString('utf8').split('\n')[dataLine - (data?.line ?? 0)] ?? '').slice(0, 120);
      throw new SafetyRefusal(`${file}:${dataLine}: ${why}: ${shown}. Nothing was written. Regenerate the patch with "salvage patch" and review it again.`);
    };
    const copy = data && { bytes: data.bytes, line: data.line, kept: keepData(data) };
    statements.push(classify(entry.stmt, mode, { text, line }, { stages, data: copy, refuse, refuseData }));
    if (data) {
      // The data's lines, counted now: its bytes are released with the statement.
      linesBefore += newlines(bytes.subarray(countedTo, data.end));
      countedTo = data.end;
    }
    bytes.release(countedTo);
  }
  const unused = stages.unused()[0];
  if (unused) refuseAt(unused.line, `CREATE TEMP TABLE pg_temp.${unused.name}`, `pg_temp.${unused.name} is filled but no statement writes its rows`);
  return statements;
}

function leadingNoise(text: string): number {
  const m = /^(?:\s+|--[^\n]*\n?)*/.exec(text);
  return m ? m[0].length : 0;
}

function newlines(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

/** What classifying one statement needs beyond its tree: the file's staging tables, its COPY data, how to refuse. */
interface Context {
  stages: Stages;
  /** A COPY statement's data: its bytes (only while it is checked), first line, and what the statement keeps of it. */
  data: { bytes: Buffer; line: number; kept: CopyData } | undefined;
  refuse: Refuse;
  refuseData: (line: number, why: string) => never;
}

function classify(stmt: Node | undefined, mode: PatchMode, at: Located, context: Context): PatchStatement {
  const { refuse } = context;
  const type = tagOf(stmt) ?? '(empty)';
  // Each case reads the statement under its own tag, so its node has that tag's type.
  const body = <K extends NodeTag>(tag: K): NodeOf<K> => requireNode(stmt, tag, refuse);
  try {
    switch (type) {
      case 'TransactionStmt': {
        const node = body('TransactionStmt');
        if (node.kind !== 'TRANS_STMT_BEGIN' && node.kind !== 'TRANS_STMT_COMMIT') refuse(`transaction control ${String(node.kind)} is not allowed`);
        only(node, 'kind', 'location');
        return { kind: 'control', ...at };
      }
      case 'VariableSetStmt': {
        const node = body('VariableSetStmt');
        const name = String(node.name).toLowerCase();
        if (node.is_local !== true || !['standard_conforming_strings', 'timezone'].includes(name)) refuse(`SET ${name} is not allowed`);
        return { kind: 'control', ...at };
      }
      case 'CreateTableAsStmt': {
        const stage = context.stages.create(body('CreateTableAsStmt'), at.line, refuse);
        return { kind: 'stage', ...at, table: stage.table, stage: stage.name, rows: [] };
      }
      case 'CopyStmt': {
        const stage = context.stages.load(body('CopyStmt'), context.data, refuse, context.refuseData);
        const columns = stage.columns.map((c) => c.name);
        return { kind: 'copy', ...at, table: stage.table, stage: stage.name, columns, rows: stage.rows ?? [], data: context.data?.kept ?? copyDataInMemory(Buffer.alloc(0)), dataLine: context.data?.line ?? at.line };
      }
      case 'InsertStmt': {
        const node = body('InsertStmt');
        if (isKeyMap(node.relation) || isKeyedInsert(node)) {
          if (mode !== 'patch') refuse('undo.sql never inserts');
          const claim: ClaimStage = (relation, table, why) => context.stages.consume(relation, table, at.line, refuse, why);
          if (isKeyMap(node.relation)) return { kind: 'keys', ...at, ...keysOf(node, refuse, claim) };
          return { kind: 'keyed-insert', ...at, ...(node.withClause ? keyedInsertWithNewKeysOf(node, refuse, claim) : keyedInsertOf(node, refuse, claim)) };
        }
        return { kind: 'insert', ...at, ...insertOf(node, at.line, context) };
      }
      case 'UpdateStmt':
        return { kind: 'update', ...at, ...updateOf(body('UpdateStmt'), at.line, context) };
      case 'DeleteStmt': {
        const node = body('DeleteStmt');
        if (mode !== 'undo') refuse('DELETE is never part of a patch (only undo.sql removes the rows its patch inserted)');
        if (isKeyedDelete(node)) {
          const claim: ClaimStage = (relation, table, why) => context.stages.consume(relation, table, at.line, refuse, why);
          return { kind: 'keyed-delete', ...at, ...keyedDeleteOf(node, refuse, claim) };
        }
        if (isKeyMap(node.relation)) return { kind: 'forget-keys', ...at, ...deleteOf(node, at.line, context) };
        return { kind: 'delete', ...at, ...deleteOf(node, at.line, context) };
      }
      case 'SelectStmt':
        return { kind: 'sequence', ...at, ...sequenceMoveOf(body('SelectStmt'), refuse) };
      default:
        return refuse(`${type.replace(/Stmt$/, '').toUpperCase() || 'this statement'} is not allowed`);
    }
  } catch (error) {
    if (error instanceof SafetyRefusal) throw error;
    return refuse(`unexpected clause "${(error as Error).message}" in ${type.replace(/Stmt$/, '').toUpperCase()}`);
  }
}

const STAGE_ONLY = 'a staging table of this patch (pg_temp.salvage_rows_<n>)';

/** `INSERT ... VALUES (constants) ON CONFLICT DO NOTHING`, or the same columns `SELECT`ed from a staging table. */
function insertOf(node: InsertStmt, line: number, { stages, refuse }: Context) {
  only(node, 'relation', 'cols', 'selectStmt', 'onConflictClause', 'override');
  if (node.override !== 'OVERRIDING_NOT_SET') refuse('OVERRIDING is not allowed');
  const conflict = node.onConflictClause;
  if (!conflict || conflict.action !== 'ONCONFLICT_NOTHING') return refuse('an INSERT must end with ON CONFLICT DO NOTHING');
  only(conflict, 'action', 'location');
  const table = tableOf(node.relation, refuse);
  const columns = (node.cols ?? []).map((c) => {
    const target = requireNode(c, 'ResTarget', refuse);
    only(target, 'name', 'location');
    return String(target.name);
  });
  const select = nodeOf(node.selectStmt, 'SelectStmt');
  if (select?.fromClause && !select.valuesLists) {
    // INSERT INTO s.t (cols) SELECT cols FROM pg_temp.salvage_rows_n: the staged rows, column for column.
    only(select, 'targetList', 'fromClause', 'limitOption', 'op');
    const source = nodeOf(soleItem(select.fromClause), 'RangeVar');
    if (!source || source.alias !== undefined) refuse(`an INSERT may only insert VALUES or the rows of ${STAGE_ONLY}`);
    const stage = stages.consume(source, table, line, refuse, `an INSERT may only insert VALUES or the rows of ${STAGE_ONLY}`);
    const selected = selectedValues(select.targetList, refuse).map((value) => columnOf(value, refuse, 'an INSERT from a staging table may only select its plain columns'));
    const same = (a: Array<string | null>) => a.join('\u0000') === columns.join('\u0000') && !a.includes(null);
    if (!same(selected) || !same(stage.columns.map((c) => c.name)) || !same(stage.columns.map((c) => c.from))) {
      refuse(`an INSERT from pg_temp.${stage.name} must insert its columns, each into the column it is typed like, in order`);
    }
    return { table, columns, rows: stage.rows as InsertCell[][], stagedIn: { name: stage.name, columns: stage.columns } };
  }
  if (!select?.valuesLists) return refuse(`an INSERT may only insert VALUES or the rows of ${STAGE_ONLY}`);
  only(select, 'valuesLists', 'limitOption', 'op');
  const rows = select.valuesLists.map((list) => {
    const items = requireNode(list, 'List', refuse).items ?? [];
    if (items.length !== columns.length) refuse('every VALUES row must have one value per column');
    return items.map((item): InsertCell => (nodeOf(item, 'SetToDefault') ? DEFAULT_VALUE : constantOf(item, refuse)));
  });
  return { table, columns, rows };
}

/** Where v comes from: its column names and its rows of constants. */
interface VRows {
  names: string[];
  rows: Constant[][];
  stagedIn?: StagedIn;
}

/** `(VALUES ...) AS v (names)` with constants only, or `pg_temp.salvage_rows_n AS v` typed like `table`'s own columns. */
function vRowsOf(source: Node[] | undefined, table: TableName, line: number, { stages, refuse }: Context): VRows {
  const item = soleItem(source);
  const why = `the only other relation allowed is a VALUES list AS v, or ${STAGE_ONLY} AS v`;
  const staged = nodeOf(item, 'RangeVar');
  if (staged) {
    if (staged.alias?.aliasname !== 'v' || staged.alias.colnames !== undefined) refuse(why);
    const stage = stages.consume({ ...staged, alias: undefined }, table, line, refuse, why);
    // "key c", "new c" and "old c" must each be typed like c itself.
    for (const c of stage.columns) {
      const prefix = c.name.slice(0, 4);
      if (!V_PREFIXES.includes(prefix) || c.from === null || c.name !== vName(prefix, c.from)) refuse(`pg_temp.${stage.name} column "${c.name}" must be typed like ${c.name.slice(4)}`);
    }
    return { names: stage.columns.map((c) => c.name), rows: stage.rows, stagedIn: { name: stage.name, columns: stage.columns } };
  }
  const sub = nodeOf(item, 'RangeSubselect');
  const alias = sub?.alias;
  if (!sub || alias?.aliasname !== 'v') return refuse(why);
  only(sub, 'subquery', 'alias');
  const names = namesOf(alias.colnames);
  return { names, rows: constantRows(sub.subquery, names.length, refuse) };
}

/**
 * The set-based forms salvage writes:
 *   UPDATE s.t AS t SET c = v."new c"::type, ... FROM (VALUES ...) AS v ("key k", "new c", "old c", ...)
 *     WHERE t.k = v."key k"::type AND t.c IS NOT DISTINCT FROM v."old c"::type ...
 *   DELETE FROM s.t AS t USING (VALUES ...) AS v (...) WHERE ... (undo only)
 * (or FROM / USING a staging table AS v). Every column of v is used exactly as its
 * prefix says; every value is a constant.
 */
function keyedRowsOf(
  node: UpdateStmt | DeleteStmt,
  source: Node[] | undefined,
  set: Array<{ column: string; from: string }>,
  line: number,
  context: Context,
): { rows: KeyedRow[]; stagedIn?: StagedIn } {
  const { refuse } = context;
  const relation = node.relation;
  if (relation?.alias?.aliasname !== 't') refuse('the table must be aliased AS t');
  const table = tableOf(relation, refuse);
  const { names, rows, stagedIn } = vRowsOf(source, table, line, context);

  const uses = new Map<string, { role: string; column: string }>();
  const use = (vColumn: string, role: string, column: string) => {
    if (!names.includes(vColumn)) refuse(`v has no column "${vColumn}"`);
    if (uses.has(vColumn)) refuse(`v."${vColumn}" is used twice`);
    uses.set(vColumn, { role, column });
  };
  for (const s of set) {
    if (s.from !== vName('new ', s.column)) refuse(`column ${s.column} must be set from v."new ${s.column}"`);
    use(s.from, 'new', s.column);
  }
  const where = node.whereClause;
  if (!where) return refuse('a WHERE clause on the key is required');
  const bool = nodeOf(where, 'BoolExpr');
  if (bool && bool.boolop !== 'AND_EXPR') refuse('conditions may only be joined with AND');
  const terms = bool ? (bool.args ?? []) : [where];
  let keys = 0;
  for (const term of terms) {
    const expr = nodeOf(term, 'A_Expr');
    const op = nodeOf(expr?.name?.[0], 'String')?.sval;
    if (!expr || op !== '=') refuse('conditions may only be "t.c = v.c" or "t.c IS NOT DISTINCT FROM v.c"');
    const column = qualifiedColumn(expr?.lexpr, 't', refuse);
    const vColumn = qualifiedColumn(castArgument(expr?.rexpr, refuse), 'v', refuse);
    if (expr?.kind === 'AEXPR_OP') {
      if (vColumn !== vName('key ', column)) refuse(`t.${column} must be compared with v."key ${column}"`);
      use(vColumn, 'key', column);
      keys++;
    } else if (expr?.kind === 'AEXPR_NOT_DISTINCT') {
      if (vColumn !== vName('old ', column)) refuse(`t.${column} must be guarded by v."old ${column}"`);
      use(vColumn, 'old', column);
    } else {
      refuse('conditions may only be "t.c = v.c" or "t.c IS NOT DISTINCT FROM v.c"');
    }
  }
  if (keys === 0) refuse('the rows must be chosen by their key');
  for (const name of names) if (!uses.has(name)) refuse(`v."${name}" is not used`);

  // Every name of v is used (checked above), so each has its role and its real column.
  const roles = names.map((name) => uses.get(name) as { role: string; column: string });
  const keyedRowsOf = (rows: Constant[][]) => rows.map((cells) => {
    const row: KeyedRow = { key: [], set: [], guards: [] };
    for (let i = 0; i < cells.length; i++) {
      const { role, column } = roles[i] as { role: string; column: string };
      const pair: Pair = [column, cells[i] ?? null];
      if (role === 'key') row.key.push(pair);
      else if (role === 'new') row.set.push(pair);
      else row.guards.push(pair);
    }
    return row;
  });
  // A staged block's rows stay in its COPY data until read (rows-on-demand.ts).
  const keyedRows = stagedIn ? rowsOnDemand(rows.length, () => keyedRowsOf(rows)) : keyedRowsOf(rows);
  return { rows: keyedRows, ...(stagedIn ? { stagedIn } : {}) };
}

const V_PREFIXES = ['key ', 'new ', 'old '];

/** v's name for a column in a role, as the parse tree holds it (cut to 63 bytes like any identifier). */
function vName(prefix: string, column: string): string {
  return truncateIdentifier(prefix + column);
}

function updateOf(node: UpdateStmt, line: number, context: Context) {
  const { refuse } = context;
  only(node, 'relation', 'targetList', 'whereClause', 'fromClause');
  const set = (node.targetList ?? []).map((t) => {
    const target = requireNode(t, 'ResTarget', refuse);
    only(target, 'name', 'val', 'location');
    return { column: String(target.name), from: qualifiedColumn(castArgument(target.val, refuse), 'v', refuse) };
  });
  if (set.length === 0) refuse('an UPDATE must set something');
  return { table: tableOf(node.relation, refuse), setColumns: set.map((s) => s.column), ...keyedRowsOf(node, node.fromClause, set, line, context) };
}

function deleteOf(node: DeleteStmt, line: number, context: Context) {
  only(node, 'relation', 'whereClause', 'usingClause');
  return { table: tableOf(node.relation, context.refuse), rows: keyedRowsOf(node, node.usingClause, [], line, context).rows };
}

/** Exactly `SELECT setval('"s"."seq"', GREATEST(<n>, last_value), true) FROM "s"."seq"`. */
function sequenceMoveOf(node: SelectStmt, refuse: Refuse) {
  only(node, 'targetList', 'fromClause', 'limitOption', 'op');
  const targets = node.targetList;
  const call = nodeOf(nodeOf(targets?.[0], 'ResTarget')?.val, 'FuncCall');
  const fname = namesOf(call?.funcname).join('.');
  if (targets?.length !== 1 || fname !== 'setval') refuse('the only SELECT allowed is the sequence move setval(...)');
  const args = call?.args ?? [];
  const greatest = nodeOf(args[1], 'MinMaxExpr');
  const gargs = greatest?.args ?? [];
  const valueConst = constantOf(gargs[0], refuse);
  if (args.length !== 3 || greatest?.op !== 'IS_GREATEST' || gargs.length !== 2 || columnOf(gargs[1], refuse) !== 'last_value') {
    refuse('setval must be setval(name, GREATEST(n, last_value), true)');
  }
  if (constantOf(args[2], refuse) !== 'true') refuse('setval must mark the value as called');
  const from = node.fromClause;
  if (from?.length !== 1) refuse('setval must read the sequence it moves');
  const sequence = tableOf(nodeOf(from?.[0], 'RangeVar'), refuse);
  const named = constantOf(args[0], refuse);
  if (named !== `"${sequence.schema.replaceAll('"', '""')}"."${sequence.name.replaceAll('"', '""')}"`) refuse('setval must move the sequence it reads');
  if (valueConst === null || !/^-?\d+$/.test(valueConst)) refuse('setval needs an integer');
  return { sequence, value: String(valueConst) };
}
