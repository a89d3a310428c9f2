import { createRequire } from 'node:module';
import { parse } from 'libpg-query';
import type { InsertStmt, Node } from '@pgsql/types';
import { describe, expect, it } from 'vitest';
import { keysOf } from '../../src/apply/keyed-statements.js';
import { nodeOf, requireNode, tagOf } from '../../src/apply/parse-node.js';
import { castArgument, columnOf, constantOf, qualifiedColumn, tableOf } from '../../src/apply/parse-tree.js';
import { Stages } from '../../src/apply/staged-statements.js';
import { SafetyRefusal } from '../../src/errors.js';

/**
 * The parser never hands apply these trees, but the allow-list must not depend on that:
 * a node of another tag, a tag holding no object, a node missing its expected child are
 * each refused by name (or read as "not this form"), never read through.
 */
const refuse = (why: string): never => {
  throw new SafetyRefusal(why);
};
const noClaim = () => refuse('no staging table');

/** A tree as it could come off the wire: untyped JSON, so no cast can make it look right. */
const wire = (json: string): Node => JSON.parse(json);

describe('narrowing parse-tree nodes by their tag', () => {
  it('returns the inner node only for its own tag holding an object', () => {
    expect(nodeOf(wire('{"A_Const": {"isnull": true}}'), 'A_Const')).toEqual({ isnull: true });
    for (const json of ['{"A_Const": null}', '{"A_Const": "x"}', '{"A_Const": [1]}', '{"ColumnRef": {}}', '{}', 'null', '"A_Const"', '[{"A_Const": {}}]']) {
      expect(nodeOf(wire(json), 'A_Const')).toBeUndefined();
    }
    expect(nodeOf(undefined, 'A_Const')).toBeUndefined();
    // An inherited key is not a tag.
    const inherited: Node = Object.create({ A_Const: {} });
    expect(nodeOf(inherited, 'A_Const')).toBeUndefined();
  });

  it('names a node by its one key', () => {
    expect(tagOf(wire('{"InsertStmt": {}}'))).toBe('InsertStmt');
    expect(tagOf(wire('{"InsertStmt": {}, "DeleteStmt": {}}'))).toBeUndefined();
    expect(tagOf(wire('{}'))).toBeUndefined();
    expect(tagOf(undefined)).toBeUndefined();
  });

  it('refuses a node of another tag where the parser always puts one, naming both', () => {
    expect(() => requireNode(wire('{"A_Const": {}}'), 'ResTarget', refuse)).toThrow(new SafetyRefusal('unexpected parse tree: expected ResTarget, found A_Const'));
    expect(() => requireNode(undefined, 'List', refuse)).toThrow(new SafetyRefusal('unexpected parse tree: expected List, found nothing'));
    expect(() => requireNode(wire('{"List": 1}'), 'List', refuse)).toThrow(new SafetyRefusal('unexpected parse tree: expected List, found a malformed List'));
  });
});

describe('the allow-list readers on trees of an unexpected shape', () => {
  it('refuses a constant, a column or a cast of another shape with the reader\'s own message', () => {
    expect(() => constantOf(wire('{"A_Const": null}'), refuse)).toThrow('only constant values are allowed');
    expect(() => constantOf(wire('{"ColumnRef": {"fields": []}}'), refuse)).toThrow('only constant values are allowed');
    expect(() => constantOf(wire('{"A_Const": {"bsval": {"bsval": "b1"}}}'), refuse)).toThrow('unsupported constant');
    expect(() => columnOf(wire('{"ColumnRef": {"fields": [{"A_Star": {}}]}}'), refuse)).toThrow('conditions must compare a plain column');
    expect(() => columnOf(wire('{"ColumnRef": "c"}'), refuse)).toThrow('conditions must compare a plain column');
    expect(() => qualifiedColumn(wire('{"ColumnRef": {"fields": [{"String": {"sval": "t"}}, {"Integer": {"ival": 1}}]}}'), 't', refuse)).toThrow('expected a column of t');
    expect(() => castArgument(wire('{"TypeCast": []}'), refuse)).toThrow('values from v must be cast to the column type');
    expect(() => tableOf({ relname: 't' }, refuse)).toThrow('the table must be schema-qualified');
  });

  it('refuses an INSERT whose column list holds something other than a ResTarget', async () => {
    const tree = await parse(`INSERT INTO "salvage"."salvage_keys" ("ref", "key") SELECT v."ref", nextval('"public"."s"'::regclass)::text FROM (VALUES ('r')) AS v ("ref") ON CONFLICT DO NOTHING`);
    const insert = requireNode(tree.stmts?.[0]?.stmt, 'InsertStmt', refuse);
    expect(keysOf(insert, refuse, noClaim)).toMatchObject({ rows: ['r'] });
    const cols = insert.cols ?? [];
    const malformed: InsertStmt = { ...insert, cols: [{ A_Const: { isnull: true } }, ...cols.slice(1)] };
    expect(() => keysOf(malformed, refuse, noClaim)).toThrow(new SafetyRefusal('unexpected parse tree: expected ResTarget, found A_Const'));
  });

  it('refuses a staging table created with no INTO clause', () => {
    expect(() => new Stages().create({ objtype: 'OBJECT_TABLE' }, 1, refuse)).toThrow('a staging table must be created INTO pg_temp.salvage_rows_<n>');
  });
});

describe('the node types', () => {
  it('are the very copy of @pgsql/types that libpg-query depends on, so they describe what it emits', () => {
    const ours = createRequire(import.meta.url);
    const parsers = createRequire(ours.resolve('libpg-query/package.json'));
    expect(parsers.resolve('@pgsql/types/package.json')).toBe(ours.resolve('@pgsql/types/package.json'));
  });
});
