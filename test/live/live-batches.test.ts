import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_BATCH_MIN as LIVE_BATCH } from '../../src/reconcile/live-batch-size.js';
import type { Change } from '../../src/changeset/changeset.js';
import { caseDir, exec, pullAndReconcile, writeFiles, type PipelineRun } from '../corpus/support.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';
import { ALICE, CLINIC_BACKUP, CLINIC_FILES, CLINIC_SCHEMA, clinicConfig } from './clinic-case.js';

const pgUp = await postgresAvailable();

/**
 * Reconcile reads the live target a batch of changes at a time, one batch read while the
 * next is merged; a server on the same machine gets the smallest batches. Lost
 * appointments by the hundred, with the live rows that change their fate placed on both
 * sides of every batch boundary: each change must come back with the live target's answer
 * about itself, not about its neighbour in another batch.
 */
const N = 3 * LIVE_BATCH + 5;
const id = (k: number) => 1000 + k;
/** Where batches meet, in the order changes are made (one per appointment, in file order). */
const edges = [0, LIVE_BATCH - 1, LIVE_BATCH, LIVE_BATCH + 1, 2 * LIVE_BATCH - 1, 2 * LIVE_BATCH, 3 * LIVE_BATCH - 1, 3 * LIVE_BATCH, N - 1];
/** The live app reused these lost appointments' keys for rows of its own. */
const reused = new Set(edges.filter((_, i) => i % 2 === 0));
/** The live app already has these, exactly as the sources say. */
const present = new Set(edges.filter((_, i) => i % 2 === 1));
const startsAt = (k: number) => new Date(Date.UTC(2026, 2, 1, 8) + k * 3_600_000).toISOString().replace('.000Z', 'Z');
/** The same instant as PostgreSQL writes a timestamptz (UTC here). */
const asStored = (k: number) => startsAt(k).replace('T', ' ').replace('Z', '+00');

describe.runIf(pgUp)('checking changes against the live target batch by batch', () => {
  let backup: TestDatabase;
  let target: TestDatabase;
  let run: PipelineRun;

  beforeAll(async () => {
    backup = await createTestDatabase('live_batch_backup');
    target = await createTestDatabase('live_batch_target');
    await exec(backup.url, CLINIC_SCHEMA + CLINIC_BACKUP);
    const live = [...reused].map((k) => `(${id(k)}, 'L-${k}', '${ALICE}', '2026-06-01 09:00:00+00', 'booked')`)
      .concat([...present].map((k) => `(${id(k)}, 'A-${id(k)}', '${ALICE}', '${startsAt(k)}', 'booked')`));
    await exec(target.url, `${CLINIC_SCHEMA}${CLINIC_BACKUP}INSERT INTO appointments (id, number, patient_id, starts_at, status) VALUES ${live.join(', ')};`);
    const dir = await caseDir('live-batches');
    const rows = Array.from({ length: N }, (_, k) => `${id(k)},A-${id(k)},alice@x.test,${startsAt(k)},booked`);
    const invoices = Array.from({ length: N }, (_, k) => `${9000 + k},${id(k)},${(k % 90) + 10}.50`);
    await writeFiles(dir, {
      ...CLINIC_FILES,
      'exports/patients.csv': 'email,name,phone\nalice@x.test,Alice,\n',
      'exports/appointments.csv': ['id,number,email,starts_at,status', ...rows, ''].join('\n'),
      'exports/invoices.csv': ['id,appointment,amount', ...invoices, ''].join('\n'),
      'salvage.yaml': clinicConfig(backup.url, target.url),
    });
    run = await pullAndReconcile(dir);
  }, 120_000);
  afterAll(async () => {
    await backup?.drop();
    await target?.drop();
  });

  it('gives each change the live answer about its own row, on both sides of every batch boundary', () => {
    const changes = new Map<string, Change>(run.changeset.changes.map((c) => [c.id, c]));
    const kinds = Array.from({ length: N }, (_, k) => changes.get(`public.appointments#${id(k)}`)?.kind ?? 'none');
    const expected = Array.from({ length: N }, (_, k) => (reused.has(k) ? 'conflict' : present.has(k) ? 'none' : 'insert'));
    expect(kinds).toEqual(expected);
    for (const k of reused) {
      expect(changes.get(`public.appointments#${id(k)}`)).toMatchObject({ live: { why: 'key-reused', values: { number: `L-${k}` } }, values: { number: `A-${id(k)}` } });
    }
    for (let k = 0; k < N; k++) {
      const change = changes.get(`public.appointments#${id(k)}`);
      if (change?.kind === 'insert') expect(change.values).toMatchObject({ id: String(id(k)), number: `A-${id(k)}`, starts_at: asStored(k) });
    }
    // An invoice of an appointment whose key the live app reused is held; every other one is written.
    const invoices = Array.from({ length: N }, (_, k) => changes.get(`public.invoices#${9000 + k}`));
    expect(invoices.map((c) => c?.kind)).toEqual(Array.from({ length: N }, (_, k) => (reused.has(k) ? 'unrecoverable' : 'insert')));
    for (const k of reused) expect(invoices[k]?.detail).toContain(`public.appointments#${id(k)} is a conflict awaiting review`);
    const summary = (table: string) => run.changeset.tables.find((t) => t.table === table)?.counts;
    expect(summary('public.appointments')).toMatchObject({ insert: N - reused.size - present.size, conflict: reused.size, unchanged: present.size });
    expect(summary('public.invoices')).toMatchObject({ insert: N - reused.size, unrecoverable: reused.size });
  });
});
