import { describe, expect, test } from 'vitest';
import type { CatalogTable } from '../../src/db/catalog-types.js';
import { foreignKeyOrder, planForeignKeyOrder } from '../../src/db/foreign-key-order.js';
import { tableKey } from '../../src/db/table-names.js';

/** A table `name` in public whose foreign keys reference the given tables (`schema.name` or `name`). */
function table(name: string, ...parents: string[]): CatalogTable {
  return {
    schema: 'public',
    name,
    columns: [],
    primaryKey: ['id'],
    uniqueKeys: [],
    foreignKeys: parents.map((parent) => {
      const [schema, parentName] = parent.includes('.') ? (parent.split('.') as [string, string]) : ['public', parent];
      return { name: `${name}_${parentName}_fkey`, columns: [`${parentName}_id`], references: { schema, name: parentName, columns: ['id'] } };
    }),
    sequences: {},
  };
}

const names = (tables: CatalogTable[]): string[] => tables.map((t) => t.name);

describe('foreignKeyOrder', () => {
  test('parents come before children; otherwise input order is kept', () => {
    const tables = [table('items', 'orders'), table('audit'), table('orders', 'customers'), table('customers')];
    expect(names(foreignKeyOrder(tables))).toEqual(['audit', 'customers', 'orders', 'items']);
  });

  test('self-references and references to tables not in the list are ignored', () => {
    const tables = [table('categories', 'categories'), table('orders', 'customers', 'other.remote')];
    const plan = planForeignKeyOrder(tables);
    expect(names(plan.tables)).toEqual(['categories', 'orders']);
    expect(plan.broken).toEqual([]);
  });

  test('several foreign keys to the same parent count once', () => {
    const transfers = table('transfers', 'accounts', 'accounts');
    expect(names(foreignKeyOrder([transfers, table('accounts')]))).toEqual(['accounts', 'transfers']);
  });

  test('a two-table cycle is broken at one foreign key, which is reported', () => {
    const employees = table('employees', 'departments');
    const departments = table('departments', 'employees');
    const plan = planForeignKeyOrder([employees, departments]);
    // Equal waiting counts: the earlier table in the input goes first.
    expect(names(plan.tables)).toEqual(['employees', 'departments']);
    expect(plan.broken).toEqual([{ table: employees, foreignKey: employees.foreignKeys[0] }]);
  });

  test('a table downstream of a cycle is never chosen to break it', () => {
    // c waits only on a; a and b form a cycle. c comes first in the input but must not go first.
    const tables = [table('c', 'a'), table('a', 'b'), table('b', 'a')];
    const plan = planForeignKeyOrder(tables);
    // Once a is placed, c is free and earlier in the input than b.
    expect(names(plan.tables)).toEqual(['a', 'c', 'b']);
    expect(plan.broken.map((b) => `${b.table.name}->${b.foreignKey.references.name}`)).toEqual(['a->b']);
  });

  test('the cycle member with the fewest waiting parents breaks the cycle', () => {
    // Cycles x->y->x and x->w->y->x. Starting with x would give up two keys; y gives up one.
    const tables = [table('x', 'y', 'w'), table('y', 'x'), table('w', 'y')];
    const plan = planForeignKeyOrder(tables);
    expect(names(plan.tables)).toEqual(['y', 'w', 'x']);
    expect(plan.broken.map((b) => `${b.table.name}->${b.foreignKey.references.name}`)).toEqual(['y->x']);
  });

  test('overlapping cycles are broken one after the other', () => {
    // x->y->x and x->z->x: whichever goes first, two keys are given up.
    const tables = [table('x', 'y', 'z'), table('y', 'x'), table('z', 'x')];
    const plan = planForeignKeyOrder(tables);
    expect(names(plan.tables)).toEqual(['y', 'x', 'z']);
    expect(plan.broken.map((b) => `${b.table.name}->${b.foreignKey.references.name}`)).toEqual(['y->x', 'x->z']);
  });

  test('is deterministic and lists every table once', () => {
    const tables = [table('a', 'c'), table('b', 'a'), table('c', 'b'), table('d', 'c'), table('e')];
    const first = planForeignKeyOrder(tables);
    const second = planForeignKeyOrder([...tables]);
    expect(names(first.tables)).toEqual(names(second.tables));
    expect(new Set(first.tables.map(tableKey)).size).toBe(tables.length);
    // e has no parents and is first free; then the cycle a->c->b->a is broken at a.
    expect(names(first.tables)).toEqual(['e', 'a', 'b', 'c', 'd']);
    expect(first.broken.map((b) => `${b.table.name}->${b.foreignKey.references.name}`)).toEqual(['a->c']);
  });

  test('refuses a table listed twice', () => {
    expect(() => planForeignKeyOrder([table('a'), table('a')])).toThrow(/listed twice/);
  });
});
