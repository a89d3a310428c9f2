import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply } from '../../src/apply/apply.js';
import { verifyApplied } from '../../src/apply/verify-target.js';
import { PreconditionFailed } from '../../src/errors.js';
import { writePatch } from '../../src/patch/patch.js';
import type { Change } from '../../src/changeset/changeset.js';
import { caseDir, exec, pullAndReconcile, query, writeFiles, type PipelineRun } from '../corpus/support.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';
import { AFTER_RESTART, ALICE, CLINIC_BACKUP, CLINIC_FILES, CLINIC_SCHEMA, clinicConfig } from './clinic-case.js';

const pgUp = await postgresAvailable();

function byId(run: PipelineRun): Map<string, Change> {
  return new Map(run.changeset.changes.map((c) => [c.id, c]));
}

async function applyPatch(run: PipelineRun, target: TestDatabase) {
  const patch = await writePatch(run.config.jobDir, path.join(run.config.jobDir, 'changeset.json'));
  const applied = await apply({ patchDir: patch.dir, jobDir: run.config.jobDir, target: { url: target.url, embeddedDir: '' }, confirm: target.name });
  return { patch, applied };
}

/** Every row of the clinic, as text, in a stable order: what "untouched" is checked against. */
async function snapshot(url: string) {
  return {
    patients: await query(url, 'SELECT id::text, email, full_name, phone, deleted_at::text FROM patients ORDER BY lower(email), id'),
    appointments: await query(url, 'SELECT id::text, number, patient_id::text, starts_at::text, status FROM appointments ORDER BY number'),
    invoices: await query(url, 'SELECT id::text, appointment_id::text, amount::text FROM invoices ORDER BY id'),
  };
}

describe.runIf(pgUp)('recovering into a live database that kept taking writes after the restart', () => {
  let backup: TestDatabase;
  let target: TestDatabase;
  let dir: string;
  let first: PipelineRun;
  let erin: string;

  beforeAll(async () => {
    backup = await createTestDatabase('live_backup');
    target = await createTestDatabase('live_target');
    await exec(backup.url, CLINIC_SCHEMA + CLINIC_BACKUP);
    await exec(target.url, CLINIC_SCHEMA + CLINIC_BACKUP + AFTER_RESTART);
    dir = await caseDir('live');
    await writeFiles(dir, { ...CLINIC_FILES, 'salvage.yaml': clinicConfig(backup.url, target.url) });
    erin = (await query(target.url, "SELECT id::text FROM patients WHERE email = 'ERIN@x.test'"))[0]?.['id'] as string;
    first = await pullAndReconcile(dir);
  });
  afterAll(async () => {
    await backup?.drop();
    await target?.drop();
  });

  it('classifies each lost row against the backup and the live rows it meets', () => {
    const changes = byId(first);
    expect(first.changeset.target?.database).toBe(target.name);
    // A new patient whose e-mail a soft-deleted backup row also has: a second row, its key made by the target.
    expect(changes.get('public.patients@record=file://exports/patients.csv#L3')).toMatchObject({
      kind: 'insert',
      key: {},
      keyRefs: { id: 'public.patients@record=file://exports/patients.csv#L3' },
      values: { email: 'dave@x.test', full_name: 'Dave New', phone: '222' },
    });
    // Erin signed up again after the restart: she is that live row; the recovery fills only her empty phone.
    expect(changes.get(`public.patients#${erin}`)).toMatchObject({ kind: 'update', key: { id: erin }, values: { phone: '333' }, old: { phone: null }, live: { why: 'natural-key' } });
    // Frank signed up again too, under another name: the live value stays, and the difference is a conflict shown beside it.
    const frank = [...changes.values()].find((c) => c.live?.values['email'] === 'frank@x.test');
    expect(frank).toMatchObject({
      kind: 'conflict',
      live: { why: 'natural-key', values: { full_name: 'Frank Live' } },
      conflicts: { full_name: [{ value: 'Frank Lost' }, { value: 'Frank Live', evidence: [{ source: '(live database)' }] }] },
    });
    // Alice is in the backup and live, unchanged: nothing to write, and never a second Alice.
    expect([...changes.values()].filter((c) => c.table === 'public.patients' && JSON.stringify(c).includes('alice'))).toEqual([]);
    // Staff completed 101 after the restart; the sources say cancelled: a conflict, guarded by the live value once decided.
    expect(changes.get('public.appointments#101')).toMatchObject({
      kind: 'conflict',
      old: { status: 'completed' },
      live: { why: 'changed-live', values: { status: 'completed' } },
      conflicts: { status: [{ value: 'cancelled' }, { value: 'completed', evidence: [{ source: '(live database)', ref: 'live:public.appointments#101' }] }] },
    });
    expect(changes.get('public.appointments#102')).toMatchObject({ kind: 'update', values: { status: 'cancelled' }, old: { status: 'booked' } });
    expect(changes.get('public.appointments#103')).toMatchObject({ kind: 'unrecoverable', reason: 'deleted-live' });
    // 104 is a lost appointment's number the live app gave to a new one: never written until decided.
    expect(changes.get('public.appointments#104')).toMatchObject({ kind: 'conflict', live: { why: 'key-reused', values: { number: 'L-1' } } });
    expect(changes.get('public.appointments#104')?.notes?.join()).toContain('key reused by the live database');
    // 105 is new; its patient is Erin's live row.
    expect(changes.get('public.appointments#105')).toMatchObject({ kind: 'insert', values: { patient_id: erin, number: 'A-105' } });
    // An invoice that names appointment 104 directly would land on the live L-1: held instead.
    expect(changes.get('public.invoices#9001')).toMatchObject({ kind: 'unrecoverable', reason: 'missing-parent' });
    expect(changes.get('public.invoices#9001')?.detail).toContain('public.appointments#104 is a conflict awaiting review');
    expect(changes.get('public.invoices#9002')).toMatchObject({ kind: 'insert', values: { appointment_id: '105' } });
  });

  it('stops cleanly, naming the row, when a writer takes a unique value the patch needs; reconcile and patch again converge', async () => {
    const patch = await writePatch(first.config.jobDir, path.join(first.config.jobDir, 'changeset.json'));
    // Between reconcile and apply, Dave signs up on the live site.
    await exec(target.url, "INSERT INTO patients (email, full_name) VALUES ('Dave@X.test', 'Dave New')");
    const before = await snapshot(target.url);
    const refused = apply({ patchDir: patch.dir, jobDir: first.config.jobDir, target: { url: target.url, embeddedDir: '' }, confirm: target.name });
    await expect(refused).rejects.toThrow(PreconditionFailed);
    await expect(refused).rejects.toThrow(/public\.patients id=[0-9a-f-]+ holds a unique value \(patients_email_live\)/);
    expect(await snapshot(target.url)).toEqual(before);
    // Not even salvage's key map was left behind: it was created in the transaction that rolled back.
    expect(await query(target.url, "SELECT to_regclass('salvage.salvage_keys') IS NULL AS gone")).toEqual([{ gone: 't' }]);

    const again = await pullAndReconcile(dir);
    const dave = (await query(target.url, "SELECT id::text FROM patients WHERE email = 'Dave@X.test'"))[0]?.['id'] as string;
    expect(byId(again).get(`public.patients#${dave}`)).toMatchObject({ kind: 'update', values: { phone: '222' }, old: { phone: null } });
    first = again;
  });

  it('applies while another process writes to the same tables: every live write and every recovered row is there exactly once', async () => {
    // The team moved the sequence past the lost numbers (a writer taking 105 now would stop apply, as above).
    await exec(target.url, "SELECT setval('appointments_id_seq', 1000)");
    const writer = startWriter(target.url);
    await writer.started;
    const duringBefore = await countWriter(target.url);
    const { applied } = await applyPatch(first, target);
    const duringAfter = await countWriter(target.url);
    const written = await writer.stop();
    expect(applied.committed).toBe(true);
    // The writer committed while apply ran: apply's locks are on its own rows, for its own transaction.
    expect(duringAfter).toBeGreaterThan(duringBefore);
    expect(await countWriter(target.url)).toBe(written);
    expect(await query(target.url, "SELECT count(DISTINCT number)::int AS n FROM appointments WHERE number LIKE 'W-%'")).toEqual([{ n: String(written) }]);

    const now = await snapshot(target.url);
    const appointment = (n: string) => now.appointments.filter((a) => a['number'] === n);
    expect(appointment('A-102')).toEqual([expect.objectContaining({ id: '102', status: 'cancelled' })]);
    expect(appointment('A-105')).toEqual([expect.objectContaining({ id: '105', patient_id: erin })]);
    // The live rows: untouched.
    expect(appointment('A-101')).toEqual([expect.objectContaining({ status: 'completed' })]);
    expect(appointment('A-103')).toEqual([]);
    expect(appointment('L-1')).toEqual([expect.objectContaining({ id: '104', patient_id: ALICE })]);
    expect(appointment('A-104')).toEqual([]);
    expect(now.patients.map((p) => [p['email'], p['full_name'], p['phone'], p['deleted_at'] === null])).toEqual([
      ['alice@x.test', 'Alice', null, true],
      ['dave@x.test', 'Dave (old account)', '111', false],
      ['Dave@X.test', 'Dave New', '222', true],
      ['ERIN@x.test', 'Erin', '333', true],
      ['frank@x.test', 'Frank Live', '444', true],
    ]);
    expect(now.invoices).toEqual([{ id: '9002', appointment_id: '105', amount: '60.00' }]);
    const verified = await verifyApplied({ patchDir: path.join(first.config.jobDir, 'patch'), target: { url: target.url, embeddedDir: '' } });
    expect(verified.problems).toEqual([]);
  });

  it('writes a row whose key the live app reused under a new key once a person says so, and its children follow', async () => {
    await writeFile(path.join(first.config.jobDir, 'decisions.yaml'), 'rekey:\n  - public.appointments#104\n');
    const run = await pullAndReconcile(dir);
    const changes = byId(run);
    expect(changes.get('public.appointments#104~new-key')).toMatchObject({ kind: 'insert', key: {}, keyRefs: { id: 'public.appointments#104~new-key' }, values: { number: 'A-104', patient_id: erin } });
    expect(changes.get('public.invoices#9001')).toMatchObject({ kind: 'insert', keyRefs: { appointment_id: 'public.appointments#104~new-key' }, values: { id: '9001', amount: '80.50' } });
    // What the last apply wrote is now simply there: nothing written twice.
    expect([...changes.values()].filter((c) => c.kind === 'insert' || c.kind === 'update').map((c) => c.id).sort()).toEqual([
      'public.appointments#104~new-key',
      'public.invoices#9001',
    ]);
    const { applied } = await applyPatch(run, target);
    expect(applied.rows).toEqual({ 'public.appointments': { insert: 1 }, 'public.invoices': { insert: 1 } });
    const rows = await query(target.url, "SELECT a.id::text, a.number, i.id::text AS invoice FROM appointments a JOIN invoices i ON i.appointment_id = a.id WHERE a.number = 'A-104'");
    expect(rows).toHaveLength(1);
    expect(Number(rows[0]?.['id'])).toBeGreaterThan(104);
    expect(rows[0]?.['invoice']).toBe('9001');
    expect(await query(target.url, "SELECT number FROM appointments WHERE id = 104")).toEqual([{ number: 'L-1' }]);
  });
});

async function countWriter(url: string): Promise<number> {
  return Number((await query(url, "SELECT count(*)::int AS n FROM appointments WHERE number LIKE 'W-%'"))[0]?.['n']);
}

/**
 * The live app, in a process of its own: it books appointments (keys from the sequence)
 * and reschedules the live appointment L-1, in short transactions, until told to stop;
 * it prints how many it booked.
 */
function startWriter(url: string): { started: Promise<void>; stop(): Promise<number> } {
  const script = `
    import pg from 'pg';
    const client = new pg.Client({ connectionString: process.argv[1] });
    await client.connect();
    let n = 0, stopping = false;
    process.stdin.on('data', () => {
      stopping = true;
      process.stdin.destroy();
    });
    while (!stopping) {
      n++;
      await client.query("INSERT INTO appointments (number, patient_id, starts_at, status) VALUES ($1, '${ALICE}', now(), 'booked')", ['W-' + n]);
      await client.query("UPDATE appointments SET starts_at = starts_at + interval '1 minute' WHERE number = 'L-1'");
      if (n === 5) process.stdout.write('started\\n');
      await new Promise((r) => setTimeout(r, 2));
    }
    await client.end();
    process.stdout.write('done ' + n + '\\n');
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, url], { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const started = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += String(d);
      if (out.includes('started')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`the writer exited early (${code})`)));
  });
  return {
    started,
    stop: () =>
      new Promise<number>((resolve, reject) => {
        child.on('exit', (code) => {
          const m = /done (\d+)/.exec(out);
          if (code === 0 && m) resolve(Number(m[1]));
          else reject(new Error(`the writer failed (${code}): ${out}`));
        });
        child.stdin.end('stop\n');
      }),
  };
}
