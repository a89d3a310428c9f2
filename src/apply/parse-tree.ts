import type { RangeVar } from '@pgsql/types';
import { nodeOf, requireNode, type Node } from './parse-node.js';

/**
 * Reading libpg_query's parse trees: the few node shapes the patch allow-list
 * accepts, each checked key by key. Every reader takes `refuse`, which throws
 * the SafetyRefusal that names the statement's line. Nodes are typed by
 * @pgsql/types and narrowed by their tag at run time (parse-node.ts).
 */
export type { Node } from './parse-node.js';
export type Refuse = (why: string) => never;

/** A constant as PostgreSQL's parser reads it; null is SQL NULL. */
export type Constant = string | null;

export interface TableName {
  schema: string;
  name: string;
}

/**
 * Throws (caught by the classifier and reported as an unexpected clause) when the node has a key not listed.
 * The allowed keys are checked against the node's type, so a misspelt one does not compile.
 */
export function only<T extends object>(node: T, ...allowed: Array<keyof T & string>): void {
  const keys: readonly string[] = allowed;
  for (const key of Object.keys(node)) {
    if (!keys.includes(key)) throw new Error(key);
  }
}

export function tableOf(relation: RangeVar | undefined, refuse: Refuse): TableName {
  if (!relation || typeof relation.relname !== 'string' || typeof relation.schemaname !== 'string') return refuse('the table must be schema-qualified');
  return { schema: relation.schemaname, name: relation.relname };
}

export function sameTable(a: TableName, b: TableName): boolean {
  return a.schema === b.schema && a.name === b.name;
}

export function constantOf(node: Node | undefined, refuse: Refuse): Constant {
  const c = nodeOf(node, 'A_Const');
  if (!c) return refuse('only constant values are allowed');
  if (c.isnull === true) return null;
  const sval = c.sval?.sval;
  if (typeof sval === 'string') return sval;
  const ival = c.ival?.ival;
  if (c.ival !== undefined) return String(ival ?? 0);
  const fval = c.fval?.fval;
  if (typeof fval === 'string') return fval;
  const boolval = c.boolval?.boolval;
  if (c.boolval !== undefined) return boolval ? 'true' : 'false';
  return refuse('unsupported constant');
}

/** The names of a list of String nodes (a qualified name, an alias's columns); "undefined" for any other node. */
export function namesOf(list: Node[] | undefined): string[] {
  return (list ?? []).map((n) => String(nodeOf(n, 'String')?.sval));
}

/** A column named on its own: `"c"`. */
export function columnOf(node: Node | undefined, refuse: Refuse, why = 'conditions must compare a plain column'): string {
  const fields = nodeOf(node, 'ColumnRef')?.fields;
  const name = nodeOf(fields?.[0], 'String')?.sval;
  if (!fields || fields.length !== 1 || typeof name !== 'string') return refuse(why);
  return name;
}

/** A column of an alias: `t."c"`. */
export function qualifiedColumn(node: Node | undefined, alias: string, refuse: Refuse): string {
  const fields = nodeOf(node, 'ColumnRef')?.fields;
  const parts = fields?.map((f) => nodeOf(f, 'String')?.sval);
  if (!parts || parts.length !== 2 || parts[0] !== alias || typeof parts[1] !== 'string') return refuse(`expected a column of ${alias}`);
  return parts[1];
}

export function castArgument(node: Node | undefined, refuse: Refuse): Node | undefined {
  const cast = nodeOf(node, 'TypeCast');
  if (!cast) return refuse('values from v must be cast to the column type');
  only(cast, 'arg', 'typeName', 'location');
  return cast.arg;
}

/** A FROM item's `(VALUES (constants), ...)`: its rows, each of exactly `width` constants. */
export function constantRows(subquery: Node | undefined, width: number, refuse: Refuse): Constant[][] {
  const select = nodeOf(subquery, 'SelectStmt');
  if (!select?.valuesLists) return refuse('the VALUES list may only hold values');
  only(select, 'valuesLists', 'limitOption', 'op');
  return select.valuesLists.map((list) => {
    const items = requireNode(list, 'List', refuse).items ?? [];
    if (items.length !== width) refuse('every VALUES row must have one value per column');
    return items.map((cell) => constantOf(cell, refuse));
  });
}

/** The expressions a SELECT list (or RETURNING list) gives, none of them named with AS. */
export function selectedValues(targetList: Node[] | undefined, refuse: Refuse): Array<Node | undefined> {
  return (targetList ?? []).map((t) => {
    const target = requireNode(t, 'ResTarget', refuse);
    only(target, 'val', 'location');
    return target.val;
  });
}

/** The only FROM item of a statement or query, or undefined when there are none or several. */
export function soleItem(items: Node[] | undefined): Node | undefined {
  return items?.length === 1 ? items[0] : undefined;
}

/** PostgreSQL's NAMEDATALEN - 1: longer identifiers are cut, by its lexer and by libpg_query's alike. */
const MAX_IDENTIFIER_BYTES = 63;

/**
 * An identifier as PostgreSQL keeps it: cut to 63 bytes at a character boundary.
 * salvage's `"new <column>"` names pass 63 bytes for a column of 60 or more, and the
 * parse tree holds them cut.
 */
export function truncateIdentifier(name: string): string {
  if (Buffer.byteLength(name, 'utf8') <= MAX_IDENTIFIER_BYTES) return name;
  let out = '';
  let bytes = 0;
  for (const ch of name) {
    bytes += Buffer.byteLength(ch, 'utf8');
    if (bytes > MAX_IDENTIFIER_BYTES) break;
    out += ch;
  }
  return out;
}
