import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply } from '../../src/apply/apply.js';
import { readDatabaseIdentity } from '../../src/db/identity.js';
import type { PatchManifest } from '../../src/patch/manifest.js';
import { runDemo, type DemoResult } from '../../src/demo/run-demo.js';
import { PreconditionFailed, SafetyRefusal } from '../../src/errors.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';
import { tempJobDir } from '../support/flow.js';
import { afterRestart } from '../../src/demo/after-restart.js';
import { compareRecovery } from '../../src/demo/compare.js';
import type { IncidentRows } from '../../src/demo/incident-types.js';
import { demoSelectTable } from '../../src/sql/demo-schema.js';
import { TerminalProgress } from '../../src/runtime/progress.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

const TABLES = ['customers', 'bookings', 'payments', 'refunds'];

/** Every row of every demo table, as text, in key order: a byte-level picture of the database. */
async function dump(url: string): Promise<Record<string, string[]>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const out: Record<string, string[]> = {};
    for (const t of TABLES) {
      const r = await client.query<{ row: string }>(`SELECT t::text AS row FROM public.${t} t ORDER BY id`);
      out[t] = r.rows.map((x) => x.row);
    }
    return out;
  } finally {
    await client.end();
  }
}

/** The demo's tables as the grading reads them (every value as text, in UTC). */
async function readDemoTables(url: string): Promise<IncidentRows> {
  const client = new pg.Client({ connectionString: url, types: { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig });
  await client.connect();
  try {
    await client.query("SET TimeZone = 'UTC'");
    const out: Record<string, unknown> = {};
    for (const t of TABLES) out[t] = (await client.query(demoSelectTable(t as 'customers'))).rows;
    return out as unknown as IncidentRows;
  } finally {
    await client.end();
  }
}

async function exec(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const pgUp = await postgresAvailable();

describe.runIf(pgUp)('the whole recovery on the real PostgreSQL', () => {
  let backup: TestDatabase;
  let target: TestDatabase;
  let job: string;
  let result: DemoResult;
  let patchDir: string;
  const log: string[] = [];

  beforeAll(async () => {
    backup = await createTestDatabase('flow_backup');
    target = await createTestDatabase('flow_target');
    job = await tempJobDir('flow');
    result = await runDemo({ kinds: SOURCE_KINDS, jobDir: job, backupUrl: backup.url, targetUrl: target.url, log: (l) => log.push(l) });
    patchDir = path.join(job, 'patch');
  });
  afterAll(async () => {
    await backup?.drop();
    await target?.drop();
  });

  /** The target as the restarted app left it: the backup's rows and the live app's, in id order. */
  const beforeRecovery = async () => {
    const live = afterRestart(result.incident).rows as unknown as Record<string, Array<Record<string, string | null>>>;
    const backupRows = await dump(backup.url);
    const recovered = await dump(target.url);
    const out: Record<string, string[]> = {};
    for (const t of TABLES) {
      const ids = new Set((live[t] ?? []).map((r) => r['id']));
      const liveRows = (recovered[t] ?? []).filter((row) => ids.has(/^\((\d+),/.exec(row)?.[1] ?? ''));
      out[t] = [...(backupRows[t] ?? []), ...liveRows].sort((a, b) => Number(/^\((\d+)/.exec(a)?.[1]) - Number(/^\((\d+)/.exec(b)?.[1]));
    }
    return out;
  };

  const applyTo = (options: Partial<Parameters<typeof apply>[0]> = {}) =>
    apply({ patchDir, target: { url: target.url, embeddedDir: '' }, confirm: target.name, ...options });

  it('recovers every lost row the exports carry, with correct values, and damages nothing', () => {
    expect(result.ok).toBe(true);
    for (const grade of result.report.tables) {
      expect(grade.wrong, `${grade.table} wrong`).toBe(0);
      expect(grade.damaged, `${grade.table} damaged`).toBe(0);
      expect(grade.spurious, `${grade.table} spurious`).toBe(0);
      expect(grade.missing.unexpected, `${grade.table} missing unexpectedly`).toBe(0);
      expect(grade.recovered + grade.partial + grade.missing.expected + grade.held).toBe(grade.lost);
      expect(grade.recovered).toBeGreaterThan(0);
    }
    // Production kept taking writes after the restart: every one of them is untouched.
    expect(result.report.live?.rows).toBe(6);
    expect(result.report.live?.changed).toEqual([]);
    // What the live database made ambiguous is held for a person, by name.
    const held = Object.fromEntries(result.report.tables.map((t) => [t.table, t.details.held.map((h) => h.key)]));
    const after = afterRestart(result.incident);
    expect(held['customers']).toEqual([after.returningCustomer]);
    expect(held['bookings']).toEqual([after.reissuedBooking]);
    expect(log.join('\n')).toContain('Verdict: clean');
  });

  it('accounts for every record pulled: mapped + matched no rule + rejected', async () => {
    const changeset = JSON.parse(await readFile(path.join(job, 'changeset.json'), 'utf8')) as import('../../src/changeset/changeset.js').Changeset;
    expect(changeset.sources.map((s) => s.name).sort()).toEqual(['calendar', 'gcal', 'mailfiles', 'payments', 'refunds', 'stripe']);
    for (const s of changeset.sources) {
      expect((s.mapped ?? 0) + (s.unmapped ?? 0) + (s.rejected ?? 0), s.name).toBe(s.records);
      const unmapped = changeset.unmapped.filter((u) => u.source === s.name).reduce((n, u) => n + u.count, 0);
      expect(unmapped, s.name).toBe(s.unmapped);
    }
    // The staff meetings of the calendar and the declined card charges are the records no rule wants.
    expect(changeset.sources.find((s) => s.name === 'calendar')?.unmapped).toBeGreaterThan(0);
  });

  it('leaves the backup database untouched', async () => {
    const rows = await dump(backup.url);
    expect(rows.bookings).toHaveLength(result.incident.backup.bookings.length);
    expect(rows.customers).toHaveLength(result.incident.backup.customers.length);
  });

  it('binds the patch to the target it was reconciled against, and records the backup it was made from with its row counts', async () => {
    const manifest = JSON.parse(await readFile(path.join(patchDir, 'manifest.json'), 'utf8')) as PatchManifest;
    const identity = async (url: string) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return await readDatabaseIdentity(client);
      } finally {
        await client.end();
      }
    };
    expect(manifest.target).toEqual({ database: target.name, identity: await identity(target.url) });
    expect(manifest.backup.identity).toEqual(await identity(backup.url));
    expect(manifest.backup.rows?.['public.customers']).toBe(result.incident.backup.customers.length);
    expect(manifest.backup.rows?.['public.bookings']).toBe(result.incident.backup.bookings.length);
  });

  it('refuses to write the patch into the database it reconciled from as the backup (exit 3), writing nothing', async () => {
    const before = await dump(backup.url);
    const error = await apply({ patchDir, target: { url: backup.url, embeddedDir: '' }, confirm: backup.name }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SafetyRefusal);
    expect((error as Error).message).toContain(`the target is the backup: database ${backup.name}`);
    expect(await dump(backup.url)).toEqual(before);
  });

  it('applying the same patch again is a no-op that says so', async () => {
    const before = await dump(target.url);
    const again = await applyTo({ dryRun: true });
    expect(again.committed).toBe(false);
    expect(again.alreadyDone).toMatch(/^patch [0-9a-f]{16} was already applied to salvage_test_flow_target_\w+ at .* by .*; nothing to do$/);
    expect((await applyTo()).alreadyDone).toBeDefined();
    expect(await dump(target.url)).toEqual(before);
  });

  it('undo restores exactly the backup rows and the live rows, and the patch applies again after it', async () => {
    const recovered = await dump(target.url);
    const before = await beforeRecovery();
    const undone = await applyTo({ which: 'undo' });
    expect(undone.committed).toBe(true);
    expect(await dump(target.url)).toEqual(before);

    const dry = await applyTo({ dryRun: true });
    expect(dry.committed).toBe(false);
    expect(await dump(target.url)).toEqual(before);

    const again = await applyTo();
    expect(again.committed).toBe(true);
    // The same rows again; new rows take new keys from the target, so they are compared as the grading does, by natural key.
    expect(Object.values(await dump(target.url)).map((rows) => rows.length)).toEqual(Object.values(recovered).map((rows) => rows.length));
    const held = Object.fromEntries(result.report.tables.map((t) => [t.table, Object.fromEntries(t.details.held.map((h) => [h.key, h.why]))]));
    const regraded = compareRecovery(result.incident, await readDemoTables(target.url), { rows: afterRestart(result.incident).rows, held });
    expect(regraded).toEqual(result.report);
  });

  it('refuses a patch changed after it was written (exit 3), writing nothing', async () => {
    await applyTo({ which: 'undo' });
    const before = await dump(target.url);
    const file = path.join(patchDir, 'patch.sql');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace('ON CONFLICT DO NOTHING;', 'ON CONFLICT DO NOTHING ;'), 'utf8');
    try {
      const refusal = await applyTo().catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(SafetyRefusal);
      expect((refusal as SafetyRefusal).exitCode).toBe(3);
      expect((refusal as Error).message).toMatch(/patch\.sql was changed after "salvage patch" wrote it/);
    } finally {
      await writeFile(file, original, 'utf8');
    }
    expect(await dump(target.url)).toEqual(before);
  });

  it('refuses without confirmation, or with the wrong database named', async () => {
    const none = await applyTo({ confirm: undefined }).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(SafetyRefusal);
    expect((none as Error).message).toContain(`pass --confirm ${target.name}`);
    const wrong = await applyTo({ confirm: 'production' }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(SafetyRefusal);
    const wrongHost = await applyTo({ confirm: `${target.name}@db.example.com` }).catch((e: unknown) => e);
    expect(wrongHost).toBeInstanceOf(SafetyRefusal);
    expect((await applyTo({ confirm: `${target.name}@127.0.0.1`, dryRun: true })).committed).toBe(false);
  });

  it('refuses to write when a unique value of a row it inserts was taken meanwhile (drift, exit 4), writing nothing', async () => {
    // The live app recorded one of the lost refunds meanwhile (its Stripe id is unique): the patch must not write it twice.
    const patchSql = await readFile(path.join(patchDir, 'patch.sql'), 'utf8');
    const manifest = JSON.parse(await readFile(path.join(patchDir, 'manifest.json'), 'utf8')) as { patch: { statements: Array<{ kind: string; table: string }> } };
    expect(manifest.patch.statements.some((s) => s.kind === 'keyed-insert' && s.table === 'public.refunds')).toBe(true);
    const lastRefund = [...patchSql.matchAll(/'(re_[A-Za-z0-9]+)'/g)].at(-1)?.[1];
    expect(lastRefund).toBeDefined();
    await exec(target.url, `INSERT INTO refunds (payment_id, stripe_refund_id, amount, refunded_at) SELECT min(id), '${lastRefund}', 1, now() FROM payments`);
    const before = await dump(target.url);
    const failure = await applyTo().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PreconditionFailed);
    expect((failure as Error).message).toMatch(new RegExp(`public\\.refunds id=\\d+ holds a unique value \\(refunds_stripe_refund_id_key\\) of a row the patch inserts \\(.*${lastRefund}`));
    expect(await dump(target.url)).toEqual(before);
    await exec(target.url, `DELETE FROM refunds WHERE stripe_refund_id = '${lastRefund}' AND amount = 1`);
  });

  it('rolls back everything when a statement touches an unexpected number of rows', async () => {
    // Start from the backup state whatever ran before (undo is refused when the patch is not applied).
    await applyTo({ which: 'undo' }).catch(() => undefined);
    const patchSql = await readFile(path.join(patchDir, 'patch.sql'), 'utf8');
    const refund = [...patchSql.matchAll(/'(re_[A-Za-z0-9]+)'/g)].at(-1)?.[1];
    expect(refund).toBeDefined();
    // A trigger on the target silently swallows one refund: the insert reports one row fewer.
    await exec(
      target.url,
      `CREATE FUNCTION swallow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.stripe_refund_id = '${refund}' THEN RETURN NULL; END IF; RETURN NEW; END $$;
       CREATE TRIGGER swallow BEFORE INSERT ON refunds FOR EACH ROW EXECUTE FUNCTION swallow();`,
    );
    try {
      const before = await dump(target.url);
      const failure = await applyTo().catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(PreconditionFailed);
      expect((failure as Error).message).toMatch(/patch\.sql:\d+: this keyed-insert on public\.refunds touched \d+ row\(s\), the patch expects \d+/);
      expect(await dump(target.url)).toEqual(before);
    } finally {
      await exec(target.url, 'DROP TRIGGER swallow ON refunds; DROP FUNCTION swallow();');
    }
  });
});

describe('the whole recovery on the embedded database (no server needed)', () => {
  it('runs the demo on PGlite and grades it clean, with a live line for each restore from before the database starts', async () => {
    const job = await tempJobDir('embedded');
    // A terminal's stderr as the CLI would give it (TerminalProgress), recorded.
    const written: string[] = [];
    const progress = new TerminalProgress({ write: (text: string) => written.push(text), isTTY: true, columns: 160 });
    const result = await runDemo({ kinds: SOURCE_KINDS, jobDir: job, progress });
    expect(result.ok).toBe(true);
    const bookings = result.report.tables.find((t) => t.table === 'bookings');
    expect(bookings?.recovered).toBeGreaterThan(150);

    const rows = Object.values(result.incident.backup).reduce((n, table) => n + table.length, 0);
    const total = rows.toLocaleString('en-US');
    // Drawn at 0 before the embedded PostgreSQL opens (most of a restore's time), left with its total time.
    expect(written[0]).toBe(`\rrestore the backup  [....................]    0%  0 rows / ${total} rows\x1b[K`);
    const backupEnd = written.findIndex((t) => t.startsWith(`\rrestore the backup  ${total} rows`));
    expect(written[backupEnd]).toMatch(/  \(\d+\.\ds\)\n$/);
    expect(written[backupEnd + 1]).toBe(`\rrestore the target  [....................]    0%  0 rows / ${total} rows\x1b[K`);
    expect(written.some((t) => t.startsWith(`\rrestore the target  ${total} rows`) && t.endsWith('s)\n'))).toBe(true);
    // The later steps draw on it too.
    expect(written.some((t) => t.startsWith('\rwrite patch and undo'))).toBe(true);
  }, 300_000);
});
