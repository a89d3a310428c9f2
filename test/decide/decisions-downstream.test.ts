import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { apply } from '../../src/apply/apply.js';
import { review } from '../../src/decide/review.js';
import { writePatch } from '../../src/patch/patch.js';
import type { Change, Changeset } from '../../src/changeset/changeset.js';
import { reconcile } from '../../src/reconcile/reconcile.js';
import { openChangesetView } from '../../src/report/changeset-file-view.js';
import { renderPieces } from '../../src/report/render.js';
import { postgresAvailable, runSql } from '../support/postgres.js';
import { seededDatabase } from '../support/seeded-database.js';
import { smallJob, type TestRecord } from '../support/small-job.js';
import { decisionsPath, changesetPath } from '../../src/runtime/job-paths.js';

const pgUp = await postgresAvailable();

const SCHEMA_SQL = `
CREATE TABLE bookings (
  id serial PRIMARY KEY,
  reference text NOT NULL UNIQUE,
  status text NOT NULL,
  total numeric(10,2) NOT NULL
);
CREATE TABLE payments (
  id serial PRIMARY KEY,
  stripe_charge_id text NOT NULL UNIQUE,
  booking_id integer NOT NULL REFERENCES bookings (id),
  amount numeric(10,2) NOT NULL
);
INSERT INTO bookings (id, reference, status, total) VALUES (1, 'OLD-1', 'confirmed', 50.00);
SELECT setval('bookings_id_seq', 1);
`;

const BOOKINGS_YAML = `table: bookings
rules:
  - name: calendar-event
    source: calendar
    type: calendar.event
    columns:
      reference: data.ref
      status: data.status
      total: { from: data.total, transform: [decimal] }
  - name: charge
    source: stripe
    type: stripe.charge
    columns:
      reference: data.ref
      status: { value: confirmed }
      total: { from: data.amount, transform: [cents_to_amount] }
`;

const PAYMENTS_YAML = `table: payments
rules:
  - name: charge
    source: stripe
    type: stripe.charge
    columns:
      stripe_charge_id: data.id
      booking_id: { from: data.ref, lookup: { table: bookings, by: reference } }
      amount: { from: data.amount, transform: [cents_to_amount] }
`;

// The calendar says 95.00, the card charge 90.00: a conflict nobody's rule decides.
const RECORDS: Record<string, TestRecord[]> = {
  calendar: [{ type: 'calendar.event', id: 'e1', data: { ref: 'NEW-7', status: 'confirmed', total: '95.00' } }],
  stripe: [{ type: 'stripe.charge', id: 'ch_1', data: { id: 'ch_1', ref: 'NEW-7', amount: 9000 } }],
};

async function changes(dir: string): Promise<Change[]> {
  return (JSON.parse(await readFile(changesetPath(path.join(dir, 'recovery')), 'utf8')) as Changeset).changes;
}

/** `salvage diff` as text, the way the CLI writes it. */
async function diffText(dir: string): Promise<string> {
  const view = await openChangesetView(changesetPath(path.join(dir, 'recovery')));
  try {
    return [...renderPieces(view, 'text')].join('');
  } finally {
    view.close();
  }
}

const payment = (list: Change[]) => list.find((c) => c.table === 'public.payments');
const booking = (list: Change[]) => list.find((c) => c.table === 'public.bookings');

describe.runIf(pgUp)('a decided conflict brings back the rows that depend on it', () => {
  const backup = seededDatabase('downstream_backup', SCHEMA_SQL);
  const target = seededDatabase('downstream_target', SCHEMA_SQL);

  it('decisions.yaml with the id diff prints: the payment comes back, and both rows reach the target', async () => {
    const { dir, config } = await smallJob({ label: 'downstream-yaml', backupUrl: backup.url, targetUrl: target.url, mappings: { 'bookings.yaml': BOOKINGS_YAML, 'payments.yaml': PAYMENTS_YAML }, records: RECORDS });
    await reconcile({ config, mapParallelism: { workers: 0 } });
    const first = await changes(dir);
    const conflict = booking(first);
    expect(conflict).toMatchObject({ kind: 'conflict', values: { reference: 'NEW-7' } });
    expect(payment(first)).toMatchObject({ kind: 'unrecoverable', reason: 'missing-parent' });
    expect(payment(first)?.detail).toContain('is a conflict awaiting review');

    // The id exactly as diff prints it, beside the conflict, open.
    const before = await diffText(dir);
    const hint = /decision: open; decide with salvage review, or in decisions\.yaml under resolve: or reject: as (.+)$/m.exec(before);
    expect(hint?.[1]).toBe(conflict?.id);
    await writeFile(decisionsPath(config.jobDir), `resolve:\n  ${hint?.[1]}:\n    total: { source: stripe }\n`);
    const decided = await diffText(dir);
    expect(decided).toContain('decision: decided, total = "90.00" (source stripe)');
    // The payment below still shows what it was: diff says to reconcile again.
    expect(decided).toContain('decisions.yaml changed after reconcile wrote this changeset: run "salvage reconcile" again');

    await reconcile({ config, mapParallelism: { workers: 0 } });
    const second = await changes(dir);
    // The booking stays a conflict, with its decision beside it in decisions.yaml; its payment is an insert now.
    expect(booking(second)).toMatchObject({ kind: 'conflict', id: conflict?.id });
    // The booking's key is made by the target at apply time: the payment points at the booking's change id.
    expect(payment(second)).toMatchObject({ kind: 'insert', values: { stripe_charge_id: 'ch_1', amount: '90.00' }, keyRefs: { booking_id: conflict?.id } });
    expect(await diffText(dir)).not.toContain('decisions.yaml changed after reconcile');

    const { dir: patchDir, manifest } = await writePatch(config.jobDir, changesetPath(config.jobDir));
    expect(manifest.withheld).toMatchObject({ conflict: 0, unrecoverable: 0, rejected: 0 });
    const applied = await apply({ patchDir, target: { url: target.url, embeddedDir: '' }, confirm: target.name });
    expect(applied.committed).toBe(true);
    const [rows] = await runSql(target.url, `SELECT b.reference, b.total::text AS total, p.stripe_charge_id, p.amount::text AS amount
      FROM payments p JOIN bookings b ON b.id = p.booking_id ORDER BY p.id`);
    expect(rows?.rows).toEqual([{ reference: 'NEW-7', total: '90.00', stripe_charge_id: 'ch_1', amount: '90.00' }]);
  });

  it('salvage review decides it the same way; a rejected booking tells its payment why', async () => {
    const { dir, config } = await smallJob({ label: 'downstream-review', backupUrl: backup.url, mappings: { 'bookings.yaml': BOOKINGS_YAML, 'payments.yaml': PAYMENTS_YAML }, records: RECORDS });
    await reconcile({ config, mapParallelism: { workers: 0 } });
    const id = booking(await changes(dir))?.id as string;

    // Pick the calendar's 95.00, the first alternative review lists.
    const asked: string[] = [];
    const printed: string[] = [];
    await review({ jobDir: config.jobDir, ask: async (q) => (asked.push(q), '1'), print: (line) => printed.push(line) });
    expect(printed).toContain('    1) "95.00"  <- calendar calendar:e1');
    expect(asked).toHaveLength(1);
    await reconcile({ config, mapParallelism: { workers: 0 } });
    expect(payment(await changes(dir))).toMatchObject({ kind: 'insert', values: { stripe_charge_id: 'ch_1' } });
    expect(await diffText(dir)).toContain('decision: decided, total = "95.00" (written in decisions.yaml)');

    // Rejected instead: the booking is not written, and neither is what depends on it.
    await writeFile(decisionsPath(config.jobDir), `reject:\n  - ${id}\n`);
    await reconcile({ config, mapParallelism: { workers: 0 } });
    const rejected = await changes(dir);
    expect(booking(rejected)).toMatchObject({ kind: 'conflict', id });
    expect(payment(rejected)).toMatchObject({ kind: 'unrecoverable', reason: 'missing-parent', detail: `booking_id: the parent row ${id} was rejected in decisions.yaml` });
    expect(await diffText(dir)).toContain('decision: rejected in decisions.yaml');
    const { manifest } = await writePatch(config.jobDir, changesetPath(config.jobDir));
    // The rejection is used (not "matches no change"), and counted as a rejection.
    expect(manifest.withheld).toMatchObject({ conflict: 0, rejected: 1, unrecoverable: 1 });
  });
});
