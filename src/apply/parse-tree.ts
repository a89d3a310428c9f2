/**
 * Reading libpg_query's parse trees: the few node shapes the patch allow-list
 * accepts, each checked key by key. Every reader takes `refuse`, which throws
 * the SafetyRefusal that names the statement's line.
 */
export type Node = Record<string, unknown>;
export type Refuse = (why: string) => never;

/** A constant as PostgreSQL's parser reads it; null is SQL NULL. */
export type Constant = string | null;

export interface TableName {
  schema: string;
  name: string;
}

/** Throws (caught by the classifier and reported as an unexpected clause) when the node has a key not listed. */
export function only(node: Node, ...allowed: string[]): void {
  for (const key of Object.keys(node)) {
    if (!allowed.includes(key)) throw new Error(key);
  }
}

export function tableOf(relation: unknown, refuse: Refuse): TableName {
  const r = relation as Node | undefined;
  if (!r || typeof r.relname !== 'string' || typeof r.schemaname !== 'string') refuse('the table must be schema-qualified');
  return { schema: String(r?.schemaname), name: String(r?.relname) };
}

export function sameTable(a: TableName, b: TableName): boolean {
  return a.schema === b.schema && a.name === b.name;
}

export function constantOf(node: unknown, refuse: Refuse): Constant {
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

/** A column named on its own: `"c"`. */
export function columnOf(node: unknown, refuse: Refuse, why = 'conditions must compare a plain column'): string {
  const fields = ((node as Node | undefined)?.ColumnRef as Node | undefined)?.fields as Node[] | undefined;
  const name = ((fields?.[0] as Node | undefined)?.String as Node | undefined)?.sval;
  if (!fields || fields.length !== 1 || typeof name !== 'string') return refuse(why);
  return name;
}

/** A column of an alias: `t."c"`. */
export function qualifiedColumn(node: unknown, alias: string, refuse: Refuse): string {
  const fields = ((node as Node | undefined)?.ColumnRef as Node | undefined)?.fields as Node[] | undefined;
  const parts = fields?.map((f) => (f.String as Node | undefined)?.sval);
  if (!parts || parts.length !== 2 || parts[0] !== alias || typeof parts[1] !== 'string') refuse(`expected a column of ${alias}`);
  return String(parts?.[1]);
}

export function castArgument(node: unknown, refuse: Refuse): unknown {
  const cast = (node as Node | undefined)?.TypeCast as Node | undefined;
  if (!cast) return refuse('values from v must be cast to the column type');
  only(cast, 'arg', 'typeName', 'location');
  return cast.arg;
}

/** The only FROM item of a statement or query, or undefined when there are none or several. */
export function soleItem(list: unknown): Node | undefined {
  const items = list as Node[] | undefined;
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
