import { describe, expect, it } from 'vitest';
import { readPatchStatements } from '../../src/apply/patch-statements.js';
import { SafetyRefusal } from '../../src/errors.js';
import { PATCH_BEGIN, PATCH_COMMIT, setDelete } from '../../src/sql/dml.js';
import { assignKeys, deleteWithKeys, insertWithKeys, insertWithNewKeys, KEY_MAP, KEY_MAP_STAGE_COLUMNS, keyedDeleteStageColumns, keyedInsertStageColumns } from '../../src/sql/key-map.js';
import { copyBlock, createStage, stageTable } from '../../src/sql/staged.js';

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

  // The staged forms: references and rows from staging tables filled by COPY.
  const sequence = { kind: 'sequence' as const, schema: 'public', name: 'bookings_id_seq' };
  const stagedColumns = keyedInsertStageColumns(columns);
  const stagedPatch = (overrides: { keysStage?: string; rowsStage?: string; keys?: string; insert?: string } = {}) =>
    file(
      overrides.keysStage ?? createStage(stageTable(1), KEY_MAP, KEY_MAP_STAGE_COLUMNS),
      copyBlock(stageTable(1), ['ref'], [["c/O'B\tx"], ['c/2']]),
      overrides.keys ?? assignKeys(sequence, { stage: stageTable(1) }),
      overrides.rowsStage ?? createStage(stageTable(2), table, stagedColumns),
      copyBlock(stageTable(2), stagedColumns.map((c) => c.name), [["c/O'B\tx", 'c/p', 'R\\1'], ['c/2', 'c/p', null]]),
      overrides.insert ?? insertWithKeys(table, columns, { stage: stageTable(2) }),
    );

  it('reads back the staged forms: the rows of each staging table, references as text', async () => {
    const statements = await readPatchStatements(stagedPatch(), 'patch.sql', 'patch');
    expect(statements.map((s) => s.kind)).toEqual(['control', 'stage', 'copy', 'keys', 'stage', 'copy', 'keyed-insert', 'control']);
    expect(statements[1]).toMatchObject({ table: { schema: 'salvage', name: 'salvage_keys' } });
    expect(statements[3]).toMatchObject({ generator: sequence, rows: ["c/O'B\tx", 'c/2'] });
    expect(statements[6]).toMatchObject({ columns: ['id', 'customer_id', 'reference'], refColumns: ['id', 'customer_id'], rows: [["c/O'B\tx", 'c/p', 'R\\1'], ['c/2', 'c/p', null]] });
  });

  const stagedRefusals: Array<[string, Parameters<typeof stagedPatch>[0], RegExp]> = [
    [
      'references staged in a column typed like another table',
      { keysStage: createStage(stageTable(1), { schema: 'public', name: 'customers' }, [{ name: 'ref', from: 'email' }]) },
      /typed like another table/,
    ],
    [
      'a reference column typed like a column of the table',
      { rowsStage: createStage(stageTable(2), table, [{ name: 'ref id', from: 'reference' }, { name: 'ref customer_id', from: null }, { name: 'reference', from: 'reference' }]) },
      /v\."ref id" must be typed like text/,
    ],
    [
      'a value column staged as text instead of its own type',
      { rowsStage: createStage(stageTable(2), table, [{ name: 'ref id', from: null }, { name: 'ref customer_id', from: null }, { name: 'reference', from: null }]) },
      /v\."reference" must be typed like reference/,
    ],
    [
      'a reference column cast to another type',
      { rowsStage: createStage(stageTable(2), table, stagedColumns).replace('NULL::text AS "ref id"', 'NULL::bigint AS "ref id"') },
      /plain column of its table, or NULL::text/,
    ],
    [
      'a reference column that is not NULL',
      { rowsStage: createStage(stageTable(2), table, stagedColumns).replace('NULL::text AS "ref id"', `'c/x'::text AS "ref id"`) },
      /plain column of its table, or NULL::text/,
    ],
    ['keys made from a staging table read twice', { insert: assignKeys(sequence, { stage: stageTable(1) }) }, /already written at line/],
    [
      'a keyed insert from a permanent table',
      { insert: insertWithKeys(table, columns, { stage: stageTable(2) }).replace('"pg_temp"."salvage_rows_2" AS v', '"public"."bookings" AS v') },
      /VALUES list AS v, or a staging table/,
    ],
    [
      'a keyed insert from a staging table renamed in its alias',
      { insert: insertWithKeys(table, columns, { stage: stageTable(2) }).replace('"pg_temp"."salvage_rows_2" AS v', '"pg_temp"."salvage_rows_2" AS v ("ref id", "ref customer_id", "reference")') },
      /unexpected clause "colnames"/,
    ],
    [
      'a keyed insert from a staging table typed like another table',
      { rowsStage: createStage(stageTable(2), { schema: 'public', name: 'customers' }, stagedColumns) },
      /typed like another table/,
    ],
  ];
  for (const [what, overrides, why] of stagedRefusals) {
    it(`refuses ${what}`, async () => {
      const read = readPatchStatements(stagedPatch(overrides), 'patch.sql', 'patch');
      await expect(read).rejects.toThrow(SafetyRefusal);
      await expect(read).rejects.toThrow(why);
    });
  }

  // The form that makes its rows' keys and writes the rows in one statement.
  const ownColumns = [columns[0], columns[2]] as typeof columns;
  const ownStaged = keyedInsertStageColumns(ownColumns);
  const ownKeysPatch = (insert: (sql: string) => string = (sql) => sql) =>
    file(
      createStage(stageTable(1), table, ownStaged),
      copyBlock(stageTable(1), ownStaged.map((c) => c.name), [["c/O'B\tx", 'R\\1'], ['c/2', null]]),
      insert(insertWithNewKeys(table, sequence, ownColumns, stageTable(1))),
    );

  it('reads back a staged block that makes its own keys: one keyed insert, its keys from the named generator', async () => {
    const statements = await readPatchStatements(ownKeysPatch(), 'patch.sql', 'patch');
    expect(statements.map((s) => s.kind)).toEqual(['control', 'stage', 'copy', 'keyed-insert', 'control']);
    expect(statements[3]).toMatchObject({ newKeys: sequence, columns: ['id', 'reference'], refColumns: ['id'], rows: [["c/O'B\tx", 'R\\1'], ['c/2', null]] });
    const uuid = await readPatchStatements(ownKeysPatch((sql) => sql.replace(`nextval('"public"."bookings_id_seq"'::regclass)`, '"gen_random_uuid"()')), 'patch.sql', 'patch');
    expect(uuid[3]).toMatchObject({ newKeys: { kind: 'uuid', schema: null, function: 'gen_random_uuid' } });
  });

  const ownKeyRefusals: Array<[string, (sql: string) => string, RegExp]> = [
    ['keys made by another function', (sql) => sql.replace(`nextval('"public"."bookings_id_seq"'::regclass)`, 'pg_sleep(10)'), /a key must come from nextval/],
    ['keys made for the rows of another table', (sql) => sql.replace('    FROM "pg_temp"."salvage_rows_1" AS v', '    FROM "public"."bookings" AS v'), /same staging table AS v/],
    ['keys made for another staging table', (sql) => sql.replace('    FROM "pg_temp"."salvage_rows_1" AS v', '    FROM "pg_temp"."salvage_rows_2" AS v'), /same staging table AS v/],
    ['keys made from another column', (sql) => sql.replace('SELECT v."ref id", nextval', 'SELECT v."reference", nextval'), /filled as SELECT v."ref id"/],
    ['a WITH that deletes', (sql) => sql.replace(/INSERT INTO "salvage"."salvage_keys"[^]*?RETURNING "ref", "key"/, 'DELETE FROM "public"."bookings" RETURNING "reference" AS "ref", "id"::text AS "key"'), /InsertStmt/],
    ['a WITH that writes another table', (sql) => sql.replace('INSERT INTO "salvage"."salvage_keys" ("ref", "key")', 'INSERT INTO "public"."customers" ("ref", "key")'), /WITH "k <column>" AS/],
    ['a WITH that updates on conflict', (sql) => sql.replace('  ON CONFLICT DO NOTHING\n  RETURNING', '  ON CONFLICT ("ref") DO UPDATE SET "key" = \'1\'\n  RETURNING'), /ON CONFLICT DO NOTHING/],
    ['keys returned as other columns', (sql) => sql.replace('RETURNING "ref", "key"', 'RETURNING "ref", "assigned_at"::text AS "key"'), /unexpected clause "name"/],
    ['keys returned from another column', (sql) => sql.replace('RETURNING "ref", "key"', 'RETURNING "ref", "assigned_at"'), /returned as \("ref", "key"\)/],
    ['a second WITH', (sql) => sql.replace('WITH "k id" AS (', 'WITH "x" AS (SELECT 1), "k id" AS ('), /unexpected parse tree/],
    ['rows read from a real table named like the keys', (sql) => sql.replace('AS v, "k id"', 'AS v, "public"."k id"'), /the name the WITH gives them/],
    ['rows joined to their keys by another condition', (sql) => sql.replace('WHERE "k id"."ref" = v."ref id"', 'WHERE "k id"."ref" <> v."ref id"'), /joined to their keys by "k id"."ref" = v."ref id"/],
    ['rows joined to nothing', (sql) => sql.replace('\n  WHERE "k id"."ref" = v."ref id"', ''), /joined to their keys/],
    ['a MATERIALIZED WITH', (sql) => sql.replace('WITH "k id" AS (', 'WITH "k id" AS MATERIALIZED ('), /WITH "k id" AS/],
    ['rows from a permanent table', (sql) => sql.replace('  FROM "pg_temp"."salvage_rows_1" AS v, "k id"', '  FROM "public"."bookings" AS v, "k id"'), /VALUES list AS v, or a staging table/],
  ];
  for (const [what, tamper, why] of ownKeyRefusals) {
    it(`refuses ${what} in a block that makes its own keys`, async () => {
      const read = readPatchStatements(ownKeysPatch(tamper), 'patch.sql', 'patch');
      await expect(read).rejects.toThrow(SafetyRefusal);
      await expect(read).rejects.toThrow(why);
    });
  }

  // Undo's staged form: the rows to remove in a staging table, each key looked up per row.
  const undoColumns = keyedDeleteStageColumns(['id'], columns);
  const stagedUndo = (tamper: (sql: string) => string = (sql) => sql, stage = createStage(stageTable(1), table, undoColumns)) =>
    file(stage, copyBlock(stageTable(1), undoColumns.map((c) => c.name), [["c/O'B\tx", 'c/p', 'R\\1'], ['c/2', 'c/p', null]]), tamper(deleteWithKeys(table, ['id'], columns, { stage: stageTable(1) })));

  it('reads back a staged keyed delete in undo.sql: references, guards, rows on demand', async () => {
    const statements = await readPatchStatements(stagedUndo(), 'undo.sql', 'undo');
    expect(statements.map((s) => s.kind)).toEqual(['control', 'stage', 'copy', 'keyed-delete', 'control']);
    expect(statements[3]).toMatchObject({
      rows: [
        { refs: [['id', "c/O'B\tx"], ['customer_id', 'c/p']], keys: [], guards: [['reference', 'R\\1']] },
        { refs: [['id', 'c/2'], ['customer_id', 'c/p']], keys: [], guards: [['reference', null]] },
      ],
    });
    await expect(readPatchStatements(stagedUndo(), 'patch.sql', 'patch')).rejects.toThrow(/DELETE is never part of a patch/);
  });

  const stagedUndoRefusals: Array<[string, (sql: string) => string, string | undefined, RegExp]> = [
    ['a key joined to the map instead of looked up', (sql) => sql.replace(/LATERAL \(SELECT k\."key" FROM "salvage"\."salvage_keys" AS k WHERE k\."ref" = v\."ref id" OFFSET 0\) AS "k id"/, '"salvage"."salvage_keys" AS "k id"'), undefined, /the only other relation allowed is the key lookup/],
    ['a key lookup by another column', (sql) => sql.replace('k."ref" = v."ref id" OFFSET 0', 'k."ref" = v."ref customer_id" OFFSET 0'), undefined, /must be looked up by k."ref" = v."ref id"/],
    ['a guard dropped', (sql) => sql.replace('\n    AND t."reference" IS NOT DISTINCT FROM v."old reference"::text', ''), undefined, /v."old reference" is not used/],
    ['a reference staged typed like a column', (sql) => sql, createStage(stageTable(1), table, [{ name: 'ref id', from: 'reference' }, { name: 'ref customer_id', from: null }, { name: 'old reference', from: 'reference' }]), /v."ref id" must be typed like text/],
    ['a guard staged as text', (sql) => sql, createStage(stageTable(1), table, [{ name: 'ref id', from: null }, { name: 'ref customer_id', from: null }, { name: 'old reference', from: null }]), /v."old reference" must be typed like reference/],
    ['rows from a permanent table', (sql) => sql.replace('USING "pg_temp"."salvage_rows_1" AS v', 'USING "public"."bookings" AS v'), undefined, /VALUES list AS v, or a staging table/],
  ];
  for (const [what, tamper, stage, why] of stagedUndoRefusals) {
    it(`refuses ${what} in a staged keyed delete`, async () => {
      const read = readPatchStatements(stagedUndo(tamper, stage), 'undo.sql', 'undo');
      await expect(read).rejects.toThrow(SafetyRefusal);
      await expect(read).rejects.toThrow(why);
    });
  }

  const refusals: Array<[string, string, RegExp]> = [
    ['a key from another function', `INSERT INTO "salvage"."salvage_keys" ("ref", "key") SELECT v."ref", pg_sleep(10)::text FROM (VALUES ('r')) AS v ("ref") ON CONFLICT DO NOTHING;`, /a key must come from nextval/],
    ['a key map filled from a table', `INSERT INTO "salvage"."salvage_keys" ("ref", "key") SELECT v."ref", nextval('"public"."s"'::regclass)::text FROM "public"."customers" AS v ON CONFLICT DO NOTHING;`, /VALUES list AS v/],
    ['a key map row written as a constant', `INSERT INTO "salvage"."salvage_keys" ("ref", "key") VALUES ('r', '1') ON CONFLICT DO NOTHING;`, /unexpected clause "valuesLists"/],
    [
      'a keyed insert that selects an expression',
      `INSERT INTO "public"."bookings" ("id", "reference") SELECT "k id"."key"::bigint, upper(v."reference")::text FROM (VALUES ('r', 'x')) AS v ("ref id", "reference"), LATERAL (SELECT k."key" FROM "salvage"."salvage_keys" AS k WHERE k."ref" = v."ref id" OFFSET 0) AS "k id" ON CONFLICT DO NOTHING;`,
      /must be inserted from v\."reference"/,
    ],
    [
      'a keyed insert joined to another table',
      `INSERT INTO "public"."bookings" ("id", "reference") SELECT "k id"."key"::bigint, v."reference"::text FROM (VALUES ('r', 'x')) AS v ("ref id", "reference"), "public"."customers" AS "k id" ON CONFLICT DO NOTHING;`,
      /the only other relation allowed is the key lookup/,
    ],
    [
      'a keyed insert joined to the key map instead of looking its key up',
      `INSERT INTO "public"."bookings" ("id", "reference") SELECT "k id"."key"::bigint, v."reference"::text FROM (VALUES ('r', 'x')) AS v ("ref id", "reference"), "salvage"."salvage_keys" AS "k id" WHERE "k id"."ref" = v."ref id" ON CONFLICT DO NOTHING;`,
      /unexpected clause "whereClause"/,
    ],
    [
      'a key lookup in another table',
      `INSERT INTO "public"."bookings" ("id", "reference") SELECT "k id"."key"::bigint, v."reference"::text FROM (VALUES ('r', 'x')) AS v ("ref id", "reference"), LATERAL (SELECT k."key" FROM "public"."customers" AS k WHERE k."ref" = v."ref id" OFFSET 0) AS "k id" ON CONFLICT DO NOTHING;`,
      /the only other relation allowed is the key lookup/,
    ],
    [
      'a key lookup that is not LATERAL',
      `INSERT INTO "public"."bookings" ("id", "reference") SELECT "k id"."key"::bigint, v."reference"::text FROM (VALUES ('r', 'x')) AS v ("ref id", "reference"), (SELECT k."key" FROM "salvage"."salvage_keys" AS k WHERE k."ref" = v."ref id" OFFSET 0) AS "k id" ON CONFLICT DO NOTHING;`,
      /the only other relation allowed is the key lookup/,
    ],
    [
      'a key lookup without OFFSET 0',
      `INSERT INTO "public"."bookings" ("id", "reference") SELECT "k id"."key"::bigint, v."reference"::text FROM (VALUES ('r', 'x')) AS v ("ref id", "reference"), LATERAL (SELECT k."key" FROM "salvage"."salvage_keys" AS k WHERE k."ref" = v."ref id") AS "k id" ON CONFLICT DO NOTHING;`,
      /the only other relation allowed is the key lookup/,
    ],
    [
      'a key lookup with a LIMIT',
      `INSERT INTO "public"."bookings" ("id", "reference") SELECT "k id"."key"::bigint, v."reference"::text FROM (VALUES ('r', 'x')) AS v ("ref id", "reference"), LATERAL (SELECT k."key" FROM "salvage"."salvage_keys" AS k WHERE k."ref" = v."ref id" LIMIT 1 OFFSET 0) AS "k id" ON CONFLICT DO NOTHING;`,
      /unexpected clause "limitCount"/,
    ],
    [
      'a key lookup by another condition',
      `INSERT INTO "public"."bookings" ("id", "reference") SELECT "k id"."key"::bigint, v."reference"::text FROM (VALUES ('r', 'x')) AS v ("ref id", "reference"), LATERAL (SELECT k."key" FROM "salvage"."salvage_keys" AS k WHERE k."ref" = v."ref id" OR true OFFSET 0) AS "k id" ON CONFLICT DO NOTHING;`,
      /the only other relation allowed is the key lookup/,
    ],
    [
      'a key lookup that reads another column',
      `INSERT INTO "public"."bookings" ("id", "reference") SELECT "k id"."key"::bigint, v."reference"::text FROM (VALUES ('r', 'x')) AS v ("ref id", "reference"), LATERAL (SELECT k."ref" FROM "salvage"."salvage_keys" AS k WHERE k."ref" = v."ref id" OFFSET 0) AS "k id" ON CONFLICT DO NOTHING;`,
      /the only other relation allowed is the key lookup/,
    ],
    [
      'a keyed insert whose key is not looked up by its reference',
      `INSERT INTO "public"."bookings" ("id", "reference") SELECT "k id"."key"::bigint, v."reference"::text FROM (VALUES ('r', 'x')) AS v ("ref id", "reference"), LATERAL (SELECT k."key" FROM "salvage"."salvage_keys" AS k WHERE k."key" = v."ref id" OFFSET 0) AS "k id" ON CONFLICT DO NOTHING;`,
      /"k id" must be looked up by k."ref" = v."ref id"/,
    ],
    [
      `a keyed insert whose key is looked up by another column's reference`,
      `INSERT INTO "public"."bookings" ("id", "reference") SELECT "k id"."key"::bigint, "k reference"."key"::text FROM (VALUES ('r', 'x')) AS v ("ref id", "ref reference"), LATERAL (SELECT k."key" FROM "salvage"."salvage_keys" AS k WHERE k."ref" = v."ref id" OFFSET 0) AS "k id", LATERAL (SELECT k."key" FROM "salvage"."salvage_keys" AS k WHERE k."ref" = v."ref id" OFFSET 0) AS "k reference" ON CONFLICT DO NOTHING;`,
      /"k reference" must be looked up by k."ref" = v."ref reference"/,
    ],
    [
      'a keyed insert without ON CONFLICT DO NOTHING',
      `INSERT INTO "public"."bookings" ("id", "reference") SELECT "k id"."key"::bigint, v."reference"::text FROM (VALUES ('r', 'x')) AS v ("ref id", "reference"), LATERAL (SELECT k."key" FROM "salvage"."salvage_keys" AS k WHERE k."ref" = v."ref id" OFFSET 0) AS "k id";`,
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
