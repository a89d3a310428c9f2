import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { apply } from '../../src/apply/apply.js';
import { buildPatch } from '../../src/patch/patch.js';
import { connectedDatabase } from '../support/connected-database.js';
import { postgresAvailable } from '../support/postgres.js';
import { tempJobDir } from '../support/flow.js';
import { hostileChangeset } from '../support/hostile-changeset.js';

describe('patch text', () => {
  it('is exactly the reviewed SQL: quoted names, escaped values, provenance on one line', () => {
    const built = buildPatch(hostileChangeset(), 'ab'.repeat(32));
    expect(built.patchSql).toBe(String.raw`-- salvage patch for backup (manifest.json names the changeset it was made from)
-- Apply with "salvage apply" (checks, counts, confirmation); every statement only touches what the review showed.
BEGIN;
SET LOCAL standard_conforming_strings = on;
SET LOCAL TimeZone = 'UTC';

-- "Shop ""EU""".order: 2 inserts, 1 updates
INSERT INTO "Shop ""EU"""."order" ("id", "Customer Name", "select", "amount", "at") VALUES
  -- "Shop ""EU""".order#5 <- file://a.csv#L2 -- injected (order.yaml#rows)
  ('5', 'Siobhán O''Brien', 'back\slash; DROP TABLE x; --', '0.30', '2026-03-29 01:30:00+00'),
  -- "Shop ""EU""".order#6 <- file://a.csv#L3 (order.yaml#rows)
  ('6', 'Zoë "Zo" 🚣‍♀️ Ødegård', '$$;$x$', '-12345678901.99', '2026-10-25 00:30:00+00')
ON CONFLICT DO NOTHING;
UPDATE "Shop ""EU"""."order" AS t SET "select" = v."new select"::text
  FROM (VALUES
    -- "Shop ""EU""".order#1 <- file://a.csv#L4 (order.yaml#rows)
    ('1', 'it''s "new"', NULL)
  ) AS v ("key id", "new select", "old select")
  WHERE t."id" = v."key id"::bigint
    AND t."select" IS NOT DISTINCT FROM v."old select"::text;

-- sequences: moved past the highest key written, never backwards
-- move Shop "EU".order_id_seq past the highest id written (6)
SELECT setval('"Shop ""EU"""."order_id_seq"', GREATEST(6, last_value), true) FROM "Shop ""EU"""."order_id_seq";

COMMIT;
`);
    expect(built.undoSql).toBe(String.raw`-- salvage undo: reverses exactly what patch.sql wrote.
-- Rows changed since the patch was applied are left alone (their guards fail and the undo stops).
-- Sequences stay advanced: moving them back could hand out keys that are in use.
BEGIN;
SET LOCAL standard_conforming_strings = on;
SET LOCAL TimeZone = 'UTC';

-- "Shop ""EU""".order: revert 3 changes
UPDATE "Shop ""EU"""."order" AS t SET "select" = v."new select"::text
  FROM (VALUES
    ('1', NULL, 'it''s "new"')
  ) AS v ("key id", "new select", "old select")
  WHERE t."id" = v."key id"::bigint
    AND t."select" IS NOT DISTINCT FROM v."old select"::text;
DELETE FROM "Shop ""EU"""."order" AS t USING (VALUES
    ('5', 'Siobhán O''Brien', 'back\slash; DROP TABLE x; --', '0.30', '2026-03-29 01:30:00+00'),
    ('6', 'Zoë "Zo" 🚣‍♀️ Ødegård', '$$;$x$', '-12345678901.99', '2026-10-25 00:30:00+00')
  ) AS v ("key id", "old Customer Name", "old select", "old amount", "old at")
  WHERE t."id" = v."key id"::bigint
    AND t."Customer Name" IS NOT DISTINCT FROM v."old Customer Name"::text
    AND t."select" IS NOT DISTINCT FROM v."old select"::text
    AND t."amount" IS NOT DISTINCT FROM v."old amount"::numeric(14,2)
    AND t."at" IS NOT DISTINCT FROM v."old at"::timestamp with time zone;

COMMIT;
`);
    expect(built.manifest.patch.statements).toEqual([
      { kind: 'insert', table: '"Shop ""EU""".order', startLine: 8, endLine: 13, expectedRows: 2 },
      { kind: 'update', table: '"Shop ""EU""".order', startLine: 14, endLine: 20, expectedRows: 1 },
      { kind: 'sequence', table: '"Shop ""EU""".order', startLine: 24, endLine: 24, expectedRows: 1 },
    ]);
    expect(built.manifest.withheld).toEqual({ conflict: 0, unrecoverable: 1, rejected: 0, notAccepted: 0 });
  });

  it('has the same id for the same changes, whenever and from whichever changeset file they were reconciled', () => {
    const first = buildPatch(hostileChangeset(), 'ab'.repeat(32));
    const rerun = { ...hostileChangeset(), createdAt: '2026-05-02T13:14:15Z' };
    const again = buildPatch(rerun, 'cd'.repeat(32));
    expect(again.manifest.id).toBe(first.manifest.id);
    expect(again.patchSql).toBe(first.patchSql);
    expect(again.manifest.changeset).toEqual({ sha256: 'cd'.repeat(32), createdAt: '2026-05-02T13:14:15Z' });
    // Different changes are a different patch.
    const other = hostileChangeset();
    other.changes = other.changes.filter((c) => c.kind !== 'update');
    expect(buildPatch(other, 'ab'.repeat(32)).manifest.id).not.toBe(first.manifest.id);
  });
});

/** Every block staged through a temporary table, as a large recovery's are. */
const STAGED = { stageAbove: 0, stageChunk: 2 };

describe('staged patch text', () => {
  it('is exactly the reviewed SQL: COPY data escaped, one provenance summary per block, the manifest counting each step', () => {
    const built = buildPatch(hostileChangeset(), 'ab'.repeat(32), undefined, undefined, STAGED);
    expect(built.patchSql).toBe(String.raw`-- salvage patch for backup (manifest.json names the changeset it was made from)
-- Apply with "salvage apply" (checks, counts, confirmation); every statement only touches what the review showed.
BEGIN;
SET LOCAL standard_conforming_strings = on;
SET LOCAL TimeZone = 'UTC';

-- "Shop ""EU""".order: 2 inserts, 1 updates
-- 2 rows, "Shop ""EU""".order#5 .. "Shop ""EU""".order#6, staged in salvage_rows_1; from ledger (order.yaml#rows) 2; each row's evidence is in changeset.json under its id
CREATE TEMP TABLE "pg_temp"."salvage_rows_1" ON COMMIT DROP AS
  SELECT "id" AS "id", "Customer Name" AS "Customer Name", "select" AS "select", "amount" AS "amount", "at" AS "at" FROM "Shop ""EU"""."order" WITH NO DATA;
COPY "pg_temp"."salvage_rows_1" ("id", "Customer Name", "select", "amount", "at") FROM STDIN;
5	Siobhán O'Brien	back\\slash; DROP TABLE x; --	0.30	2026-03-29 01:30:00+00
6	Zoë "Zo" 🚣‍♀️ Ødegård	$$;$x$	-12345678901.99	2026-10-25 00:30:00+00
\.
INSERT INTO "Shop ""EU"""."order" ("id", "Customer Name", "select", "amount", "at")
  SELECT "id", "Customer Name", "select", "amount", "at" FROM "pg_temp"."salvage_rows_1"
ON CONFLICT DO NOTHING;
-- 1 row, "Shop ""EU""".order#1 .. "Shop ""EU""".order#1, staged in salvage_rows_2; from ledger (order.yaml#rows) 1; each row's evidence is in changeset.json under its id
CREATE TEMP TABLE "pg_temp"."salvage_rows_2" ON COMMIT DROP AS
  SELECT "id" AS "key id", "select" AS "new select", "select" AS "old select" FROM "Shop ""EU"""."order" WITH NO DATA;
COPY "pg_temp"."salvage_rows_2" ("key id", "new select", "old select") FROM STDIN;
1	it's "new"	\N
\.
UPDATE "Shop ""EU"""."order" AS t SET "select" = v."new select"::text
  FROM "pg_temp"."salvage_rows_2" AS v
  WHERE t."id" = v."key id"::bigint
    AND t."select" IS NOT DISTINCT FROM v."old select"::text;

-- sequences: moved past the highest key written, never backwards
-- move Shop "EU".order_id_seq past the highest id written (6)
SELECT setval('"Shop ""EU"""."order_id_seq"', GREATEST(6, last_value), true) FROM "Shop ""EU"""."order_id_seq";

COMMIT;
`);
    const table = '"Shop ""EU""".order';
    expect(built.manifest.patch.statements).toEqual([
      { kind: 'stage', table, startLine: 9, endLine: 10, expectedRows: 0 },
      { kind: 'copy', table, startLine: 11, endLine: 14, expectedRows: 2 },
      { kind: 'insert', table, startLine: 15, endLine: 17, expectedRows: 2 },
      { kind: 'stage', table, startLine: 19, endLine: 20, expectedRows: 0 },
      { kind: 'copy', table, startLine: 21, endLine: 23, expectedRows: 1 },
      { kind: 'update', table, startLine: 24, endLine: 27, expectedRows: 1 },
      { kind: 'sequence', table, startLine: 31, endLine: 31, expectedRows: 1 },
    ]);
    // Undo stages its reverts and removals the same way.
    expect(built.undoSql).toContain('DELETE FROM "Shop ""EU"""."order" AS t USING "pg_temp"."salvage_rows_2" AS v');
    expect(built.manifest.undo.statements.map((s) => s.kind)).toEqual(['stage', 'copy', 'update', 'stage', 'copy', 'delete']);
  });

  it('cuts a block into staging tables of at most stageChunk rows, and keeps small blocks as VALUES', () => {
    const changeset = hostileChangeset();
    const inserts = changeset.changes.filter((c) => c.kind === 'insert');
    changeset.changes = [...inserts, ...inserts.map((c, i) => ({ ...c, id: `${c.id}x${i}`, key: { id: `${10 + i}` }, values: { ...c.values, id: `${10 + i}` } }))];
    const chunked = buildPatch(changeset, 'ab'.repeat(32), undefined, undefined, { stageAbove: 3, stageChunk: 3 });
    expect(chunked.manifest.patch.statements.filter((s) => s.kind === 'copy').map((s) => s.expectedRows)).toEqual([3, 1]);
    const small = buildPatch(changeset, 'ab'.repeat(32), undefined, undefined, { stageAbove: 4, stageChunk: 3 });
    expect(small.manifest.patch.statements.map((s) => s.kind)).toEqual(['insert', 'sequence']);
  });
});

const pgUp = await postgresAvailable();

describe.runIf(pgUp)('patch text on a real PostgreSQL', () => {
  const database = connectedDatabase('patch', {
    setup: async (client) => {
      await client.query('SET TimeZone = \'UTC\'');
      await client.query('CREATE SCHEMA "Shop ""EU"""');
      await client.query(
        'CREATE TABLE "Shop ""EU"""."order" (id bigserial PRIMARY KEY, "Customer Name" text NOT NULL, "select" text, amount numeric(14,2), at timestamptz, note text DEFAULT \'(none)\')',
      );
      await client.query('INSERT INTO "Shop ""EU"""."order" (id, "Customer Name") VALUES (1, \'Existing\')');
    },
  });
  const read = async () =>
    (await database.client.query<Record<string, string>>('SELECT id::text, "Customer Name", "select", amount::text, at::text, note FROM "Shop ""EU"""."order" ORDER BY id')).rows;

  it.each([
    ['VALUES lists', undefined],
    ['staged blocks', STAGED],
  ])('applies byte for byte, and undo restores the table exactly (%s)', async (_layout, layout) => {
    // The audit history would call a second apply of the same changeset "already done".
    await database.client.query('DROP SCHEMA IF EXISTS salvage CASCADE');
    await database.client.query(`SELECT setval('"Shop ""EU"""."order_id_seq"', 1)`);
    const before = await read();
    const built = buildPatch(hostileChangeset(), 'ab'.repeat(32), undefined, undefined, layout);
    const dir = path.join(await tempJobDir('patch'), 'patch');
    await mkdir(dir);
    await writeFile(path.join(dir, 'patch.sql'), built.patchSql);
    await writeFile(path.join(dir, 'undo.sql'), built.undoSql);
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(built.manifest));

    const result = await apply({ patchDir: dir, target: { url: database.url, embeddedDir: '' }, confirm: database.name });
    expect(result.rows).toEqual({ '"Shop ""EU""".order': { insert: 2, sequence: 1, update: 1 } });
    expect(await read()).toEqual([
      { id: '1', 'Customer Name': 'Existing', select: 'it\'s "new"', amount: null, at: null, note: '(none)' },
      { id: '5', 'Customer Name': "Siobhán O'Brien", select: 'back\\slash; DROP TABLE x; --', amount: '0.30', at: '2026-03-29 01:30:00+00', note: '(none)' },
      { id: '6', 'Customer Name': 'Zoë "Zo" 🚣\u200d♀️ Ødegård', select: '$$;$x$', amount: '-12345678901.99', at: '2026-10-25 00:30:00+00', note: '(none)' },
    ]);
    expect((await database.client.query<{ n: string }>(`SELECT nextval('"Shop ""EU"""."order_id_seq"')::text AS n`)).rows[0]?.n).toBe('7');

    await apply({ patchDir: dir, target: { url: database.url, embeddedDir: '' }, confirm: database.name, which: 'undo' });
    expect(await read()).toEqual(before);
  });
});
