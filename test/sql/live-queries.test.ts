import { describe, expect, it } from 'vitest';
import { readCatalog } from '../../src/db/catalog.js';
import type { CatalogColumn } from '../../src/db/catalog-types.js';
import { findExactTable } from '../../src/db/table-names.js';
import { readUniqueIndexes, rowsSharingUniqueValues } from '../../src/db/unique-values.js';
import { columnsRead, liveRowsByUniqueIndex } from '../../src/sql/live-queries.js';
import { connectedDatabase } from '../support/connected-database.js';
import { postgresAvailable } from '../support/postgres.js';

const table = { schema: 'we"ird schema', name: 'select' };
const columns: CatalogColumn[] = [
  { name: 'from', type: 'bigint' },
  { name: 'Na"me', type: 'text' },
  { name: 'where', type: 'text' },
  { name: 'at', type: 'timestamp with time zone' },
] as CatalogColumn[];

describe('live rows sharing a unique value: exact SQL', () => {
  it('sends and casts only the columns the index reads, and returns every column of the live row', () => {
    const index = { name: 'u', parts: ['lower("Na""me")'], predicate: '"where" IS NULL', columns: ['Na"me', 'where'] };
    expect(columnsRead(columns, index).map((c) => c.name)).toEqual(['Na"me', 'where']);
    expect(liveRowsByUniqueIndex(table, columns, index)).toBe(
      [
        'SELECT c."salvage ord", t."from", t."Na""me", t."where", t."at"',
        '  FROM (SELECT "salvage ord", (lower("Na""me")) AS "salvage part 0", ("where" IS NULL) AS "salvage applies"',
        '          FROM (SELECT u."salvage ord", u."c0"::text AS "Na""me", u."c1"::text AS "where"',
        '                  FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u ("c0", "c1", "salvage ord")) AS c) AS c',
        '  JOIN (SELECT "from", "Na""me", "where", "at", (lower("Na""me")) AS "salvage part 0" FROM "we""ird schema"."select" WHERE ("where" IS NULL)) AS t',
        '    ON t."salvage part 0" = c."salvage part 0"',
        ' WHERE c."salvage applies"',
      ].join('\n'),
    );
  });

  it('sends every column when PostgreSQL did not record which the index reads', () => {
    const index = { name: 'u', parts: ['lower("Na""me")'], predicate: null };
    expect(liveRowsByUniqueIndex(table, columns, index).split('\n')[2]).toBe(
      '          FROM (SELECT u."salvage ord", u."c0"::bigint AS "from", u."c1"::text AS "Na""me", u."c2"::text AS "where", u."c3"::timestamp with time zone AS "at"',
    );
  });
});

const pgUp = await postgresAvailable();

describe.runIf(pgUp)('live rows sharing a unique value, on PostgreSQL', () => {
  const database = connectedDatabase('live_queries', {
    setup: (client) =>
      client.query(`CREATE SCHEMA "we""ird schema";
        CREATE TABLE "we""ird schema"."select" ("from" bigint PRIMARY KEY, "Na""me" text, "where" text, "at" timestamptz);
        CREATE UNIQUE INDEX "name where" ON "we""ird schema"."select" ("Na""me") WHERE "where" IS NULL;
        CREATE UNIQUE INDEX "lower name" ON "we""ird schema"."select" (lower("Na""me"), "where");
        CREATE UNIQUE INDEX "only expressions" ON "we""ird schema"."select" (lower("where"));
        INSERT INTO "we""ird schema"."select" VALUES
          (1, 'O''Brien', NULL, now()), (2, 'emoji 🚣‍♀️', 'archived', now()), (3, 'back\\slash "quoted"', NULL, now());`),
  });

  it('reads which columns each unique index reads, as PostgreSQL recorded them', async () => {
    const found = findExactTable(await readCatalog(database.client), table.schema, table.name);
    if (!found) throw new Error('no table');
    const indexes = await readUniqueIndexes(database.client, found);
    expect(indexes.map((i) => [i.name, i.columns])).toEqual([
      ['lower name', ['Na"me', 'where']],
      ['name where', ['Na"me', 'where']],
      // An index of expressions only depends on the whole table in pg_depend: every column may count.
      ['only expressions', undefined],
    ]);
  });

  it('finds the live rows holding a candidate\'s unique values by each index\'s own meaning, with hostile values', async () => {
    const found = findExactTable(await readCatalog(database.client), table.schema, table.name);
    if (!found) throw new Error('no table');
    const indexes = await readUniqueIndexes(database.client, found);
    const candidates = [
      { 'Na"me': "O'Brien", where: null },
      { 'Na"me': 'EMOJI 🚣‍♀️', where: 'archived' },
      { 'Na"me': 'back\\slash "quoted"', where: null },
      { 'Na"me': "'); DROP TABLE \"select\"; --", where: 'ARCHIVED' },
    ];
    const matches = await rowsSharingUniqueValues(database.client, found, indexes, candidates);
    const seen = [...matches].flatMap(([at, rows]) => rows.map((r) => [at, r.index, r.from])).sort();
    // NULL never equals NULL in a unique index: the rows whose "where" is NULL meet (lower(name), where) in none.
    expect(seen).toEqual([
      [0, 'name where', '1'],
      [1, 'lower name', '2'],
      [1, 'only expressions', '2'],
      [2, 'name where', '3'],
      [3, 'only expressions', '2'],
    ].sort());
  });
});
