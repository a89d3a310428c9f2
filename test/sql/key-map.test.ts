import { describe, expect, it } from 'vitest';
import { setDelete } from '../../src/sql/dml.js';
import { finished } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { assignKeys, CREATE_KEY_MAP, deleteWithKeys, insertWithKeys, insertWithNewKeys, KEY_MAP, KEY_MAP_STAGE_COLUMNS, keyedDeleteStageColumns, keyedInsertStageColumns, SELECT_KEYS_BY_REF } from '../../src/sql/key-map.js';
import { copyBlock, createStage, stageTable } from '../../src/sql/staged.js';
import { connectedDatabase } from '../support/connected-database.js';
import { postgresAvailable } from '../support/postgres.js';

const HOSTILE = ["O'Brien", 'back\\slash \\n', '"quoted"', 'emoji 🚣‍♀️', "'); DROP TABLE \"select\"; --", 'line\nbreak'];

const parent = { schema: 'we"ird schema', name: 'select' };
const child = { schema: 'we"ird schema', name: 'order' };

describe('key map statements: exact SQL', () => {
  it('fills the key map from the table\'s sequence or uuid function, and reads keys from it', () => {
    expect(assignKeys({ kind: 'sequence', schema: 'we"ird schema', name: 'select_id_seq' }, [{ ref: "c1/x#O'Brien" }, { ref: 'c1/y' }])).toBe(
      [
        'INSERT INTO "salvage"."salvage_keys" ("ref", "key")',
        `  SELECT v."ref", nextval('"we""ird schema"."select_id_seq"'::regclass)::text`,
        '  FROM (VALUES',
        "    ('c1/x#O''Brien'),",
        "    ('c1/y')",
        '  ) AS v ("ref")',
        'ON CONFLICT DO NOTHING;',
      ].join('\n'),
    );
    expect(assignKeys({ kind: 'uuid', schema: null, function: 'gen_random_uuid' }, [{ ref: 'r' }])).toContain('SELECT v."ref", "gen_random_uuid"()::text');
    expect(
      insertWithKeys(
        child,
        [
          { name: 'id', type: 'uuid', fromKeyMap: true },
          { name: 'parent id', type: 'bigint', fromKeyMap: true },
          { name: 'note', type: 'text', fromKeyMap: false },
        ],
        [{ cells: ['c1/o', 'c1/p', "O'Brien"], comment: 'from a\nb' }],
      ),
    ).toBe(
      [
        'INSERT INTO "we""ird schema"."order" ("id", "parent id", "note")',
        '  SELECT "k id"."key"::uuid, "k parent id"."key"::bigint, v."note"::text',
        '  FROM (VALUES',
        '    -- from a b',
        "    ('c1/o', 'c1/p', 'O''Brien')",
        '  ) AS v ("ref id", "ref parent id", "note"),',
        '    LATERAL (SELECT k."key" FROM "salvage"."salvage_keys" AS k WHERE k."ref" = v."ref id" OFFSET 0) AS "k id",',
        '    LATERAL (SELECT k."key" FROM "salvage"."salvage_keys" AS k WHERE k."ref" = v."ref parent id" OFFSET 0) AS "k parent id"',
        'ON CONFLICT DO NOTHING;',
      ].join('\n'),
    );
    // Staged: the references and the rows come from staging tables, each row's key looked up in the map.
    expect(assignKeys({ kind: 'sequence', schema: 'we"ird schema', name: 'select_id_seq' }, { stage: stageTable(1) })).toBe(
      [
        'INSERT INTO "salvage"."salvage_keys" ("ref", "key")',
        `  SELECT v."ref", nextval('"we""ird schema"."select_id_seq"'::regclass)::text`,
        '  FROM "pg_temp"."salvage_rows_1" AS v',
        'ON CONFLICT DO NOTHING;',
      ].join('\n'),
    );
    expect(createStage(stageTable(1), KEY_MAP, KEY_MAP_STAGE_COLUMNS)).toBe('CREATE TEMP TABLE "pg_temp"."salvage_rows_1" ON COMMIT DROP AS\n  SELECT "ref" AS "ref" FROM "salvage"."salvage_keys" WITH NO DATA;');
    const keyedColumns = [
      { name: 'id', type: 'uuid', fromKeyMap: true },
      { name: 'parent id', type: 'bigint', fromKeyMap: true },
      { name: 'note', type: 'text', fromKeyMap: false },
    ];
    expect(createStage(stageTable(2), child, keyedInsertStageColumns(keyedColumns))).toBe(
      'CREATE TEMP TABLE "pg_temp"."salvage_rows_2" ON COMMIT DROP AS\n  SELECT NULL::text AS "ref id", NULL::text AS "ref parent id", "note" AS "note" FROM "we""ird schema"."order" WITH NO DATA;',
    );
    expect(insertWithKeys(child, keyedColumns, { stage: stageTable(2) })).toBe(
      [
        'INSERT INTO "we""ird schema"."order" ("id", "parent id", "note")',
        '  SELECT "k id"."key"::uuid, "k parent id"."key"::bigint, v."note"::text',
        '  FROM "pg_temp"."salvage_rows_2" AS v,',
        '    LATERAL (SELECT k."key" FROM "salvage"."salvage_keys" AS k WHERE k."ref" = v."ref id" OFFSET 0) AS "k id",',
        '    LATERAL (SELECT k."key" FROM "salvage"."salvage_keys" AS k WHERE k."ref" = v."ref parent id" OFFSET 0) AS "k parent id"',
        'ON CONFLICT DO NOTHING;',
      ].join('\n'),
    );
    expect(
      deleteWithKeys(child, ['id'], [{ name: 'id', type: 'uuid', fromKeyMap: true }, { name: 'note', type: 'text', fromKeyMap: false }], [{ cells: ['c1/o', 'x'] }]),
    ).toBe(
      [
        'DELETE FROM "we""ird schema"."order" AS t USING (VALUES',
        "    ('c1/o', 'x')",
        '  ) AS v ("ref id", "old note"),',
        '    "salvage"."salvage_keys" AS "k id"',
        '  WHERE "k id"."ref" = v."ref id"',
        '    AND t."id" = "k id"."key"::uuid',
        '    AND t."note" IS NOT DISTINCT FROM v."old note"::text;',
      ].join('\n'),
    );
    // A key a source proved stays a literal key; only the parent's key is read from the map.
    expect(
      deleteWithKeys(
        child,
        ['id'],
        [{ name: 'id', type: 'uuid', fromKeyMap: false }, { name: 'parent id', type: 'bigint', fromKeyMap: true }, { name: 'note', type: 'text', fromKeyMap: false }],
        [{ cells: ['c1/p', '8f9c0a7e-0000-4000-8000-000000000001', null] }],
      ),
    ).toBe(
      [
        'DELETE FROM "we""ird schema"."order" AS t USING (VALUES',
        "    ('c1/p', '8f9c0a7e-0000-4000-8000-000000000001', NULL)",
        '  ) AS v ("ref parent id", "key id", "old note"),',
        '    "salvage"."salvage_keys" AS "k parent id"',
        '  WHERE "k parent id"."ref" = v."ref parent id"',
        '    AND t."parent id" = "k parent id"."key"::bigint',
        '    AND t."id" = v."key id"::uuid',
        '    AND t."note" IS NOT DISTINCT FROM v."old note"::text;',
      ].join('\n'),
    );
  });
});

describe('a staged keyed delete (undo): exact SQL', () => {
  it('looks each key up per row in the staging table, guards every other column', () => {
    const columns = [
      { name: 'id', type: 'uuid', fromKeyMap: true },
      { name: 'parent id', type: 'bigint', fromKeyMap: true },
      { name: 'note', type: 'text', fromKeyMap: false },
    ];
    expect(keyedDeleteStageColumns(['id'], columns)).toEqual([{ name: 'ref id', from: null }, { name: 'ref parent id', from: null }, { name: 'old note', from: 'note' }]);
    expect(deleteWithKeys(child, ['id'], columns, { stage: stageTable(3) })).toBe(
      [
        'DELETE FROM "we""ird schema"."order" AS t USING "pg_temp"."salvage_rows_3" AS v,',
        '    LATERAL (SELECT k."key" FROM "salvage"."salvage_keys" AS k WHERE k."ref" = v."ref id" OFFSET 0) AS "k id",',
        '    LATERAL (SELECT k."key" FROM "salvage"."salvage_keys" AS k WHERE k."ref" = v."ref parent id" OFFSET 0) AS "k parent id"',
        '  WHERE t."id" = "k id"."key"::uuid',
        '    AND t."parent id" = "k parent id"."key"::bigint',
        '    AND t."note" IS NOT DISTINCT FROM v."old note"::text;',
      ].join('\n'),
    );
  });
});

describe('a staged block that makes its own keys: exact SQL', () => {
  const columns = [
    { name: 'id', type: 'bigint', fromKeyMap: true },
    { name: 'Name', type: 'text', fromKeyMap: false },
  ];
  it('makes the keys in a WITH and writes the rows under the keys it returns', () => {
    expect(insertWithNewKeys(parent, { kind: 'sequence', schema: 'we"ird schema', name: 'select_id_seq' }, columns, stageTable(4))).toBe(
      [
        'WITH "k id" AS (',
        '  INSERT INTO "salvage"."salvage_keys" ("ref", "key")',
        `    SELECT v."ref id", nextval('"we""ird schema"."select_id_seq"'::regclass)::text`,
        '    FROM "pg_temp"."salvage_rows_4" AS v',
        '  ON CONFLICT DO NOTHING',
        '  RETURNING "ref", "key"',
        ')',
        'INSERT INTO "we""ird schema"."select" ("id", "Name")',
        '  SELECT "k id"."key"::bigint, v."Name"::text',
        '  FROM "pg_temp"."salvage_rows_4" AS v, "k id"',
        '  WHERE "k id"."ref" = v."ref id"',
        'ON CONFLICT DO NOTHING;',
      ].join('\n'),
    );
    expect(insertWithNewKeys(child, { kind: 'uuid', schema: null, function: 'gen_random_uuid' }, [{ name: 'id', type: 'uuid', fromKeyMap: true }], stageTable(1))).toContain('    SELECT v."ref id", "gen_random_uuid"()::text\n');
  });
  it('refuses a block with no key of its own to make, or with more than one', () => {
    expect(() => insertWithNewKeys(parent, { kind: 'uuid', schema: null, function: 'gen_random_uuid' }, [{ name: 'Name', type: 'text', fromKeyMap: false }], stageTable(1))).toThrow(/exactly one column/);
    expect(() => insertWithNewKeys(child, { kind: 'uuid', schema: null, function: 'gen_random_uuid' }, [{ name: 'id', type: 'uuid', fromKeyMap: true }, { name: 'parent id', type: 'bigint', fromKeyMap: true }], stageTable(1))).toThrow(/exactly one column/);
  });
});

const pgUp = await postgresAvailable();

describe.runIf(pgUp)('key map statements on PostgreSQL', () => {
  const database = connectedDatabase('key_map', {
    setup: async (client) => {
      await client.query(`CREATE SCHEMA "we""ird schema";
        CREATE TABLE "we""ird schema"."select" ("id" bigserial PRIMARY KEY, "Name" text);
        CREATE TABLE "we""ird schema"."order" ("id" uuid PRIMARY KEY DEFAULT gen_random_uuid(), "parent id" bigint REFERENCES "we""ird schema"."select" ("id"), "note" text);`);
      for (const ddl of CREATE_KEY_MAP) await client.query(ddl);
    },
  });
  const STAGED_HOSTILE = [...HOSTILE, 'tab\there', '\\N', '\\.', 'ends with a backslash \\', 'cr\r\nlf'];
  /** Runs a copyBlock through COPY FROM STDIN, as apply does; returns the rows it loaded. */
  const copy = async (block: string) => {
    const [statement, ...data] = block.split('\n');
    const stream = database.client.query(copyFrom(statement as string));
    stream.end(`${data.slice(0, -1).join('\n')}\n`);
    await finished(stream);
    return stream.rowCount;
  };

  it('makes keys in the target, writes parents and children under them, and undo removes exactly those rows', async () => {
    const refs = HOSTILE.map((h, i) => `c1/${h}#${i}`);
    // The live app took keys meanwhile: the map's keys come after them, never on top.
    await database.client.query(`INSERT INTO "we""ird schema"."select" ("Name") VALUES ('live 1'), ('live 2')`);
    const made = await database.client.query(assignKeys({ kind: 'sequence', schema: 'we"ird schema', name: 'select_id_seq' }, refs.map((ref) => ({ ref }))));
    expect(made.rowCount).toBe(HOSTILE.length);
    const parents = await database.client.query(
      insertWithKeys(parent, [{ name: 'id', type: 'bigint', fromKeyMap: true }, { name: 'Name', type: 'text', fromKeyMap: false }], refs.map((ref, i) => ({ cells: [ref, HOSTILE[i] ?? null] }))),
    );
    expect(parents.rowCount).toBe(HOSTILE.length);
    const childRefs = refs.map((r) => `${r}/child`);
    await database.client.query(assignKeys({ kind: 'uuid', schema: null, function: 'gen_random_uuid' }, childRefs.map((ref) => ({ ref }))));
    const childColumns = [
      { name: 'id', type: 'uuid', fromKeyMap: true },
      { name: 'parent id', type: 'bigint', fromKeyMap: true },
      { name: 'note', type: 'text', fromKeyMap: false },
    ];
    const children = await database.client.query(insertWithKeys(child, childColumns, childRefs.map((ref, i) => ({ cells: [ref, refs[i] ?? null, HOSTILE[i] ?? null] }))));
    expect(children.rowCount).toBe(HOSTILE.length);
    const joined = await database.client.query<{ name: string; note: string }>(
      `SELECT p."Name" AS name, c.note FROM "we""ird schema"."order" c JOIN "we""ird schema"."select" p ON p.id = c."parent id" ORDER BY p.id`,
    );
    expect(joined.rows.map((r) => [r.name, r.note])).toEqual(HOSTILE.map((h) => [h, h]));
    const keys = await database.client.query<{ ref: string; key: string }>(SELECT_KEYS_BY_REF, [refs]);
    expect(keys.rows.map((r) => Number(r.key)).sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7, 8]);

    // A row changed since is left alone: undo's guards hold it.
    await database.client.query(`UPDATE "we""ird schema"."order" SET note = 'changed by the app' WHERE note = $1`, [HOSTILE[0]]);
    const removed = await database.client.query(
      deleteWithKeys(child, ['id'], childColumns, childRefs.map((ref, i) => ({ cells: [ref, refs[i] ?? null, HOSTILE[i] ?? null] }))),
    );
    expect(removed.rowCount).toBe(HOSTILE.length - 1);
    const forgotten = await database.client.query(setDelete(KEY_MAP, [{ name: 'ref', type: 'text' }], [], childRefs.map((ref) => ({ key: [ref], guards: [] }))));
    expect(forgotten.rowCount).toBe(HOSTILE.length);
    expect((await database.client.query(`SELECT count(*)::int AS n FROM "we""ird schema"."order"`)).rows[0]).toEqual({ n: 1 });
    expect((await database.client.query(`SELECT count(*)::int AS n FROM "we""ird schema"."select" WHERE "Name" LIKE 'live%'`)).rows[0]).toEqual({ n: 2 });
  });

  it('stages references and rows with COPY, makes the keys in COPY order and writes the rows under them, set-based', async () => {
    await database.client.query('BEGIN');
    try {
      const refs = STAGED_HOSTILE.map((h, i) => `c2/${h}#${i}`);
      const before = Number((await database.client.query<{ n: string }>(`SELECT last_value AS n FROM "we""ird schema"."select_id_seq"`)).rows[0]?.n);
      await database.client.query(createStage(stageTable(1), KEY_MAP, KEY_MAP_STAGE_COLUMNS));
      expect(await copy(copyBlock(stageTable(1), ['ref'], refs.map((r) => [r])))).toBe(refs.length);
      const made = await database.client.query(assignKeys({ kind: 'sequence', schema: 'we"ird schema', name: 'select_id_seq' }, { stage: stageTable(1) }));
      expect(made.rowCount).toBe(refs.length);
      const keys = new Map((await database.client.query<{ ref: string; key: string }>(SELECT_KEYS_BY_REF, [refs])).rows.map((r) => [r.ref, Number(r.key)]));
      expect(refs.map((r) => keys.get(r))).toEqual(refs.map((_, i) => before + 1 + i));

      const parentColumns = [{ name: 'id', type: 'bigint', fromKeyMap: true }, { name: 'Name', type: 'text', fromKeyMap: false }];
      await database.client.query(createStage(stageTable(2), parent, keyedInsertStageColumns(parentColumns)));
      await copy(copyBlock(stageTable(2), keyedInsertStageColumns(parentColumns).map((c) => c.name), refs.map((r, i) => [r, STAGED_HOSTILE[i] ?? null])));
      expect((await database.client.query(insertWithKeys(parent, parentColumns, { stage: stageTable(2) }))).rowCount).toBe(refs.length);

      const childRefs = refs.map((r) => `${r}/child`);
      await database.client.query(assignKeys({ kind: 'uuid', schema: null, function: 'gen_random_uuid' }, childRefs.map((ref) => ({ ref }))));
      const childColumns = [
        { name: 'id', type: 'uuid', fromKeyMap: true },
        { name: 'parent id', type: 'bigint', fromKeyMap: true },
        { name: 'note', type: 'text', fromKeyMap: false },
      ];
      await database.client.query(createStage(stageTable(3), child, keyedInsertStageColumns(childColumns)));
      // One reference the map lacks: its row drops out, which apply's count check turns into a rollback.
      const childRows = [...childRefs.map((ref, i) => [ref, refs[i] ?? null, STAGED_HOSTILE[i] ?? null]), ['c2/never made', refs[0] ?? null, 'orphan']];
      await copy(copyBlock(stageTable(3), keyedInsertStageColumns(childColumns).map((c) => c.name), childRows));
      // Each key is found through the map's primary key, never by hashing the whole map: the
      // map grows by a block each time, and a hash join would read all of it for every block.
      const plan = (await database.client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) ${insertWithKeys(child, childColumns, { stage: stageTable(3) })}`)).rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan.match(/Index Scan using salvage_keys_pkey on salvage_keys k/g)).toHaveLength(2);
      // The map compares references byte by byte, whatever the database's collation.
      expect((await database.client.query(`SELECT collation_name FROM information_schema.columns WHERE table_schema = 'salvage' AND table_name = 'salvage_keys' AND column_name = 'ref'`)).rows).toEqual([{ collation_name: 'C' }]);
      expect(plan).not.toMatch(/Hash|Seq Scan on salvage_keys/);
      expect((await database.client.query(insertWithKeys(child, childColumns, { stage: stageTable(3) }))).rowCount).toBe(childRefs.length);

      const joined = await database.client.query<{ id: string; name: string; note: string }>(
        `SELECT p.id::text, p."Name" AS name, c.note FROM "we""ird schema"."order" c JOIN "we""ird schema"."select" p ON p.id = c."parent id" WHERE c.note IS DISTINCT FROM 'changed by the app' AND p."Name" = c.note AND p.id > $1 ORDER BY p.id`,
        [before],
      );
      expect(joined.rows.map((r) => [Number(r.id), r.name, r.note])).toEqual(STAGED_HOSTILE.map((h, i) => [before + 1 + i, h, h]));

      // Undo, staged: each key looked up per row, each row removed only while it holds what was written.
      await database.client.query(`UPDATE "we""ird schema"."order" SET note = 'changed by the app' WHERE note = $1`, [STAGED_HOSTILE[1]]);
      const undoColumns = keyedDeleteStageColumns(['id'], childColumns);
      expect(undoColumns).toEqual([{ name: 'ref id', from: null }, { name: 'ref parent id', from: null }, { name: 'old note', from: 'note' }]);
      await database.client.query(createStage(stageTable(4), child, undoColumns));
      await copy(copyBlock(stageTable(4), undoColumns.map((c) => c.name), childRefs.map((ref, i) => [ref, refs[i] ?? null, STAGED_HOSTILE[i] ?? null])));
      const undoPlan = (await database.client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) ${deleteWithKeys(child, ['id'], childColumns, { stage: stageTable(4) })}`)).rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(undoPlan.match(/Index Scan using salvage_keys_pkey on salvage_keys k/g)).toHaveLength(2);
      expect(undoPlan).not.toMatch(/Seq Scan on salvage_keys/);
      const removed = await database.client.query(deleteWithKeys(child, ['id'], childColumns, { stage: stageTable(4) }));
      expect(removed.rowCount).toBe(childRefs.length - 1);
      const left = await database.client.query(`SELECT c.note FROM "we""ird schema"."order" c JOIN "salvage"."salvage_keys" k ON k.key::uuid = c.id WHERE k.ref = ANY ($1::text[])`, [childRefs]);
      expect(left.rows).toEqual([{ note: 'changed by the app' }]);
    } finally {
      await database.client.query('ROLLBACK');
    }
  });

  it('makes a staged block\'s keys and writes its rows in one statement, hostile values intact; a reference the map holds already drops its row', async () => {
    await database.client.query('BEGIN');
    try {
      const refs = STAGED_HOSTILE.map((h, i) => `c3/${h}#${i}`);
      const columns = [{ name: 'id', type: 'bigint', fromKeyMap: true }, { name: 'Name', type: 'text', fromKeyMap: false }];
      const staged = keyedInsertStageColumns(columns);
      const before = Number((await database.client.query<{ n: string }>(`SELECT last_value AS n FROM "we""ird schema"."select_id_seq"`)).rows[0]?.n);
      await database.client.query(createStage(stageTable(1), parent, staged));
      expect(await copy(copyBlock(stageTable(1), staged.map((c) => c.name), refs.map((r, i) => [r, STAGED_HOSTILE[i] ?? null])))).toBe(refs.length);
      const written = await database.client.query(insertWithNewKeys(parent, { kind: 'sequence', schema: 'we"ird schema', name: 'select_id_seq' }, columns, stageTable(1)));
      expect(written.rowCount).toBe(refs.length);
      // The map holds each row's key, and the row is under it with its value as staged.
      const rows = await database.client.query<{ ref: string; name: string }>(
        `SELECT k.ref, p."Name" AS name FROM "salvage"."salvage_keys" k JOIN "we""ird schema"."select" p ON p.id = k.key::bigint WHERE k.ref = ANY ($1::text[]) ORDER BY p.id`,
        [refs],
      );
      expect(rows.rows).toEqual(refs.map((ref, i) => ({ ref, name: STAGED_HOSTILE[i] })));
      const keys = (await database.client.query<{ key: string }>(`SELECT key FROM "salvage"."salvage_keys" WHERE ref = ANY ($1::text[]) ORDER BY key::bigint`, [refs])).rows.map((r) => Number(r.key));
      expect(keys).toEqual(refs.map((_, i) => before + 1 + i));

      // The same references again: the map keeps its keys, no row is written (apply's count check then rolls back).
      await database.client.query(createStage(stageTable(2), parent, staged));
      await copy(copyBlock(stageTable(2), staged.map((c) => c.name), refs.map((r) => [r, 'again'])));
      expect((await database.client.query(insertWithNewKeys(parent, { kind: 'sequence', schema: 'we"ird schema', name: 'select_id_seq' }, columns, stageTable(2)))).rowCount).toBe(0);
      expect((await database.client.query(`SELECT count(*)::int AS n FROM "we""ird schema"."select" WHERE "Name" = 'again'`)).rows[0]).toEqual({ n: 0 });
    } finally {
      await database.client.query('ROLLBACK');
    }
  });
});
