import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcile } from '../../../src/reconcile/reconcile.js';
import { cliAvailable, patchAndApply, pullAndReconcile, readRecords, salvage, type PipelineRun } from '../../corpus/support.js';
import type { FakeStripeServer } from '../../fakes/stripe/index.js';
import { TEST_KEY } from '../../fakes/stripe/harness.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../../support/postgres.js';
import { closeClinicCase, CLINIC_KEY_ENV as KEY_ENV, openClinicCase } from './clinic-case.js';
import { generateClinicIncident } from './generate.js';
import { applyWithTouchTriggersOff, changeCounts, CLINIC_CHANGE_COUNTS, rowsByValue, truth } from './rows.js';

const pgUp = await postgresAvailable();

describe.runIf(pgUp)('a clinic group recovered end to end (uuid keys, enum, jsonb, soft deletes, composite key, trigger)', () => {
  const incident = generateClinicIncident();
  let backup: TestDatabase;
  let target: TestDatabase;
  let stripe: FakeStripeServer;
  let dir: string;
  let run: PipelineRun;

  beforeAll(async () => {
    ({ backup, target, stripe, dir } = await openClinicCase(incident, 'clinic', incident.files));
    run = await pullAndReconcile(dir, { [KEY_ENV]: TEST_KEY });
  }, 120_000);
  afterAll(async () => {
    await closeClinicCase({ stripe, backup, target });
  });

  it('proves every lost row and leaves nothing unsettled', () => {
    expect(changeCounts(run)).toEqual(CLINIC_CHANGE_COUNTS);
    expect(run.changeset.failures.count).toBe(0);
  });

  it('writes the same changeset, byte for byte, with the backup compared in a work database', async () => {
    const work = await createTestDatabase('clinic_work');
    try {
      const file = path.join(run.config.jobDir, 'changeset.json');
      const blank = (text: string) => text.replace(/"createdAt":"[^"]*"/, '"createdAt":""');
      const oracle = blank(await readFile(file, 'utf8'));
      await reconcile({ config: { ...run.config, work: { engine: 'work-database', url: work.url } } });
      expect(blank(await readFile(file, 'utf8'))).toBe(oracle);
    } finally {
      await work.drop();
    }
  });

  it('reaches back over a year in Stripe only: a customer created long before the backup is pulled', async () => {
    const ids = (await readRecords(run.config.jobDir, 'stripe')).map((r) => r.data['id']);
    expect(ids).toContain('cus_Frida017');
  });

  it('fills a cancelled_at the backup lacks with the earliest mail, and never moves one it has', () => {
    const byId = new Map(run.changeset.changes.map((c) => [c.id, c]));
    const update = [...byId.values()].find((c) => c.table === 'public.appointments' && c.kind === 'update');
    expect(update).toMatchObject({ values: { status: 'cancelled', cancelled_at: '2026-01-28 14:22:00+00' }, old: { status: 'booked', cancelled_at: null } });
    // Dag's appointment was cancelled before the backup: a reminder mailed in the window changes nothing.
    expect(JSON.stringify(run.changeset.changes)).not.toContain('2026-01-15');
  });

  it('keys a treatment of a new appointment by the key the target makes at apply time', () => {
    const treatment = run.changeset.changes.find((c) => c.table === 'public.appointment_treatments' && c.values['code'] === 'T08');
    expect(treatment).toMatchObject({ kind: 'insert', keyRefs: { appointment_id: expect.stringMatching(/^public\.appointments@/) } });
    expect(treatment?.evidence['code']).toEqual([expect.objectContaining({ source: 'calendar', rule: 'appointment_treatments.yaml#treatment-codes' })]);
  });

  it('writes the jsonb details with members in the order written, the same text every run', () => {
    const inserts = run.changeset.changes.filter((c) => c.table === 'public.appointments' && c.kind === 'insert');
    for (const change of inserts) expect(change.values['details']).toMatch(/^\{"room":"\d","source":\{"system":"calendar","uid":"appt-\d{3}@nordclinic\.example"\}\}$/);
  });

  it('warns, in the changeset diff shows, that updated_at would be the apply time', async () => {
    expect(run.changeset.warnings).toEqual([
      expect.stringMatching(/^mappings\/appointments\.yaml:1:\d+: public\.appointments: no rule fills updated_at \(timestamp with time zone, DEFAULT now\(\)\)/),
      expect.stringMatching(/^mappings\/patients\.yaml:1:\d+: public\.patients: no rule fills updated_at/),
    ]);
    if (!cliAvailable()) return;
    const diff = await salvage(['diff', '--format', 'text'], dir);
    expect(diff.stdout).toContain('warning: mappings/appointments.yaml:1:8: public.appointments: no rule fills updated_at');
    // check reads the same mappings (every new verb in them) against the schema and the pulled records.
    const checked = await salvage(['check'], dir, { [KEY_ENV]: TEST_KEY });
    expect(checked.code).toBe(0);
  });

  it('applies into PostgreSQL and the clinic holds exactly what the sources prove', async () => {
    // The updated_at trigger would rewrite what the patch writes: apply refuses until it is off (docs/apply-guards.md).
    await expect(patchAndApply(run, target.name)).rejects.toThrow(/trigger "appointments_touch" on appointments/);
    const { applied } = await applyWithTouchTriggersOff(run, target.url, target.name);
    expect(applied).toMatchObject({ dryRun: false });
    expect(await rowsByValue(target.url)).toEqual(truth(incident));
  });

  it('reconciled again against the recovered clinic, finds nothing left to write', async () => {
    const again = await pullAndReconcile(dir, { [KEY_ENV]: TEST_KEY });
    expect(again.changeset.changes.map((c) => `${c.kind} ${c.id}`)).toEqual([]);
  });
});
