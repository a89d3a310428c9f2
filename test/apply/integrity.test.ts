import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { apply, type ApplyOptions } from '../../src/apply/apply.js';
import { verifyApplied } from '../../src/apply/verify-target.js';
import { readDatabaseIdentity } from '../../src/db/identity.js';
import { parseConfig } from '../../src/config/load.js';
import { PreconditionFailed, SafetyRefusal, type SalvageError } from '../../src/errors.js';
import type { PatchManifest } from '../../src/patch/manifest.js';
import { buildPatch, writePatch } from '../../src/patch/patch.js';
import type { Change, Changeset } from '../../src/changeset/changeset.js';
import { CREATE_HISTORY } from '../../src/sql/audit-history.js';
import { changesetOf } from '../support/changeset.js';
import { accountEvidence as ev, accountsChangeset as changeset, DROP_ACCOUNTS, insertAccount as insert, updatePlan as update } from '../support/accounts-changeset.js';
import { connectedDatabase } from '../support/connected-database.js';
import { writePatchDir, type PatchFiles } from '../support/patch-dir.js';
import { tempJobDir } from '../support/flow.js';
import { createTestDatabase, postgresAvailable } from '../support/postgres.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

/**
 * Attacks on apply and undo that a checksum beside the files cannot stop: each test
 * is one attack, made with salvage's own patch files, on a real PostgreSQL.
 */
const pgUp = await postgresAvailable();
const run = promisify(execFile);

const SCHEMA = `
CREATE TABLE accounts (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE, plan text NOT NULL, note text);
INSERT INTO accounts (id, email, plan) VALUES (1, 'a@x', 'free'), (2, 'b@x', 'free'), (3, 'c@x', 'pro');
SELECT setval('accounts_id_seq', 3);
`;

/** The guards of docs/apply-guards.md, by the bold name each has there: one test each below. */
const GUARD = {
  undoAsRecorded: 'Undo only as recorded',
  notTheBackup: 'Never into the backup',
  madeForTarget: 'Only the target it was made for',
  ownAuditObjects: 'Only its own audit table',
  sequencesLast: 'Sequences move last',
  undoSafetyCopy: 'Undo\'s safety copy brings rows back',
  reviewedPatch: 'Only the reviewed changeset',
  namedFailures: 'Failures named',
  readBack: 'Written as the patch says',
} as const;

const built = (changes: Change[], edit: (cs: Changeset) => void = () => undefined): PatchFiles => {
  const cs = changeset(changes);
  edit(cs);
  return buildPatch(cs, 'cd'.repeat(32));
};

describe('docs/apply-guards.md', () => {
  it('lists exactly the guards tested here, each with what it stops', async () => {
    const doc = await readFile(new URL('../../docs/apply-guards.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('\n- **'), doc.indexOf('\n**No silent loss.**'));
    const listed = [...section.matchAll(/^- \*\*(.+?)\.\*\* ([\s\S]*?)(?=^- \*\*|(?![\s\S]))/gm)];
    expect(listed.map((m) => m[1])).toEqual(Object.values(GUARD));
    for (const m of listed) expect(m[2]).toMatch(/Stops: \S/);
  });
});

describe.runIf(pgUp)('apply and undo cannot be turned against the data', () => {
  const database = connectedDatabase('integrity', { beforeEachTest: (client) => client.query(DROP_ACCOUNTS + SCHEMA) });
  const query = async (sql: string, params: unknown[] = []) => (await database.client.query(sql, params)).rows;
  const applyTo = (patchDir: string, options: Partial<ApplyOptions> = {}) => apply({ patchDir, target: { url: database.url, embeddedDir: '' }, confirm: database.name, ...options });

  it(`${GUARD.undoAsRecorded}: an undo.sql rewritten with its manifest to delete a backup row is refused`, async () => {
    const reviewed = built([insert('10', 'new@x')]);
    const dir = await writePatchDir(await tempJobDir('undo-swap'), reviewed);
    expect((await applyTo(dir)).committed).toBe(true);

    // The attacker's undo also deletes row 3, which the backup had and the patch never touched;
    // its manifest entries and sha256 are recomputed, so the files agree with each other.
    const hostile = built([insert('10', 'new@x'), insert('3', 'c@x', 'pro')]);
    await writePatchDir(path.dirname(dir), { patchSql: reviewed.patchSql, undoSql: hostile.undoSql, manifest: { ...reviewed.manifest, undo: hostile.manifest.undo } });

    const error = await applyTo(dir, { which: 'undo' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SafetyRefusal);
    expect((error as Error).message).toMatch(/undo\.sql is not the undo recorded when patch [0-9a-f]{16} was applied/);
    expect((error as Error).message).toContain('Nothing was written');
    expect(await query('SELECT id FROM accounts ORDER BY id')).toEqual([{ id: '1' }, { id: '2' }, { id: '3' }, { id: '10' }]);

    // The undo that was recorded still runs.
    await writePatchDir(path.dirname(dir), reviewed);
    expect((await applyTo(dir, { which: 'undo' })).committed).toBe(true);
    expect(await query('SELECT id FROM accounts ORDER BY id')).toEqual([{ id: '1' }, { id: '2' }, { id: '3' }]);
  });

  it(`${GUARD.notTheBackup}: a target URL that reaches the database reconcile read as the backup is refused, whatever the URL says`, async () => {
    // The changeset says it was reconciled from this very database; the URL names it by another host.
    const identity = await readDatabaseIdentity(database.client);
    const files = built([insert('10', 'new@x')], (cs) => {
      cs.backup.identity = identity;
    });
    expect(files.manifest.backup.identity).toEqual(identity);
    const dir = await writePatchDir(await tempJobDir('into-backup'), files);
    const url = new URL(database.url);
    url.hostname = 'localhost';

    const error = await apply({ patchDir: dir, target: { url: url.toString(), embeddedDir: '' }, confirm: database.name }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SafetyRefusal);
    expect((error as Error).message).toContain(`the target is the backup: database ${database.name} of cluster ${identity.systemIdentifier}`);
    expect((error as Error).message).toContain('pass --into-backup');
    expect(await query('SELECT id FROM accounts ORDER BY id')).toEqual([{ id: '1' }, { id: '2' }, { id: '3' }]);

    // Told explicitly, it writes.
    expect((await applyTo(dir, { intoBackup: true })).committed).toBe(true);
  });

  it(`${GUARD.madeForTarget}: a database restored from the same dump, reached by the target URL, is refused unless told`, async () => {
    // The patch was reconciled against this database; a second one holds the same rows (staging, restored from the same dump).
    const identity = await readDatabaseIdentity(database.client);
    const files = built([insert('10', 'new@x'), update('1', 'free', 'pro')], (cs) => {
      cs.target = { database: database.name, describe: database.name, identity };
    });
    expect(files.manifest.target).toEqual({ database: database.name, identity });
    const dir = await writePatchDir(await tempJobDir('other-target'), files);
    const other = await createTestDatabase('other-target');
    const otherClient = new pg.Client({ connectionString: other.url });
    await otherClient.connect();
    try {
      await otherClient.query(SCHEMA);
      const target = { url: other.url, embeddedDir: '' };
      const error = await apply({ patchDir: dir, target, confirm: other.name }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SafetyRefusal);
      expect((error as SafetyRefusal).exitCode).toBe(3);
      expect((error as Error).message).toContain(`the target is not the database this patch was made for: it was reconciled against database ${database.name} of cluster ${identity.systemIdentifier}, and this is database ${other.name} of cluster ${identity.systemIdentifier}`);
      expect((error as Error).message).toContain('pass --allow-other-target');
      expect((await otherClient.query('SELECT id, plan FROM accounts ORDER BY id')).rows).toEqual([
        { id: '1', plan: 'free' },
        { id: '2', plan: 'free' },
        { id: '3', plan: 'pro' },
      ]);

      // The database it was made for takes it; another one only when told, and undo follows its history there.
      expect((await applyTo(dir, { dryRun: true })).committed).toBe(false);
      expect((await apply({ patchDir: dir, target, confirm: other.name, allowOtherTarget: true })).committed).toBe(true);
      expect((await otherClient.query('SELECT id, plan FROM accounts ORDER BY id')).rows).toEqual([
        { id: '1', plan: 'pro' },
        { id: '2', plan: 'free' },
        { id: '3', plan: 'pro' },
        { id: '10', plan: 'pro' },
      ]);
      expect((await apply({ patchDir: dir, target, confirm: other.name, which: 'undo' })).committed).toBe(true);
    } finally {
      await otherClient.end();
      await other.drop();
    }
  });

  it(`${GUARD.madeForTarget}: a manifest edited to forget the target it was made for is refused`, async () => {
    const job = await tempJobDir('forget-target');
    const cs = changeset([insert('10', 'new@x')]);
    cs.target = { database: database.name, describe: database.name, identity: await readDatabaseIdentity(database.client) };
    await writeFile(path.join(job, 'changeset.json'), JSON.stringify(cs));
    const { dir, manifest } = await writePatch(job, path.join(job, 'changeset.json'));
    const { target: _forgotten, ...edited } = manifest;
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(edited));
    const error = await applyTo(dir, { reviewed: { changeset: path.join(job, 'changeset.json'), jobDir: job } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SafetyRefusal);
    expect((error as Error).message).toContain('manifest.json does not name the backup and target the reviewed changeset was reconciled against');
  });

  /** A second role with only what `salvage doctor` recommends on the database (CREATE), connected as itself; dropped after. */
  async function withAttacker(work: (attacker: { role: string; client: pg.Client }) => Promise<void>): Promise<void> {
    const role = `salvage_attacker_${randomBytes(4).toString('hex')}`;
    await query(`CREATE ROLE ${role} LOGIN`);
    await query(`GRANT CREATE ON DATABASE "${database.name}" TO ${role}`);
    const url = new URL(database.url);
    url.username = role;
    const attacker = new pg.Client({ connectionString: url.toString() });
    await attacker.connect();
    try {
      await work({ role, client: attacker });
    } finally {
      await attacker.end();
      await query('DROP SCHEMA IF EXISTS salvage CASCADE');
      await query(`REVOKE ALL ON DATABASE "${database.name}" FROM ${role}`);
      await query(`DROP ROLE ${role}`);
    }
  }

  it(`${GUARD.ownAuditObjects}: a history table planted with a trigger that makes its owner superuser is refused before it runs`, async () => {
    const dir = await writePatchDir(await tempJobDir('planted'), built([insert('10', 'new@x')]));
    await withAttacker(async ({ role, client: attacker }) => {
      await attacker.query('CREATE SCHEMA salvage');
      await attacker.query(CREATE_HISTORY[1] as string);
      await attacker.query(`CREATE FUNCTION salvage.escalate() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'ALTER ROLE ${role} SUPERUSER'; RETURN NEW; END $$`);
      await attacker.query('CREATE TRIGGER audit BEFORE INSERT ON salvage.salvage_history FOR EACH ROW EXECUTE FUNCTION salvage.escalate()');

      const error = await applyTo(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SafetyRefusal);
      expect((error as Error).message).toContain(`schema salvage is owned by "${role}", not by the role applying nor a superuser`);
      expect((error as Error).message).toContain('salvage.salvage_history has trigger "audit"');
      expect(await query('SELECT rolsuper FROM pg_roles WHERE rolname = $1', [role])).toEqual([{ rolsuper: false }]);
      expect(await query('SELECT id FROM accounts ORDER BY id')).toEqual([{ id: '1' }, { id: '2' }, { id: '3' }]);
    });
  });

  it(`${GUARD.ownAuditObjects}: a forged history row cannot make apply say "already applied"`, async () => {
    const files = built([insert('10', 'new@x')]);
    const dir = await writePatchDir(await tempJobDir('forged'), files);
    await withAttacker(async ({ role, client: attacker }) => {
      await attacker.query('CREATE SCHEMA salvage');
      await attacker.query(CREATE_HISTORY[1] as string);
      await attacker.query(
        "INSERT INTO salvage.salvage_history (patch_id, patch_sha256, undo_sha256, action, os_user, host, database_role, counts, outcome) VALUES ($1, $2, $3, 'apply', 'x', 'x', 'x', '{}', 'committed')",
        [files.manifest.id, files.manifest.patch.sha256, files.manifest.undo.sha256],
      );
      const error = await applyTo(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SafetyRefusal);
      expect((error as Error).message).toContain(`salvage.salvage_history is owned by "${role}"`);
    });
    // Once the planted objects are gone, apply makes its own and writes.
    const result = await applyTo(dir);
    expect(result.committed).toBe(true);
    expect(await query("SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = 'salvage.salvage_history'::regclass")).toEqual([{ owner: 'postgres' }]);
  });

  it(`${GUARD.ownAuditObjects}: a write grant to another role on salvage's own history table is refused`, async () => {
    const dir = await writePatchDir(await tempJobDir('granted'), built([insert('10', 'new@x')]));
    expect((await applyTo(dir)).committed).toBe(true);
    await withAttacker(async ({ role }) => {
      await query(`GRANT USAGE ON SCHEMA salvage TO ${role}; GRANT INSERT ON salvage.salvage_history TO ${role}`);
      const error = await applyTo(dir, { which: 'undo' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SafetyRefusal);
      expect((error as Error).message).toContain(`salvage.salvage_history has grant ${role} may INSERT`);
      await query(`REVOKE ALL ON salvage.salvage_history FROM ${role}; REVOKE ALL ON SCHEMA salvage FROM ${role}`);
    });
  });

  const sequenceAt = async () => (await query('SELECT last_value FROM accounts_id_seq'))[0]?.last_value as string;

  it(`${GUARD.sequencesLast}: an apply that fails for want of CREATE on the database leaves the sequence where it was`, async () => {
    const dir = await writePatchDir(await tempJobDir('no-create'), built([insert('31', 'new@x')]));
    await withAttacker(async ({ role }) => {
      // Every grant doctor prints for this patch, but not CREATE on the database (revoked again).
      await query(`REVOKE CREATE ON DATABASE "${database.name}" FROM ${role}`);
      await query(`GRANT USAGE ON SCHEMA public TO ${role}; GRANT SELECT, INSERT ON accounts TO ${role}; GRANT SELECT, UPDATE ON SEQUENCE accounts_id_seq TO ${role}`);
      try {
        const url = new URL(database.url);
        url.username = role;
        const error = await apply({ patchDir: dir, target: { url: url.toString(), embeddedDir: '' }, confirm: database.name }).catch((e: unknown) => e);
        expect((error as Error).message).toMatch(/permission denied for database/);
        expect(await sequenceAt()).toBe('3');
        expect(await query('SELECT id FROM accounts ORDER BY id')).toEqual([{ id: '1' }, { id: '2' }, { id: '3' }]);
      } finally {
        await query(`REVOKE ALL ON accounts FROM ${role}; REVOKE ALL ON SEQUENCE accounts_id_seq FROM ${role}; REVOKE ALL ON SCHEMA public FROM ${role}`);
      }
    });
  });

  it(`${GUARD.sequencesLast}: a deferred constraint that refuses the rows at COMMIT is checked before the sequence moves`, async () => {
    await query('ALTER TABLE accounts ADD COLUMN parent bigint REFERENCES accounts (id) DEFERRABLE INITIALLY DEFERRED');
    // Account 99 does not exist: the foreign key's check waits for COMMIT, after the patch's last statement.
    const orphan: Change = { ...insert('31', 'new@x'), values: { id: '31', email: 'new@x', plan: 'pro', parent: '99' } };
    const dir = await writePatchDir(await tempJobDir('deferred'), built([orphan], (cs) => {
      (cs.tables[0] as { columns: Record<string, string> }).columns.parent = 'bigint';
    }));
    const error = await applyTo(dir).catch((e: unknown) => e);
    expect(await sequenceAt()).toBe('3');
    expect(error).toBeInstanceOf(PreconditionFailed);
    expect((error as Error).message).toContain('a deferred constraint of the target refused the patch\'s rows');
    expect(await query("SELECT to_regclass('salvage.salvage_history') AS t")).toEqual([{ t: null }]);
  });

  it(`${GUARD.sequencesLast}: a sequence the role may not move is found before any other sequence moves`, async () => {
    await query('CREATE TABLE notes (id bigserial PRIMARY KEY, body text); SELECT setval(\'notes_id_seq\', 5)');
    const cs = changesetOf(
      [
        { table: 'public.accounts', schema: 'public', name: 'accounts', primaryKey: ['id'], columns: { id: 'bigint', email: 'text', plan: 'text', note: 'text' }, sequence: { schema: 'public', name: 'accounts_id_seq', column: 'id' }, counts: { insert: 0, update: 0, unchanged: 0, conflict: 0, unrecoverable: 0 } },
        { table: 'public.notes', schema: 'public', name: 'notes', primaryKey: ['id'], columns: { id: 'bigint', body: 'text' }, sequence: { schema: 'public', name: 'notes_id_seq', column: 'id' }, counts: { insert: 0, update: 0, unchanged: 0, conflict: 0, unrecoverable: 0 } },
      ],
      [insert('31', 'new@x'), { id: 'public.notes#40', table: 'public.notes', kind: 'insert', key: { id: '40' }, values: { id: '40', body: 'x' }, evidence: { body: ev } }],
    );
    const dir = await writePatchDir(await tempJobDir('seq-right'), buildPatch(cs, 'cd'.repeat(32)));
    await withAttacker(async ({ role }) => {
      await query(`GRANT USAGE ON SCHEMA public TO ${role}; GRANT SELECT, INSERT ON accounts, notes TO ${role}; GRANT SELECT, UPDATE ON SEQUENCE accounts_id_seq TO ${role}; GRANT SELECT ON SEQUENCE notes_id_seq TO ${role}`);
      try {
        const url = new URL(database.url);
        url.username = role;
        const error = await apply({ patchDir: dir, target: { url: url.toString(), embeddedDir: '' }, confirm: database.name }).catch((e: unknown) => e);
        expect(await sequenceAt()).toBe('3');
        expect(error).toBeInstanceOf(PreconditionFailed);
        expect((error as Error).message).toMatch(/patch\.sql:\d+: the role may not move public\.notes_id_seq/);
      } finally {
        await query(`DROP SCHEMA IF EXISTS salvage CASCADE; REVOKE ALL ON accounts, notes FROM ${role}; REVOKE ALL ON SEQUENCE accounts_id_seq, notes_id_seq FROM ${role}; REVOKE ALL ON SCHEMA public FROM ${role}; DROP TABLE notes`);
      }
    });
  });

  it(`${GUARD.undoSafetyCopy}: restore.sql saved before an undo re-inserts the rows undo deletes, and psql runs it`, async () => {
    const hostile = 'O\'Brien "quoted" \\ \t tab \n line 🦜 select';
    const files = built([{ ...insert('10', hostile), values: { id: '10', email: hostile, plan: 'pro', note: 'end;--' } }, insert('11', 'b2@x')]);
    const dir = await writePatchDir(await tempJobDir('undo-copy'), files);
    expect((await applyTo(dir)).committed).toBe(true);
    const applied = await query('SELECT * FROM accounts ORDER BY id');

    const undone = await applyTo(dir, { which: 'undo' });
    expect(undone.committed).toBe(true);
    expect(await query('SELECT id FROM accounts ORDER BY id')).toEqual([{ id: '1' }, { id: '2' }, { id: '3' }]);
    const restore = await readFile(path.join(undone.safetyCopy as string, 'restore.sql'), 'utf8');
    expect(restore).toContain(
      [
        '-- public.accounts: 2 row(s) that undo deletes',
        'INSERT INTO "public"."accounts" ("id", "email", "plan", "note") VALUES',
        `  ('10', 'O''Brien "quoted" \\ \t tab \n line 🦜 select', 'pro', 'end;--'),`,
        "  ('11', 'b2@x', 'pro', NULL);",
      ].join('\n'),
    );
    await run('psql', ['-v', 'ON_ERROR_STOP=1', '-q', '-f', path.join(undone.safetyCopy as string, 'restore.sql'), database.url]);
    expect(await query('SELECT * FROM accounts ORDER BY id')).toEqual(applied);
  });

  /** A job folder as reconcile and patch leave it: changeset.json, and the patch salvage made from it. */
  async function reviewedJob(changes: Change[]): Promise<{ job: string; dir: string; files: PatchFiles }> {
    const job = await tempJobDir('reviewed');
    await writeFile(path.join(job, 'changeset.json'), JSON.stringify(changeset(changes)));
    const { dir } = await writePatch(job, path.join(job, 'changeset.json'));
    const [patchSql, undoSql, manifest] = await Promise.all(['patch.sql', 'undo.sql', 'manifest.json'].map((f) => readFile(path.join(dir, f), 'utf8')));
    return { job, dir, files: { patchSql: patchSql as string, undoSql: undoSql as string, manifest: JSON.parse(manifest as string) as PatchManifest } };
  }

  it.each([
    ['a value edited', (sql: string) => sql.replace("'new@x'", "'evil@x'")],
    ['an UPDATE moved to another key', (sql: string) => sql.replace(/\('1', 'pro', 'free'\)/, "('2', 'pro', 'free')")],
  ])(`${GUARD.reviewedPatch}: a patch.sql with %s and its manifest recomputed is refused before it connects`, async (_what, tamper) => {
    const { job, dir, files } = await reviewedJob([insert('10', 'new@x'), update('1', 'free', 'pro')]);
    const tampered = tamper(files.patchSql);
    expect(tampered).not.toBe(files.patchSql);
    await writePatchDir(job, { ...files, patchSql: tampered });

    const error = await applyTo(dir, { reviewed: { changeset: path.join(job, 'changeset.json'), jobDir: job } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SafetyRefusal);
    expect((error as Error).message).toMatch(/patch\.sql is not what "salvage patch" makes from the reviewed changeset and decisions .*: it was edited after it was written\. Nothing was written\./);
    expect(await query('SELECT id, email, plan FROM accounts ORDER BY id')).toEqual([
      { id: '1', email: 'a@x', plan: 'free' },
      { id: '2', email: 'b@x', plan: 'free' },
      { id: '3', email: 'c@x', plan: 'pro' },
    ]);

    // The patch salvage made from the same changeset applies.
    await writePatchDir(job, files);
    expect((await applyTo(dir, { reviewed: { changeset: path.join(job, 'changeset.json'), jobDir: job } })).committed).toBe(true);
  });

  it(`${GUARD.reviewedPatch}: a changeset other than the one the patch was made from is refused`, async () => {
    const { job, dir } = await reviewedJob([insert('10', 'new@x')]);
    await writeFile(path.join(job, 'changeset.json'), JSON.stringify(changeset([insert('10', 'new@x'), insert('11', 'more@x')])));
    const error = await applyTo(dir, { reviewed: { changeset: path.join(job, 'changeset.json'), jobDir: job } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SafetyRefusal);
    expect((error as Error).message).toContain('changeset.json is not the changeset patch');
  });

  it(`${GUARD.namedFailures}: a lock timeout says so (exit 4) and names the session holding the lock, not a lost connection`, async () => {
    const dir = await writePatchDir(await tempJobDir('lock'), built([update('1', 'free', 'pro')]));
    const blocker = new pg.Client({ connectionString: database.url, application_name: 'nightly-report' });
    await blocker.connect();
    try {
      await blocker.query("BEGIN; UPDATE accounts SET note = 'busy' WHERE id = 1");
      const error = await applyTo(dir, { lockTimeout: '200ms' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PreconditionFailed);
      expect((error as PreconditionFailed).exitCode).toBe(4);
      const message = (error as Error).message;
      expect(message).toContain('apply waited longer than lock_timeout (200ms) for a row or table lock');
      expect(message).toMatch(/pid \d+ "nightly-report" \(role postgres, idle in transaction, in a transaction since \d{4}-\d\d-\d\dT[\d:]+Z\) on accounts/);
      expect(message).not.toContain('connection');
    } finally {
      await blocker.end();
    }
  });

  it(`${GUARD.namedFailures}: while apply waits on a lock it names the session it waits for (pg_blocking_pids), and the timeout names it too`, async () => {
    const dir = await writePatchDir(await tempJobDir('lock-wait'), built([update('1', 'free', 'pro')]));
    const blocker = new pg.Client({ connectionString: database.url, application_name: "O'Brien's \"nightly\" report" });
    await blocker.connect();
    try {
      const pid = (await blocker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      await blocker.query("BEGIN; UPDATE accounts SET note = 'busy' WHERE id = 1");
      const log: string[] = [];
      const error = await applyTo(dir, { lockTimeout: '3s', log: (line) => log.push(line) }).catch((e: unknown) => e);
      const session = new RegExp(`^  pid ${pid} "O'Brien's "nightly" report" \\(role postgres, idle in transaction, in a transaction since \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z\\)$`);
      const waiting = log.indexOf(`waiting for a lock on ${database.name}, held by:`);
      expect(waiting, log.join('\n')).toBeGreaterThanOrEqual(0);
      expect(log[waiting + 1]).toMatch(session);
      expect(log[waiting + 2]).toBe('  (apply waits up to lock_timeout, 3s, then rolls back and writes nothing)');
      expect(error).toBeInstanceOf(PreconditionFailed);
      const lines = (error as Error).message.split('\n');
      expect(lines[0]).toContain('apply waited longer than lock_timeout (3s) for a row or table lock');
      expect(lines[1]).toBe('It was waiting for:');
      expect(lines[2]).toMatch(session);
      expect(await query('SELECT plan FROM accounts WHERE id = 1')).toEqual([{ plan: 'free' }]);
      // The watch's own connection is gone with the apply.
      expect(await query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'salvage apply (lock watch)'")).toEqual([{ n: 0 }]);
    } finally {
      await blocker.end();
    }
  });

  it(`${GUARD.namedFailures}: permission denied says which right is missing (exit 4)`, async () => {
    const dir = await writePatchDir(await tempJobDir('denied'), built([update('1', 'free', 'pro')]));
    await withAttacker(async ({ role }) => {
      const url = new URL(database.url);
      url.username = role;
      const error = await apply({ patchDir: dir, target: { url: url.toString(), embeddedDir: '' }, confirm: database.name }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PreconditionFailed);
      expect((error as Error).message).toMatch(/the role connected to .* lacks a right apply needs: permission denied for (table accounts|schema public)/);
      expect((error as Error).message).not.toContain('Run the same command again');
    });
  });

  it(`${GUARD.namedFailures}: an invalid timeout is a usage error (exit 2), in the config and in the library`, async () => {
    const dir = await writePatchDir(await tempJobDir('timeout'), built([update('1', 'free', 'pro')]));
    const error = await applyTo(dir, { lockTimeout: 'soon' }).catch((e: unknown) => e);
    expect((error as SalvageError).exitCode).toBe(2);
    expect((error as Error).message).toContain('apply.lockTimeout "soon"');
    expect(() => parseConfig('window: { from: 2026-01-20T00:00:00Z, to: 2026-04-25T09:00:00Z }\nsources: {}\napply: { lockTimeout: soon }\n', '/x/salvage.yaml', { kinds: SOURCE_KINDS, env: {} })).toThrow(
      /salvage\.yaml:3:\d+: .*must be a PostgreSQL duration/,
    );
  });

  it(`${GUARD.namedFailures}: a safety copy the file system refuses is named, with nothing written`, async () => {
    const dir = await writePatchDir(await tempJobDir('eperm'), built([update('1', 'free', 'pro')]));
    // /sys refuses new directories even to root, as a read-only or foreign mount would.
    const error = await applyTo(dir, { jobDir: '/sys/salvage-job' }).catch((e: unknown) => e);
    expect((error as SalvageError).exitCode).toBe(5);
    expect((error as Error).message).toMatch(/\/sys\/salvage-job\S* .*\((EACCES|EPERM|EROFS), mkdir\)\. The transaction was rolled back; nothing was written\./);
    expect(await query('SELECT plan FROM accounts WHERE id = 1')).toEqual([{ plan: 'free' }]);
  });

  it(`${GUARD.namedFailures}: a disk that is full when the safety copy is written is named (exit 5), with nothing written`, async (context) => {
    const job = await tempJobDir('full-disk');
    const dir = await writePatchDir(job, built([update('1', 'free', 'pro')]));
    const disk = path.join(job, 'disk');
    await mkdir(disk);
    try {
      if (process.getuid?.() !== 0) throw new Error('not root');
      await run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', disk]);
    } catch {
      context.skip(); // only root may mount a small file system to fill
      return;
    }
    try {
      const { bavail, bsize } = await statfs(disk);
      await writeFile(path.join(disk, 'filler'), Buffer.alloc(bavail * bsize)).catch(() => undefined);
      const error = await applyTo(dir, { jobDir: disk }).catch((e: unknown) => e);
      expect((error as SalvageError).exitCode).toBe(5);
      expect((error as Error).message).toMatch(/^the disk is full: no space left on device to write \/\S+ \(ENOSPC, \w+\)\. The transaction was rolled back; nothing was written\. Free space/);
      expect(await query('SELECT plan FROM accounts WHERE id = 1')).toEqual([{ plan: 'free' }]);
    } finally {
      await run('umount', [disk]);
    }
  });

  it(`${GUARD.namedFailures}: undo's drift message gives undo's advice, not apply's`, async () => {
    const dir = await writePatchDir(await tempJobDir('undo-drift'), built([update('1', 'free', 'pro')]));
    expect((await applyTo(dir)).committed).toBe(true);
    await query("UPDATE accounts SET plan = 'free' WHERE id = 1");
    const error = await applyTo(dir, { which: 'undo' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailed);
    expect((error as Error).message).toContain('changed since the patch was applied');
    expect((error as Error).message).toContain('Undo reverses only rows that still hold what the patch wrote');
    expect((error as Error).message).not.toContain('salvage reconcile" and "salvage patch"');
  });

  it('verify counts rows, not problems: one row with two wrong columns is one of the rows checked', async () => {
    const dir = await writePatchDir(await tempJobDir('verify-count'), built([insert('10', 'new@x'), update('1', 'free', 'pro')]));
    expect((await applyTo(dir)).committed).toBe(true);
    await query("UPDATE accounts SET email = 'other@x', plan = 'free' WHERE id = 10");
    const result = await verifyApplied({ patchDir: dir, target: { url: database.url, embeddedDir: '' } });
    expect(result).toMatchObject({ checked: 2, wrongRows: 1 });
    expect(result.problems).toEqual(['public.accounts id=10: email is "other@x", the patch wrote "new@x"', 'public.accounts id=10: plan is "free", the patch wrote "pro"']);
  });

  it(`${GUARD.readBack}: a trigger that rewrites values is named before writing, and its rewrite is rolled back before COMMIT`, async () => {
    await query(`CREATE FUNCTION shout() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.email := upper(NEW.email); RETURN NEW; END $$;
      CREATE TRIGGER shout BEFORE INSERT OR UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION shout()`);
    try {
      const dir = await writePatchDir(await tempJobDir('trigger'), built([insert('31', 'new@x'), update('1', 'free', 'pro')]));
      const before = await query('SELECT * FROM accounts ORDER BY id');
      const log: string[] = [];
      const error = await applyTo(dir, { log: (line) => log.push(line) }).catch((e: unknown) => e);
      expect(log).toContain('warning: accounts has trigger "shout": it runs when salvage writes, and apply will refuse if it changes what the patch wrote');
      expect(error).toBeInstanceOf(PreconditionFailed);
      const message = (error as Error).message;
      expect(message).toMatch(/^2 row\(s\) of \S+ did not hold what \S+patch\.sql wrote when read back before COMMIT\. Everything was rolled back; nothing was written\./);
      expect(message).toContain('public.accounts id=31: email is "NEW@X", the patch wrote "new@x"');
      expect(message).toContain('public.accounts id=1: email is "A@X", it was "a@x" and the patch does not write it');
      expect(message).toContain('  trigger "shout" on accounts');
      expect(await query('SELECT * FROM accounts ORDER BY id')).toEqual(before);
      expect(await sequenceAt()).toBe('3');
    } finally {
      await query('DROP TRIGGER IF EXISTS shout ON accounts; DROP FUNCTION IF EXISTS shout()');
    }
  });
});
