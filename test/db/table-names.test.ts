import { describe, expect, test } from 'vitest';
import type { Catalog, CatalogTable } from '../../src/db/catalog-types.js';
import { findTable, tableKey } from '../../src/db/table-names.js';

function table(schema: string, name: string): CatalogTable {
  return { schema, name, columns: [], primaryKey: [], uniqueKeys: [], foreignKeys: [], sequences: {} };
}

const catalog: Catalog = {
  database: 'shop',
  tables: [
    table('billing', 'invoices'),
    table('billing', 'customers'),
    table('public', 'customers'),
    table('a', 'only_in_a'),
    table('b', 'twice'),
    table('c', 'twice'),
    table('public', 'Order Items'),
    table('public', 'we"ird'),
    table('public', 'dotted.name'),
    table('my.schema', 'inside'),
  ],
};

const keyOf = (name: string): string | undefined => {
  const found = findTable(catalog, name);
  return found === undefined ? undefined : tableKey(found);
};

describe('tableKey', () => {
  test('is schema.name, unquoted', () => {
    expect(tableKey({ schema: 'public', name: 'Order Items' })).toBe('public.Order Items');
    // A dot or a quote inside a part would make keys collide: such parts are quoted.
    expect(tableKey({ schema: 'a', name: 'b.c' })).toBe('a."b.c"');
    expect(tableKey({ schema: 'a.b', name: 'c' })).toBe('"a.b".c');
  });
});

describe('findTable', () => {
  test('an unqualified name prefers public, then a unique match anywhere', () => {
    expect(keyOf('customers')).toBe('public.customers');
    expect(keyOf('invoices')).toBe('billing.invoices');
    expect(keyOf('only_in_a')).toBe('a.only_in_a');
  });

  test('an ambiguous or unknown name finds nothing', () => {
    expect(keyOf('twice')).toBeUndefined();
    expect(keyOf('nothing')).toBeUndefined();
    expect(keyOf('public.invoices')).toBeUndefined();
  });

  test('schema.name is exact and case-sensitive', () => {
    expect(keyOf('billing.customers')).toBe('billing.customers');
    expect(keyOf('b.twice')).toBe('b.twice');
    expect(keyOf('Customers')).toBeUndefined();
  });

  test('names with spaces, quotes and dots', () => {
    expect(keyOf('Order Items')).toBe('public.Order Items');
    expect(keyOf('we"ird')).toBe('public."we""ird"');
    expect(keyOf('dotted.name')).toBe('public."dotted.name"');
    expect(keyOf('my.schema.inside')).toBe('"my.schema".inside');
  });

  test('SQL-quoted forms', () => {
    expect(keyOf('"Order Items"')).toBe('public.Order Items');
    expect(keyOf('public."Order Items"')).toBe('public.Order Items');
    expect(keyOf('"public"."we""ird"')).toBe('public."we""ird"');
    expect(keyOf('"dotted.name"')).toBe('public."dotted.name"');
    expect(keyOf('"my.schema".inside')).toBe('"my.schema".inside');
    expect(keyOf('"b"."twice"')).toBe('b.twice');
    expect(keyOf('"twice"')).toBeUndefined();
  });
});
