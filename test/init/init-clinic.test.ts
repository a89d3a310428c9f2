import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { check } from '../../src/check/index.js';
import { parseConfig } from '../../src/config/load.js';
import { readCatalog } from '../../src/db/catalog.js';
import { formatInitReport, init, type InitResult } from '../../src/init/index.js';
import { bindMappings } from '../../src/mapping/check-catalog.js';
import { parseMappings } from '../../src/mapping/load.js';
import { tempJobDir } from '../support/flow.js';
import { seededDatabase } from '../support/seeded-database.js';
import { postgresAvailable } from '../support/postgres.js';
import { CLINIC_SCHEMA_SQL, INTAKE_CSV } from './clinic-schema.js';
import { fillTodos, todosLeft } from './fill-todos.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

const pgUp = await postgresAvailable();
const SOURCES = ['stripe', 'inbox=imap', 'calendar=google-calendar', 'intake=csv:exports/intake.csv'];

describe.runIf(pgUp)('salvage init on a schema it has never seen (a clinic)', () => {
  const db = seededDatabase('init_clinic', CLINIC_SCHEMA_SQL);
  let dir: string;
  let result: InitResult;
  const read = (file: string) => readFile(path.join(dir, file), 'utf8');

  beforeAll(async () => {
    dir = await tempJobDir('init-clinic');
    await mkdir(path.join(dir, 'exports'));
    await writeFile(path.join(dir, 'exports', 'intake.csv'), INTAKE_CSV);
    result = await init({ kinds: SOURCE_KINDS, backupUrl: db.url, dir, sources: SOURCES, now: new Date('2026-03-01T12:00:00Z') });
  });

  it('finds where the backup ends and which tables were busy up to it', () => {
    const { report } = result;
    expect(report.backupEnd).toEqual({ at: '2026-02-19T17:00:00.000Z', table: 'public.invoices', column: 'issued_at' });
    const verdicts = Object.fromEntries(report.tables.map((t) => [t.table, t.lostRows]));
    expect(verdicts).toEqual({ 'public.appointments': 'likely', 'public.invoices': 'likely', 'public.patients': 'likely', 'public.practitioners': 'unlikely' });
    const text = formatInitReport(report);
    expect(text).toMatch(/public\.practitioners: last written \d+ days before the backup ends.*: quiet for long, probably nothing lost/);
    expect(text).toContain('  no mapping written: no named source carries its key or the kind of thing it stores');
    expect(text).toContain('sequence public.patients_id_seq feeds id (at 120)');
    expect(report.window).toEqual({ from: '2026-02-19T17:00:00.000Z', to: '2026-03-01T12:00:00.000Z' });
  });

  it('writes no mapping for a table no source can feed, and says why', () => {
    const practitioners = result.report.tables.find((t) => t.table === 'public.practitioners');
    expect(practitioners?.mapping).toEqual({ none: 'no named source carries its key or the kind of thing it stores' });
    expect(result.report.files).toEqual(['salvage.yaml', 'mappings/patients.yaml', 'mappings/appointments.yaml', 'mappings/invoices.yaml']);
  });

  it('writes a config whose every secret is an env: variable', async () => {
    const config = await read('salvage.yaml');
    expect(config).toContain('stripe: { kind: stripe, apiKey: env:STRIPE_API_KEY }');
    expect(config).toContain('inbox: { kind: imap, host: env:INBOX_HOST, port: 993, secure: true, user: env:INBOX_USER, pass: env:INBOX_PASS, mailboxes: [INBOX] }');
    expect(config).toContain('intake: { kind: csv, files: [exports/intake.csv] }');
    const parsed = parseConfig(config, path.join(dir, 'salvage.yaml'), { kinds: SOURCE_KINDS, env: {} });
    expect(parsed.missingEnv.map((m) => m.path.join('.'))).toEqual([
      'backup.url', 'target.url', 'sources.stripe.apiKey', 'sources.inbox.host', 'sources.inbox.user', 'sources.inbox.pass', 'sources.calendar.accessToken',
    ]);
  });

  it('matches columns by concept, type and sampled values', async () => {
    const patients = await read('mappings/patients.yaml');
    expect(patients).toContain('match: [[email], [stripe_customer_id]]');
    // The Stripe customer is the patient: its own id, its name split in two, its email.
    expect(patients).toContain('stripe_customer_id: data.id');
    expect(patients).toContain("first_name: { from: data.name, transform: [collapse_whitespace, { split: { by: ' ', index: 0 } }] }");
    expect(patients).toContain("last_name: { from: data.name, transform: [collapse_whitespace, { split: { by: ' ', index: -1 } }] }");
    // The intake form's columns, by header and values (a semicolon CSV, dates, instants with offsets).
    expect(patients).toContain('date_of_birth: { from: \'data["Date of Birth"]\', transform: [date] }');
    expect(patients).toContain('created_at: { from: \'data["Submitted At"]\', transform: [timestamp] }');
    expect(patients).toContain('phone: { from: data.Phone, transform: [trim] }');
    const appointments = await read('mappings/appointments.yaml');
    expect(appointments).toContain("patient_id: { from: 'data.attendees[0].email', transform: [email], lookup: { table: patients, by: email } }");
    // The enum's own values: CONFIRMED means booked; TENTATIVE has no counterpart and is left out, saying so.
    expect(appointments).toContain('status: { from: data.status, transform: [{ map: { values: { CONFIRMED: booked, CANCELLED: cancelled } } }] }');
    expect(appointments).toContain('data.status: { in: [CONFIRMED, CANCELLED] }   # records whose status is TENTATIVE have no counterpart in status: left out');
    expect(appointments).toMatch(/match: \[\[patient_id, starts_at\]\]   # no unique key: a GUESS/);
    expect(appointments).toMatch(/practitioner_id: 'TODO: practitioner_id \(integer\) is required and no field of calendar events fits it \(foreign key to practitioners, which has no unique key besides its primary key to look a row up by\)/);
    const invoices = await read('mappings/invoices.yaml');
    expect(invoices).toContain('stripe_invoice_id: data.id');
    expect(invoices).toContain('amount_cents: { from: data.amount_paid, transform: [int] }');
    expect(invoices).toContain('currency: { from: data.currency, transform: [upper] }');
    expect(invoices).toContain('status: { from: data.status, transform: [{ map: { values: { draft: draft, open: open, paid: paid, void: void } } }] }');
    expect(invoices).toContain('issued_at: { from: createdAt, transform: [timestamp] }');
    expect(invoices).toContain("patient_id: { from: data.customer_email, transform: [email], lookup: { table: patients, by: email } }");
  });

  it('names every TODO with file:line through check, and validates once they are filled', async () => {
    const texts = await Promise.all((await readdir(path.join(dir, 'mappings'))).map((f) => read(`mappings/${f}`)));
    expect(todosLeft(texts)).toHaveLength(result.report.todos.length);
    expect(result.report.todos.map((t) => `${t.file}: ${t.text}`)).toEqual([
      expect.stringMatching(/^mappings\/appointments\.yaml: TODO: practitioner_id \(integer\) is required/),
      expect.stringMatching(/^mappings\/patients\.yaml: TODO: date_of_birth \(date\) is required and no field of Stripe customers fits it; another rule fills it/),
      'mappings/patients.yaml: TODO: which messages are about these rows? e.g. data.subject: { matches: Booking }',
    ]);

    const config = parseConfig(await read('salvage.yaml'), path.join(dir, 'salvage.yaml'), { kinds: SOURCE_KINDS, env: { BACKUP_DATABASE_URL: db.url } });
    const report = await check(config);
    const todoProblems = report.problems.filter((p) => p.message.startsWith('TODO:'));
    expect(todoProblems.map((p) => `${path.relative(dir, p.file)}:${p.line}: ${p.message.slice(0, 30)}`)).toEqual(
      result.report.todos.map((t) => `${t.file}:${t.line}: ${t.text.slice(0, 30)}`),
    );
    // The file without TODOs is still checked: invoices' rules are all there.
    expect(report.rules.map((r) => r.rule)).toEqual(['invoices.yaml#stripe-invoice']);

    await fillTodos(path.join(dir, 'mappings'), {
      'patients.yaml#date_of_birth': "{ value: '1900-01-01' }",
      'patients.yaml#when': "data.subject: { matches: 'Appointment' }",
      'appointments.yaml#practitioner_id': '{ value: 1 }',
    });
    const filled = await Promise.all(
      (await readdir(path.join(dir, 'mappings'))).map(async (f) => ({ file: path.join(dir, 'mappings', f), text: await read(`mappings/${f}`) })),
    );
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const bound = bindMappings(parseMappings(filled), await readCatalog(client), ['stripe', 'inbox', 'calendar', 'intake']);
      expect(bound.map((b) => `${b.table.name}: ${b.mapping.rules.map((r) => r.name).join(', ')}`).sort()).toEqual([
        'appointments: calendar-event',
        'invoices: stripe-invoice',
        'patients: stripe-customer, stripe-charge, intake-row, stripe-invoice, stripe-checkout-session, calendar-event, email-message',
      ]);
    } finally {
      await client.end();
    }
    const clean = await check(config);
    expect(clean.problems).toEqual([]);
  });
});
