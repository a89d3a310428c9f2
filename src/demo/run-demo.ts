import { cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { apply } from '../apply/apply.js';
import { loadConfig } from '../config/load.js';
import type { SourceKinds } from '../records/source-kind.js';
import { connectDatabase } from '../db/connect.js';
import { UsageError } from '../errors.js';
import { writePatch } from '../patch/patch.js';
import { pull } from '../pull/pull.js';
import { formatCounts, reconcile } from '../reconcile/reconcile.js';
import { DEMO_SCHEMA_SQL, demoLoadBatches, demoLoadStatements, demoSelectTable } from '../sql/demo-schema.js';
import { startDemoCalendar } from './booking-calendar.js';
import { startDemoStripe } from './stripe-account.js';
import type { FakeStripeServer } from '../../test/fakes/stripe/server.js';
import { bookingEmails } from './mail-export.js';
import { compareRecovery, formatRecoveryReport, type RecoveryReport } from './compare.js';
import { generateIncident, writeIncidentFiles, type Incident, type IncidentRows } from './incident.js';
import { packageRoot } from './package-root.js';
import { afterRestart } from './after-restart.js';
import { NATURAL_KEYS } from './columns.js';
import { readChangeset } from '../changeset/read-changeset.js';
import type { Change } from '../changeset/changeset.js';
import type { DemoTable } from '../sql/demo-schema.js';
import { demoNextSteps } from './next-steps.js';
import { NO_PROGRESS, type Progress, type StageProgress } from '../runtime/progress.js';
import { patchDir, embeddedDir } from '../runtime/job-paths.js';

export interface DemoOptions {
  jobDir: string;
  /** The kinds of source its salvage.yaml is read with (connectors/registry.ts, handed down by the CLI or the library entry). */
  kinds: SourceKinds;
  /** Real databases instead of the embedded ones (each must be empty: the demo creates its tables). */
  backupUrl?: string;
  targetUrl?: string;
  seed?: number;
  log?: (line: string) => void;
  /** The long steps' live lines (the restores, reconcile, patch, apply); the CLI draws them on a terminal. */
  progress?: Progress;
}

export interface DemoResult {
  ok: boolean;
  report: RecoveryReport;
  incident: Incident;
}

const MARKER = '.salvage-demo';
/** The booking system's Google calendar, replayed locally for the demo. */
const DEMO_CALENDAR_ID = 'bookings@fjordkayaks.example';
const DEMO_TOKEN_VARIABLE = 'SALVAGE_DEMO_GCAL_TOKEN';
const DEMO_TOKEN = 'demo-replay-token';
/** The business's Stripe account, replayed locally; a restricted key, since the connector refuses secret ones. */
const DEMO_STRIPE_KEY_VARIABLE = 'SALVAGE_DEMO_STRIPE_KEY';
const DEMO_STRIPE_KEY = 'rk_test_fjordkayaksDemoReplayReadOnly';

/** The environment the demo's salvage.yaml reads its (replay-only) credentials from. */
export function demoEnv(): NodeJS.ProcessEnv {
  return { ...process.env, [DEMO_TOKEN_VARIABLE]: DEMO_TOKEN, [DEMO_STRIPE_KEY_VARIABLE]: DEMO_STRIPE_KEY };
}
const TABLES = ['customers', 'bookings', 'payments', 'refunds'] as const;

/**
 * The sample incident end to end: generate the lost business, restore its stale
 * backup twice (the read-only backup and the target), pull the surviving exports,
 * reconcile, patch, apply, and grade the result against what was really lost.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const log = options.log ?? (() => undefined);
  const job = options.jobDir;
  await prepareJobDir(job);

  log('1. The incident: Fjord Kayaks lost its database on 2026-04-25; the newest backup is from 2026-01-20.');
  const incident = generateIncident({ seed: options.seed });
  // The confirmation, change and cancellation emails of the lost period, as a mail export.
  for (const mail of bookingEmails(incident)) incident.exports[mail.path] = mail.content;
  await writeIncidentFiles(incident, job);
  await cp(path.join(packageRoot(), 'mappings'), path.join(job, 'mappings'), { recursive: true });
  // The calendar also survives in Google Calendar, and the payments in Stripe: both served
  // on loopback through the real API clients.
  const calendar = await startDemoCalendar(incident, DEMO_CALENDAR_ID, DEMO_TOKEN);
  let stripe: FakeStripeServer | undefined;
  try {
    stripe = await startDemoStripe(incident, DEMO_STRIPE_KEY);
    await writeFile(path.join(job, 'salvage.yaml'), demoConfig(incident, options, { calendar: calendar.rootUrl, stripe: stripe.url }), 'utf8');
    const mails = Object.keys(incident.exports).filter((p) => p.endsWith('.eml')).length;
    const files = Object.keys(incident.exports).filter((p) => !p.endsWith('.eml'));
    log(
      `   what survived: ${files.join(', ')}, ${mails} booking emails (.eml), the Google calendar ${DEMO_CALENDAR_ID} ` +
        `and the Stripe account (charges, refunds, and the events of both); case file in ${job}`,
    );
    return await recover(options, incident, log);
  } finally {
    await stripe?.close();
    await calendar.close();
  }
}

async function recover(options: DemoOptions, incident: Incident, log: (line: string) => void): Promise<DemoResult> {
  const job = options.jobDir;

  log(`2. Restoring the stale backup (${incident.backup.bookings.length} bookings) as the backup and as the target${options.backupUrl ? '' : ' (embedded PostgreSQL)'}...`);
  const progress = options.progress ?? NO_PROGRESS;
  const backupRows = TABLES.reduce((n, table) => n + incident.backup[table].length, 0);
  await restore(options.backupUrl, embeddedDir(job, 'backup'), incident.backup, progress.stage('restore the backup', backupRows));
  await restore(options.targetUrl, embeddedDir(job, 'target'), incident.backup, progress.stage('restore the target', backupRows));
  // Production came back from that backup and kept working before salvage ran.
  const after = afterRestart(incident);
  await writeLive(options.targetUrl, embeddedDir(job, 'target'), after.rows);
  log(
    `   production restarted from it at ${after.restartedAt} and kept taking writes: ${after.rows.customers.length} sign-ups ` +
      `(one is ${after.returningCustomer}, a customer lost with the database, signing up again) and ${after.rows.bookings.length} bookings ` +
      `(the first got booking number ${after.rows.bookings[0]?.['id']}, which lost booking ${after.reissuedBooking ?? '(none)'} had)`,
  );

  // The local fakes take only the demo's token and key; the config names them as secrets the way real configs must.
  const config = await loadConfig(path.join(job, 'salvage.yaml'), { kinds: options.kinds, env: demoEnv() });
  log('3. salvage pull');
  // The pull draws its own live line (one per source), and only where the other steps draw theirs.
  const pulled = await pull({ config, progress });
  for (const s of pulled) log(`   ${s.source} (${s.kind}): ${s.records} records`);

  log('4. salvage reconcile');
  const { changeset } = await reconcile({ config, progress });
  for (const t of changeset.tables) log(`   ${t.table}: ${formatCounts(t.counts)}`);
  for (const u of changeset.unmapped) log(`   ${u.count} ${u.type} records of ${u.source} matched no rule (e.g. ${u.samples[0]})`);

  log('5. salvage patch');
  const { manifest } = await writePatch(job, path.join(job, 'changeset.json'), { progress });
  log(`   patch ${manifest.id}: ${manifest.patch.statements.length} statements in ${path.join(patchDir(job), 'patch.sql')}`);

  log('6. salvage apply --confirm <target database>');
  const target = await databaseName(options.targetUrl, embeddedDir(job, 'target'));
  const applied = await apply({
    patchDir: patchDir(job),
    target: { url: options.targetUrl, embeddedDir: embeddedDir(job, 'target') },
    confirm: target,
    reviewed: { changeset: path.join(job, 'changeset.json'), jobDir: job },
    progress,
  });
  for (const [table, counts] of Object.entries(applied.rows)) {
    log(`   ${table}: ${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ')}`);
  }

  log('7. Grading the recovered target against the real state at the time of loss:');
  const recovered = await readTables(options.targetUrl, embeddedDir(job, 'target'));
  const report = compareRecovery(incident, recovered, { rows: after.rows, held: await heldForAPerson(path.join(job, 'changeset.json')) });
  log(formatRecoveryReport(report));
  for (const line of demoNextSteps(job, target)) log(line);
  return { ok: report.clean, report, incident };
}

/** Only a directory the demo itself made may be wiped; anything else is the user's. */
async function prepareJobDir(job: string): Promise<void> {
  if (existsSync(job)) {
    const entries = await readdir(job);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new UsageError(`${job} exists and was not made by "salvage demo"; choose another directory with --job`);
    }
    await rm(job, { recursive: true, force: true });
  }
  await mkdir(job, { recursive: true });
  await writeFile(path.join(job, MARKER), 'made by salvage demo; safe to delete\n', 'utf8');
}

/** Where the local replays listen (their `apiBase`). */
interface ReplayBases {
  calendar: string;
  stripe: string;
}

function demoConfig(incident: Incident, options: DemoOptions, replays: ReplayBases): string {
  const db = (url: string | undefined) => (url ? `{ url: ${JSON.stringify(url)} }` : '{}   # no url: the embedded database in <job>/embedded/');
  return `# The sample incident, written by "salvage demo".
job: .
backup: ${db(options.backupUrl)}
target: ${db(options.targetUrl)}
window: { from: ${incident.window.from}, to: ${incident.window.to} }
mappings: ./mappings
sources:
  payments: { kind: csv, files: [exports/payments.csv] }
  refunds:  { kind: csv, files: [exports/refunds.csv] }
  calendar: { kind: ics, files: [exports/calendar.ics] }
  mailfiles: { kind: eml, files: ['exports/mail/**/*.eml'] }
  gcal:     { kind: google-calendar, accessToken: env:${DEMO_TOKEN_VARIABLE}, calendarIds: [${DEMO_CALENDAR_ID}],
              apiBase: ${replays.calendar} }   # a local replay of the booking calendar, gone when the demo ends
  stripe:   { kind: stripe, apiKey: env:${DEMO_STRIPE_KEY_VARIABLE}, objects: [charges, refunds, events],
              apiBase: ${replays.stripe} }   # a local replay of the Stripe account, gone when the demo ends
`;
}

/**
 * Loads the backup into a fresh database. Starting an embedded PostgreSQL is most of its
 * time, so the stage's line is drawn before the database opens, not after its first batch.
 */
async function restore(url: string | undefined, dir: string, rows: IncidentRows, stage: StageProgress): Promise<void> {
  stage.add(0);
  const db = await connectDatabase({ url, embeddedDir: dir, applicationName: 'salvage demo' });
  try {
    await db.client.query(DEMO_SCHEMA_SQL);
    for (const { sql, rows: count } of demoLoadBatches(rows)) {
      await db.client.query(sql);
      stage.add(count);
    }
  } finally {
    await db.close();
  }
  stage.end();
}

/** The live app's writes after the restart, with the ids it gave them and its sequences past them. */
async function writeLive(url: string | undefined, dir: string, rows: IncidentRows): Promise<void> {
  const db = await connectDatabase({ url, embeddedDir: dir, applicationName: 'fjord kayaks (live app)' });
  try {
    for (const statement of demoLoadStatements(rows)) await db.client.query(statement);
  } finally {
    await db.close();
  }
}

/** The rows the changeset holds for a person (conflicts, and rows waiting on one), by table and natural key. */
async function heldForAPerson(changesetFile: string): Promise<Record<string, Record<string, string>>> {
  const { changeset } = await readChangeset(changesetFile);
  const held: Record<string, Record<string, string>> = {};
  for (const change of changeset.changes) {
    if (change.kind !== 'conflict' && change.kind !== 'unrecoverable') continue;
    const table = change.table.replace(/^public\./, '') as DemoTable;
    const column = NATURAL_KEYS[table];
    if (!column) continue;
    const key = change.values[column] ?? change.live?.values[column] ?? change.old?.[column];
    if (key == null) continue;
    const why = change.kind === 'conflict' ? (change.notes?.find((n) => n.startsWith('key reused')) ?? conflictText(change)) : `${change.reason}: ${change.detail}`;
    (held[table] ??= {})[key] = why;
  }
  return held;
}

function conflictText(change: Change): string {
  const columns = Object.keys(change.conflicts ?? {});
  const where = change.live ? ` with the live row ${change.id}` : '';
  return `conflict${where}: ${columns.join(', ')} differ${columns.length === 1 ? 's' : ''} between the sources and the live database`;
}

async function databaseName(url: string | undefined, dir: string): Promise<string> {
  const db = await connectDatabase({ url, embeddedDir: dir });
  try {
    return db.database;
  } finally {
    await db.close();
  }
}

async function readTables(url: string | undefined, dir: string): Promise<IncidentRows> {
  const db = await connectDatabase({ url, embeddedDir: dir, readOnly: true });
  try {
    const out: Partial<IncidentRows> = {};
    for (const table of TABLES) {
      out[table] = (await db.client.query<Record<string, string | null>>(demoSelectTable(table))).rows;
    }
    return out as IncidentRows;
  } finally {
    await db.close();
  }
}
