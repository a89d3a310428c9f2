/**
 * `salvage preserve` on the day of the incident, then `pull` + `reconcile` days later,
 * when Stripe no longer serves the events of the window (they are older than 30 days):
 * the preserved events still make the December payment's refund, and the same pull
 * without preserve cannot. The real CLI for preserve, the fake Stripe (whose clock moves
 * on between the two steps), a real PostgreSQL backup.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change } from '../../src/changeset/changeset.js';
import { DEMO_SCHEMA_SQL } from '../../src/sql/demo-schema.js';
import { caseDir, cliAvailable, OBSERVED_WINDOW, pullAndReconcile, query, readRecords, salvage, writeFiles, type PipelineRun } from '../corpus/support.js';
import { startFakeStripe, type FakeStripeServer } from '../fakes/stripe/index.js';
import { TEST_KEY } from '../fakes/stripe/harness.js';
import { refundStoryAccount, REFUND_STORY_BACKUP_SQL } from '../fakes/stripe/refund-story.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';

const pgUp = await postgresAvailable();
const INCIDENT_DAY = new Date('2026-04-26T08:00:00Z');
/** Nearly four weeks later: every event of the story (10-14 April) is past Stripe's 30 days. */
const WEEKS_LATER = new Date('2026-05-20T08:00:00Z');

describe.runIf(pgUp && cliAvailable())('salvage preserve, then pull and reconcile after the events aged out', () => {
  let server: FakeStripeServer;
  let backup: TestDatabase;
  let stripeNow = INCIDENT_DAY;
  let preserved: { code: number; stdout: string; stderr: string };
  let withPreserve: PipelineRun;
  let withoutPreserve: PipelineRun;

  async function caseWith(label: string): Promise<string> {
    const dir = await caseDir(label);
    await writeFiles(dir, {
      'salvage.yaml':
        `job: ./job\nbackup: { url: env:PRESERVE_BACKUP_URL }\n${OBSERVED_WINDOW}\nmappings: ./mappings\nsources:\n` +
        `  stripe: { kind: stripe, apiKey: env:PRESERVE_STRIPE_KEY, objects: [charges, refunds, events], apiBase: "${server.url}" }\n` +
        '  payments: { kind: csv, files: [exports/payments.csv] }\n  refunds: { kind: csv, files: [exports/refunds.csv] }\n',
      'mappings/payments.yaml': await readFile(path.resolve('mappings/payments.yaml'), 'utf8'),
      'mappings/refunds.yaml': await readFile(path.resolve('mappings/refunds.yaml'), 'utf8'),
      // The Dashboard exports were lost with the rest: only Stripe can tell.
      'exports/payments.csv': 'id,Status\n',
      'exports/refunds.csv': 'id,Status\n',
    });
    return dir;
  }

  beforeAll(async () => {
    server = await startFakeStripe({ account: refundStoryAccount(), now: () => stripeNow });
    backup = await createTestDatabase('preserve_flow');
    await query(backup.url, DEMO_SCHEMA_SQL);
    await query(backup.url, REFUND_STORY_BACKUP_SQL);
    const env = { PRESERVE_BACKUP_URL: backup.url, PRESERVE_STRIPE_KEY: TEST_KEY };

    const preservedCase = await caseWith('preserve');
    const control = await caseWith('preserve-control');
    stripeNow = INCIDENT_DAY;
    preserved = await salvage(['preserve'], preservedCase, env);
    stripeNow = WEEKS_LATER;
    withPreserve = await pullAndReconcile(preservedCase, env);
    withoutPreserve = await pullAndReconcile(control, env);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await backup?.drop();
  });

  it('preserve saves the events and says, per source, what expires when', async () => {
    expect(preserved.code, preserved.stderr).toBe(0);
    expect(preserved.stdout).toContain('stripe (stripe): job/preserved/stripe.ndjson: 4 events; Stripe drops each 30 days after it happened: the oldest on 2026-05-10');
    expect(preserved.stdout).toContain('payments (csv): files do not expire');
    const saved = (await readFile(path.join(withPreserve.config.jobDir, 'preserved', 'stripe.ndjson'), 'utf8')).split('\n').filter(Boolean);
    expect(saved.map((line) => (JSON.parse(line) as { id: string }).id).sort()).toEqual(['evt_dispute', 'evt_refund', 'evt_refunded', 'evt_sub']);
  });

  it('weeks later, Stripe serves none of those events, and the pull adds them from the preserved file', async () => {
    const records = await readRecords(withPreserve.config.jobDir, 'stripe');
    expect(records.filter((r) => r.id.startsWith('evt_')).map((r) => r.id).sort()).toEqual(['evt_dispute', 'evt_refund', 'evt_refunded', 'evt_sub']);
    expect(withPreserve.pullLog.some((l) => /^stripe: 4 of them from \S*preserved\/stripe\.ndjson \(saved by "salvage preserve"/.test(l))).toBe(true);
    const control = await readRecords(withoutPreserve.config.jobDir, 'stripe');
    expect(control.filter((r) => r.id.startsWith('evt_'))).toEqual([]);
  });

  it('the December payment is updated to refunded on the preserved event; without preserve it cannot be', () => {
    const isPayment = (c: Change) => c.table === 'public.payments' && c.key.id === '3';
    const update = withPreserve.changeset.changes.find(isPayment);
    expect(update).toMatchObject({ kind: 'update', values: { status: 'refunded' }, old: { status: 'succeeded' } });
    expect(update?.evidence.status).toEqual([expect.objectContaining({ record: 'evt_refunded' })]);
    expect(withoutPreserve.changeset.changes.find(isPayment)).toBeUndefined();
  });
});
