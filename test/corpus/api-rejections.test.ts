/**
 * The ledger adds up when an API source serves an object salvage cannot read: `salvage
 * pull` rejects it into <job>/rejected/<source>.ndjson, exits with the other records
 * pulled, and reconcile counts it: pulled = mapped + matched no rule + rejected. Stripe
 * and Google Calendar through their official SDKs against the fakes, a real PostgreSQL
 * backup, the sample incident's mappings.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SCHEMA_SQL } from '../../src/sql/demo-schema.js';
import { startFakeCalendar, type FakeCalendarServer } from '../fakes/google-calendar/server.js';
import { ACCESS_TOKEN, bookingId, CALENDARS, KAYAKS, loadScenario } from '../fakes/google-calendar/scenario.js';
import { shapes, startFakeStripe, type FakeStripeServer } from '../fakes/stripe/index.js';
import { TEST_KEY } from '../fakes/stripe/harness.js';
import { refundStoryAccount, REFUND_STORY_BACKUP_SQL } from '../fakes/stripe/refund-story.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';
import { caseDir, OBSERVED_WINDOW, pullAndReconcile, query, writeFiles, type PipelineRun } from './support.js';

const pgUp = await postgresAvailable();
const unix = (iso: string) => Date.parse(iso) / 1000;

describe.runIf(pgUp)('corpus: an API object that cannot be read is a rejected record in the ledger', () => {
  let stripe: FakeStripeServer;
  let calendar: FakeCalendarServer;
  let backup: TestDatabase;
  let run: PipelineRun;
  let dir: string;

  beforeAll(async () => {
    const account = refundStoryAccount();
    // Two charges of the window: one good, one whose amount a proxy turned into text.
    const good = shapes.charge({ id: 'ch_good', created: unix('2026-03-02T10:00:00Z'), amount: 9900, customer: null, email: 'ola@example.org', description: 'Booking ABC123' });
    const mangled = shapes.charge({ id: 'ch_mangled', created: unix('2026-03-03T10:00:00Z'), amount: 4500, customer: null, email: 'per@example.org', description: 'Booking DEF456' });
    account.add(good, mangled).malform('ch_mangled', (charge) => ({ ...(charge as object), amount: '45.00' }));
    stripe = await startFakeStripe({ account, now: () => new Date('2026-04-26T08:00:00Z') });
    calendar = await startFakeCalendar({ calendars: CALENDARS, accessTokens: [ACCESS_TOKEN] });
    loadScenario(calendar);
    calendar.store.malform(KAYAKS, bookingId(7), (event) => ({ ...event, start: { dateTime: '2026-02-15T25:61:00+01:00' } }));

    backup = await createTestDatabase('corpus_api_rejections');
    await query(backup.url, DEMO_SCHEMA_SQL);
    await query(backup.url, REFUND_STORY_BACKUP_SQL);
    dir = await caseDir('api-rejections');
    await writeFiles(dir, {
      'salvage.yaml':
        `job: ./job\nbackup: { url: env:API_REJECTIONS_BACKUP_URL }\n${OBSERVED_WINDOW}\nmappings: ./mappings\nsources:\n` +
        `  stripe: { kind: stripe, apiKey: env:API_REJECTIONS_STRIPE_KEY, objects: [charges, refunds], apiBase: "${stripe.url}" }\n` +
        `  gcal: { kind: google-calendar, accessToken: env:API_REJECTIONS_TOKEN, calendarIds: ["${KAYAKS}"], apiBase: "${calendar.rootUrl}" }\n` +
        // The sample mappings also read the Dashboard exports; here they hold nothing.
        '  payments: { kind: csv, files: [exports/payments.csv] }\n  refunds: { kind: csv, files: [exports/refunds.csv] }\n',
      'exports/payments.csv': 'id,Status\n',
      'exports/refunds.csv': 'id,Status\n',
      'mappings/payments.yaml': await readFile(path.resolve('mappings/payments.yaml'), 'utf8'),
      'mappings/refunds.yaml': await readFile(path.resolve('mappings/refunds.yaml'), 'utf8'),
    });
    run = await pullAndReconcile(dir, { API_REJECTIONS_BACKUP_URL: backup.url, API_REJECTIONS_STRIPE_KEY: TEST_KEY, API_REJECTIONS_TOKEN: ACCESS_TOKEN });
  }, 120_000);
  afterAll(async () => {
    await stripe?.close();
    await calendar?.close();
    await backup?.drop();
  });

  it('pull finishes every source, counts the rejection and writes it to <job>/rejected/<source>.ndjson', async () => {
    const bySource = Object.fromEntries(run.pulled.map((s) => [s.source, s]));
    expect(bySource.stripe).toMatchObject({ rejected: 1, rejectedSamples: [{ what: 'stripe charge', location: 'stripe:ch_mangled', reason: expect.stringMatching(/^its "amount" is the text "45\.00"/) }] });
    expect(bySource.gcal).toMatchObject({ rejected: 1, rejectedSamples: [{ what: 'calendar event', location: `gcal://${KAYAKS}/${bookingId(7)}` }] });
    const file = (await readFile(path.join(run.config.jobDir, 'rejected', 'stripe.ndjson'), 'utf8')).trim().split('\n');
    expect(file.map((line) => JSON.parse(line) as { location: string })).toEqual([expect.objectContaining({ location: 'stripe:ch_mangled' })]);
    expect(run.pullLog).toContain('stripe: 1 record could not be read and was rejected (all in job/rejected/stripe.ndjson):'.replace('job/', `${path.relative(process.cwd(), run.config.jobDir)}/`));
  });

  it('reconcile: pulled = mapped + matched no rule + rejected, the unreadable object under rule "pull"', () => {
    for (const source of run.changeset.sources) {
      expect(source.records, source.name).toBe((source.mapped ?? NaN) + (source.unmapped ?? NaN) + (source.rejected ?? NaN));
    }
    const stripeLedger = run.changeset.sources.find((s) => s.name === 'stripe');
    expect(stripeLedger?.rejectedBy).toContainEqual(expect.objectContaining({ rule: 'pull', column: 'stripe charge', count: 1 }));
    const gcalLedger = run.changeset.sources.find((s) => s.name === 'gcal');
    expect(gcalLedger?.rejectedBy).toContainEqual(expect.objectContaining({ rule: 'pull', column: 'calendar event', count: 1 }));
    // The good charge of the window is a new payment; the mangled one is nowhere in the changes.
    const payments = run.changeset.changes.filter((c) => c.table === 'public.payments');
    expect(payments.map((c) => c.values.stripe_charge_id)).toContain('ch_good');
    expect(payments.map((c) => c.values.stripe_charge_id)).not.toContain('ch_mangled');
  });
});
