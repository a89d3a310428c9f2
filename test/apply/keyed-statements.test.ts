import { describe, expect, it } from 'vitest';
import { readPatchStatements } from '../../src/apply/patch-statements.js';
import { SafetyRefusal } from '../../src/errors.js';
import { PATCH_BEGIN, PATCH_COMMIT, setDelete } from '../../src/sql/dml.js';
import { assignKeys, deleteWithKeys, insertWithKeys, KEY_MAP } from '../../src/sql/key-map.js';

const table = { schema: 'public', name: 'bookings' };
const columns = [
  { name: 'id', type: 'bigint', fromKeyMap: true },
  { name: 'customer_id', type: 'bigint', fromKeyMap: true },
  { name: 'reference', type: 'text', fromKeyMap: false },
];

const file = (...statements: string[]) => [PATCH_BEGIN, ...statements, PATCH_COMMIT, ''].join('\n');

describe('the key map forms apply accepts', () => {
  it('reads back what the patch writes: keys from the sequence or a uuid function, rows reading them, undo removing them', async () => {
    const patch = file(
      assignKeys({ kind: 'sequence', schema: 'public', name: 'bookings_id_seq' }, [{ ref: "c/public.bookings@reference=O'B" }]),
      assignKeys({ kind: 'uuid', schema: 'extensions', function: 'uuid_generate_v4' }, [{ ref: 'c/x' }]),
      insertWithKeys(table, columns, [{ cells: ["c/public.bookings@reference=O'B", 'c/public.customers@email=a', "O'B"], comment: 'from x' }]),
    );
    const statements = await readPatchStatements(patch, 'patch.sql', 'patch');
    expect(statements.map((s) => s.kind)).toEqual(['control', 'keys', 'keys', 'keyed-insert', 'control']);
    expect(statements[1]).toMatchObject({ generator: { kind: 'sequence', schema: 'public', name: 'bookings_id_seq' }, rows: ["c/public.bookings@reference=O'B"] });
    expect(statements[2]).toMatchObject({ generator: { kind: 'uuid', schema: 'extensions', function: 'uuid_generate_v4' } });
    expect(statements[3]).toMatchObject({ columns: ['id', 'customer_id', 'reference'], refColumns: ['id', 'customer_id'], rows: [["c/public.bookings@reference=O'B", 'c/public.customers@email=a', "O'B"]] });

    const undo = file(
      deleteWithKeys(table, ['id'], columns, [{ cells: ['c/b', 'c/c', 'R'] }]),
      setDelete(KEY_MAP, [{ name: 'ref', type: 'text' }], [], [{ key: ['c/b'], guards: [] }]),
    );
    const back = await readPatchStatements(undo, 'undo.sql', 'undo');
    expect(back.map((s) => s.kind)).toEqual(['control', 'keyed-delete', 'forget-keys', 'control']);
    expect(back[1]).toMatchObject({ rows: [{ refs: [['id', 'c/b'], ['customer_id', 'c/c']], keys: [], guards: [['reference', 'R']] }] });
  });

  const refusals: Array<[string, string, RegExp]> = [
    ['a key from another function', `INSERT INTO "salvage"."salvage_keys" ("ref", "key") SELECT v."ref", pg_sleep(10)::text FROM (VALUES ('r')) AS v ("ref") ON CONFLICT DO NOTHING;`, /a key must come from nextval/],
    ['a key map filled from a table', `INSERT INTO "salvage"."salvage_keys" ("ref", "key") SELECT v."ref", nextval('"public"."s"'::regclass)::text FROM "public"."customers" AS v ON CONFLICT DO NOTHING;`, /VALUES list AS v/],
    ['a key map row written as a constant', `INSERT INTO "salvage"."salvage_keys" ("ref", "key") VALUES ('r', '1') ON CONFLICT DO NOTHING;`, /unexpected clause "valuesLists"/],
    [
      'a keyed insert that selects an expression',
      `INSERT INTO "public"."bookings" ("id", "reference") SELECT "k id"."key"::bigint, upper(v."reference")::text FROM (VALUES ('r', 'x')) AS v ("ref id", "reference"), "salvage"."salvage_keys" AS "k id" WHERE "k id"."ref" = v."ref id" ON CONFLICT DO NOTHING;`,
      /must be inserted from v\."reference"/,
    ],
    [
      'a keyed insert joined to another table',
      `INSERT INTO "public"."bookings" ("id", "reference") SELECT "k id"."key"::bigint, v."reference"::text FROM (VALUES ('r', 'x')) AS v ("ref id", "reference"), "public"."customers" AS "k id" WHERE "k id"."ref" = v."ref id" ON CONFLICT DO NOTHING;`,
      /salvage\.salvage_keys AS "k <column>"/,
    ],
    [
      'a keyed insert whose key is not joined on its reference',
      `INSERT INTO "public"."bookings" ("id", "reference") SELECT "k id"."key"::bigint, v."reference"::text FROM (VALUES ('r', 'x')) AS v ("ref id", "reference"), "salvage"."salvage_keys" AS "k id" WHERE "k id"."key" = v."ref id" ON CONFLICT DO NOTHING;`,
      /"k id" must be joined on "k id"."ref" = v."ref id"/,
    ],
    [
      'a keyed insert without ON CONFLICT DO NOTHING',
      `INSERT INTO "public"."bookings" ("id", "reference") SELECT "k id"."key"::bigint, v."reference"::text FROM (VALUES ('r', 'x')) AS v ("ref id", "reference"), "salvage"."salvage_keys" AS "k id" WHERE "k id"."ref" = v."ref id";`,
      /ON CONFLICT DO NOTHING/,
    ],
  ];
  for (const [what, statement, why] of refusals) {
    it(`refuses ${what}`, async () => {
      const read = readPatchStatements(file(statement), 'patch.sql', 'patch');
      await expect(read).rejects.toThrow(SafetyRefusal);
      await expect(read).rejects.toThrow(why);
    });
  }

  it('refuses a keyed delete in a patch and a keyed insert in an undo', async () => {
    await expect(readPatchStatements(file(deleteWithKeys(table, ['id'], columns, [{ cells: ['a', 'b', 'c'] }])), 'patch.sql', 'patch')).rejects.toThrow(/DELETE is never part of a patch/);
    await expect(readPatchStatements(file(insertWithKeys(table, columns, [{ cells: ['a', 'b', 'c'] }])), 'undo.sql', 'undo')).rejects.toThrow(/undo\.sql never inserts/);
  });

  it('refuses a keyed delete whose key is not read from the map it joins', async () => {
    const forged = deleteWithKeys(table, ['id'], columns, [{ cells: ['a', 'b', 'c'] }]).replace('t."id" = "k id"."key"::bigint', 't."id" > "k id"."key"::bigint');
    await expect(readPatchStatements(file(forged), 'undo.sql', 'undo')).rejects.toThrow(SafetyRefusal);
  });
});
