/**
 * `salvage preserve` for the sources that change under you, and for a pull interrupted
 * between preserve and the end of the work:
 * - IMAP (a real Dovecot): a message deleted from the mailbox after preserve still comes
 *   back, once; one delivered after it comes from the mailbox.
 * - Google Calendar (the fake, through googleapis): an event purged after preserve comes
 *   back from the preserved file, an event edited after it comes as it is now, once.
 * - Stripe (the fake): preserve on the day, a pull interrupted the same day, resumed weeks
 *   later when the events are past Stripe's 30 days; reconcile still makes the refund.
 * Each asserts that nothing is lost and nothing is doubled.
 */
import { mkdtemp, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { preserve, type PreserveSummary } from '../../src/preserve/preserve.js';
import { pull, type PullSummary } from '../../src/pull/pull.js';
import { readRecordsFile } from '../../src/records/ndjson.js';
import { DEMO_SCHEMA_SQL } from '../../src/sql/demo-schema.js';
import { caseDir, OBSERVED_WINDOW, pullAndReconcile, query, readRecords, writeFiles, type PipelineRun } from '../corpus/support.js';
import { ACCESS_TOKEN, bookingId, CALENDARS, KAYAKS, loadScenario } from '../fakes/google-calendar/scenario.js';
import { startFakeCalendar, type FakeCalendarServer } from '../fakes/google-calendar/server.js';
import { startFakeStripe, type FakeStripeServer } from '../fakes/stripe/index.js';
import { TEST_KEY } from '../fakes/stripe/harness.js';
import { refundStoryAccount, REFUND_STORY_BACKUP_SQL } from '../fakes/stripe/refund-story.js';
import { dovecotAvailable, TestDovecot } from '../support/dovecot.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

const pgUp = await postgresAvailable();
const INCIDENT_DAY = new Date('2026-04-26T08:00:00Z');
const WEEKS_LATER = new Date('2026-05-20T08:00:00Z');

const duplicates = (ids: string[]) => ids.filter((id, i) => ids.indexOf(id) !== i);

function mail(id: string, subject: string, date: string): string {
  return [
    'From: Fjord Kayaks <bookings@fjordkayaks.example>',
    'To: Kari Nordmann <kari@example.org>',
    `Subject: ${subject}`,
    `Date: ${new Date(date).toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${id}>`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `${subject}.`,
    '',
  ].join('\r\n');
}

describe.runIf(dovecotAvailable())('salvage preserve: IMAP, then a message deleted from the mailbox', () => {
  let dovecot: TestDovecot;
  let dir: string;
  let preserved: PreserveSummary[];
  let pulled: PullSummary[];
  let log: string[];

  beforeAll(async () => {
    dovecot = await TestDovecot.start();
    const files: Record<string, string> = {};
    for (const [n, day] of [[1, '2026-02-02'], [2, '2026-03-03'], [3, '2026-04-04']] as const) {
      files[n] = await dovecot.deliver('INBOX', mail(`booking-${n}@fjordkayaks.example`, `Booking ${n} confirmed`, `${day}T10:00:00Z`), { receivedAt: new Date(`${day}T10:00:05Z`), flags: 'S' });
    }
    dir = await mkdtemp(path.join(tmpdir(), 'salvage-preserve-imap-'));
    await writeFiles(dir, {
      'salvage.yaml':
        `job: ./job\n${OBSERVED_WINDOW}\nsources:\n` +
        `  mailbox: { kind: imap, host: 127.0.0.1, port: ${dovecot.port}, secure: false, user: ${dovecot.user}, pass: env:PRESERVE_IMAP_PASS, mailboxes: [INBOX] }\n`,
    });
    const config = await loadConfig(path.join(dir, 'salvage.yaml'), { kinds: SOURCE_KINDS, env: { ...process.env, PRESERVE_IMAP_PASS: dovecot.pass } });
    preserved = await preserve({ config, now: INCIDENT_DAY });
    // After preserve: someone deletes a confirmation (or a retention policy expunges it), and a new message arrives.
    await unlink(files[2] as string);
    await dovecot.deliver('INBOX', mail('booking-4@fjordkayaks.example', 'Booking 4 confirmed', '2026-04-20T10:00:00Z'), { receivedAt: new Date('2026-04-20T10:00:05Z'), flags: 'S' });
    log = [];
    pulled = await pull({ config, log: (line) => log.push(line) });
  }, 120_000);
  afterAll(async () => {
    await dovecot?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('preserve saves the messages as the mailbox holds them and says they can go at any time', () => {
    expect(preserved).toEqual([
      expect.objectContaining({ source: 'mailbox', kind: 'imap', records: 3, expiry: expect.stringMatching(/^3 records as the mailboxes are now; messages can be deleted or expunged/) }),
    ]);
  });

  it('the pull has every message once: three from the mailbox, the deleted one from the preserved file', async () => {
    const records = await readRecords(path.join(dir, 'job'), 'mailbox');
    const ids = records.map((r) => r.id);
    expect(duplicates(ids)).toEqual([]);
    expect(records.map((r) => (r.data as { subject?: string }).subject).sort()).toEqual(['Booking 1 confirmed', 'Booking 2 confirmed', 'Booking 3 confirmed', 'Booking 4 confirmed']);
    expect(pulled[0]?.records).toBe(4);
    expect(log).toContainEqual(expect.stringMatching(/^mailbox: 1 of them from \S*preserved\/mailbox\.ndjson \(saved by "salvage preserve"/));
  });
});

describe('salvage preserve: Google Calendar, then an event purged and another edited', () => {
  let calendar: FakeCalendarServer;
  let dir: string;
  let preserved: PreserveSummary[];
  let log: string[];
  let listedOnIncidentDay: number;

  beforeAll(async () => {
    calendar = await startFakeCalendar({ calendars: CALENDARS, accessTokens: [ACCESS_TOKEN] });
    loadScenario(calendar);
    dir = await mkdtemp(path.join(tmpdir(), 'salvage-preserve-gcal-'));
    await writeFiles(dir, {
      'salvage.yaml': `job: ./job\n${OBSERVED_WINDOW}\nsources:\n  gcal: { kind: google-calendar, accessToken: env:PRESERVE_GCAL_TOKEN, calendarIds: ["${KAYAKS}"], apiBase: "${calendar.rootUrl}" }\n`,
    });
    const config = await loadConfig(path.join(dir, 'salvage.yaml'), { kinds: SOURCE_KINDS, env: { ...process.env, PRESERVE_GCAL_TOKEN: ACCESS_TOKEN } });
    preserved = await preserve({ config, now: INCIDENT_DAY });
    listedOnIncidentDay = preserved[0]?.records ?? 0;
    // After preserve: a booking deleted and its tombstone purged by Google, another moved by a colleague.
    calendar.store.purge(KAYAKS, bookingId(12));
    const moved = calendar.store.get(KAYAKS, bookingId(20));
    calendar.store.put(KAYAKS, { ...moved, summary: 'Single kayak – Booking REF020 (moved)', updated: '2026-04-27T09:00:00.000Z' });
    log = [];
    await pull({ config, log: (line) => log.push(line) });
  }, 120_000);
  afterAll(async () => {
    await calendar?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('preserve saves the calendar as it is and says events change as people work', () => {
    expect(listedOnIncidentDay).toBeGreaterThan(100);
    expect(preserved[0]?.expiry).toMatch(/records as the calendars are now; events are edited, moved and deleted as people work$/);
  });

  it('the pull has every event once: the purged one from the preserved file, the edited one as it is now', async () => {
    const records = await readRecords(path.join(dir, 'job'), 'gcal');
    const ids = records.map((r) => r.id);
    expect(duplicates(ids)).toEqual([]);
    expect(records).toHaveLength(listedOnIncidentDay);
    expect(ids).toContain(`${KAYAKS}/${bookingId(12)}`);
    const moved = records.filter((r) => r.id === `${KAYAKS}/${bookingId(20)}`);
    expect(moved.map((r) => (r.data as { summary: string }).summary)).toEqual(['Single kayak – Booking REF020 (moved)']);
    expect(log).toContainEqual(expect.stringMatching(/^gcal: 1 of them from \S*preserved\/gcal\.ndjson \(saved by "salvage preserve"/));
  });
});

describe.runIf(pgUp)('salvage preserve, a pull interrupted the same day, resumed weeks later after the events aged out', () => {
  let server: FakeStripeServer;
  let backup: TestDatabase;
  let stripeNow = INCIDENT_DAY;
  let refundsFail = true;
  let interrupted: unknown;
  let resumed: PipelineRun;

  beforeAll(async () => {
    server = await startFakeStripe({
      account: refundStoryAccount(),
      now: () => stripeNow,
      // The refunds list is down on the incident day (503, do not retry): the pull stops after the other slices.
      faults: [{ kind: 'unavailable-no-retry', when: (request) => refundsFail && request.path === '/v1/refunds' }],
    });
    backup = await createTestDatabase('preserve_resumed');
    await query(backup.url, DEMO_SCHEMA_SQL);
    await query(backup.url, REFUND_STORY_BACKUP_SQL);
    const dir = await caseDir('preserve-resumed');
    await writeFiles(dir, {
      'salvage.yaml':
        `job: ./job\nbackup: { url: env:RESUMED_BACKUP_URL }\n${OBSERVED_WINDOW}\nmappings: ./mappings\nsources:\n` +
        `  stripe: { kind: stripe, apiKey: env:RESUMED_STRIPE_KEY, objects: [charges, events, refunds], apiBase: "${server.url}" }\n` +
        '  payments: { kind: csv, files: [exports/payments.csv] }\n  refunds: { kind: csv, files: [exports/refunds.csv] }\n',
      'mappings/payments.yaml': await readFile(path.resolve('mappings/payments.yaml'), 'utf8'),
      'mappings/refunds.yaml': await readFile(path.resolve('mappings/refunds.yaml'), 'utf8'),
      'exports/payments.csv': 'id,Status\n',
      'exports/refunds.csv': 'id,Status\n',
    });
    const env = { ...process.env, RESUMED_BACKUP_URL: backup.url, RESUMED_STRIPE_KEY: TEST_KEY };
    const config = await loadConfig(path.join(dir, 'salvage.yaml'), { kinds: SOURCE_KINDS, env });
    await preserve({ config, sources: ['stripe'], now: INCIDENT_DAY });
    interrupted = await pull({ config, sources: ['stripe'] }).catch((error: unknown) => error);
    stripeNow = WEEKS_LATER;
    refundsFail = false;
    resumed = await pullAndReconcile(dir, env);
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await backup?.drop();
  });

  it('the first pull stopped on the refunds list, leaving what it finished to resume from', () => {
    expect(interrupted).toBeInstanceOf(Error);
    expect((interrupted as Error).message).toMatch(/\/v1\/refunds/);
    expect(resumed.pullLog).toContainEqual(expect.stringMatching(/^stripe: resuming an interrupted pull after [1-9]\d* records$/));
  });

  it('weeks later the resumed pull has every object and event once, the aged-out events from the preserved file', async () => {
    const keys: string[] = [];
    for await (const { record } of readRecordsFile(path.join(resumed.config.jobDir, 'records', 'stripe.ndjson'))) keys.push(`${record.type}:${record.id}`);
    expect(duplicates(keys)).toEqual([]);
    expect(keys.filter((k) => k.startsWith('stripe.event:')).sort()).toEqual(['stripe.event:evt_dispute', 'stripe.event:evt_refund', 'stripe.event:evt_refunded', 'stripe.event:evt_sub']);
    expect(keys).toContain('stripe.refund:re_in_window');
  });

  it('reconcile makes the December payment refunded on the preserved event, and the ledger adds up', () => {
    const update = resumed.changeset.changes.find((c) => c.table === 'public.payments' && c.key.id === '3');
    expect(update).toMatchObject({ kind: 'update', values: { status: 'refunded' } });
    const refunds = resumed.changeset.changes.filter((c) => c.table === 'public.refunds');
    expect(refunds).toHaveLength(1);
    for (const source of resumed.changeset.sources) {
      expect(source.records, source.name).toBe((source.mapped ?? NaN) + (source.unmapped ?? NaN) + (source.rejected ?? NaN));
    }
  });
});
