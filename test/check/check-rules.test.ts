import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, formatCheckReport, type CheckReport, type RuleStats } from '../../src/check/index.js';
import { loadConfig, type SalvageConfig } from '../../src/config/load.js';
import { EXPORT_PATHS, type Incident } from '../../src/demo/incident.js';
import type { SourceRecord } from '../../src/records/envelope.js';
import { readRecordsFile } from '../../src/records/ndjson.js';
import { readCsv } from '../demo/read-exports.js';
import { prepareSampleCase, type SampleCase } from '../init/sample-case.js';
import { postgresAvailable } from '../support/postgres.js';
import { recordsPath } from '../../src/runtime/job-paths.js';
import { SOURCE_KINDS } from '../../connectors/registry.js';

const pgUp = await postgresAvailable();

/**
 * The sample incident with its hand-written mappings, its exports pulled (the Google
 * calendar is configured but not pulled): what check says each rule makes of them,
 * against counts taken straight from the export files.
 */
describe.runIf(pgUp)('salvage check over pulled records: per rule, matches, failures and samples', () => {
  let sample: SampleCase;
  let incident: Incident;
  let config: SalvageConfig;
  let report: CheckReport;
  const rule = (id: string): RuleStats => {
    const found = report.rules.find((r) => r.rule === id);
    if (!found) throw new Error(`no rule ${id} in the report`);
    return found;
  };

  beforeAll(async () => {
    sample = await prepareSampleCase('check_rules', { pullCalendarApi: false });
    incident = sample.incident;
    config = await loadConfig(path.join(sample.job, 'salvage.yaml'), { kinds: SOURCE_KINDS, env: sample.env });
    report = await check(config);
  });
  afterAll(async () => {
    await sample?.backup.drop();
  });

  it('finds no problem in the hand-written mappings', () => {
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('counts what each rule matched, exactly as the exports say', async () => {
    const charges = readCsv(incident.exports[EXPORT_PATHS.payments] ?? '');
    const paid = charges.filter((c) => ['Paid', 'Refunded', 'Partially Refunded'].includes(c['Status'] ?? ''));
    const refunds = readCsv(incident.exports[EXPORT_PATHS.refunds] ?? '').filter((r) => r['Status'] === 'succeeded');
    // The ICS connector keeps the events written in the window: count the booking events it pulled.
    const pulled: SourceRecord[] = [];
    for await (const { record } of readRecordsFile(recordsPath(sample.job, 'calendar'))) pulled.push(record);
    const bookingEvents = pulled.filter((r) => /^booking-\d+@/.test(String(r.data['uid'])));

    expect(rule('payments.yaml#card-charge')).toMatchObject({ table: 'payments', matched: paid.length, failed: 0, keyless: 0 });
    expect(rule('bookings.yaml#card-payment')).toMatchObject({ matched: paid.length, failed: 0 });
    expect(rule('customers.yaml#card-payer')).toMatchObject({ matched: paid.length, failed: 0 });
    expect(rule('refunds.yaml#refund')).toMatchObject({ matched: refunds.length, failed: 0, keyless: 0 });
    expect(rule('bookings.yaml#calendar-event')).toMatchObject({ matched: bookingEvents.length, failed: 0, keyless: 0 });
    expect(rule('customers.yaml#attendee-of-booking')).toMatchObject({ matched: bookingEvents.length, failed: 0 });
    // What no rule took is counted too: the staff meetings of the calendar, the failed charges.
    const calendar = report.sources.find((s) => s.name === 'calendar');
    expect(calendar?.unmatched).toEqual([{ type: 'calendar.event', count: pulled.length - bookingEvents.length, samples: expect.any(Array) }]);
    const payments = report.sources.find((s) => s.name === 'payments');
    expect(payments?.unmatched.map((u) => u.count)).toEqual([charges.length - paid.length]);
    expect(report.sources.find((s) => s.name === 'gcal')).toMatchObject({ pulled: false, records: 0 });
  });

  it('says per rule whether it compiles to SQL for the work database or runs in the worker, and why', () => {
    expect(rule('customers.yaml#card-payer').runs).toBe('sql');
    expect(rule('refunds.yaml#refund').runs).toBe('sql');
    expect(rule('bookings.yaml#calendar-event').runs).toBe('worker: extract: regex patterns must stay linear-time (RE2), which PostgreSQL regular expressions do not promise');
    const text = formatCheckReport(report);
    expect(text).toContain('Where each rule runs (sql: compiled to one query in the work database; worker: mapped in JavaScript):\n');
    expect(text).toContain('\n  customers.yaml#card-payer: sql\n');
    expect(text).toContain('\n  bookings.yaml#calendar-event: worker: extract: regex patterns must stay linear-time (RE2)');
  });

  it('shows 3 sample rows per rule, with where each came from', () => {
    const charges = readCsv(incident.exports[EXPORT_PATHS.payments] ?? '').filter((c) => ['Paid', 'Refunded', 'Partially Refunded'].includes(c['Status'] ?? ''));
    const samples = rule('payments.yaml#card-charge').samples;
    expect(samples).toHaveLength(3);
    expect(samples.map((s) => s.values['stripe_charge_id'])).toEqual(charges.slice(0, 3).map((c) => c['id']));
    expect(samples[0]?.ref).toMatch(/^file:\/\/exports\/payments\.csv#L\d+$/);
    expect(samples[0]?.values).toMatchObject({ amount: charges[0]?.['Amount'], currency: (charges[0]?.['Currency'] ?? '').toUpperCase() });
    expect(samples[0]?.lookups['booking_id']).toMatch(/^bookings\.reference = [A-Z0-9]{6}$/);

    const text = formatCheckReport(report);
    expect(text).toMatch(new RegExp(`payments\\.yaml#card-charge -> payments \\(payments\\.yaml:\\d+\\): ${charges.length} matched, 0 failed`));
    expect(text).toMatch(/ {4}1\. stripe_charge_id=ch_\w+ .*booking_id<-"bookings\.reference = [A-Z0-9]{6}"\n {7}from file:\/\/exports\/payments\.csv#L2/);
    expect(text).toContain('gcal (google-calendar): not pulled yet');
  });

  it('shows per rule the values their column cannot hold exactly: digits numeric(10,2) would round away, an e-mail in a numeric column', async () => {
    const file = path.join(sample.job, 'mappings', 'payments.yaml');
    const original = await readFile(file, 'utf8');
    const amount = 'amount: { from: data.Amount, transform: [decimal] }';
    expect(original).toContain(amount);
    const charges = readCsv(incident.exports[EXPORT_PATHS.payments] ?? '').length;
    const statsOf = (r: CheckReport) => r.rules.find((x) => x.rule === 'payments.yaml#card-charge');
    try {
      // 80.50 becomes 80.505: PostgreSQL would store 80.51, silently.
      await writeFile(file, original.replace(amount, "amount: { from: data.Amount, transform: [decimal, { add_suffix: '5' }] }"));
      const rounded = await check(config);
      expect(statsOf(rounded)).toMatchObject({ unfit: expect.any(Number), unfits: [expect.objectContaining({ column: 'amount', message: expect.stringMatching(/^\d+\.\d{2}5 has 3 decimal place\(s\), numeric\(\d+,2\) keeps 2: PostgreSQL would store it rounded/) }), expect.anything(), expect.anything()] });
      expect(statsOf(rounded)?.unfit).toBeGreaterThan(charges / 2);
      expect(formatCheckReport(rounded)).toMatch(/payments\.yaml#card-charge -> .*: \d+ matched, 0 failed, \d+ with a value its column cannot hold exactly \(unrecoverable\)/);
      expect(formatCheckReport(rounded)).toMatch(/does not fit: amount: \d+\.\d{2}5 has 3 decimal place\(s\)/);
      expect(rounded.warnings.map((w) => w.message)).toContainEqual(expect.stringMatching(/^payments\.yaml#card-charge: \d+ value\(s\) cannot be stored exactly in their column/));

      // Rounding on purpose is allowed.
      await writeFile(file, original.replace(amount, "amount: { from: data.Amount, transform: [decimal, { add_suffix: '5' }, { decimal: { scale: 2 } }] }"));
      expect(statsOf(await check(config))).toMatchObject({ unfit: 0, unfits: [] });

      // An e-mail address mapped into the amount column.
      await writeFile(file, original.replace(amount, "amount: { from: data.Amount, transform: [{ add_suffix: '@example.com' }] }"));
      expect(statsOf(await check(config))?.unfits[0]).toMatchObject({ column: 'amount', message: expect.stringMatching(/is not a number \(column type numeric/) });
    } finally {
      await writeFile(file, original);
    }
  });

  it('counts and shows the records a rule could not convert', async () => {
    // Forget one of the Stripe export's statuses: those charges now fail the value map.
    const file = path.join(sample.job, 'mappings', 'payments.yaml');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace(', Partially Refunded: partially_refunded', ''));
    try {
      const broken = await check(config);
      const partial = readCsv(incident.exports[EXPORT_PATHS.payments] ?? '').filter((c) => c['Status'] === 'Partially Refunded');
      const stats = broken.rules.find((r) => r.rule === 'payments.yaml#card-charge');
      expect(partial.length).toBeGreaterThan(0);
      expect(stats).toMatchObject({ failed: partial.length });
      expect(stats?.failures[0]).toMatchObject({ column: 'status', message: expect.stringMatching(/^map: "Partially Refunded" is not one of/) });
      expect(formatCheckReport(broken)).toMatch(/failed: status: map: "Partially Refunded" is not one of .* \(file:\/\/exports\/payments\.csv#L\d+\)/);
    } finally {
      await writeFile(file, original);
    }
  });
  it('lists a broken records file as a problem and still counts the rest', async () => {
    const file = recordsPath(sample.job, 'refunds');
    const original = await readFile(file, 'utf8');
    const lines = original.trimEnd().split('\n').length;
    await writeFile(file, `${original}{"half a record\n`);
    try {
      const broken = await check(config);
      expect(broken.problems.map((p) => p.message)).toEqual([
        expect.stringMatching(new RegExp(`^records of source "refunds": ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${lines + 1}: not valid JSON \\(.*\\); re-run "salvage pull"`)),
      ]);
      expect(broken.rules.find((r) => r.rule === 'refunds.yaml#refund')?.matched).toBe(rule('refunds.yaml#refund').matched);
      expect(broken.rules.find((r) => r.rule === 'payments.yaml#card-charge')?.matched).toBe(rule('payments.yaml#card-charge').matched);
    } finally {
      await writeFile(file, original);
    }
  });
});
