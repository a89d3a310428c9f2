import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply } from '../../src/apply/apply.js';
import { buildPatch } from '../../src/patch/patch.js';
import { CHANGESET_FORMAT, type Changeset } from '../../src/reconcile/changeset.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';
import { tempJobDir } from '../support/flow.js';

const evidence = (ref: string) => [{ source: 'ledger', record: ref, ref, rule: 'order.yaml#rows' }];

/** A changeset over a table whose names and values are as hostile as real data gets. */
export function hostileChangeset(): Changeset {
  const table = { schema: 'Shop "EU"', name: 'order' };
  return {
    format: CHANGESET_FORMAT,
    createdAt: '2026-05-01T00:00:00Z',
    window: { from: '2026-01-20T00:00:00Z', to: '2026-04-25T09:00:00Z', since: '2026-01-19T00:00:00Z' },
    backup: { database: 'backup', describe: 'x' },
    tables: [
      {
        table: '"Shop ""EU""".order',
        ...table,
        primaryKey: ['id'],
        columns: { id: 'bigint', 'Customer Name': 'text', select: 'text', amount: 'numeric(14,2)', at: 'timestamp with time zone', note: 'text' },
        sequence: { schema: 'Shop "EU"', name: 'order_id_seq', column: 'id' },
        counts: { insert: 2, update: 1, unchanged: 0, conflict: 0, unrecoverable: 0 },
      },
    ],
    sources: [{ name: 'ledger', records: 3 }],
    changes: [
      {
        id: '"Shop ""EU""".order#5',
        table: '"Shop ""EU""".order',
        kind: 'insert',
        key: { id: '5' },
        values: { id: '5', 'Customer Name': "Siobhán O'Brien", select: 'back\\slash; DROP TABLE x; --', amount: '0.30', at: '2026-03-29 01:30:00+00' },
        evidence: { 'Customer Name': evidence('file://a.csv#L2\n-- injected') },
        defaulted: ['note'],
      },
      {
        id: '"Shop ""EU""".order#6',
        table: '"Shop ""EU""".order',
        kind: 'insert',
        key: { id: '6' },
        keyAssigned: true,
        values: { id: '6', 'Customer Name': 'Zoë "Zo" 🚣\u200d♀️ Ødegård', select: '$$;$x$', amount: '-12345678901.99', at: '2026-10-25 00:30:00+00' },
        evidence: { 'Customer Name': evidence('file://a.csv#L3') },
      },
      {
        id: '"Shop ""EU""".order#1',
        table: '"Shop ""EU""".order',
        kind: 'update',
        key: { id: '1' },
        values: { select: "it's \"new\"" },
        old: { select: null },
        evidence: { select: evidence('file://a.csv#L4') },
      },
      { id: '"Shop ""EU""".order@x', table: '"Shop ""EU""".order', kind: 'unrecoverable', key: {}, values: {}, evidence: {}, reason: 'missing-required', detail: 'x' },
    ],
    unmapped: [],
    failures: { count: 0, samples: [] },
  };
}

describe('patch text', () => {
  it('is exactly the reviewed SQL: quoted names, escaped values, provenance on one line', () => {
    const built = buildPatch(hostileChangeset(), 'ab'.repeat(32));
    expect(built.patchSql).toBe(String.raw`-- salvage patch for backup, from changeset abababababababab (2026-05-01T00:00:00Z)
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
    expect(built.undoSql).toBe(String.raw`-- salvage undo for the patch from changeset abababababababab: reverses exactly what patch.sql wrote.
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
});

const pgUp = await postgresAvailable();

describe.runIf(pgUp)('patch text on a real PostgreSQL', () => {
  let db: TestDatabase;
  let client: pg.Client;
  const read = async () =>
    (await client.query<Record<string, string>>('SELECT id::text, "Customer Name", "select", amount::text, at::text, note FROM "Shop ""EU"""."order" ORDER BY id')).rows;

  beforeAll(async () => {
    db = await createTestDatabase('patch');
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query('SET TimeZone = \'UTC\'');
    await client.query('CREATE SCHEMA "Shop ""EU"""');
    await client.query(
      'CREATE TABLE "Shop ""EU"""."order" (id bigserial PRIMARY KEY, "Customer Name" text NOT NULL, "select" text, amount numeric(14,2), at timestamptz, note text DEFAULT \'(none)\')',
    );
    await client.query('INSERT INTO "Shop ""EU"""."order" (id, "Customer Name") VALUES (1, \'Existing\')');
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('applies byte for byte, and undo restores the table exactly', async () => {
    const before = await read();
    const built = buildPatch(hostileChangeset(), 'ab'.repeat(32));
    const dir = path.join(await tempJobDir('patch'), 'patch');
    await mkdir(dir);
    await writeFile(path.join(dir, 'patch.sql'), built.patchSql);
    await writeFile(path.join(dir, 'undo.sql'), built.undoSql);
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(built.manifest));

    const result = await apply({ patchDir: dir, target: { url: db.url, embeddedDir: '' }, confirm: db.name });
    expect(result.rows).toEqual({ '"Shop ""EU""".order': { insert: 2, sequence: 1, update: 1 } });
    expect(await read()).toEqual([
      { id: '1', 'Customer Name': 'Existing', select: 'it\'s "new"', amount: null, at: null, note: '(none)' },
      { id: '5', 'Customer Name': "Siobhán O'Brien", select: 'back\\slash; DROP TABLE x; --', amount: '0.30', at: '2026-03-29 01:30:00+00', note: '(none)' },
      { id: '6', 'Customer Name': 'Zoë "Zo" 🚣\u200d♀️ Ødegård', select: '$$;$x$', amount: '-12345678901.99', at: '2026-10-25 00:30:00+00', note: '(none)' },
    ]);
    expect((await client.query<{ n: string }>(`SELECT nextval('"Shop ""EU"""."order_id_seq"')::text AS n`)).rows[0]?.n).toBe('7');

    await apply({ patchDir: dir, target: { url: db.url, embeddedDir: '' }, confirm: db.name, which: 'undo' });
    expect(await read()).toEqual(before);
  });
});
