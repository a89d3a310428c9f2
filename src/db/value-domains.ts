import type pg from 'pg';
import type { CatalogTable } from './catalog-types.js';
import { tableKey } from './catalog.js';
import { EXCLUDED_SCHEMAS } from '../sql/catalog-queries.js';
import { ENUM_COLUMNS_QUERY, SINGLE_COLUMN_CHECKS_QUERY, distinctValuesQuery } from '../sql/init-queries.js';

/**
 * The values a column may hold, as far as the backup says: an enum's labels or a
 * CHECK (col IN (...)) list are the rule (`authoritative`); the distinct values the
 * backup holds are only what has been seen so far. Value maps are written against
 * these (init), and checked against the authoritative ones (check).
 */
export interface ValueDomain {
  values: string[];
  origin: 'enum' | 'check' | 'backup';
  authoritative: boolean;
}

/** tableKey -> column -> domain. */
export type ValueDomains = Map<string, Map<string, ValueDomain>>;

/** More distinct values than this and a column is free text, not a set of states. */
export const MAX_DOMAIN_VALUES = 20;

/** Enum labels and CHECK lists of every user column: two queries for the whole schema. */
export async function readDeclaredDomains(client: pg.Client): Promise<ValueDomains> {
  const domains: ValueDomains = new Map();
  const put = (schema: string, table: string, column: string, domain: ValueDomain) => {
    const key = tableKey({ schema, name: table });
    let columns = domains.get(key);
    if (!columns) domains.set(key, (columns = new Map()));
    // An enum is the stronger statement; a CHECK on an enum column only narrows it further.
    const existing = columns.get(column);
    if (existing?.origin === 'check' && domain.origin === 'check') {
      existing.values = existing.values.filter((v) => domain.values.includes(v));
      return;
    }
    if (!existing || domain.origin === 'check') columns.set(column, domain);
  };

  const enums = new Map<string, { schema: string; table: string; column: string; labels: string[] }>();
  for (const row of (await client.query(ENUM_COLUMNS_QUERY, [EXCLUDED_SCHEMAS])).rows as Array<Record<string, string>>) {
    const key = JSON.stringify([row['schema_name'], row['table_name'], row['column_name']]);
    let entry = enums.get(key);
    if (!entry) enums.set(key, (entry = { schema: String(row['schema_name']), table: String(row['table_name']), column: String(row['column_name']), labels: [] }));
    entry.labels.push(String(row['label']));
  }
  for (const e of enums.values()) put(e.schema, e.table, e.column, { values: e.labels, origin: 'enum', authoritative: true });

  for (const row of (await client.query(SINGLE_COLUMN_CHECKS_QUERY, [EXCLUDED_SCHEMAS])).rows as Array<Record<string, string>>) {
    const values = allowedValuesOfCheck(String(row['definition']), String(row['column_name']));
    if (values) put(String(row['schema_name']), String(row['table_name']), String(row['column_name']), { values, origin: 'check', authoritative: true });
  }
  return domains;
}

/**
 * For columns with no declared domain, the distinct values the backup holds
 * (a column with more than MAX_DOMAIN_VALUES of them gets none: it is not a set of states).
 */
export async function addObservedDomains(client: pg.Client, domains: ValueDomains, wanted: Array<{ table: CatalogTable; column: string }>): Promise<void> {
  for (const { table, column } of wanted) {
    const key = tableKey(table);
    if (domains.get(key)?.has(column)) continue;
    const result = await client.query(distinctValuesQuery(table, column), [MAX_DOMAIN_VALUES + 1]);
    const values = (result.rows as Array<{ value: string }>).map((r) => r.value);
    if (values.length === 0 || values.length > MAX_DOMAIN_VALUES) continue;
    let columns = domains.get(key);
    if (!columns) domains.set(key, (columns = new Map()));
    columns.set(column, { values, origin: 'backup', authoritative: false });
  }
}

export function domainOf(domains: ValueDomains, table: CatalogTable, column: string): ValueDomain | undefined {
  return domains.get(tableKey(table))?.get(column);
}

/**
 * Reads the value list out of a CHECK constraint as pg_get_constraintdef prints it:
 * `CHECK ((status = ANY (ARRAY['a'::text, 'b'::text])))` or
 * `CHECK (((status = 'a'::text) OR (status = 'b'::text)))`. Anything else (ranges,
 * functions, several columns) says nothing about a value list: undefined.
 */
export function allowedValuesOfCheck(definition: string, column: string): string[] | undefined {
  const col = `(?:${escapeRegex(column)}|"${escapeRegex(column.replaceAll('"', '""'))}")`;
  const literal = String.raw`'((?:[^']|'')*)'(?:::[a-z ]+(?:\[\])?)?`;
  const anyArray = new RegExp(String.raw`^CHECK \(+\(?${col}\)?(?:::text)? = ANY \(+ARRAY\[(.*)\]\)*(?:::text\[\])?\)*$`);
  const m = anyArray.exec(definition);
  if (m) return literals(m[1] ?? '', literal);
  const disjunct = new RegExp(String.raw`\(+${col}(?:::text)? = ${literal}\)+`, 'g');
  const body = definition.replace(/^CHECK /, '');
  const parts = [...body.matchAll(disjunct)];
  if (parts.length === 0) return undefined;
  // Every part must be such an equality joined by OR: nothing else may be left over.
  const rest = body.replace(disjunct, '').replace(/[()\s]|OR/g, '');
  if (rest !== '') return undefined;
  return parts.map((p) => (p[1] ?? '').replaceAll("''", "'"));
}

function literals(list: string, literal: string): string[] | undefined {
  const items = [...list.matchAll(new RegExp(literal, 'g'))].map((m) => (m[1] ?? '').replaceAll("''", "'"));
  return items.length ? items : undefined;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
