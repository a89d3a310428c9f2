import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/check/index.js';
import { parseConfig } from '../../src/config/load.js';
import { formatInitReport, init, type InitResult } from '../../src/init/index.js';
import { tempJobDir } from '../support/flow.js';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '../support/postgres.js';
import { CLINIC_UUID_SCHEMA_SQL, clinicBackupSql, clinicRecords } from './clinic-uuid-case.js';
import { fillTodos, todosLeft } from './fill-todos.js';
import { RENTAL_SCHEMA_SQL, rentalBackupSql, rentalRecords, writeRecords } from './rental-case.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

const pgUp = await postgresAvailable();
const SOURCES = ['stripe', 'inbox=imap', 'calendar=google-calendar'];
const NOW = new Date('2026-03-01T12:00:00Z');

async function backupOf(label: string, ...statements: string[]): Promise<TestDatabase> {
  const db = await createTestDatabase(label);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
  return db;
}

/** The draft's files, and check's verdict on them against the backup with the pulled records. */
async function checkDraft(dir: string, backupUrl: string) {
  const config = parseConfig(await readFile(path.join(dir, 'salvage.yaml'), 'utf8'), path.join(dir, 'salvage.yaml'), { kinds: SOURCE_KINDS, env: { BACKUP_DATABASE_URL: backupUrl } });
  return check(config);
}

const mappingTexts = async (dir: string) => Promise.all((await readdir(path.join(dir, 'mappings'))).map((f) => readFile(path.join(dir, 'mappings', f), 'utf8')));

describe.runIf(pgUp)('init chooses fields on the backup\'s evidence: a vehicle rental', () => {
  let db: TestDatabase;
  let dir: string;
  let result: InitResult;
  const read = (file: string) => readFile(path.join(dir, 'mappings', file), 'utf8');

  beforeAll(async () => {
    db = await backupOf('init_rental', RENTAL_SCHEMA_SQL, rentalBackupSql());
    dir = await tempJobDir('init-rental');
    await writeRecords(path.join(dir, 'recovery', 'records'), rentalRecords());
    result = await init({ kinds: SOURCE_KINDS, backupUrl: db.url, dir, sources: SOURCES, now: NOW });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('samples the pulled records and says so', () => {
    expect(result.report.sources).toEqual([
      { name: 'stripe', kind: 'stripe', sampled: 90, pulled: true },
      { name: 'inbox', kind: 'imap', sampled: 41, pulled: true },
      { name: 'calendar', kind: 'google-calendar', sampled: 41, pulled: true },
    ]);
    expect(formatInitReport(result.report)).toContain('  calendar (google-calendar): 41 records sampled from its pulled records, fields chosen on evidence');
  });

  it('fills charge_id, refund_id, payment_intent and a refund\'s charge from the Stripe ids whose values the columns hold', async () => {
    const payments = await read('payments.yaml');
    expect(payments).toContain('      charge_id: data.id   # the charge\'s own Stripe id (ch_...); 51% of 41 sampled values match payments.charge_id');
    expect(payments).toContain('      payment_intent: data.payment_intent   # the payment intent it belongs to (pi_...); 51% of 41 sampled values match payments.payment_intent');
    // Cents in Stripe, major units in the column: matched after the normalisation, and converted.
    expect(payments).toMatch(/ {6}amount: \{ from: data\.amount, transform: \[cents_to_amount\] \}.*100% of 7 sampled values match payments\.amount \(as cents of its amounts\)/);
    // A lookup by a key no name points at: the charge's metadata holds the event's UID.
    expect(payments).toMatch(/ {6}rental_id: \{ from: data\.metadata\.rental_uid, transform: \[trim\], lookup: \{ table: rentals, by: event_uid \} \}.*51% of 41 sampled values match rentals\.event_uid/);
    const refunds = await read('refunds.yaml');
    expect(refunds).toContain('      refund_id: data.id   # the refund\'s own Stripe id (re_...); 33% of 9 sampled values match refunds.refund_id');
    expect(refunds).toContain('      charge_id: data.charge   # the charge it refunds (ch_...); 33% of 9 sampled values match refunds.charge_id');
    expect(refunds).toMatch(/ {6}payment_id: \{ from: data\.charge, lookup: \{ table: payments, by: charge_id \} \}/);
    // A refund carries its charge's id: that points at a payment, it does not make the refund one.
    expect(payments).not.toContain('stripe-refund');
  });

  it('reads pickup and return from the events\' start and end, and the vehicle from the calendar the event is in', async () => {
    const rentals = await read('rentals.yaml');
    expect(rentals).toMatch(/ {6}pickup_at: \{ from: data\.start, transform: \[\{ timestamp: \{ tz: Europe\/Oslo \} \}\] \}.*51% of 41 sampled values match rentals\.pickup_at \(the same instant\)/);
    expect(rentals).toMatch(/ {6}return_at: \{ from: data\.end, transform: \[\{ timestamp: \{ tz: Europe\/Oslo \} \}\] \}.*51% of 41 sampled values match rentals\.return_at/);
    expect(rentals).toContain(
      "      vehicle_id: { from: data.calendarId, transform: [trim], lookup: { table: vehicles, by: calendar_id } }   # foreign key to vehicles.id, found by vehicles.calendar_id (its unique key) from calendarId; 100% of 3 sampled values match vehicles.calendar_id",
    );
    expect(rentals).toContain("renter_id: { from: 'data.attendees[0].email', transform: [email], lookup: { table: renters, by: email } }");
    // Only the calendar gives events: the inbox was pulled and holds none.
    expect(rentals).toContain('    source: calendar\n');
    expect(rentals).not.toContain('prefer:');
  });

  it('writes no rows of tables the sources only point at', () => {
    const mapping = (table: string) => result.report.tables.find((t) => t.table === table)?.mapping;
    expect(mapping('public.vehicles')).toEqual({
      none: expect.stringMatching(/^calendar events: every sampled value of calendar events is a row it has \(100% of 3 sampled values match vehicles\.calendar_id \(from data\.calendarId\)\) and it probably lost none/),
    });
    expect(result.report.files).toEqual(['salvage.yaml', 'mappings/renters.yaml', 'mappings/rentals.yaml', 'mappings/payments.yaml', 'mappings/refunds.yaml']);
  });

  it('takes a customer id that is a plain string as it is, and only writes rules for shapes the pull gave', async () => {
    const renters = await read('renters.yaml');
    expect(renters).toContain('      stripe_customer_id: data.id');
    expect(renters).not.toContain('customer.id');
    expect(renters).not.toContain('stripe-invoice');
    expect(renters).not.toContain('stripe-checkout-session');
  });

  it('leaves no TODO, and check accepts the draft', async () => {
    expect(result.report.todos).toEqual([]);
    expect(todosLeft(await mappingTexts(dir))).toEqual([]);
    const report = await checkDraft(dir, db.url);
    expect(report.problems).toEqual([]);
    expect(report.rules.map((r) => r.rule).sort()).toEqual([
      'payments.yaml#stripe-charge', 'refunds.yaml#stripe-refund', 'rentals.yaml#calendar-event', 'renters.yaml#stripe-customer',
    ]);
  });

  it('without pulled records, falls back to names, marked as guesses, and lists calendars before the mailbox they share', async () => {
    const bare = await tempJobDir('init-rental-bare');
    const guessed = await init({ kinds: SOURCE_KINDS, backupUrl: db.url, dir: bare, sources: ['inbox=imap', 'calendar=google-calendar', 'stripe'], now: NOW });
    expect(guessed.report.sources.map((s) => s.note)).toEqual([
      'an API source not pulled yet: its documented record shape is used, and fields are guessed by name',
      'an API source not pulled yet: its documented record shape is used, and fields are guessed by name',
      'an API source not pulled yet: its documented record shape is used, and fields are guessed by name',
    ]);
    const rentals = await readFile(path.join(bare, 'mappings', 'rentals.yaml'), 'utf8');
    expect(rentals).toContain('prefer: [calendar, inbox]   # the first listed wins when sources disagree; calendar events come first');
    expect(rentals).toContain('    source: [calendar, inbox]\n');
    // Names alone still read pickup and return as the event's start and end, and Stripe's bare ids by their object names.
    expect(rentals).toContain('      pickup_at: { from: data.start, transform: [timestamp] }');
    const payments = await readFile(path.join(bare, 'mappings', 'payments.yaml'), 'utf8');
    expect(payments).toContain('      charge_id: data.id   # the charge\'s own Stripe id (ch_...)\n');
    expect(payments).toContain('      payment_intent: data.payment_intent');
    // Expanded or not, the customer's id reads.
    const renters = await readFile(path.join(bare, 'mappings', 'renters.yaml'), 'utf8');
    expect(renters).toContain('stripe_customer_id: { from: [data.customer.id, data.customer] }');
  });
});

describe.runIf(pgUp)('init chooses fields on the backup\'s evidence: a clinic with uuid keys', () => {
  let db: TestDatabase;
  let dir: string;
  let result: InitResult;
  const read = (file: string) => readFile(path.join(dir, 'mappings', file), 'utf8');

  beforeAll(async () => {
    db = await backupOf('init_clinic_uuid', CLINIC_UUID_SCHEMA_SQL, clinicBackupSql());
    dir = await tempJobDir('init-clinic-uuid');
    await writeRecords(path.join(dir, 'recovery', 'records'), clinicRecords());
    result = await init({ kinds: SOURCE_KINDS, backupUrl: db.url, dir, sources: SOURCES, now: NOW });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('makes no practitioner rows out of patients: no practitioner was lost, and the patients are rows of patients', () => {
    expect(result.report.files).not.toContain('mappings/practitioners.yaml');
    const practitioners = result.report.tables.find((t) => t.table === 'public.practitioners');
    expect(practitioners?.lostRows).toBe('unlikely');
    const why = (practitioners?.mapping as { none: string }).none;
    expect(why).toMatch(/Stripe customers: none of the 55 sampled Stripe customers is a row it has \(by practitioners\.id\/email\): they are rows of another table \(\d+% of \d+ sampled values match patients\.\w+/);
    expect(why).toMatch(/Stripe invoices: none of the 41 sampled Stripe invoices is a row it has/);
    expect(why).toMatch(/calendar events: every sampled value of calendar events is a row it has \(100% of 2 sampled values match practitioners\.email \(from data\.organizer\.email\)\) and it probably lost none/);
  });

  it('looks the practitioner up by the organizer, the patient by the attendee', async () => {
    const appointments = await read('appointments.yaml');
    expect(appointments).toMatch(/ {6}practitioner_id: \{ from: data\.organizer\.email, transform: \[email\], lookup: \{ table: practitioners, by: email \} \}.*100% of 2 sampled values match practitioners\.email/);
    expect(appointments).toMatch(/ {6}patient_id: \{ from: 'data\.attendees\[0\]\.email', transform: \[email\], lookup: \{ table: patients, by: email \} \}.*100% of 36 sampled values match patients\.email/);
  });

  it('says a uuid key is made by the target at apply time, as reconcile does', async () => {
    for (const file of ['patients.yaml', 'appointments.yaml', 'invoices.yaml']) {
      const text = await read(file);
      expect(text).toContain('      # id: new rows take a key the target makes when the patch is applied (its default, gen_random_uuid()); rows that point at them follow it');
      expect(text).not.toContain('applies to new rows');
    }
    // A jsonb column is no record field by name.
    expect(await read('appointments.yaml')).toContain("      # details: a JSON value no field of calendar events is by itself; new rows get the default ('{}'::jsonb)");
  });

  it('takes created_at from the intake mail whose times the column holds, not from Stripe seconds later', async () => {
    const patients = await read('patients.yaml');
    expect(patients).toContain(
      '      # created_at: createdAt is not it: none of 55 sampled values is a value of patients.created_at, although these records are rows the backup has (90% of 55 sampled values match patients.stripe_customer_id by data.id)',
    );
    expect(patients).toMatch(/ {6}created_at: \{ from: data\.date, transform: \[timestamp\] \}.*90% of 55 sampled values match patients\.created_at \(the same instant\)/);
    expect(patients).not.toMatch(/^ {6}created_at: \{ from: createdAt/m);
    // Records that are not the patient rows themselves do not say when a patient last changed.
    expect(patients).not.toMatch(/^ {6}updated_at:/m);
    expect(patients).toContain('match: [[stripe_customer_id], [email]]   # its unique keys (and those unique among live rows, by a partial index)');
  });

  it('leaves only the mail selection to write, and check accepts the draft once it is', async () => {
    expect(result.report.todos.map((t) => `${t.file}: ${t.text}`)).toEqual(['mappings/patients.yaml: TODO: which messages are about these rows? e.g. data.subject: { matches: Booking }']);
    await fillTodos(path.join(dir, 'mappings'), { 'patients.yaml#when': "data.subject: { matches: 'intake' }" });
    expect(todosLeft(await mappingTexts(dir))).toEqual([]);
    const report = await checkDraft(dir, db.url);
    expect(report.problems).toEqual([]);
  });
});
