import { cp, mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { init, type InitResult } from '../../../src/init/index.js';
import { pull } from '../../../src/pull/pull.js';
import { pullAndReconcile, writeFiles, type PipelineRun } from '../../corpus/support.js';
import type { FakeStripeServer } from '../../fakes/stripe/index.js';
import { TEST_KEY } from '../../fakes/stripe/harness.js';
import { postgresAvailable, type TestDatabase } from '../../support/postgres.js';
import { closeClinicCase, CLINIC_KEY_ENV as KEY_ENV, openClinicCase } from './clinic-case.js';
import { WHAT_INIT_CANNOT_KNOW, WRONG_GUESS_FIXES } from './draft-edits.js';
import { editDraft } from './edit-draft.js';
import { CLINIC_MAPPINGS, CLINIC_WINDOW, generateClinicIncident } from './generate.js';
import { applyWithTouchTriggersOff, changeCounts, CLINIC_CHANGE_COUNTS, rowsByValue, truth } from './rows.js';
import { SOURCE_KINDS } from '../../../connectors/registry.js';

const pgUp = await postgresAvailable();
const INIT_SOURCES = ['stripe', 'calendar=ics:exports/calendar.ics', 'mail=eml:exports/cancellations.mbox', 'signups=csv:exports/signups.csv'];

/**
 * The path a user takes on this schema: pull the sources, let `salvage init` draft the
 * mappings from the backup and the pulled records, correct the draft by hand, then
 * reconcile, patch and apply. The hand edits are in draft-edits.ts, each with its reason.
 */
describe.runIf(pgUp)('the clinic recovered from init\'s draft plus hand edits', () => {
  const incident = generateClinicIncident();
  const sourceFiles = Object.fromEntries(Object.entries(incident.files).filter(([file]) => !(file in CLINIC_MAPPINGS)));
  let backup: TestDatabase;
  let target: TestDatabase;
  let stripe: FakeStripeServer;
  let dir: string;
  let drafted: InitResult;
  let draftTexts: string[];
  let run: PipelineRun;

  beforeAll(async () => {
    ({ backup, target, stripe, dir } = await openClinicCase(incident, 'clinic_init', sourceFiles));
    await mkdir(path.join(dir, 'mappings'));
    const config = await loadConfig(path.join(dir, 'salvage.yaml'), { kinds: SOURCE_KINDS, env: { ...process.env, [KEY_ENV]: TEST_KEY } });
    await pull({ config, log: () => {} });

    // init never overwrites salvage.yaml: its draft goes to a directory of its own, next to copies of the exports.
    const draftDir = path.join(dir, 'draft');
    await writeFiles(draftDir, sourceFiles);
    drafted = await init({ kinds: SOURCE_KINDS, backupUrl: backup.url, dir: draftDir, sources: INIT_SOURCES, window: CLINIC_WINDOW, recordsDir: path.join(config.jobDir, 'records'), now: new Date('2026-04-20T12:00:00Z') });
    const draftMappings = path.join(draftDir, 'mappings');
    draftTexts = await Promise.all((await readdir(draftMappings)).map((f) => readFile(path.join(draftMappings, f), 'utf8')));
    await cp(draftMappings, path.join(dir, 'mappings'), { recursive: true });
    await editDraft(path.join(dir, 'mappings'), [...WRONG_GUESS_FIXES, ...WHAT_INIT_CANNOT_KNOW]);
    run = await pullAndReconcile(dir, { [KEY_ENV]: TEST_KEY });
  }, 120_000);
  afterAll(async () => {
    await closeClinicCase({ stripe, backup, target });
  });

  it('drafts a mapping for every table a source feeds but one, with no TODO left', () => {
    expect(drafted.report.files).toEqual(['salvage.yaml', 'mappings/patients.yaml', 'mappings/practitioners.yaml', 'mappings/appointments.yaml', 'mappings/payments.yaml']);
    expect(drafted.report.todos).toEqual([]);
    expect(draftTexts.join('\n')).not.toMatch(/^[^#\n]*TODO/m);
    // What it cannot write it says: the appointment is found by its two-column key, by hand.
    expect(draftTexts.join('\n')).toContain('# appointment_id: foreign key to appointments, whose unique key (practitioner_id, starts_at) takes several columns');
  });

  it('proves every lost row and leaves nothing unsettled', () => {
    // init's draft also maps practitioners: they are all found unchanged.
    expect(changeCounts(run)).toEqual({ ...CLINIC_CHANGE_COUNTS, 'public.practitioners': { insert: 0, update: 0, conflict: 0, unrecoverable: 0 } });
    expect(run.changeset.failures.count).toBe(0);
  });

  it('applies into PostgreSQL and the clinic holds exactly what the sources prove', async () => {
    await applyWithTouchTriggersOff(run, target.url, target.name);
    expect(await rowsByValue(target.url)).toEqual(truth(incident));
  });

  it('reconciled again against the recovered clinic, finds nothing left to write', async () => {
    const again = await pullAndReconcile(dir, { [KEY_ENV]: TEST_KEY });
    expect(again.changeset.changes.map((c) => `${c.kind} ${c.id}`)).toEqual([]);
  });
});
