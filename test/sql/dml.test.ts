import { describe, expect, it } from 'vitest';
import { advanceSequence, guardedUpdate, insertRows, setDelete, sqlComment } from '../../src/sql/dml.js';
import { quoteIdent, quoteQualified, SqlSafetyError } from '../../src/sql/identifier.js';
import { literal } from '../../src/sql/literal.js';
import { connectedDatabase } from '../support/connected-database.js';
import { postgresAvailable } from '../support/postgres.js';

const HOSTILE = [
  "O'Brien",
  'back\\slash \\n not a newline',
  '"quoted" identifier-ish',
  '$$ dollar $$ quoted $tag$',
  "'); DROP TABLE \"select\"; --",
  'emoji 🚣‍♀️ and combining é (e + \u0301)',
  'line\nbreak\r\nand tab\t',
  'x'.repeat(10_000),
];

describe('identifiers and literals', () => {
  it('quotes every identifier and doubles embedded quotes', () => {
    expect(quoteIdent('select')).toBe('"select"');
    expect(quoteIdent('Order Items')).toBe('"Order Items"');
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
    expect(quoteQualified({ schema: 'my.schema', name: 'T' })).toBe('"my.schema"."T"');
    expect(() => quoteIdent('')).toThrow(SqlSafetyError);
    expect(() => quoteIdent('a\u0000b')).toThrow(/NUL/);
  });

  it('writes standard string literals and refuses NUL', () => {
    expect(literal("O'Brien")).toBe("'O''Brien'");
    expect(literal('a\\b')).toBe("'a\\b'");
    expect(literal(null)).toBe('NULL');
    expect(literal(true)).toBe('TRUE');
    expect(literal(12n)).toBe('12');
    expect(literal(0.1)).toBe("'0.1'");
    expect(() => literal(Number.NaN)).toThrow(SqlSafetyError);
    expect(() => literal('nul\u0000byte')).toThrow(/NUL byte/);
  });

  it('keeps comments on one line whatever the text holds', () => {
    expect(sqlComment('a\nDROP TABLE x;\r\n-- b')).toBe('-- a DROP TABLE x; -- b');
  });
});

describe('patch statements', () => {
  const table = { schema: 'we"ird schema', name: 'select' };

  it('renders exact SQL', () => {
    expect(insertRows(table, ['id', 'Name'], [{ values: ['1', "O'Brien"], comment: 'from file://a.csv#L2\nx' }, { values: ['2', { default: true }] }])).toBe(
      [
        'INSERT INTO "we""ird schema"."select" ("id", "Name") VALUES',
        '  -- from file://a.csv#L2 x',
        "  ('1', 'O''Brien'),",
        "  ('2', DEFAULT)",
        'ON CONFLICT DO NOTHING;',
      ].join('\n'),
    );
    expect(guardedUpdate(table, [['id', '1']], [['Name', 'new']], [['Name', null]])).toBe(
      'UPDATE "we""ird schema"."select" SET "Name" = \'new\'\n  WHERE "id" = \'1\' AND "Name" IS NOT DISTINCT FROM NULL;',
    );
    expect(setDelete(table, [{ name: 'id', type: 'bigint' }], [{ name: 'Name', type: 'text' }], [{ key: ['1'], guards: ['x'] }])).toBe(
      [
        'DELETE FROM "we""ird schema"."select" AS t USING (VALUES',
        "    ('1', 'x')",
        '  ) AS v ("key id", "old Name")',
        '  WHERE t."id" = v."key id"::bigint',
        '    AND t."Name" IS NOT DISTINCT FROM v."old Name"::text;',
      ].join('\n'),
    );
    expect(advanceSequence({ schema: 'public', name: 'select_id_seq' }, 41n)).toBe(
      'SELECT setval(\'"public"."select_id_seq"\', GREATEST(41, last_value), true) FROM "public"."select_id_seq";',
    );
  });
});

const pgUp = await postgresAvailable();

describe.runIf(pgUp)('patch statements on a real PostgreSQL', () => {
  const database = connectedDatabase('dml', {
    setup: async (client) => {
      await client.query('CREATE SCHEMA "we""ird schema"');
      await client.query('CREATE TABLE "we""ird schema"."select" ("id" bigserial PRIMARY KEY, "Name" text, "from" text NOT NULL DEFAULT \'d\', amount numeric(12,2))');
    },
  });
  const table = { schema: 'we"ird schema', name: 'select' };

  it('stores every hostile value byte for byte, guards updates, deletes only what matches', async () => {
    const rows = HOSTILE.map((text, i) => ({ values: [String(i + 1), text, { default: true as const }, '0.30'] }));
    const insert = insertRows(table, ['id', 'Name', 'from', 'amount'], rows);
    expect((await database.client.query(insert)).rowCount).toBe(HOSTILE.length);
    const back = await database.client.query<{ id: string; Name: string; from: string; amount: string }>(
      'SELECT id::text, "Name", "from", amount::text FROM "we""ird schema"."select" ORDER BY id',
    );
    expect(back.rows.map((r) => r.Name)).toEqual(HOSTILE);
    expect(back.rows.every((r) => r.from === 'd' && r.amount === '0.30')).toBe(true);

    // Re-inserting the same keys does nothing: a count mismatch, never an error or an overwrite.
    expect((await database.client.query(insert)).rowCount).toBe(0);

    const update = guardedUpdate(table, [['id', '1']], [['Name', 'Siobhán 🚣']], [['Name', "O'Brien"]]);
    expect((await database.client.query(update)).rowCount).toBe(1);
    // The guard holds the old value, so a second run finds nothing to change.
    expect((await database.client.query(update)).rowCount).toBe(0);

    const key = [{ name: 'id', type: 'bigint' }];
    const guards = [{ name: 'Name', type: 'text' }, { name: 'amount', type: 'numeric(12,2)' }];
    const wrongGuard = setDelete(table, key, guards, [{ key: ['2'], guards: ['not what is stored', '0.30'] }]);
    expect((await database.client.query(wrongGuard)).rowCount).toBe(0);
    const rightGuard = setDelete(table, key, guards, [{ key: ['2'], guards: [HOSTILE[1] as string, '0.3'] }]);
    expect((await database.client.query(rightGuard)).rowCount).toBe(1);

  });

  it('moves a sequence forward and never back', async () => {
    const seq = { schema: 'we"ird schema', name: 'select_id_seq' };
    expect((await database.client.query(advanceSequence(seq, 100n))).rowCount).toBe(1);
    expect((await database.client.query<{ n: string }>(`SELECT nextval('"we""ird schema"."select_id_seq"')::text AS n`)).rows[0]?.n).toBe('101');
    await database.client.query(advanceSequence(seq, 50n));
    expect((await database.client.query<{ n: string }>(`SELECT nextval('"we""ird schema"."select_id_seq"')::text AS n`)).rows[0]?.n).toBe('102');
  });
});
