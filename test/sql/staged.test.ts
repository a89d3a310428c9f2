import { finished } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { describe, expect, it } from 'vitest';
import { decodeCopyLine } from '../../src/apply/copy-text.js';
import { keyedStageColumns, setDelete, setUpdate } from '../../src/sql/dml.js';
import { SqlSafetyError } from '../../src/sql/identifier.js';
import { COPY_END, copyBlock, copyIntoStage, copyLine, createStage, insertFromStage, stageTable } from '../../src/sql/staged.js';
import { connectedDatabase } from '../support/connected-database.js';
import { postgresAvailable } from '../support/postgres.js';

/** Values that would end a COPY line or field early, or read as NULL or the end marker, if written raw. */
const HOSTILE = [
  "O'Brien",
  'back\\slash \\n not a newline',
  '\\N',
  '\\.',
  'tab\there',
  'line\nbreak\r\nand CR',
  'ends with a backslash \\',
  '"quoted" identifier-ish',
  "'); DROP TABLE \"select\"; --",
  'emoji 🚣‍♀️ and combining é (e + \u0301)',
  '',
  'x'.repeat(10_000),
];

const table = { schema: 'we"ird schema', name: 'select' };
const stage = stageTable(1);

describe('staged blocks: exact SQL', () => {
  it('names staging tables in pg_temp only, and refuses a number that is not one', () => {
    expect(stage).toEqual({ schema: 'pg_temp', name: 'salvage_rows_1' });
    expect(() => stageTable(0)).toThrow(SqlSafetyError);
    expect(() => stageTable(1.5)).toThrow(SqlSafetyError);
  });

  it('renders the staging table, its COPY block and the statements that read it', () => {
    expect(createStage(stage, table, [{ name: 'id', from: 'id' }, { name: 'Na"me', from: 'Na"me' }])).toBe(
      'CREATE TEMP TABLE "pg_temp"."salvage_rows_1" ON COMMIT DROP AS\n  SELECT "id" AS "id", "Na""me" AS "Na""me" FROM "we""ird schema"."select" WITH NO DATA;',
    );
    expect(copyBlock(stage, ['id', 'from'], [['1', "O'Brien"], ['2', null]])).toBe(
      ['COPY "pg_temp"."salvage_rows_1" ("id", "from") FROM STDIN;', "1\tO'Brien", '2\t\\N', '\\.'].join('\n'),
    );
    expect(insertFromStage(table, ['id', 'from'], stage)).toBe(
      'INSERT INTO "we""ird schema"."select" ("id", "from")\n  SELECT "id", "from" FROM "pg_temp"."salvage_rows_1"\nON CONFLICT DO NOTHING;',
    );
    const key = [{ name: 'id', type: 'bigint' }];
    const set = [{ name: 'from', type: 'text' }];
    expect(setUpdate(table, key, set, set, { stage })).toBe(
      [
        'UPDATE "we""ird schema"."select" AS t SET "from" = v."new from"::text',
        '  FROM "pg_temp"."salvage_rows_1" AS v',
        '  WHERE t."id" = v."key id"::bigint',
        '    AND t."from" IS NOT DISTINCT FROM v."old from"::text;',
      ].join('\n'),
    );
    expect(setDelete(table, key, set, { stage })).toBe(
      ['DELETE FROM "we""ird schema"."select" AS t USING "pg_temp"."salvage_rows_1" AS v', '  WHERE t."id" = v."key id"::bigint', '    AND t."from" IS NOT DISTINCT FROM v."old from"::text;'].join('\n'),
    );
    expect(keyedStageColumns(key, set, set)).toEqual([
      { name: 'key id', from: 'id' },
      { name: 'new from', from: 'from' },
      { name: 'old from', from: 'from' },
    ]);
  });

  it('escapes every value onto one line, and reads it back exactly', () => {
    expect(copyLine(['a\tb', 'c\nd', 'e\\f', 'g\rh', null, '\\N', true, 12n, 0.5])).toBe('a\\tb\tc\\nd\te\\\\f\tg\\rh\t\\N\t\\\\N\ttrue\t12\t0.5');
    for (const value of HOSTILE) {
      const line = copyLine([value, null]);
      expect(line).not.toMatch(/[\n\r]/);
      expect(decodeCopyLine(line)).toEqual([value, null]);
    }
    expect(() => copyLine(['nul\u0000byte'])).toThrow(/NUL byte/);
    expect(() => copyLine([Number.NaN])).toThrow(SqlSafetyError);
    expect(() => copyBlock(stage, ['a', 'b'], [['1']])).toThrow(/1 values for 2 columns/);
    expect(copyIntoStage(stage, ['select'])).toBe('COPY "pg_temp"."salvage_rows_1" ("select") FROM STDIN;');
    expect(COPY_END).toBe('\\.');
  });

  it('reads back exactly what it wrote, for 20,000 random values of awkward characters', () => {
    const values = randomValues(20_000, 1);
    for (let i = 0; i < values.length; i += 3) {
      const row = values.slice(i, i + 3);
      expect(decodeCopyLine(copyLine(row))).toEqual(row);
    }
  });

  it('reads back only the escapes salvage writes', () => {
    expect(decodeCopyLine('\\101')).toMatch(/the escape \\1/);
    expect(decodeCopyLine('a\\x41')).toMatch(/the escape \\x in column 1/);
    expect(decodeCopyLine('a\tb\\')).toMatch(/a backslash at the end of a line in column 2/);
    expect(decodeCopyLine('a\r')).toMatch(/carriage return/);
    expect(decodeCopyLine('x\\Ny')).toMatch(/the escape \\N/);
  });
});

const pgUp = await postgresAvailable();

describe.runIf(pgUp)('staged blocks on a real PostgreSQL', () => {
  const database = connectedDatabase('staged', {
    setup: async (client) => {
      await client.query('CREATE SCHEMA "we""ird schema"');
      await client.query('CREATE TABLE "we""ird schema"."select" ("id" bigint PRIMARY KEY, "Na""me" text, "from" text NOT NULL DEFAULT \'d\', code character(3))');
    },
  });

  /** Runs a whole COPY block the way apply does: the statement line, then the data lines as they are in the file. */
  async function runCopy(block: string): Promise<number> {
    const [statement, ...rest] = block.split('\n');
    const data = `${rest.slice(0, -1).join('\n')}${rest.length > 1 ? '\n' : ''}`;
    const stream = database.client.query(copyFrom(statement as string));
    stream.end(Buffer.from(data, 'utf8'));
    await finished(stream);
    return stream.rowCount;
  }

  it('stores every hostile value byte for byte, updates and deletes by staged guards', async () => {
    const columns = ['id', 'Na"me', 'from'];
    const rows = HOSTILE.map((text, i) => [String(i + 1), text, i % 2 ? 'x' : null]);
    rows.forEach((r) => (r[2] ??= 'kept'));
    await database.client.query('BEGIN');
    await database.client.query(createStage(stage, table, columns.map((c) => ({ name: c, from: c }))));
    expect(await runCopy(copyBlock(stage, columns, rows))).toBe(HOSTILE.length);
    expect((await database.client.query(insertFromStage(table, columns, stage))).rowCount).toBe(HOSTILE.length);
    // Re-inserting the same keys does nothing: a count mismatch, never an error or an overwrite.
    expect((await database.client.query(insertFromStage(table, columns, stage))).rowCount).toBe(0);
    await database.client.query('COMMIT');
    const back = await database.client.query<{ id: string; 'Na"me': string }>('SELECT id, "Na""me" FROM "we""ird schema"."select" ORDER BY id');
    expect(back.rows.map((r) => r['Na"me'])).toEqual(HOSTILE);
    // ON COMMIT DROP: the staging table is gone.
    expect((await database.client.query("SELECT to_regclass('pg_temp.salvage_rows_1') AS t")).rows[0]?.t).toBeNull();

    const key = [{ name: 'id', type: 'bigint' }];
    const set = [{ name: 'Na"me', type: 'text' }];
    const update = stageTable(2);
    await database.client.query('BEGIN');
    await database.client.query(createStage(update, table, keyedStageColumns(key, set, set)));
    // Row 1 still holds O'Brien and is updated; row 2's guard is stale and it is left alone.
    expect(await runCopy(copyBlock(update, ['key id', 'new Na"me', 'old Na"me'], [['1', 'Siobhán 🚣', "O'Brien"], ['2', 'never', 'stale']]))).toBe(2);
    expect((await database.client.query(setUpdate(table, key, set, set, { stage: update }))).rowCount).toBe(1);
    const removal = stageTable(3);
    await database.client.query(createStage(removal, table, keyedStageColumns(key, [], set)));
    expect(await runCopy(copyBlock(removal, ['key id', 'old Na"me'], [['3', '\\N'], ['4', 'not what is stored']]))).toBe(2);
    expect((await database.client.query(setDelete(table, key, set, { stage: removal }))).rowCount).toBe(1);
    await database.client.query('COMMIT');
    const names = (await database.client.query<{ n: string }>('SELECT "Na""me" AS n FROM "we""ird schema"."select" WHERE id <= 4 ORDER BY id')).rows.map((r) => r.n);
    expect(names).toEqual(['Siobhán 🚣', HOSTILE[1], HOSTILE[3]]);
  });

  it('PostgreSQL reads 2,000 random values from COPY data exactly as apply does', async () => {
    const values = randomValues(2000, 2);
    const columns = ['id', 'Na"me'];
    const rows = values.map((v, i) => [String(10_000 + i), v]);
    await database.client.query('BEGIN');
    await database.client.query(createStage(stageTable(5), table, columns.map((c) => ({ name: c, from: c }))));
    const block = copyBlock(stageTable(5), columns, rows);
    expect(await runCopy(block)).toBe(rows.length);
    const stored = await database.client.query<{ id: string; v: string | null }>('SELECT id, "Na""me" AS v FROM pg_temp.salvage_rows_5 ORDER BY id');
    await database.client.query('ROLLBACK');
    const decoded = block.split('\n').slice(1, -1).map((line) => decodeCopyLine(line));
    expect(stored.rows.map((r) => [r.id, r.v])).toEqual(decoded);
    expect(decoded).toEqual(rows);
  });

  it('types staged values like the real column: a value too long for character(3) is refused, not cut', async () => {
    const columns = ['id', 'code'];
    await database.client.query('BEGIN');
    await database.client.query(createStage(stageTable(4), table, columns.map((c) => ({ name: c, from: c }))));
    await expect(runCopy(copyBlock(stageTable(4), columns, [['100', 'EURO']]))).rejects.toThrow(/value too long for type character\(3\)/);
    await database.client.query('ROLLBACK');
  });
});

/** Values built from the characters that matter to COPY's text format, and some that do not; NULL among them. Seeded: every run tests the same values. */
function randomValues(count: number, seed: number): Array<string | null> {
  const alphabet = ['\\', '\t', '\n', '\r', 'N', '.', '\\N', '\\.', "'", '"', ';', ' ', 'a', 'é', '🚣', '\u2028', ','];
  let state = seed;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state;
  };
  return Array.from({ length: count }, () => {
    if (next() % 13 === 0) return null;
    const length = next() % 12;
    let text = '';
    for (let i = 0; i < length; i++) text += alphabet[next() % alphabet.length];
    return text;
  });
}
