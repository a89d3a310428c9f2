import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { copyLine } from '../../src/sql/staged.js';
import {
  classifyScan,
  closeCursor,
  copyIntoScanTable,
  createScanTables,
  createWorkSchema,
  declareCursor,
  dropScanTables,
  dropWorkSchema,
  fetchFromCursor,
  integerArrayLiteral,
  keptEntries,
  settledGroups,
  workSchemaName,
} from '../../src/sql/work-scan.js';
import { openWorkDatabase, type WorkDatabase } from '../../src/db/work-database.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';

const pgUp = await postgresAvailable();
const S = 'salvage_work_t1';

describe('the work scan’s SQL, exactly', () => {
  it('names the run’s schema from a token of letters and digits only', () => {
    expect(workSchemaName('ab12')).toBe('salvage_work_ab12');
    expect(() => workSchemaName('a"b')).toThrow(/token/);
    expect(() => workSchemaName('')).toThrow(/token/);
    expect(createWorkSchema(S)).toBe('CREATE SCHEMA "salvage_work_t1";');
    expect(dropWorkSchema(S)).toBe('DROP SCHEMA IF EXISTS "salvage_work_t1" CASCADE;');
  });

  it('stages into tables of that schema only', () => {
    expect(createScanTables(S)).toBe(`CREATE TABLE "salvage_work_t1".cand_key (k text NOT NULL, root integer NOT NULL);
CREATE TABLE "salvage_work_t1".cand_one (i integer PRIMARY KEY, a bigint NOT NULL, b bigint NOT NULL, set integer NOT NULL);
CREATE TABLE "salvage_work_t1".digest_set (set integer PRIMARY KEY, cols integer[] NOT NULL);
CREATE TABLE "salvage_work_t1".backup_row (j integer PRIMARY KEY, pk text NOT NULL, ha bigint[] NOT NULL, hb bigint[] NOT NULL, vals text NOT NULL);
CREATE TABLE "salvage_work_t1".row_key (j integer NOT NULL, kidx integer NOT NULL, k text NOT NULL);`);
    expect(dropScanTables(S)).toBe(
      'DROP TABLE IF EXISTS "salvage_work_t1".cand_key, "salvage_work_t1".cand_one, "salvage_work_t1".digest_set, "salvage_work_t1".backup_row, "salvage_work_t1".row_key, "salvage_work_t1".hit, "salvage_work_t1".settling;',
    );
    expect(copyIntoScanTable(S, 'backup_row', 'stdin')).toBe('COPY "salvage_work_t1"."backup_row" ("j", "pk", "ha", "hb", "vals") FROM STDIN;');
    expect(copyIntoScanTable(S, 'row_key', 'blob')).toBe(`COPY "salvage_work_t1"."row_key" ("j", "kidx", "k") FROM '/dev/blob';`);
  });

  it('classifies with joins and window functions', () => {
    expect(classifyScan(S)).toBe(`ANALYZE "salvage_work_t1".cand_key, "salvage_work_t1".cand_one, "salvage_work_t1".digest_set, "salvage_work_t1".backup_row, "salvage_work_t1".row_key;
CREATE TABLE "salvage_work_t1".hit AS
  SELECT j, root, rank,
    count(*) OVER (PARTITION BY j) AS roots,
    row_number() OVER (PARTITION BY root ORDER BY j) AS nth
  FROM (
    SELECT rk.j, ck.root, min(rk.kidx) AS rank
    FROM "salvage_work_t1".row_key AS rk JOIN "salvage_work_t1".cand_key AS ck ON ck.k = rk.k
    GROUP BY rk.j, ck.root
  ) AS row_root;
CREATE TABLE "salvage_work_t1".settling AS
  SELECT h.root AS c, h.j
  FROM "salvage_work_t1".hit AS h
    JOIN "salvage_work_t1".cand_one AS o ON o.i = h.root
    JOIN "salvage_work_t1".digest_set AS d ON d.set = o.set
    JOIN "salvage_work_t1".backup_row AS b ON b.j = h.j
  WHERE h.nth = 1 AND h.roots = 1
    AND o.a = (SELECT coalesce(bit_xor(b.ha[p]), 0) FROM unnest(d.cols) AS p)
    AND o.b = (SELECT coalesce(bit_xor(b.hb[p]), 0) FROM unnest(d.cols) AS p);
ANALYZE "salvage_work_t1".hit, "salvage_work_t1".settling;`);
    expect(keptEntries(S)).toBe(`SELECT kept.at::text AS at, kept.sub::text AS sub, kept.stub_of::text AS stub_of, kept.pk, kept.vals, kept.keys FROM (
  SELECT b.j AS at, 2147483647 AS sub, NULL::integer AS stub_of, NULL::text AS pk, b.vals, owned.keys::text AS keys
  FROM "salvage_work_t1".backup_row AS b
    JOIN (
      SELECT rk.j, json_agg(rk.k ORDER BY rk.kidx) AS keys
      FROM "salvage_work_t1".row_key AS rk JOIN "salvage_work_t1".cand_key AS ck ON ck.k = rk.k
      GROUP BY rk.j
    ) AS owned ON owned.j = b.j
  WHERE NOT EXISTS (SELECT FROM "salvage_work_t1".settling AS st WHERE st.j = b.j)
  UNION ALL
  SELECT second.j, second.rank, st.c, first.pk, NULL, NULL
  FROM "salvage_work_t1".settling AS st
    JOIN "salvage_work_t1".hit AS second ON second.root = st.c AND second.nth = 2
    JOIN "salvage_work_t1".backup_row AS first ON first.j = st.j
) AS kept
ORDER BY kept.at, kept.sub`);
    expect(settledGroups(S)).toBe(`SELECT st.c::text AS c, b.pk
FROM "salvage_work_t1".settling AS st JOIN "salvage_work_t1".backup_row AS b ON b.j = st.j
WHERE NOT EXISTS (SELECT FROM "salvage_work_t1".hit AS h WHERE h.root = st.c AND h.nth = 2)
ORDER BY st.c`);
  });

  it('reads through a cursor, and writes integer arrays as their digits', () => {
    expect(declareCursor('c"1', 'SELECT 1')).toBe('DECLARE "c""1" NO SCROLL CURSOR FOR SELECT 1');
    expect(fetchFromCursor('c', 500)).toBe('FETCH FORWARD 500 FROM "c"');
    expect(closeCursor('c')).toBe('CLOSE "c"');
    expect(() => fetchFromCursor('c', 0)).toThrow(/positive integer/);
    expect(integerArrayLiteral([1, 4294967295, 0])).toBe('{1,4294967295,0}');
    expect(integerArrayLiteral([])).toBe('{}');
    expect(() => integerArrayLiteral([1.5])).toThrow(/not an integer/);
  });
});

// Hostile keys and values: quotes, backslashes, tabs, newlines, emoji, the key separator.
const K = {
  settles: "0\u0001O'Brien",
  undone: '0\u0001back\\slash\ttab',
  differs: '0\u0001🦀 "quoted"',
  shared: '0\u0001select\nfrom',
  stays: '1\u0001"; DROP TABLE x; --',
};
const VALS = JSON.stringify(["O'Brien", 'back\\slash', 'tab\there', 'emoji 🦀', null]);

/**
 * Groups: 0 is settled by row 2 and undone by row 10 (which leads to group 3 first);
 * 1 is settled by row 3 and undone by row 4; 2's digest differs; 3 is two candidates;
 * 4 stays settled. Row numbers past 9 catch ordering by text.
 */
async function stageScenario(work: WorkDatabase): Promise<void> {
  const s = work.schema;
  const copy = (table: Parameters<typeof copyIntoScanTable>[1], rows: Array<Array<string | number>>) =>
    work.copy(copyIntoScanTable(s, table, work.copyFrom), rows.map((r) => copyLine(r)));
  await work.exec(createScanTables(s));
  await copy('cand_key', [[K.settles, 0], [K.undone, 1], [K.differs, 2], [K.shared, 3], [K.stays, 4]]);
  // Digests over columns 1 and 2 of rows whose lanes are ha {1,2,4}, hb {8,16,32}: 1^2 and 8^16.
  await copy('cand_one', [[0, 3, 24, 0], [1, 3, 24, 0], [2, 3, 25, 0], [4, 3, 24, 0]]);
  await copy('digest_set', [[0, '{1,2}']]);
  const row = (j: number, pk: string) => [j, pk, '{1,2,4}', '{8,16,32}', VALS];
  await copy('backup_row', [row(2, '10'), row(3, "11'"), row(4, '12\\'), row(5, '13'), row(10, '14\t'), row(11, 'nothing'), row(12, 'O"Brien 🦀')]);
  await copy('row_key', [[2, 0, K.settles], [3, 0, K.undone], [4, 0, K.undone], [5, 0, K.differs], [10, 0, K.shared], [10, 1, K.settles], [11, 0, '0\u0001none'], [12, 1, K.stays]]);
  await work.exec(classifyScan(s));
}

describe.each([
  { where: 'on PostgreSQL', server: true },
  { where: 'on the embedded PGlite', server: false },
])('the work scan $where, with hostile keys and values', ({ server }) => {
  let db: TestDatabase | undefined;
  let dir: string;
  let work: WorkDatabase;

  beforeAll(async () => {
    if (server) db = await createTestDatabase('work_scan');
    dir = await mkdtemp(path.join(os.tmpdir(), 'salvage-work-scan-'));
    work = await openWorkDatabase({ url: db?.url, embeddedDir: path.join(dir, 'work') });
    await stageScenario(work);
  }, 180_000); // PGlite's initdb: seconds, a minute on a loaded machine
  afterAll(async () => {
    await work?.close();
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it.runIf(pgUp || !server)('keeps, in scan order, the rows the merge needs and a stub before the row that undid a settlement', async () => {
    // keys is json_agg's text; what matters is the keys it holds, in key order.
    const kept = (await work.rows(keptEntries(work.schema))).map((e) => ({ ...e, keys: e.keys == null ? null : (JSON.parse(e.keys) as string[]) }));
    expect(kept).toEqual([
      { at: '4', sub: '0', stub_of: '1', pk: "11'", vals: null, keys: null },
      { at: '4', sub: '2147483647', stub_of: null, pk: null, vals: VALS, keys: [K.undone] },
      { at: '5', sub: '2147483647', stub_of: null, pk: null, vals: VALS, keys: [K.differs] },
      { at: '10', sub: '1', stub_of: '0', pk: '10', vals: null, keys: null },
      { at: '10', sub: '2147483647', stub_of: null, pk: null, vals: VALS, keys: [K.shared, K.settles] },
    ]);
  });

  it.runIf(pgUp || !server)('leaves settled only the group no second row reached', async () => {
    expect(await work.rows(settledGroups(work.schema))).toEqual([{ c: '4', pk: 'O"Brien 🦀' }]);
  });

  it.runIf(pgUp || !server)('drops its tables and, at close, its schema', async () => {
    await work.exec(dropScanTables(work.schema));
    const left = await work.rows(`SELECT count(*)::text AS n FROM pg_tables WHERE schemaname = '${work.schema}'`);
    expect(left).toEqual([{ n: '0' }]);
  });
});
