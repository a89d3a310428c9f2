import { STAGE_PREFIX, STAGE_SCHEMA } from '../sql/staged.js';
import type { CopyData } from './copy-data.js';
import { decodeCopyLine } from './copy-text.js';
import { rowsOnDemand } from './rows-on-demand.js';
import type { CopyStmt, CreateTableAsStmt, RangeVar } from '@pgsql/types';
import { nodeOf, requireNode, type Node } from './parse-node.js';
import { columnOf, namesOf, only, sameTable, soleItem, tableOf, type Constant, type Refuse, type TableName } from './parse-tree.js';

/**
 * The staged forms of src/sql/staged.ts, checked on the parse tree: a temporary
 * table typed like the target's columns, filled once by COPY, read once by the
 * INSERT, UPDATE or DELETE that follows it in the same file. A staging table is
 * always `pg_temp.salvage_rows_<n>`, so no permanent table can stand in for it.
 */
export interface Stage {
  name: string;
  /** The real table whose column types the staging table takes. */
  table: TableName;
  /** Staging column name -> the real column it is typed like; null for a text reference into the key map. */
  columns: Array<{ name: string; from: string | null }>;
  line: number;
  rows?: Constant[][];
  usedAtLine?: number;
}

/** The staging table a statement read its rows from: still there until COMMIT, for the read-back to compare with. */
export interface StagedIn {
  name: string;
  columns: Stage['columns'];
}

/** Every staging table of one file, in the order the file creates them. */
export class Stages {
  private readonly byName = new Map<string, Stage>();

  /**
   * `CREATE TEMP TABLE pg_temp.salvage_rows_n ON COMMIT DROP AS SELECT "c" AS "c", ... FROM s.t WITH NO DATA`,
   * where a column may also be `NULL::text AS "ref c"`: a reference into the key map.
   */
  create(node: CreateTableAsStmt, line: number, refuse: Refuse): Stage {
    only(node, 'query', 'into', 'objtype');
    if (node.objtype !== 'OBJECT_TABLE') refuse('only a staging table may be created');
    const into = node.into ?? refuse('a staging table must be created INTO pg_temp.salvage_rows_<n>');
    only(into, 'rel', 'onCommit', 'skipData');
    const name = this.stageName(into.rel, refuse);
    if (into.rel?.relpersistence !== 't') refuse('a staging table must be TEMP');
    if (into.onCommit !== 'ONCOMMIT_DROP') refuse('a staging table must be dropped ON COMMIT');
    if (into.skipData !== true) refuse('a staging table must be created WITH NO DATA');
    if (this.byName.has(name)) refuse(`${STAGE_SCHEMA}.${name} is created twice`);
    const select = nodeOf(node.query, 'SelectStmt');
    if (!select) return refuse('a staging table must be created from a SELECT of plain columns');
    only(select, 'targetList', 'fromClause', 'limitOption', 'op');
    const source = nodeOf(soleItem(select.fromClause), 'RangeVar');
    if (!source || source.alias !== undefined) refuse('a staging table must take its columns from exactly one table');
    const columns = (select.targetList ?? []).map((t) => {
      const target = requireNode(t, 'ResTarget', refuse);
      only(target, 'name', 'val', 'location');
      if (typeof target.name !== 'string') refuse('every staging column must be named with AS');
      if (isTextReference(target.val)) return { name: target.name, from: null };
      return { name: target.name, from: columnOf(target.val, refuse, 'a staging column must be a plain column of its table, or NULL::text for a reference') };
    });
    if (columns.length === 0) refuse('a staging table needs columns');
    if (new Set(columns.map((c) => c.name)).size !== columns.length) refuse('a staging table names a column twice');
    const stage: Stage = { name, table: tableOf(source, refuse), columns, line };
    this.byName.set(name, stage);
    return stage;
  }

  /**
   * `COPY pg_temp.salvage_rows_n ("c", ...) FROM STDIN` and its data: every line one
   * row of exactly the staging table's columns, in its order.
   */
  load(node: CopyStmt, data: { bytes: Buffer; line: number; kept: CopyData } | undefined, refuse: Refuse, refuseLine: (line: number, why: string) => never): Stage {
    const stage = this.lookup(node.relation, refuse, 'COPY is not allowed except FROM STDIN into a staging table of this patch');
    only(node, 'relation', 'attlist', 'is_from');
    if (node.is_from !== true || !data) refuse('COPY is not allowed except FROM STDIN into a staging table of this patch');
    if (stage.rows) refuse(`${STAGE_SCHEMA}.${stage.name} is filled twice`);
    const names = namesOf(node.attlist);
    if (names.join('\u0000') !== stage.columns.map((c) => c.name).join('\u0000')) refuse(`COPY must list the columns of ${STAGE_SCHEMA}.${stage.name}, in its order`);
    // Every line checked now, line by line; the rows themselves are decoded again only where one is read.
    const bytes = data?.bytes ?? Buffer.alloc(0);
    let count = 0;
    eachCopyRow(bytes, (row, i) => {
      if (typeof row === 'string') return refuseLine((data?.line ?? 0) + i, `this COPY data line holds ${row}`);
      if (row.length !== names.length) return refuseLine((data?.line ?? 0) + i, `this COPY data line has ${row.length} values, ${STAGE_SCHEMA}.${stage.name} has ${names.length} columns`);
      count++;
    });
    stage.rows = data ? keptRows(count, data.kept) : [];
    return stage;
  }

  /** The filled staging table a statement on `table` reads, claimed so no second statement reads it. */
  consume(relation: RangeVar | undefined, table: TableName, line: number, refuse: Refuse, why: string): Stage & { rows: Constant[][] } {
    const stage = this.lookup(relation, refuse, why);
    if (!stage.rows) refuse(`${STAGE_SCHEMA}.${stage.name} is read before COPY fills it`);
    if (stage.usedAtLine !== undefined) refuse(`${STAGE_SCHEMA}.${stage.name} was already written at line ${stage.usedAtLine}`);
    if (!sameTable(stage.table, table)) refuse(`${STAGE_SCHEMA}.${stage.name} is typed like another table`);
    stage.usedAtLine = line;
    return stage as Stage & { rows: Constant[][] };
  }

  /** Staging tables filled but never written: a patch that stages rows and drops them is not what salvage writes. */
  unused(): Stage[] {
    return [...this.byName.values()].filter((s) => s.usedAtLine === undefined);
  }

  private lookup(r: RangeVar | undefined, refuse: Refuse, why: string): Stage {
    if (r?.schemaname !== STAGE_SCHEMA) return refuse(why);
    const stage = this.byName.get(this.stageName(r, refuse));
    if (!stage) return refuse(`${STAGE_SCHEMA}.${String(r.relname)} is not a staging table created earlier in this file`);
    return stage;
  }

  private stageName(r: RangeVar | undefined, refuse: Refuse): string {
    const name = typeof r?.relname === 'string' ? r.relname : '';
    if (r?.schemaname !== STAGE_SCHEMA || !new RegExp(`^${STAGE_PREFIX}[1-9][0-9]*$`).test(name)) {
      refuse(`a staging table must be named ${STAGE_SCHEMA}.${STAGE_PREFIX}<n>`);
    }
    return name;
  }
}

/**
 * A block's rows, decoded from its data as kept (in the file: read again, and checked)
 * when they are read. Made outside load(), so the closure cannot hold the bytes load()
 * checked, which are the parser's and go with the statement.
 */
function keptRows(count: number, kept: CopyData): Constant[][] {
  return rowsOnDemand(count, () => {
    const rows: Constant[][] = [];
    eachCopyRow(kept.read(), (row) => void rows.push(row as Constant[]));
    return rows;
  });
}

/** Each line of COPY data (every one ends with a newline), decoded: its values, or what is wrong with it. */
function eachCopyRow(bytes: Buffer, visit: (row: Constant[] | string, index: number) => void): void {
  for (let start = 0, i = 0; ; i++) {
    const end = bytes.indexOf(10, start);
    if (end < 0) break; // nothing after the last newline is a row
    visit(decodeCopyLine(bytes.toString('utf8', start, end)), i);
    start = end + 1;
  }
}

/** `NULL::text`: a staging column for references into the key map, typed text whatever the key's type. */
function isTextReference(node: Node | undefined): boolean {
  const cast = nodeOf(node, 'TypeCast');
  if (!cast) return false;
  only(cast, 'arg', 'typeName', 'location');
  const type = cast.typeName;
  if (!type) return false;
  only(type, 'names', 'typemod', 'location');
  const names = (type.names ?? []).map((n) => nodeOf(n, 'String')?.sval);
  return names.length === 1 && names[0] === 'text' && type.typemod === -1 && nodeOf(cast.arg, 'A_Const')?.isnull === true;
}
