import { parse } from 'libpg-query';
import { SafetyRefusal } from '../errors.js';
import { memoryCheckpoint } from '../runtime/memory.js';

/**
 * patch.sql read back through PostgreSQL's own parser (libpg_query) into the few
 * statement forms salvage itself writes. Anything else is refused with its line:
 * an allow-list, checked on the syntax tree, not with regular expressions.
 */
export type Constant = string | null;
export const DEFAULT_VALUE = Symbol('DEFAULT');
export type InsertCell = Constant | typeof DEFAULT_VALUE;

interface Located {
  /** The statement's text exactly as in the file. */
  text: string;
  /** 1-based line of the statement's first token. */
  line: number;
}

export type PatchStatement = Located &
  (
    | { kind: 'control' }
    | { kind: 'insert'; table: TableName; columns: string[]; rows: InsertCell[][] }
    | { kind: 'update'; table: TableName; rows: KeyedRow[] }
    | { kind: 'delete'; table: TableName; rows: KeyedRow[] }
    | { kind: 'sequence'; sequence: TableName; value: string }
  );

export type Pair = [column: string, value: Constant];

/** One VALUES row of a set-based UPDATE or DELETE: which row, what it becomes, what it must still hold. */
export interface KeyedRow {
  key: Pair[];
  set: Pair[];
  guards: Pair[];
}

export interface TableName {
  schema: string;
  name: string;
}

export type PatchMode = 'patch' | 'undo';

type Node = Record<string, unknown>;

/** Parses and checks the whole file; refuses (exit 3) at the first statement salvage would never write. */
export async function readPatchStatements(sql: string | Buffer, file: string, mode: PatchMode, onParsed?: (bytes: number) => void): Promise<PatchStatement[]> {
  // libpg_query reports byte offsets; slice bytes, not UTF-16 units.
  const bytes = typeof sql === 'string' ? Buffer.from(sql, 'utf8') : sql;
  let result: { stmts: ParsedStatement[] };
  try {
    result = { stmts: await parseByStatement(bytes, onParsed) };
  } catch (error) {
    throw new SafetyRefusal(`${file}: is not valid SQL (${(error as Error).message}); nothing was written. Re-run "salvage patch".`);
  }
  // Line numbers are counted forward from the previous statement: counting from the
  // top each time is quadratic, and patches hold hundreds of thousands of lines.
  let countedTo = 0;
  let linesBefore = 1;
  const statements: PatchStatement[] = [];
  for (const entry of result.stmts) {
    const start = entry.stmt_location ?? 0;
    const raw = bytes.subarray(start, entry.stmt_len ? start + entry.stmt_len : bytes.length).toString('utf8');
    const lead = leadingNoise(raw);
    const text = raw.slice(lead);
    linesBefore += newlines(bytes, countedTo, start);
    countedTo = start;
    const line = linesBefore + newlines(Buffer.from(raw.slice(0, lead), 'utf8'), 0, Buffer.byteLength(raw.slice(0, lead)));
    const refuse = (why: string): never => {
      const first = text.split('\n')[0]?.slice(0, 120) ?? '';
      throw new SafetyRefusal(
        `${file}:${line}: ${why}. salvage only runs the statements it writes itself; this one is not one of them: ${first}. ` +
          'Nothing was written. Regenerate the patch with "salvage patch" and review it again.',
      );
    };
    statements.push(classify(entry.stmt ?? {}, mode, { text, line }, refuse));
  }
  return statements;
}

interface ParsedStatement {
  stmt?: Node;
  /** Byte offsets in the whole file. */
  stmt_location: number;
  stmt_len: number;
}

/**
 * Parses the file a statement at a time. One parse tree of a whole patch is about ten
 * times its size (gigabytes for a million-row recovery); a statement's is bounded.
 * A piece ends after a `;` at the end of a line. Where that `;` is inside a literal or
 * a comment, the piece does not parse and is extended (by 1, 2, 4... more pieces, so a
 * real syntax error costs at most twice a whole-file parse). A piece that parses ends
 * where PostgreSQL's own lexer ends a statement, so each statement is exactly the text
 * that is checked and later run.
 */
async function parseByStatement(bytes: Buffer, onParsed?: (bytes: number) => void): Promise<ParsedStatement[]> {
  const out: ParsedStatement[] = [];
  let start = 0;
  while (start < bytes.length) {
    let more = 1;
    let end = boundaryAfter(bytes, start, more);
    for (;;) {
      const piece = bytes.subarray(start, end).toString('utf8');
      if (piece.trim() === '') break;
      memoryCheckpoint(1000); // a piece is up to a thousand rows, and its parse tree is large
      try {
        const result = (await parse(piece)) as { stmts?: Array<{ stmt?: Node; stmt_location?: number; stmt_len?: number }> };
        for (const s of result.stmts ?? []) {
          const at = s.stmt_location ?? 0;
          out.push({ stmt: s.stmt, stmt_location: start + at, stmt_len: s.stmt_len || end - start - at });
        }
        break;
      } catch (error) {
        if (end >= bytes.length) throw error;
        more *= 2;
        end = boundaryAfter(bytes, start, more);
      }
    }
    onParsed?.(end - start);
    start = end;
  }
  return out;
}

/** The byte offset just after the `count`-th `;` + newline from `from`, or the end. */
function boundaryAfter(bytes: Buffer, from: number, count: number): number {
  let at = from;
  for (let i = 0; i < count; i++) {
    const next = bytes.indexOf(';\n', at);
    if (next < 0) return bytes.length;
    at = next + 2;
  }
  return at;
}

function leadingNoise(text: string): number {
  const m = /^(?:\s+|--[^\n]*\n?)*/.exec(text);
  return m ? m[0].length : 0;
}

function newlines(bytes: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = bytes.indexOf(10, from); i >= 0 && i < to; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

function only(node: Node, ...allowed: string[]): void {
  for (const key of Object.keys(node)) {
    if (!allowed.includes(key)) throw new Error(key);
  }
}

function classify(stmt: Node, mode: PatchMode, at: Located, refuse: (why: string) => never): PatchStatement {
  const [type, body] = Object.entries(stmt)[0] ?? ['(empty)', {}];
  const node = body as Node;
  try {
    switch (type) {
      case 'TransactionStmt':
        if (node.kind !== 'TRANS_STMT_BEGIN' && node.kind !== 'TRANS_STMT_COMMIT') refuse(`transaction control ${String(node.kind)} is not allowed`);
        only(node, 'kind', 'location');
        return { kind: 'control', ...at };
      case 'VariableSetStmt': {
        const name = String(node.name).toLowerCase();
        if (node.is_local !== true || !['standard_conforming_strings', 'timezone'].includes(name)) refuse(`SET ${name} is not allowed`);
        return { kind: 'control', ...at };
      }
      case 'InsertStmt':
        return { kind: 'insert', ...at, ...insertOf(node, refuse) };
      case 'UpdateStmt':
        return { kind: 'update', ...at, ...updateOf(node, refuse) };
      case 'DeleteStmt':
        if (mode !== 'undo') refuse('DELETE is never part of a patch (only undo.sql removes the rows its patch inserted)');
        return { kind: 'delete', ...at, ...deleteOf(node, refuse) };
      case 'SelectStmt':
        return { kind: 'sequence', ...at, ...sequenceMoveOf(node, refuse) };
      default:
        return refuse(`${type.replace(/Stmt$/, '').toUpperCase() || 'this statement'} is not allowed`);
    }
  } catch (error) {
    if (error instanceof SafetyRefusal) throw error;
    return refuse(`unexpected clause "${(error as Error).message}" in ${type.replace(/Stmt$/, '').toUpperCase()}`);
  }
}

function tableOf(relation: unknown, refuse: (why: string) => never): TableName {
  const r = relation as Node | undefined;
  if (!r || typeof r.relname !== 'string' || typeof r.schemaname !== 'string') refuse('the table must be schema-qualified');
  return { schema: String(r?.schemaname), name: String(r?.relname) };
}

function constantOf(node: unknown, refuse: (why: string) => never): Constant {
  const c = (node as Node | undefined)?.A_Const as Node | undefined;
  if (!c) return refuse('only constant values are allowed');
  if (c.isnull === true) return null;
  const sval = (c.sval as Node | undefined)?.sval;
  if (typeof sval === 'string') return sval;
  const ival = (c.ival as Node | undefined)?.ival;
  if (c.ival !== undefined) return String(ival ?? 0);
  const fval = (c.fval as Node | undefined)?.fval;
  if (typeof fval === 'string') return fval;
  const boolval = (c.boolval as Node | undefined)?.boolval;
  if (c.boolval !== undefined) return boolval ? 'true' : 'false';
  return refuse('unsupported constant');
}

function columnOf(node: unknown, refuse: (why: string) => never): string {
  const fields = ((node as Node | undefined)?.ColumnRef as Node | undefined)?.fields as Node[] | undefined;
  const name = ((fields?.[0] as Node | undefined)?.String as Node | undefined)?.sval;
  if (!fields || fields.length !== 1 || typeof name !== 'string') return refuse('conditions must compare a plain column');
  return name;
}

function insertOf(node: Node, refuse: (why: string) => never) {
  only(node, 'relation', 'cols', 'selectStmt', 'onConflictClause', 'override');
  if (node.override !== 'OVERRIDING_NOT_SET') refuse('OVERRIDING is not allowed');
  const conflict = node.onConflictClause as Node | undefined;
  if (!conflict || conflict.action !== 'ONCONFLICT_NOTHING') refuse('an INSERT must end with ON CONFLICT DO NOTHING');
  only(conflict as Node, 'action', 'location');
  const columns = ((node.cols as Node[] | undefined) ?? []).map((c) => {
    const target = c.ResTarget as Node;
    only(target, 'name', 'location');
    return String(target.name);
  });
  const select = (node.selectStmt as Node | undefined)?.SelectStmt as Node | undefined;
  if (!select?.valuesLists) refuse('an INSERT may only insert VALUES');
  only(select as Node, 'valuesLists', 'limitOption', 'op');
  const rows = (select?.valuesLists as Node[]).map((list) => {
    const items = (list.List as Node).items as Node[];
    if (items.length !== columns.length) refuse('every VALUES row must have one value per column');
    return items.map((item): InsertCell => (item.SetToDefault ? DEFAULT_VALUE : constantOf(item, refuse)));
  });
  return { table: tableOf(node.relation, refuse), columns, rows };
}

/**
 * The set-based forms salvage writes:
 *   UPDATE s.t AS t SET c = v."new c"::type, ... FROM (VALUES ...) AS v ("key k", "new c", "old c", ...)
 *     WHERE t.k = v."key k"::type AND t.c IS NOT DISTINCT FROM v."old c"::type ...
 *   DELETE FROM s.t AS t USING (VALUES ...) AS v (...) WHERE ... (undo only)
 * Every VALUES column is used exactly as its prefix says; every value is a constant.
 */
function keyedRowsOf(
  node: Node,
  source: unknown,
  set: Array<{ column: string; from: string }>,
  refuse: (why: string) => never,
): KeyedRow[] {
  const relation = node.relation as Node | undefined;
  if ((relation?.alias as Node | undefined)?.aliasname !== 't') refuse('the table must be aliased AS t');
  const from = source as Node[] | undefined;
  const sub = from?.length === 1 ? (from[0]?.RangeSubselect as Node | undefined) : undefined;
  const alias = sub?.alias as Node | undefined;
  if (!sub || alias?.aliasname !== 'v') refuse('the only other relation allowed is a VALUES list AS v');
  only(sub as Node, 'subquery', 'alias');
  const select = (sub?.subquery as Node | undefined)?.SelectStmt as Node | undefined;
  if (!select?.valuesLists) refuse('the VALUES list may only hold values');
  only(select as Node, 'valuesLists', 'limitOption', 'op');
  const names = ((alias?.colnames as Node[] | undefined) ?? []).map((n) => String((n.String as Node).sval));

  const uses = new Map<string, string>();
  const use = (vColumn: string, role: string) => {
    if (!names.includes(vColumn)) refuse(`v has no column "${vColumn}"`);
    if (uses.has(vColumn)) refuse(`v."${vColumn}" is used twice`);
    uses.set(vColumn, role);
  };
  for (const s of set) {
    if (s.from !== `new ${s.column}`) refuse(`column ${s.column} must be set from v."new ${s.column}"`);
    use(s.from, 'new');
  }
  const where = node.whereClause as Node | undefined;
  if (!where) refuse('a WHERE clause on the key is required');
  const bool = where?.BoolExpr as Node | undefined;
  if (bool && bool.boolop !== 'AND_EXPR') refuse('conditions may only be joined with AND');
  const terms = bool ? (bool.args as Node[]) : [where as Node];
  let keys = 0;
  for (const term of terms) {
    const expr = term.A_Expr as Node | undefined;
    const op = ((expr?.name as Node[] | undefined)?.[0]?.String as Node | undefined)?.sval;
    if (!expr || op !== '=') refuse('conditions may only be "t.c = v.c" or "t.c IS NOT DISTINCT FROM v.c"');
    const column = qualifiedColumn(expr?.lexpr, 't', refuse);
    const vColumn = qualifiedColumn(castArgument(expr?.rexpr, refuse), 'v', refuse);
    if (expr?.kind === 'AEXPR_OP') {
      if (vColumn !== `key ${column}`) refuse(`t.${column} must be compared with v."key ${column}"`);
      use(vColumn, 'key');
      keys++;
    } else if (expr?.kind === 'AEXPR_NOT_DISTINCT') {
      if (vColumn !== `old ${column}`) refuse(`t.${column} must be guarded by v."old ${column}"`);
      use(vColumn, 'old');
    } else {
      refuse('conditions may only be "t.c = v.c" or "t.c IS NOT DISTINCT FROM v.c"');
    }
  }
  if (keys === 0) refuse('the rows must be chosen by their key');
  for (const name of names) if (!uses.has(name)) refuse(`v."${name}" is not used`);

  return (select?.valuesLists as Node[]).map((list) => {
    const items = (list.List as Node).items as Node[];
    if (items.length !== names.length) refuse('every VALUES row must have one value per column');
    const row: KeyedRow = { key: [], set: [], guards: [] };
    names.forEach((name, i) => {
      const value = constantOf(items[i], refuse);
      const role = uses.get(name);
      const column = name.slice(4);
      if (role === 'key') row.key.push([column, value]);
      else if (role === 'new') row.set.push([column, value]);
      else row.guards.push([column, value]);
    });
    return row;
  });
}

function castArgument(node: unknown, refuse: (why: string) => never): unknown {
  const cast = (node as Node | undefined)?.TypeCast as Node | undefined;
  if (!cast) return refuse('values from v must be cast to the column type');
  only(cast, 'arg', 'typeName', 'location');
  return cast.arg;
}

function qualifiedColumn(node: unknown, alias: string, refuse: (why: string) => never): string {
  const fields = ((node as Node | undefined)?.ColumnRef as Node | undefined)?.fields as Node[] | undefined;
  const parts = fields?.map((f) => (f.String as Node | undefined)?.sval);
  if (!parts || parts.length !== 2 || parts[0] !== alias || typeof parts[1] !== 'string') refuse(`expected a column of ${alias}`);
  return String(parts?.[1]);
}

function updateOf(node: Node, refuse: (why: string) => never) {
  only(node, 'relation', 'targetList', 'whereClause', 'fromClause');
  const set = ((node.targetList as Node[] | undefined) ?? []).map((t) => {
    const target = t.ResTarget as Node;
    only(target, 'name', 'val', 'location');
    return { column: String(target.name), from: qualifiedColumn(castArgument(target.val, refuse), 'v', refuse) };
  });
  if (set.length === 0) refuse('an UPDATE must set something');
  return { table: tableOf(node.relation, refuse), rows: keyedRowsOf(node, node.fromClause, set, refuse) };
}

function deleteOf(node: Node, refuse: (why: string) => never) {
  only(node, 'relation', 'whereClause', 'usingClause');
  return { table: tableOf(node.relation, refuse), rows: keyedRowsOf(node, node.usingClause, [], refuse) };
}

/** Exactly `SELECT setval('"s"."seq"', GREATEST(<n>, last_value), true) FROM "s"."seq"`. */
function sequenceMoveOf(node: Node, refuse: (why: string) => never) {
  only(node, 'targetList', 'fromClause', 'limitOption', 'op');
  const targets = node.targetList as Node[] | undefined;
  const call = ((targets?.[0]?.ResTarget as Node | undefined)?.val as Node | undefined)?.FuncCall as Node | undefined;
  const fname = ((call?.funcname as Node[] | undefined)?.map((n) => (n.String as Node).sval) ?? []).join('.');
  if (targets?.length !== 1 || fname !== 'setval') refuse('the only SELECT allowed is the sequence move setval(...)');
  const args = (call?.args as Node[] | undefined) ?? [];
  const greatest = args[1]?.MinMaxExpr as Node | undefined;
  const gargs = (greatest?.args as Node[] | undefined) ?? [];
  const valueConst = constantOf(gargs[0], refuse);
  if (args.length !== 3 || greatest?.op !== 'IS_GREATEST' || gargs.length !== 2 || columnOf(gargs[1], refuse) !== 'last_value') {
    refuse('setval must be setval(name, GREATEST(n, last_value), true)');
  }
  if (constantOf(args[2], refuse) !== 'true') refuse('setval must mark the value as called');
  const from = node.fromClause as Node[] | undefined;
  if (from?.length !== 1) refuse('setval must read the sequence it moves');
  const sequence = tableOf(from?.[0]?.RangeVar, refuse);
  const named = constantOf(args[0], refuse);
  if (named !== `"${sequence.schema.replaceAll('"', '""')}"."${sequence.name.replaceAll('"', '""')}"`) refuse('setval must move the sequence it reads');
  if (valueConst === null || !/^-?\d+$/.test(valueConst)) refuse('setval needs an integer');
  return { sequence, value: String(valueConst) };
}
