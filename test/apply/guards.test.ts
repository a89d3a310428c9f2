import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { apply, type ApplyOptions } from '../../src/apply/apply.js';
import { doctor } from '../../src/apply/doctor.js';
import { verifyApplied } from '../../src/apply/verify-target.js';
import { PreconditionFailed, SafetyRefusal, SalvageError } from '../../src/errors.js';
import { MANIFEST_FORMAT, type PatchManifest, type StatementEntry } from '../../src/patch/manifest.js';
import { buildPatch, type PatchLayout } from '../../src/patch/patch.js';
import type { Change, Changeset } from '../../src/changeset/changeset.js';
import { accountEvidence as ev, accountsChangeset as changeset, DROP_ACCOUNTS, insertAccount as insert, newKeyAccount, updatePlan as update, withAccountKeyGenerator } from '../support/accounts-changeset.js';
import { connectedDatabase } from '../support/connected-database.js';
import { writePatchDir } from '../support/patch-dir.js';
import { APPLY_LOCK_KEY } from '../../src/sql/apply-session.js';
import { tempJobDir } from '../support/flow.js';
import { postgresAvailable } from '../support/postgres.js';

const run = promisify(execFile);
const pgUp = await postgresAvailable();

const SCHEMA = `
CREATE TABLE accounts (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE, plan text NOT NULL CHECK (plan IN ('free', 'pro')), note text);
INSERT INTO accounts (id, email, plan) VALUES (1, 'a@x', 'free'), (2, 'b@x', 'free'), (3, 'c@x', 'pro');
SELECT setval('accounts_id_seq', 3);
`;

/** A staged UPDATE of accounts.plan, as salvage writes it: the pieces the crafted patches below tamper with. */
const STAGE_SQL = 'CREATE TEMP TABLE pg_temp.salvage_rows_1 ON COMMIT DROP AS SELECT "id" AS "key id", "plan" AS "new plan", "plan" AS "old plan" FROM public.accounts WITH NO DATA;';
const STAGED_COPY = 'COPY pg_temp.salvage_rows_1 ("key id", "new plan", "old plan") FROM STDIN;\n1\tpro\tfree\n\\.';
const STAGED_UPDATE =
  'UPDATE public.accounts AS t SET "plan" = v."new plan"::text FROM pg_temp.salvage_rows_1 AS v WHERE t."id" = v."key id"::bigint AND t."plan" IS NOT DISTINCT FROM v."old plan"::text;';

/** A hand-written patch file with a correct checksum: only the allow-list stands between it and the database. */
async function craftedPatch(sql: string, statements: StatementEntry[] = []): Promise<string> {
  const manifest: PatchManifest = {
    format: MANIFEST_FORMAT,
    id: 'crafted',
    createdAt: '',
    changeset: { sha256: '', createdAt: '' },
    backup: { database: 'x' },
    patch: { file: 'patch.sql', sha256: '', statements },
    undo: { file: 'undo.sql', sha256: '', statements: [] },
    counts: {},
    withheld: { conflict: 0, unrecoverable: 0, rejected: 0, notAccepted: 0 },
    decisions: { sha256: '', stale: [] },
  };
  return writePatchDir(await tempJobDir('crafted'), { patchSql: sql, undoSql: 'BEGIN;\nCOMMIT;\n', manifest });
}

/** Every block staged through a temporary table filled by COPY, as a large recovery's are. */
const STAGED: PatchLayout = { stageAbove: 0, stageChunk: 1000 };

async function builtPatch(changes: Change[], layout?: PatchLayout, edit: (cs: Changeset) => void = () => undefined): Promise<string> {
  const cs = changeset(changes);
  edit(cs);
  const built = buildPatch(cs, 'cd'.repeat(32), undefined, undefined, layout);
  return writePatchDir(await tempJobDir('guards'), built);
}

describe.runIf(pgUp)('apply guards on a real PostgreSQL', () => {
  const database = connectedDatabase('guards', { beforeEachTest: (client) => client.query(DROP_ACCOUNTS + SCHEMA) });
  const query = async (sql: string) => (await database.client.query(sql)).rows;
  // A full dump, less pg_dump's per-run random \restrict key.
  const dump = async () =>
    (await run('pg_dump', ['--no-owner', '--no-privileges', database.url], { maxBuffer: 64 * 1024 * 1024 })).stdout.replace(/^\\(un)?restrict .*$/gm, '');
  const applyTo = (patchDir: string, options: Partial<ApplyOptions> = {}) =>
    apply({ patchDir, target: { url: database.url, embeddedDir: '' }, confirm: database.name, ...options });

  const FORBIDDEN: Array<[string, string, RegExp]> = [
    ['DELETE', "BEGIN;\nDELETE FROM public.accounts WHERE id = '1';\nCOMMIT;\n", /:2: DELETE is never part of a patch/],
    ['TRUNCATE', 'BEGIN;\n\nTRUNCATE public.accounts;\nCOMMIT;\n', /:3: TRUNCATE is not allowed/],
    ['DROP', '-- looks harmless\nDROP TABLE public.accounts;\n', /:2: DROP is not allowed/],
    ['ALTER', 'ALTER TABLE public.accounts ADD COLUMN x int;\n', /:1: ALTERTABLE is not allowed/],
    ['a second statement smuggled after a literal', "INSERT INTO public.accounts (id, email, plan) VALUES ('9', 'x'); DROP TABLE public.accounts; --', 'pro') ON CONFLICT DO NOTHING;\n", /:1: an INSERT must end with ON CONFLICT DO NOTHING/],
    ['INSERT ... SELECT', 'INSERT INTO public.accounts (id, email, plan) SELECT id + 100, email, plan FROM public.accounts ON CONFLICT DO NOTHING;\n', /:1: an INSERT may only insert VALUES/],
    ['an UPDATE not in salvage\'s set-based form', "UPDATE public.accounts SET plan = 'pro' WHERE id = '1';\n", /:1: values from v must be cast to the column type/],
    ['UPDATE with a subquery', `UPDATE public.accounts AS t SET plan = v."new plan"::text FROM (VALUES ('1', (SELECT 'pro'))) AS v ("key id", "new plan") WHERE t.id = v."key id"::bigint;\n`, /:1: only constant values are allowed/],
    ['UPDATE ... OR', `UPDATE public.accounts AS t SET plan = v."new plan"::text FROM (VALUES ('1', 'pro')) AS v ("key id", "new plan") WHERE t.id = v."key id"::bigint OR true;\n`, /:1: conditions may only be joined with AND/],
    ['UPDATE from another table', `UPDATE public.accounts AS t SET plan = v."new plan"::text FROM public.accounts AS v WHERE t.id = v."key id"::bigint;\n`, /:1: the only other relation allowed is a VALUES list AS v/],
    ['UPDATE setting a column from the wrong value', `UPDATE public.accounts AS t SET plan = v."new email"::text FROM (VALUES ('1', 'x')) AS v ("key id", "new email") WHERE t.id = v."key id"::bigint;\n`, /:1: column plan must be set from v."new plan"/],
    ['UPDATE ... RETURNING', "UPDATE public.accounts SET plan = 'pro' WHERE id = '1' RETURNING *;\n", /:1: unexpected clause "returningClause" in UPDATE/],
    ['SET ROLE', 'SET ROLE postgres;\n', /:1: SET role is not allowed/],
    ['DO', 'DO $$ BEGIN PERFORM 1; END $$;\n', /:1: DO is not allowed/],
    ['COPY', "COPY public.accounts FROM PROGRAM 'true';\n", /:1: COPY is not allowed/],
    ['a plain SELECT', 'SELECT pg_sleep(10);\n', /:1: the only SELECT allowed is the sequence move/],
    ['setval of another sequence', `SELECT setval('"public"."x"', GREATEST(5, last_value), true) FROM "public"."accounts_id_seq";\n`, /:1: setval must move the sequence it reads/],
    ['ROLLBACK', 'ROLLBACK;\n', /:1: transaction control TRANS_STMT_ROLLBACK is not allowed/],
    ['COPY into a real table', 'COPY public.accounts (id, email, plan) FROM STDIN;\n9\tx@x\tpro\n\\.\n', /:1: COPY is not allowed except FROM STDIN into a staging table/],
    ['a permanent table made from the data', 'CREATE TABLE public.loot AS SELECT email AS email FROM public.accounts WITH NO DATA;\n', /:1: a staging table must be named pg_temp\.salvage_rows_<n>/],
    ['a staging table made with data', `${STAGE_SQL.replace(' WITH NO DATA', '')}\n`, /:1: a staging table must be created WITH NO DATA/],
    ['a staging table of an expression', 'CREATE TEMP TABLE pg_temp.salvage_rows_1 ON COMMIT DROP AS SELECT pg_sleep(1) AS x FROM public.accounts WITH NO DATA;\n', /:1: a staging column must be a plain column of its table/],
    ['COPY with options', `${STAGE_SQL}\nCOPY pg_temp.salvage_rows_1 ("key id", "new plan", "old plan") FROM STDIN WITH (FORMAT csv);\n1,pro,free\n\\.\n`, /:2: unexpected clause "options" in COPY/],
    ['a staging table read twice', `${STAGE_SQL}\n${STAGED_COPY}\n${STAGED_UPDATE}\n${STAGED_UPDATE}\n`, /:6: pg_temp\.salvage_rows_1 was already written at line 5/],
    ['a staging table filled but never written', `${STAGE_SQL}\n${STAGED_COPY}\n`, /:1: pg_temp\.salvage_rows_1 is filled but no statement writes its rows/],
    ['a staging table read before it is filled', `${STAGE_SQL}\n${STAGED_UPDATE}\n`, /:2: pg_temp\.salvage_rows_1 is read before COPY fills it/],
    ['a staged column typed like another column', `${STAGE_SQL.replace('"plan" AS "new plan"', '"email" AS "new plan"')}\n${STAGED_COPY}\n${STAGED_UPDATE}\n`, /:5: pg_temp\.salvage_rows_1 column "new plan" must be typed like plan/],
    ['an INSERT from a staging table into other columns', `CREATE TEMP TABLE pg_temp.salvage_rows_1 ON COMMIT DROP AS SELECT "id" AS "id", "email" AS "email" FROM public.accounts WITH NO DATA;\nCOPY pg_temp.salvage_rows_1 ("id", "email") FROM STDIN;\n9\tpro\n\\.\nINSERT INTO public.accounts (id, plan) SELECT "id", "email" FROM pg_temp.salvage_rows_1 ON CONFLICT DO NOTHING;\n`, /:5: an INSERT from pg_temp\.salvage_rows_1 must insert its columns, each into the column it is typed like, in order/],
    ['a COPY data line with an escape salvage never writes', `${STAGE_SQL}\n${STAGED_COPY.replace('\tpro\t', '\t\\160ro\t')}\n${STAGED_UPDATE}\n`, /:3: this COPY data line holds the escape \\1 in column 2/],
  ];

  it.each(FORBIDDEN)('refuses %s (exit 3), naming the line, writing nothing', async (_name, sql, message) => {
    const before = await dump();
    const error = await applyTo(await craftedPatch(sql)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SafetyRefusal);
    expect((error as SafetyRefusal).exitCode).toBe(3);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain('Nothing was written');
    expect(await dump()).toEqual(before);
  });

  it('refuses an UPDATE that is not keyed by the primary key', async () => {
    const sql = `BEGIN;\nUPDATE "public"."accounts" AS t SET "plan" = v."new plan"::text FROM (VALUES ('a@x', 'pro')) AS v ("key email", "new plan")\n  WHERE t."email" = v."key email"::text;\nCOMMIT;\n`;
    const error = await applyTo(await craftedPatch(sql, [{ kind: 'update', table: 'public.accounts', startLine: 2, endLine: 3, expectedRows: 1 }])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SafetyRefusal);
    expect((error as Error).message).toMatch(/patch\.sql:2: this UPDATE is not keyed by the primary key of public\.accounts \(id\)/);
  });

  it('refuses a manifest that does not describe the file', async () => {
    const built = buildPatch(changeset([update('1', 'free', 'pro')]), 'cd'.repeat(32));
    const manifest = { ...built.manifest, patch: { ...built.manifest.patch, statements: [] } };
    const dir = await writePatchDir(await tempJobDir('manifest'), { ...built, manifest });
    await expect(applyTo(dir)).rejects.toThrow(/1 statements, manifest lists 0; the manifest does not describe this file/);
  });

  it('detects drift: a row changed by another session since the review (exit 4, rolled back, rows named)', async () => {
    const dir = await builtPatch([insert('10', 'new@x'), update('1', 'free', 'pro'), update('2', 'free', 'pro')]);
    await query("UPDATE accounts SET plan = 'pro' WHERE id = 2");
    await query("INSERT INTO accounts (id, email, plan) VALUES (10, 'someone-else@x', 'free')");
    const before = await dump();
    const error = await applyTo(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailed);
    expect((error as PreconditionFailed).exitCode).toBe(4);
    expect((error as Error).message).toContain('2 row(s) of');
    expect((error as Error).message).toContain('public.accounts id=2: plan is now "pro", the reviewed patch expects "free"');
    expect((error as Error).message).toContain('public.accounts id=10: the patch inserts this row, but it exists now');
    expect(await dump()).toEqual(before);
  });

  it('a failure at the last statement leaves the database byte-identical, with the error at patch.sql line:column', async () => {
    const dir = await builtPatch([insert('10', 'new@x'), update('1', 'free', 'pro'), update('3', 'pro', 'enterprise')]);
    const before = await dump();
    const error = await applyTo(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SalvageError);
    const sql = await readFile(path.join(dir, 'patch.sql'), 'utf8');
    const lines = sql.split('\n');
    const valuesLine = lines.findIndex((l) => l.includes("'enterprise'"));
    const line = lines.slice(0, valuesLine).map((l, i) => (l.startsWith('UPDATE') ? i + 1 : 0)).reduce((a, b) => Math.max(a, b), 0);
    expect((error as Error).message).toMatch(new RegExp(`patch\\.sql:${line}:\\d+: PostgreSQL refused this update on public\\.accounts: new row for relation "accounts" violates check constraint`));
    expect(await dump()).toEqual(before);
    expect(await query("SELECT to_regclass('salvage.salvage_history') AS t")).toEqual([{ t: null }]);
  });

  it('a staged patch is checked, drift-guarded, applied and undone like VALUES lists', async () => {
    const dir = await builtPatch([insert('10', 'new@x'), insert('11', "O'Brien\t\\@x"), update('1', 'free', 'pro'), update('2', 'free', 'pro')], STAGED);
    const sql = await readFile(path.join(dir, 'patch.sql'), 'utf8');
    expect(sql).toContain('COPY "pg_temp"."salvage_rows_1"');
    const original = await query('SELECT * FROM accounts ORDER BY id');

    await query("UPDATE accounts SET plan = 'pro' WHERE id = 2");
    const drifted = await applyTo(dir).catch((e: unknown) => e);
    expect(drifted).toBeInstanceOf(PreconditionFailed);
    expect((drifted as Error).message).toContain('public.accounts id=2: plan is now "pro", the reviewed patch expects "free"');
    await query("UPDATE accounts SET plan = 'free' WHERE id = 2");
    // A staged row's key taken meanwhile: found by a join against its staging table.
    await query("INSERT INTO accounts (id, email, plan) VALUES (11, 'taken@x', 'free')");
    const taken = await applyTo(dir).catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(PreconditionFailed);
    expect((taken as Error).message).toMatch(/public\.accounts id=11: the patch inserts this row \(row 2 of salvage_rows_\d+\), but it exists now/);
    await query('DELETE FROM accounts WHERE id = 11');

    const result = await applyTo(dir);
    expect(result.rows).toEqual({ 'public.accounts': { insert: 2, update: 2, sequence: 1 } });
    expect(await query("SELECT id, email, plan FROM accounts WHERE id IN (1, 2, 10, 11) ORDER BY id")).toEqual([
      { id: '1', email: 'a@x', plan: 'pro' },
      { id: '2', email: 'b@x', plan: 'pro' },
      { id: '10', email: 'new@x', plan: 'pro' },
      { id: '11', email: "O'Brien\t\\@x", plan: 'pro' },
    ]);
    // The staging tables went with the transaction.
    expect(await query("SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'salvage_rows_%'")).toEqual([{ n: 0 }]);
    expect(await verifyApplied({ patchDir: dir, target: { url: database.url, embeddedDir: '' } })).toMatchObject({ checked: 4, problems: [] });
    expect((await applyTo(dir, { which: 'undo' })).committed).toBe(true);
    expect(await query('SELECT * FROM accounts ORDER BY id')).toEqual(original);
  });

  it('staged blocks filled alike are drift-checked together, and each drifted row is named by its own block', async () => {
    const noted = (id: string, email: string): Change => {
      const c = insert(id, email);
      return { ...c, values: { ...c.values, note: `note ${id}` } };
    };
    // A block per row; rows with a note are filled unlike those without (two groups of two).
    const dir = await builtPatch([insert('10', 'p@x'), noted('11', "O'Brien@x"), insert('12', 'q@x'), noted('13', 'emoji 🚣@x')], { stageAbove: 0, stageChunk: 1 });
    const sql = await readFile(path.join(dir, 'patch.sql'), 'utf8');
    const blockOf = (id: string) => new RegExp(`COPY "pg_temp"\\."(salvage_rows_\\d+)"[^\\n]*\\n${id}\\t`).exec(sql)?.[1];
    const blocks = ['10', '11', '12', '13'].map(blockOf);
    expect(new Set(blocks).size).toBe(4);
    // The live app took the key of the second row of one group and the email of the second row of the other.
    await query("INSERT INTO accounts (id, email, plan) VALUES (12, 'taken@x', 'free'), (60, 'emoji 🚣@x', 'free')");
    const drifted = await applyTo(dir).catch((e: unknown) => e);
    expect(drifted).toBeInstanceOf(PreconditionFailed);
    const message = (drifted as Error).message;
    expect(message).toContain(`public.accounts id=12: the patch inserts this row (row 1 of ${blocks[2]}), but it exists now`);
    expect(message).toContain('public.accounts id=60 holds a unique value (accounts_email_key) of a row the patch inserts');
    expect(message).toContain('emoji 🚣@x');
    expect(message).not.toMatch(/id=(10|11|13)\b/);
  });

  it('staged rows whose keys the target makes are drift-guarded, keyed in COPY order, read back, verified and undone', async () => {
    const emails = ["O'Brien\t\\@x", 'line\nbreak@x', '"quoted"@x', 'emoji 🚣‍♀️@x', '\\N@x', 'select@x'];
    const dir = await builtPatch(emails.map((e, i) => newKeyAccount(`new-${i}`, e, { note: e })), STAGED, withAccountKeyGenerator);
    const sql = await readFile(path.join(dir, 'patch.sql'), 'utf8');
    // Rows that point at no other new row make their keys and take them in one statement.
    expect(sql).not.toContain('SELECT "ref" AS "ref" FROM "salvage"."salvage_keys" WITH NO DATA;');
    expect(sql).toContain('  SELECT NULL::text AS "ref id", "email" AS "email", "plan" AS "plan", "note" AS "note" FROM "public"."accounts" WITH NO DATA;');
    expect(sql).toContain(
      [
        'WITH "k id" AS (',
        '  INSERT INTO "salvage"."salvage_keys" ("ref", "key")',
        `    SELECT v."ref id", nextval('"public"."accounts_id_seq"'::regclass)::text`,
        '    FROM "pg_temp"."salvage_rows_1" AS v',
        '  ON CONFLICT DO NOTHING',
        '  RETURNING "ref", "key"',
        ')',
        'INSERT INTO "public"."accounts" ("id", "email", "plan", "note")',
        '  SELECT "k id"."key"::bigint, v."email"::text, v."plan"::text, v."note"::text',
        '  FROM "pg_temp"."salvage_rows_1" AS v, "k id"',
        '  WHERE "k id"."ref" = v."ref id"',
        'ON CONFLICT DO NOTHING;',
      ].join('\n'),
    );
    const original = await query('SELECT * FROM accounts ORDER BY id');

    // The live app took one of the unique emails meanwhile: refused before anything is written.
    await query(`INSERT INTO accounts (id, email, plan) VALUES (50, 'select@x', 'free')`);
    const drifted = await applyTo(dir).catch((e: unknown) => e);
    expect(drifted).toBeInstanceOf(PreconditionFailed);
    expect((drifted as Error).message).toContain('public.accounts id=50 holds a unique value');
    await query('DELETE FROM accounts WHERE id = 50');

    const result = await applyTo(dir);
    expect(result.rows).toEqual({ 'public.accounts': { insert: emails.length } });
    // Keys in COPY order, after the sequence's last value.
    expect(await query('SELECT id, email, note FROM accounts WHERE id > 3 ORDER BY id')).toEqual(emails.map((e, i) => ({ id: String(4 + i), email: e, note: e })));
    expect(await query("SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'salvage_rows_%'")).toEqual([{ n: 0 }]);
    expect(await verifyApplied({ patchDir: dir, target: { url: database.url, embeddedDir: '' } })).toMatchObject({ checked: emails.length, problems: [] });
    // Undo removes them in a staged block too, each key looked up in the map.
    const undoSql = await readFile(path.join(dir, 'undo.sql'), 'utf8');
    expect(undoSql).toContain('  SELECT NULL::text AS "ref id", "email" AS "old email", "plan" AS "old plan", "note" AS "old note" FROM "public"."accounts" WITH NO DATA;');
    expect(undoSql).toContain(
      [
        'DELETE FROM "public"."accounts" AS t USING "pg_temp"."salvage_rows_1" AS v,',
        '    LATERAL (SELECT k."key" FROM "salvage"."salvage_keys" AS k WHERE k."ref" = v."ref id" OFFSET 0) AS "k id"',
        '  WHERE t."id" = "k id"."key"::bigint',
        '    AND t."email" IS NOT DISTINCT FROM v."old email"::text',
      ].join('\n'),
    );
    // The key map forgets the keys in a staged block as well.
    expect(undoSql).toContain('  SELECT "ref" AS "key ref" FROM "salvage"."salvage_keys" WITH NO DATA;');
    expect(undoSql).toMatch(/DELETE FROM "salvage"\."salvage_keys" AS t USING "pg_temp"\."salvage_rows_2" AS v\n  WHERE t\."ref" = v\."key ref"::text;/);
    // A row the live app changed since is not removed: undo stops, nothing is undone.
    await query(`UPDATE accounts SET note = 'changed by the app' WHERE email = 'select@x'`);
    await expect(applyTo(dir, { which: 'undo' })).rejects.toThrow(/note is now "changed by the app"/);
    expect(await query("SELECT count(*)::int AS n FROM accounts WHERE id > 3")).toEqual([{ n: emails.length }]);
    await query(`UPDATE accounts SET note = 'select@x' WHERE email = 'select@x'`);
    expect((await applyTo(dir, { which: 'undo' })).committed).toBe(true);
    expect(await query('SELECT * FROM accounts ORDER BY id')).toEqual(original);
    expect(await query('SELECT count(*)::int AS n FROM salvage.salvage_keys')).toEqual([{ n: 0 }]);
  });

  it('staged rows that point at other new rows take keys made first; the rows that own only their key go before them, in one statement per block', async () => {
    const owning = (n: number) => newKeyAccount(`own-${n}`, `own-${n}@x`);
    // note holds the key of an owning row: a reference into the key map, like a foreign key to a new row.
    const pointing = (n: number) => newKeyAccount(`points-${n}`, `points-${n}@x`, { plan: 'free', noteRef: `own-${n}` });
    const changes = [owning(0), pointing(0), owning(1), pointing(1), owning(2)];
    const dir = await builtPatch(changes, STAGED, withAccountKeyGenerator);
    const sql = await readFile(path.join(dir, 'patch.sql'), 'utf8');
    const statements = sql.split('\n').filter((line) => /^(WITH|INSERT|CREATE|COPY)/.test(line));
    expect(statements).toEqual([
      // The pointing rows' own keys, made before any row is written.
      'CREATE TEMP TABLE "pg_temp"."salvage_rows_1" ON COMMIT DROP AS',
      'COPY "pg_temp"."salvage_rows_1" ("ref") FROM STDIN;',
      'INSERT INTO "salvage"."salvage_keys" ("ref", "key")',
      // The owning rows: keys and rows in one statement.
      'CREATE TEMP TABLE "pg_temp"."salvage_rows_2" ON COMMIT DROP AS',
      'COPY "pg_temp"."salvage_rows_2" ("ref id", "email", "plan") FROM STDIN;',
      'WITH "k id" AS (',
      'INSERT INTO "public"."accounts" ("id", "email", "plan")',
      // Then the rows that point at them, reading both keys from the map.
      'CREATE TEMP TABLE "pg_temp"."salvage_rows_3" ON COMMIT DROP AS',
      'COPY "pg_temp"."salvage_rows_3" ("ref id", "email", "plan", "ref note") FROM STDIN;',
      'INSERT INTO "public"."accounts" ("id", "email", "plan", "note")',
    ]);
    const original = await query('SELECT * FROM accounts ORDER BY id');

    const result = await applyTo(dir);
    expect(result.rows).toEqual({ 'public.accounts': { insert: changes.length } });
    const written = await query("SELECT p.email, o.email AS points_at FROM accounts p LEFT JOIN accounts o ON o.id::text = p.note WHERE p.id > 3 ORDER BY p.email");
    expect(written).toEqual([
      { email: 'own-0@x', points_at: null },
      { email: 'own-1@x', points_at: null },
      { email: 'own-2@x', points_at: null },
      { email: 'points-0@x', points_at: 'own-0@x' },
      { email: 'points-1@x', points_at: 'own-1@x' },
    ]);
    expect(await query('SELECT count(*)::int AS n FROM salvage.salvage_keys')).toEqual([{ n: changes.length }]);
    expect(await verifyApplied({ patchDir: dir, target: { url: database.url, embeddedDir: '' } })).toMatchObject({ checked: changes.length, problems: [] });
    expect((await applyTo(dir, { which: 'undo' })).committed).toBe(true);
    expect(await query('SELECT * FROM accounts ORDER BY id')).toEqual(original);
    expect(await query('SELECT count(*)::int AS n FROM salvage.salvage_keys')).toEqual([{ n: 0 }]);
  });

  it('a staged block that makes its own keys is refused whole when the key map already holds one of them', async () => {
    const dir = await builtPatch([0, 1, 2].map((n) => newKeyAccount(`again-${n}`, `again-${n}@x`)), STAGED, withAccountKeyGenerator);
    const sql = await readFile(path.join(dir, 'patch.sql'), 'utf8');
    const ref = /^(\w+\/public\.accounts#again-1)\t/m.exec(sql)?.[1] as string;
    expect(ref).toBeDefined();
    // A key map left holding one of the block's references (by hand, or a run that did not finish cleanly),
    // made as an earlier version made it: its ref in the database's own collation.
    await query('CREATE SCHEMA salvage; CREATE TABLE salvage.salvage_keys (ref text PRIMARY KEY, key text NOT NULL, assigned_at timestamptz NOT NULL DEFAULT now())');
    await database.client.query("INSERT INTO salvage.salvage_keys (ref, key) VALUES ($1, '999')", [ref]);
    const before = await query('SELECT * FROM accounts ORDER BY id');
    try {
      const error = await applyTo(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SalvageError);
      expect((error as Error).message).toMatch(/patch\.sql:\d+: this keyed-insert on public\.accounts touched 2 row\(s\), the patch expects 3\..*Everything was rolled back/);
      expect(await query('SELECT * FROM accounts ORDER BY id')).toEqual(before);
      expect(await query('SELECT ref, key FROM salvage.salvage_keys')).toEqual([{ ref, key: '999' }]);
    } finally {
      await query('DROP SCHEMA salvage CASCADE');
    }
  });

  it('a staged keyed row whose written value a trigger changes is caught by the read-back before COMMIT', async () => {
    const change: Change = { id: 'public.accounts#t', table: 'public.accounts', kind: 'insert', key: {}, keyRefs: { id: 'public.accounts#t' }, values: { email: 'low@x', plan: 'pro' }, evidence: { email: ev } };
    const dir = await builtPatch([change], STAGED, (cs) => {
      (cs.tables[0] as Changeset['tables'][number]).keyAtApply = { column: 'id', generator: { kind: 'sequence', schema: 'public', name: 'accounts_id_seq' } };
    });
    await query(`CREATE FUNCTION shout() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.email := upper(NEW.email); RETURN NEW; END $$;
      CREATE TRIGGER shout BEFORE INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION shout();`);
    try {
      const before = await query('SELECT * FROM accounts ORDER BY id');
      const error = await applyTo(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PreconditionFailed);
      expect((error as Error).message).toMatch(/public\.accounts id=4: email is "LOW@X", the patch wrote "low@x"/);
      expect(await query('SELECT * FROM accounts ORDER BY id')).toEqual(before);
    } finally {
      await query('DROP TRIGGER shout ON accounts; DROP FUNCTION shout();');
    }
  });

  it('staged inserts and updates a trigger rewrites are caught by the read-back, each row and value named', async () => {
    const dir = await builtPatch([insert('31', 'new@x'), insert('32', "O'Brien@x"), update('1', 'free', 'pro'), update('2', 'free', 'pro')], STAGED);
    await query(`CREATE FUNCTION shout() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.email := upper(NEW.email); RETURN NEW; END $$;
      CREATE TRIGGER shout BEFORE INSERT OR UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION shout();`);
    try {
      const before = await query('SELECT * FROM accounts ORDER BY id');
      const error = await applyTo(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PreconditionFailed);
      const message = (error as Error).message;
      expect(message).toMatch(/^4 row\(s\) of \S+ did not hold what \S+patch\.sql wrote when read back before COMMIT/);
      expect(message).toContain('public.accounts id=32: email is "O\'BRIEN@X", the patch wrote "O\'Brien@x"');
      expect(message).toContain('public.accounts id=2: email is "B@X", it was "b@x" and the patch does not write it');
      expect(await query('SELECT * FROM accounts ORDER BY id')).toEqual(before);
    } finally {
      await query('DROP TRIGGER shout ON accounts; DROP FUNCTION shout();');
    }
  });

  it('a value PostgreSQL refuses in COPY data is named at its line in patch.sql; nothing is written', async () => {
    await query('ALTER TABLE accounts ADD COLUMN visits integer');
    const many = { ...insert('11', 'e@x'), values: { id: '11', email: 'e@x', plan: 'pro', visits: 'many' } };
    const dir = await builtPatch([insert('10', 'd@x'), many], STAGED, (cs) => {
      (cs.tables[0] as { columns: Record<string, string> }).columns.visits = 'integer';
    });
    const lines = (await readFile(path.join(dir, 'patch.sql'), 'utf8')).split('\n');
    const bad = lines.findIndex((l) => l.startsWith('11\t')) + 1;
    const before = await dump();
    const error = await applyTo(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SalvageError);
    expect((error as Error).message).toMatch(new RegExp(`patch\\.sql:${bad}: PostgreSQL refused this row for public\\.accounts: invalid input syntax for type integer: "many"`));
    expect(await dump()).toEqual(before);
  });

  it('a large safety copy is staged too, and psql runs it to put every row back', async () => {
    await query("INSERT INTO accounts (id, email, plan, note) SELECT n, 'user' || n || '@x', 'free', E'O''Brien\\\\' || chr(9) || n FROM generate_series(100, 1300) AS n");
    const original = await query('SELECT * FROM accounts ORDER BY id');
    const updates = Array.from({ length: 1201 }, (_, i) => update(String(100 + i), 'free', 'pro'));
    const dir = await builtPatch(updates);
    const result = await applyTo(dir);
    expect(result.rows).toEqual({ 'public.accounts': { update: 1201 } });
    // verify reads a staged block's 1201 rows back a thousand keys at a time.
    expect(await verifyApplied({ patchDir: dir, target: { url: database.url, embeddedDir: '' } })).toMatchObject({ checked: 1201, problems: [] });
    const copy = result.safetyCopy as string;
    const restore = await readFile(path.join(copy, 'restore.sql'), 'utf8');
    expect(restore).toContain('-- public.accounts: 1201 rows, staged in salvage_rows_1');
    expect(restore).toContain('UPDATE "public"."accounts" AS t SET "email" = v."new email"::text, "plan" = v."new plan"::text, "note" = v."new note"::text\n  FROM "pg_temp"."salvage_rows_1" AS v\n  WHERE t."id" = v."key id"::bigint;');
    await run('psql', ['-v', 'ON_ERROR_STOP=1', '-q', '-f', path.join(copy, 'restore.sql'), database.url]);
    expect(await query('SELECT * FROM accounts ORDER BY id')).toEqual(original);
  });

  it('a second apply while one holds the lock is refused at once (exit 3)', async () => {
    const dir = await builtPatch([update('1', 'free', 'pro')]);
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    try {
      await other.query(`SELECT pg_advisory_lock(${APPLY_LOCK_KEY})`);
      const started = Date.now();
      const error = await applyTo(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SafetyRefusal);
      expect((error as Error).message).toContain('another salvage apply or undo is running');
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await other.end();
    }
    expect((await applyTo(dir)).committed).toBe(true);
  });

  it('audits only committed applies; writes a safety copy first; undo restores the rows; undo twice is refused', async () => {
    const dir = await builtPatch([insert('10', 'new@x'), update('1', 'free', 'pro')]);
    const original = await query('SELECT * FROM accounts ORDER BY id');
    expect((await applyTo(dir, { dryRun: true })).committed).toBe(false);
    expect(await query("SELECT to_regclass('salvage.salvage_history') AS t")).toEqual([{ t: null }]);

    const result = await applyTo(dir, { actor: 'agent:recovery-bot' });
    expect(result.committed).toBe(true);
    expect(result.privilegeWarnings.some((w) => w.includes('superuser'))).toBe(true);
    const history = await query('SELECT patch_id, action, actor, counts, outcome FROM salvage.salvage_history');
    expect(history).toEqual([
      { patch_id: expect.stringMatching(/^[0-9a-f]{16}$/), action: 'apply', actor: 'agent:recovery-bot', counts: { 'public.accounts': { insert: 1, sequence: 1, update: 1 } }, outcome: 'committed' },
    ]);
    const copies = await readdir(path.join(path.dirname(dir), 'pre-apply'));
    expect(copies).toHaveLength(1);
    const restore = await readFile(path.join(path.dirname(dir), 'pre-apply', copies[0] as string, 'restore.sql'), 'utf8');
    expect(restore).toContain(`UPDATE "public"."accounts" SET "email" = 'a@x', "plan" = 'free', "note" = NULL\n  WHERE "id" = '1';`);
    expect(existsSync(path.join(path.dirname(dir), 'pre-apply', copies[0] as string, 'undo.sql'))).toBe(true);

    expect(await verifyApplied({ patchDir: dir, target: { url: database.url, embeddedDir: '' } })).toMatchObject({ checked: 2, problems: [] });
    await query("UPDATE accounts SET plan = 'free' WHERE id = 1");
    expect((await verifyApplied({ patchDir: dir, target: { url: database.url, embeddedDir: '' } })).problems).toEqual([
      'public.accounts id=1: plan is "free", the patch wrote "pro"',
    ]);
    await query("UPDATE accounts SET plan = 'pro' WHERE id = 1");

    const undone = await applyTo(dir, { which: 'undo' });
    expect(undone.committed).toBe(true);
    expect(await query('SELECT * FROM accounts ORDER BY id')).toEqual(original);
    expect((await query('SELECT action FROM salvage.salvage_history ORDER BY id')).map((r) => r.action)).toEqual(['apply', 'undo']);
    await expect(applyTo(dir, { which: 'undo' })).rejects.toThrow(/is not applied on .*it was undone at/);
  });

  it.each([
    ['VALUES lists', undefined],
    ['staged blocks', STAGED],
  ])('doctor names the dangerous rights and prints grants that are enough to apply (%s)', async (_layout, layout) => {
    const dir = await builtPatch([insert('10', 'new@x'), update('1', 'free', 'pro')], layout);
    const report = await doctor({ patchDir: dir, target: { url: database.url, embeddedDir: '' } });
    expect(report.warnings[0]).toMatch(/is a superuser/);
    expect(report.grants).toEqual([
      ...(layout ? [`GRANT TEMPORARY ON DATABASE "${database.name}" TO "salvage_apply";`] : []),
      'GRANT USAGE ON SCHEMA "public" TO "salvage_apply";',
      'GRANT SELECT ON "public"."accounts" TO "salvage_apply";',
      'GRANT INSERT ("id", "email", "plan") ON "public"."accounts" TO "salvage_apply";',
      'GRANT UPDATE ("plan") ON "public"."accounts" TO "salvage_apply";',
      'GRANT SELECT, UPDATE ON SEQUENCE "public"."accounts_id_seq" TO "salvage_apply";',
      'GRANT DELETE ON "public"."accounts" TO "salvage_apply";  -- for undo: it deletes the rows the patch inserted',
      '-- salvage\'s audit table: GRANT CREATE ON DATABASE <db> TO "salvage_apply"; once, or create schema "salvage" for it beforehand.',
    ]);

    // The printed grants are enough: a role holding only them applies the patch, and has no dangerous right.
    const role = `salvage_apply_${database.name.slice(-8)}`;
    await query(`CREATE ROLE ${role} LOGIN`);
    try {
      for (const grant of report.grants.filter((g) => g.startsWith('GRANT'))) await query(grant.replaceAll('"salvage_apply"', role));
      await query(`GRANT CREATE ON DATABASE "${database.name}" TO ${role}`);
      const url = new URL(database.url);
      url.username = role;
      const limited = await apply({ patchDir: dir, target: { url: url.toString(), embeddedDir: '' }, confirm: database.name });
      expect(limited.committed).toBe(true);
      expect(limited.privilegeWarnings).toEqual([]);
      // ... and undo it: the grants include the DELETE undo needs.
      const undone = await apply({ patchDir: dir, target: { url: url.toString(), embeddedDir: '' }, confirm: database.name, which: 'undo' });
      expect(undone.committed).toBe(true);
      expect(await query('SELECT count(*)::int AS n FROM accounts WHERE id = 10')).toEqual([{ n: 0 }]);
    } finally {
      await query('DROP SCHEMA IF EXISTS salvage CASCADE');
      await query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role}; REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${role}; REVOKE ALL ON SCHEMA public FROM ${role}; REVOKE ALL ON DATABASE "${database.name}" FROM ${role}`);
      await query(`DROP ROLE ${role}`);
    }
  });
});
