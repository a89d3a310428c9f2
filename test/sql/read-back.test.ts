import { finished } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { describe, expect, it } from 'vitest';
import { SqlSafetyError } from '../../src/sql/identifier.js';
import { assignKeys, CREATE_KEY_MAP, insertWithKeys, keyedInsertStageColumns } from '../../src/sql/key-map.js';
import { countStagedNotAsWritten, type StagedWrite } from '../../src/sql/read-back.js';
import { APPLY_NO_JIT } from '../../src/sql/apply-session.js';
import { copyBlock, createStage, insertFromStage, stageTable } from '../../src/sql/staged.js';
import { connectedDatabase } from '../support/connected-database.js';
import { postgresAvailable } from '../support/postgres.js';

const HOSTILE = ["O'Brien", 'back\\slash \\n', '"quoted"', 'emoji 🚣‍♀️', "'); DROP TABLE \"select\"; --", 'line\nbreak', 'tab\there', '\\N', ''];
const table = { schema: 'we"ird schema', name: 'select' };

const plain: StagedWrite = {
  table,
  stage: stageTable(1),
  keys: [{ column: 'from', from: 'from' }],
  references: [],
  values: [{ column: 'Na"me', from: 'Na"me' }, { column: 'amount', from: 'amount' }],
};
const keyed: StagedWrite = {
  table,
  stage: stageTable(2),
  keys: [],
  references: [{ column: 'from', from: 'ref from', type: 'bigint', key: true }],
  values: [{ column: 'Na"me', from: 'Na"me' }, { column: 'amount', from: 'amount' }],
};

describe('read-back of staged rows: exact SQL', () => {
  it('counts the staged rows the table does not hold as written, joining the key map for keys made at apply time', () => {
    expect(countStagedNotAsWritten(plain)).toBe(
      [
        'SELECT count(*)::bigint AS "wrong" FROM "pg_temp"."salvage_rows_1" AS v',
        '  WHERE NOT EXISTS (SELECT FROM "we""ird schema"."select" AS t',
        '    WHERE t."from" = v."from"',
        '      AND t."Na""me"::text IS NOT DISTINCT FROM v."Na""me"::text',
        '      AND t."amount"::text IS NOT DISTINCT FROM v."amount"::text',
        '    OFFSET 0);',
      ].join('\n'),
    );
    expect(countStagedNotAsWritten(keyed)).toBe(
      [
        'SELECT count(*)::bigint AS "wrong" FROM "pg_temp"."salvage_rows_2" AS v',
        '  WHERE NOT EXISTS (SELECT FROM "we""ird schema"."select" AS t, "salvage"."salvage_keys" AS "k from"',
        '    WHERE "k from"."ref" = v."ref from"',
        '      AND t."from" = "k from"."key"::bigint',
        '      AND t."Na""me"::text IS NOT DISTINCT FROM v."Na""me"::text',
        '      AND t."amount"::text IS NOT DISTINCT FROM v."amount"::text',
        '    OFFSET 0);',
      ].join('\n'),
    );
    expect(() => countStagedNotAsWritten({ ...plain, keys: [] })).toThrow(SqlSafetyError);
    expect(() => countStagedNotAsWritten({ ...keyed, references: [{ column: 'from', from: 'ref from', type: 'bigint); DROP TABLE x; --', key: true }] })).toThrow(SqlSafetyError);
  });
});

const pgUp = await postgresAvailable();

describe.runIf(pgUp)('read-back of staged rows on PostgreSQL', () => {
  const database = connectedDatabase('read_back', {
    setup: async (client) => {
      await client.query(`CREATE SCHEMA "we""ird schema";
        CREATE TABLE "we""ird schema"."select" ("from" bigserial PRIMARY KEY, "Na""me" text, "amount" numeric(12,2));`);
      for (const ddl of CREATE_KEY_MAP) await client.query(ddl);
    },
  });
  const copy = async (block: string) => {
    const [statement, ...data] = block.split('\n');
    const stream = database.client.query(copyFrom(statement as string));
    stream.end(`${data.slice(0, -1).join('\n')}\n`);
    await finished(stream);
  };
  const wrong = async (write: StagedWrite) => Number((await database.client.query<{ wrong: string }>(countStagedNotAsWritten(write))).rows[0]?.wrong);

  it('finds nothing when every row holds what was written, and each row something changed or removed', async () => {
    await database.client.query('BEGIN');
    try {
      expect(APPLY_NO_JIT).toBe("SET LOCAL jit = 'off'");
      await database.client.query(APPLY_NO_JIT);
      expect((await database.client.query<{ jit: string }>('SHOW jit')).rows[0]?.jit).toBe('off');
      const columns = ['from', 'Na"me', 'amount'];
      await database.client.query(createStage(stageTable(1), table, columns.map((c) => ({ name: c, from: c }))));
      // 12.345 is stored as 12.35 by numeric(12,2), in the staging table as in the table: the same value.
      await copy(copyBlock(stageTable(1), columns, HOSTILE.map((h, i) => [String(100 + i), h, i === 0 ? '12.345' : null])));
      await database.client.query(insertFromStage(table, columns, stageTable(1)));
      expect(await wrong(plain)).toBe(0);

      const keyedColumns = [
        { name: 'from', type: 'bigint', fromKeyMap: true },
        { name: 'Na"me', type: 'text', fromKeyMap: false },
        { name: 'amount', type: 'numeric(12,2)', fromKeyMap: false },
      ];
      const refs = HOSTILE.map((h, i) => `c/${h}#${i}`);
      await database.client.query(assignKeys({ kind: 'sequence', schema: 'we"ird schema', name: 'select_from_seq' }, refs.map((ref) => ({ ref }))));
      await database.client.query(createStage(stageTable(2), table, keyedInsertStageColumns(keyedColumns)));
      await copy(copyBlock(stageTable(2), keyedInsertStageColumns(keyedColumns).map((c) => c.name), refs.map((r, i) => [r, HOSTILE[i] ?? null, '1.50'])));
      await database.client.query(insertWithKeys(table, keyedColumns, { stage: stageTable(2) }));
      expect(await wrong(keyed)).toBe(0);

      // What a trigger or another writer could do: a value changed, a NULL filled, a row gone.
      await database.client.query(`UPDATE "we""ird schema"."select" SET "Na""me" = upper("Na""me") WHERE "from" = 100`);
      await database.client.query(`UPDATE "we""ird schema"."select" SET "amount" = 0 WHERE "from" = 101`);
      await database.client.query(`DELETE FROM "we""ird schema"."select" WHERE "from" = 102`);
      expect(await wrong(plain)).toBe(3);
      await database.client.query(`UPDATE "we""ird schema"."select" SET "amount" = 1.5 WHERE "Na""me" = 'emoji 🚣‍♀️' AND "from" < 100`);
      expect(await wrong(keyed)).toBe(0);
      await database.client.query(`UPDATE "we""ird schema"."select" SET "amount" = 1.51 WHERE "Na""me" = 'line\nbreak' AND "from" < 100`);
      // A reference the key map lost: its row cannot be shown to hold what was written.
      await database.client.query(`DELETE FROM salvage.salvage_keys WHERE ref = $1`, [refs[0]]);
      expect(await wrong(keyed)).toBe(2);
    } finally {
      await database.client.query('ROLLBACK');
    }
  });
});
