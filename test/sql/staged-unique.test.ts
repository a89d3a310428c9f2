import { finished } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { describe, expect, it } from 'vitest';
import { readCatalog } from '../../src/db/catalog.js';
import { findExactTable } from '../../src/db/table-names.js';
import { readUniqueIndexes } from '../../src/db/unique-values.js';
import { rowsTakingStagedValues } from '../../src/apply/staged-unique.js';
import type { CatalogColumn } from '../../src/db/catalog-types.js';
import { SqlSafetyError } from '../../src/sql/identifier.js';
import { copyBlock, createStage, stageTable } from '../../src/sql/staged.js';
import { liveRowsTakingStagedValues } from '../../src/sql/staged-unique.js';
import { connectedDatabase } from '../support/connected-database.js';
import { postgresAvailable } from '../support/postgres.js';

const HOSTILE = ["O'Brien", 'back\\slash \\n', '"quoted"', 'emoji 🚣‍♀️', "'); DROP TABLE \"select\"; --", 'line\nbreak', 'tab\there', '\\N', ''];
const table = { schema: 'we"ird schema', name: 'select' };
const columns: CatalogColumn[] = [
  { name: 'from', type: 'bigint' },
  { name: 'Na"me', type: 'text' },
  { name: 'where', type: 'text' },
] as CatalogColumn[];

describe('drift against staged rows: exact SQL', () => {
  it('joins the staged rows, under the table\'s column names, to the live rows holding the same index key', () => {
    const sql = liveRowsTakingStagedValues(table, columns, { stages: [stageTable(3)], given: new Map([['Na"me', 'Na"me'], ['where', 'where']]) }, { name: 'u', parts: ['lower("Na""me")'], predicate: '"where" IS NULL' });
    expect(sql).toBe(
      [
        'SELECT c."salvage stage", c."salvage ord", c."salvage new Na""me", c."salvage new where", t."from", t."Na""me", t."where"',
        '  FROM (SELECT "salvage stage", "salvage ord", (lower("Na""me")) AS "salvage part 0", ("where" IS NULL) AS "salvage applies", "Na""me"::text AS "salvage new Na""me", "where"::text AS "salvage new where"',
        '          FROM (',
        '                SELECT 1 AS "salvage stage", row_number() OVER () AS "salvage ord", NULL::bigint AS "from", v."Na""me" AS "Na""me", v."where" AS "where"',
        '                  FROM "pg_temp"."salvage_rows_3" AS v',
        '               ) AS c) AS c',
        '  JOIN (SELECT "from", "Na""me", "where", (lower("Na""me")) AS "salvage part 0" FROM "we""ird schema"."select" WHERE ("where" IS NULL)) AS t',
        '    ON t."salvage part 0" = c."salvage part 0"',
        ' WHERE c."salvage applies"',
      ].join('\n'),
    );
    expect(() => liveRowsTakingStagedValues(table, columns, { stages: [stageTable(1), table], given: new Map() }, { name: 'u', parts: ['"from"'], predicate: null })).toThrow(SqlSafetyError);
    expect(() => liveRowsTakingStagedValues(table, columns, { stages: [stageTable(1)], given: new Map([['nope', 'nope']]) }, { name: 'u', parts: ['"from"'], predicate: null })).toThrow(SqlSafetyError);
    expect(() => liveRowsTakingStagedValues(table, columns, { stages: [], given: new Map() }, { name: 'u', parts: ['"from"'], predicate: null })).toThrow(SqlSafetyError);
  });

  it('joins several staging tables filled alike in one query, each row numbered within its own table', () => {
    const sql = liveRowsTakingStagedValues(table, columns, { stages: [stageTable(1), stageTable(2)], given: new Map([['from', 'from']]) }, { name: '', parts: ['"from"'], predicate: null });
    expect(sql).toBe(
      [
        'SELECT c."salvage stage", c."salvage ord", c."salvage new from", t."from", t."Na""me", t."where"',
        '  FROM (SELECT "salvage stage", "salvage ord", ("from") AS "salvage part 0", true AS "salvage applies", "from"::text AS "salvage new from"',
        '          FROM (',
        '                SELECT 1 AS "salvage stage", row_number() OVER () AS "salvage ord", v."from" AS "from", NULL::text AS "Na""me", NULL::text AS "where"',
        '                  FROM "pg_temp"."salvage_rows_1" AS v',
        '                UNION ALL',
        '                SELECT 2 AS "salvage stage", row_number() OVER () AS "salvage ord", v."from" AS "from", NULL::text AS "Na""me", NULL::text AS "where"',
        '                  FROM "pg_temp"."salvage_rows_2" AS v',
        '               ) AS c) AS c',
        '  JOIN (SELECT "from", "Na""me", "where", ("from") AS "salvage part 0" FROM "we""ird schema"."select" WHERE true) AS t',
        '    ON t."salvage part 0" = c."salvage part 0"',
        ' WHERE c."salvage applies"',
      ].join('\n'),
    );
  });
});

const pgUp = await postgresAvailable();

describe.runIf(pgUp)('drift against staged rows on PostgreSQL', () => {
  const database = connectedDatabase('staged_unique', {
    setup: (client) =>
      client.query(`CREATE SCHEMA "we""ird schema";
        CREATE TABLE "we""ird schema"."select" ("from" bigint PRIMARY KEY, "Na""me" text, "where" text);
        CREATE UNIQUE INDEX "lower name" ON "we""ird schema"."select" (lower("Na""me")) WHERE "where" IS NULL;
        INSERT INTO "we""ird schema"."select" VALUES (1, 'O''BRIEN', NULL), (2, 'emoji 🚣‍♀️', 'archived'), (3, 'tab' || chr(9) || 'here', NULL);`),
  });
  const copy = async (block: string) => {
    const [statement, ...data] = block.split('\n');
    const stream = database.client.query(copyFrom(statement as string));
    stream.end(`${data.slice(0, -1).join('\n')}\n`);
    await finished(stream);
  };

  it('finds a live row holding a staged key, and one holding a staged unique value by the index\'s own meaning', async () => {
    await database.client.query('BEGIN');
    try {
      const names = ['from', 'Na"me', 'where'];
      await database.client.query(createStage(stageTable(1), table, names.map((c) => ({ name: c, from: c }))));
      // Row 1 takes key 3; O'Brien collides with O'BRIEN under lower(); the emoji row does not (the live one is archived).
      await copy(copyBlock(stageTable(1), names, HOSTILE.map((h, i) => [String(i === 0 ? 3 : 100 + i), h, null])));
      // A second block filled alike, checked in the same query: its second row holds key 1, its first nothing.
      await database.client.query(createStage(stageTable(2), table, names.map((c) => ({ name: c, from: c }))));
      await copy(copyBlock(stageTable(2), names, [['200', 'free "name" \\ 🚣', null], ['1', 'NUL-free é', 'x']]));
      const catalog = await readCatalog(database.client);
      const found = findExactTable(catalog, table.schema, table.name);
      if (!found) throw new Error('no table');
      const collisions = await rowsTakingStagedValues(database.client, found, { stages: [stageTable(1), stageTable(2)], given: new Map(names.map((n) => [n, n])), keyGiven: true }, await readUniqueIndexes(database.client, found));
      expect(collisions.map((c) => [c.index ?? 'primary key', c.stage.name, c.ordinal, c.live.from, c.staged['Na"me']]).sort()).toEqual([
        ['lower name', 'salvage_rows_1', 1, '1', "O'Brien"],
        ['primary key', 'salvage_rows_1', 1, '3', "O'Brien"],
        ['lower name', 'salvage_rows_1', 7, '3', 'tab\there'],
        ['primary key', 'salvage_rows_2', 2, '1', 'NUL-free é'],
      ].sort());
      // Without the key given (a key the target makes), only the unique values count.
      const keyless = await rowsTakingStagedValues(database.client, found, { stages: [stageTable(1), stageTable(2)], given: new Map(names.slice(1).map((n) => [n, n])), keyGiven: false }, await readUniqueIndexes(database.client, found));
      expect(keyless.map((c) => c.index)).toEqual(['lower name', 'lower name']);
    } finally {
      await database.client.query('ROLLBACK');
    }
  });

  it('checks more staging tables than one query joins, and names each collision\'s own table past that', async () => {
    await database.client.query('BEGIN');
    try {
      const names = ['from', 'Na"me', 'where'];
      const stages = Array.from({ length: 130 }, (_, i) => stageTable(i + 1));
      for (const [i, stage] of stages.entries()) {
        await database.client.query(createStage(stage, table, names.map((c) => ({ name: c, from: c }))));
        // Table 1 and table 130 (the second query's) each hold key 3 in their second row.
        const key = i === 0 || i === 129 ? '3' : String(1000 + i);
        await copy(copyBlock(stage, names, [[String(5000 + i), `free ${i}`, 'x'], [key, `O'Brien ${i}`, 'x']]));
      }
      const catalog = await readCatalog(database.client);
      const found = findExactTable(catalog, table.schema, table.name);
      if (!found) throw new Error('no table');
      const collisions = await rowsTakingStagedValues(database.client, found, { stages, given: new Map(names.map((n) => [n, n])), keyGiven: true }, []);
      expect(collisions.map((c) => [c.stage.name, c.ordinal, c.live.from, c.staged['Na"me']])).toEqual([
        ['salvage_rows_1', 2, '3', "O'Brien 0"],
        ['salvage_rows_130', 2, '3', "O'Brien 129"],
      ]);
    } finally {
      await database.client.query('ROLLBACK');
    }
  });
});
