import type pg from 'pg';
import type { Catalog, CatalogColumn, CatalogForeignKey, CatalogTable } from './catalog-types.js';
import {
  COLUMNS_QUERY,
  COLUMN_SEQUENCES_QUERY,
  CONDITIONAL_UNIQUE_KEYS_QUERY,
  CURRENT_DATABASE_QUERY,
  EXCLUDED_SCHEMAS,
  FOREIGN_KEYS_QUERY,
  TABLES_QUERY,
  UNIQUE_KEYS_QUERY,
} from '../sql/catalog-queries.js';

export { tableKey, findTable } from './table-names.js';
export { foreignKeyOrder, planForeignKeyOrder, type ForeignKeyPlan, type BrokenForeignKey } from './foreign-key-order.js';

export interface ReadCatalogOptions {
  /**
   * Only tables in these schemas. pg_catalog, information_schema, pg_toast*,
   * pg_temp_* and salvage's own schema are left out even when named here.
   */
  schemas?: string[];
}

/**
 * Reads the user tables of the connected database: columns, keys, foreign keys,
 * the sequences behind columns, and the unique indexes that are partial or on
 * expressions. Seven queries however many tables there are.
 * Works with any pg.Client, whatever its type parsers (rows are read as text or
 * as parsed values alike). Everything is sorted (tables by schema then name in
 * UTF-16 code unit order, columns by position, keys and foreign keys by their
 * columns/name), so the same schema always yields the same Catalog.
 */
export async function readCatalog(client: pg.Client, options: ReadCatalogOptions = {}): Promise<Catalog> {
  const databaseRow = (await client.query(CURRENT_DATABASE_QUERY)).rows[0] as Record<string, unknown> | undefined;
  const database = text(databaseRow?.['database']);

  const tableRows = await rowsOf(client, TABLES_QUERY, [EXCLUDED_SCHEMAS, options.schemas ?? null]);
  const byOid = new Map<string, TableDraft>();
  for (const row of tableRows) {
    byOid.set(text(row['table_oid']), newDraft(text(row['schema_name']), text(row['table_name'])));
  }
  if (byOid.size === 0) return { database, tables: [] };

  const oids = [...byOid.keys()];
  const draftOf = (row: Row): TableDraft => {
    const draft = byOid.get(text(row['table_oid']));
    if (draft === undefined) throw new Error(`catalog row for unknown table oid ${String(row['table_oid'])}`);
    return draft;
  };

  for (const row of await rowsOf(client, COLUMNS_QUERY, [oids])) addColumn(draftOf(row), row);
  for (const row of await rowsOf(client, UNIQUE_KEYS_QUERY, [oids])) addIndexColumn(draftOf(row), row);
  for (const row of await rowsOf(client, FOREIGN_KEYS_QUERY, [oids])) addForeignKeyColumn(draftOf(row), row);
  for (const row of await rowsOf(client, COLUMN_SEQUENCES_QUERY, [oids])) addSequence(draftOf(row), row);
  for (const row of await rowsOf(client, CONDITIONAL_UNIQUE_KEYS_QUERY, [oids])) addConditionalUniqueColumn(draftOf(row), row);

  const tables = [...byOid.values()].map(finishTable);
  tables.sort((a, b) => compareText(a.schema, b.schema) || compareText(a.name, b.name));
  return { database, tables };
}

type Row = Record<string, unknown>;

interface IndexDraft {
  primary: boolean;
  columns: { ordinal: number; name: string }[];
}

interface ForeignKeyDraft {
  references: { schema: string; name: string };
  pairs: { ordinal: number; column: string; referenced: string }[];
}

interface TableDraft {
  schema: string;
  name: string;
  columns: (Omit<CatalogColumn, 'position'> & { attnum: number })[];
  indexes: Map<string, IndexDraft>;
  foreignKeys: Map<string, ForeignKeyDraft>;
  /** column -> best sequence so far with its priority (lower wins). */
  sequences: Map<string, { schema: string; name: string; priority: number }>;
  /** Unique indexes that are partial or on expressions, by name: the columns their key reads. */
  conditionalUnique: Map<string, { columns: string[]; partial: boolean; definition: string }>;
}

function newDraft(schema: string, name: string): TableDraft {
  return { schema, name, columns: [], indexes: new Map(), foreignKeys: new Map(), sequences: new Map(), conditionalUnique: new Map() };
}

function addColumn(draft: TableDraft, row: Row): void {
  const identity = nullableText(row['identity_kind']);
  if (identity !== null && identity !== 'a' && identity !== 'd') throw new Error(`unexpected attidentity ${JSON.stringify(identity)}`);
  draft.columns.push({
    name: text(row['column_name']),
    type: text(row['formatted_type']),
    typeName: text(row['type_name']),
    notNull: bool(row['not_null']),
    default: nullableText(row['default_expression']),
    identity,
    generated: bool(row['is_generated']),
    attnum: int(row['position']),
  });
}

function addIndexColumn(draft: TableDraft, row: Row): void {
  const indexName = text(row['index_name']);
  let index = draft.indexes.get(indexName);
  if (index === undefined) {
    index = { primary: bool(row['is_primary']), columns: [] };
    draft.indexes.set(indexName, index);
  }
  index.columns.push({ ordinal: int(row['ordinal']), name: text(row['column_name']) });
}

function addConditionalUniqueColumn(draft: TableDraft, row: Row): void {
  const name = text(row['index_name']);
  let index = draft.conditionalUnique.get(name);
  if (index === undefined) {
    index = { columns: [], partial: bool(row['is_partial']), definition: text(row['definition']) };
    draft.conditionalUnique.set(name, index);
  }
  index.columns.push(text(row['column_name']));
}

function addForeignKeyColumn(draft: TableDraft, row: Row): void {
  const name = text(row['constraint_name']);
  let fk = draft.foreignKeys.get(name);
  if (fk === undefined) {
    fk = { references: { schema: text(row['referenced_schema']), name: text(row['referenced_table']) }, pairs: [] };
    draft.foreignKeys.set(name, fk);
  }
  fk.pairs.push({ ordinal: int(row['ordinal']), column: text(row['column_name']), referenced: text(row['referenced_column']) });
}

function addSequence(draft: TableDraft, row: Row): void {
  const column = text(row['column_name']);
  const candidate = { schema: text(row['sequence_schema']), name: text(row['sequence_name']), priority: int(row['priority']) };
  const current = draft.sequences.get(column);
  // Rows arrive ordered by priority, then name; the first one per column wins.
  if (current === undefined || candidate.priority < current.priority) draft.sequences.set(column, candidate);
}

function finishTable(draft: TableDraft): CatalogTable {
  const columnsInOrder = [...draft.columns].sort((a, b) => a.attnum - b.attnum);
  // Positions count live columns only: a dropped column leaves a gap in attnum
  // but not in the table as anyone sees it (SELECT *, COPY, INSERT without a list).
  const columns: CatalogColumn[] = columnsInOrder.map(({ attnum: _attnum, ...column }, i) => ({ ...column, position: i + 1 }));

  let primaryKey: string[] = [];
  const uniqueKeys: string[][] = [];
  for (const index of draft.indexes.values()) {
    const keyColumns = [...index.columns].sort((a, b) => a.ordinal - b.ordinal).map((c) => c.name);
    if (index.primary) primaryKey = keyColumns;
    else uniqueKeys.push(keyColumns);
  }
  const distinctUniqueKeys = dedupeColumnLists(uniqueKeys)
    // An extra unique index on exactly the primary key columns says nothing new.
    .filter((key) => !sameList(key, primaryKey))
    .sort(compareColumnLists);

  const foreignKeys: CatalogForeignKey[] = [...draft.foreignKeys.entries()]
    .map(([name, fk]) => {
      const pairs = [...fk.pairs].sort((a, b) => a.ordinal - b.ordinal);
      return {
        name,
        columns: pairs.map((p) => p.column),
        references: { schema: fk.references.schema, name: fk.references.name, columns: pairs.map((p) => p.referenced) },
      };
    })
    .sort((a, b) => compareText(a.name, b.name));

  // In column order, so that JSON output of the catalog is stable too.
  const sequences: CatalogTable['sequences'] = {};
  for (const column of columns) {
    const sequence = draft.sequences.get(column.name);
    if (sequence !== undefined) sequences[column.name] = { schema: sequence.schema, name: sequence.name };
  }

  const conditionalUniqueKeys = [...draft.conditionalUnique]
    .map(([index, u]) => ({ index, columns: [...u.columns].sort(compareText), partial: u.partial, definition: u.definition }))
    .sort((a, b) => compareText(a.index, b.index));
  return { schema: draft.schema, name: draft.name, columns, primaryKey, uniqueKeys: distinctUniqueKeys, ...(conditionalUniqueKeys.length ? { conditionalUniqueKeys } : {}), foreignKeys, sequences };
}

async function rowsOf(client: pg.Client, sql: string, values: unknown[]): Promise<Row[]> {
  const result = await client.query(sql, values);
  return result.rows as Row[];
}

function dedupeColumnLists(lists: string[][]): string[][] {
  const seen = new Set<string>();
  return lists.filter((list) => {
    const key = JSON.stringify(list);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

function compareColumnLists(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = compareText(a[i] as string, b[i] as string);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

/** UTF-16 code unit order: independent of the locale and of the server's collation. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Converters that accept both salvage's text-only rows and pg's default parsing.
function text(value: unknown): string {
  if (typeof value !== 'string') throw new Error(`catalog query returned ${JSON.stringify(value)} where text was expected`);
  return value;
}

function nullableText(value: unknown): string | null {
  return value === null || value === undefined ? null : text(value);
}

function bool(value: unknown): boolean {
  if (value === true || value === 't') return true;
  if (value === false || value === 'f') return false;
  throw new Error(`catalog query returned ${JSON.stringify(value)} where a boolean was expected`);
}

function int(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(text(value));
  if (!Number.isInteger(n)) throw new Error(`catalog query returned ${JSON.stringify(value)} where an integer was expected`);
  return n;
}
